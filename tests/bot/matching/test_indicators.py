import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.matching import indicators
from bot.matching.indicators import extract, link_key, listed, phone_key


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    indicators._extractor.cache_clear()  # build the extractor under the patch
    indicators.link_parts.cache_clear()
    yield
    indicators._extractor.cache_clear()


def test_links_are_reduced_to_registered_domains_offline(no_network: None, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "cache"))
    found = extract("Vietcombank: truy cập https://Login.VCB-xacthuc-otp247.top/dang-nhap?id=84912 ngay")
    assert found.keys == {"domain:vcb-xacthuc-otp247.top"}
    assert "84912" not in found.rest  # a number in a link is not a phone number
    assert link_key("tiemchung-quocgia-dangky.info/dangky") == "domain:tiemchung-quocgia-dangky.info"
    assert link_key("www.vietcombank.com.vn") == "domain:vietcombank.com.vn"
    assert not (tmp_path / "cache").exists()  # nothing written


def test_text_that_only_looks_like_a_link_is_not_one() -> None:
    assert extract("Hà Nội – TP.HCM chỉ 590K, phí 5.000.000đ").keys == frozenset()


def test_shorteners_and_platforms_keep_their_path() -> None:
    assert link_key("https://bit.ly/3xYzAbc") == "link:bit.ly/3xYzAbc"
    assert link_key("facebook.com/groups/hatgao?ref=share") == "link:facebook.com/groups/hatgao"
    assert link_key("https://zalo.me") is None
    assert extract("xem tại www.facebook.com nhé").rest.split() == ["xem", "tại", "nhé"]


@pytest.mark.parametrize(
    ("written", "e164"),
    [("0912 345 678", "+84912345678"), ("+84 98.765.4321", "+84987654321"), ("0868.117.979", "+84868117979"),
     ("1900 1234", "+8419001234"), ("(028) 3822 1234", "+842838221234")],
)
def test_phone_numbers_become_e164(written: str, e164: str) -> None:
    assert extract(f"Gọi {written} để nhận quà").keys == {f"phone:{e164}"}
    assert phone_key(written) == f"phone:{e164}"


def test_amounts_and_dates_are_not_phone_numbers() -> None:
    assert extract("Trúng 1.500.000.000đ, hạn 1/7/2024, lãi 30%/tháng, mã 28391").keys == frozenset()


def test_bank_accounts_after_stk() -> None:
    found = extract("ủng hộ qua STK 1903 6688 2025 – Techcombank hoặc Zalo 0932.581.247")
    assert found.keys == {"account:190366882025", "phone:+84932581247"}
    assert extract("số tài khoản: 0123456789 (Vietinbank)").keys == {"account:0123456789"}
    assert extract("nộp 5.000.000đ vào tài khoản của trường").keys == frozenset()


def test_listed_indicators_of_an_entry() -> None:
    keys = listed(("vcb-huy-dichvu.top", "https://bit.ly/abc"), ("0868.117.979", "12"))
    assert keys == {"domain:vcb-huy-dichvu.top", "link:bit.ly/abc", "phone:+84868117979"}


def test_links_keep_their_place_in_the_blanked_text() -> None:
    text = "VCB: xac thuc tai https://vietcombank-xacthuc.top/otp hoac goi 0868.117.979"
    found = extract(text)
    assert [link.text for link in found.links] == ["https://vietcombank-xacthuc.top/otp"]
    link = found.links[0]
    assert text[link.start:link.end] == link.text
    assert found.rest[link.start:link.end].strip() == ""  # blanked, same offsets
