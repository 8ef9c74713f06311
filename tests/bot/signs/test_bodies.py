"""The bodies scams claim to be: their data, and finding their names in a message."""

from __future__ import annotations

import pytest

from bot.matching.indicators import link_parts
from bot.matching.normalize import normalize
from bot.signs.bodies import shipped_bodies


def named(text: str) -> list[str]:
    return [n.body.id for n in shipped_bodies().named_in(normalize(text))]


def test_every_body_has_a_source_names_and_registered_domains() -> None:
    bodies = shipped_bodies()
    assert len(bodies.bodies) >= 31
    assert len({b.id for b in bodies.bodies}) == len(bodies.bodies)
    for body in bodies.bodies:
        assert body.source.startswith(("https://", "http://")), body.id
        assert body.names and body.kind, body.id
        for domain in body.domains:
            parts = link_parts(domain)
            assert parts is not None and parts.registered == domain, (body.id, domain)


@pytest.mark.parametrize(("text", "body"), [
    ("Vietcombank thông báo tài khoản của quý khách", "vietcombank"),
    ("VCB: quy khach co 18.000 diem thuong", "vietcombank"),
    ("CSGT VN: xe cua ban vi pham", "csgt"),
    ("Cảnh sát giao thông thông báo phạt nguội", "csgt"),
    ("canh sat giao thong thong bao", "csgt"),
    ("Cơ quan thuế nhắc nộp tờ khai", "thue"),
    ("co quan thue nhac nop to khai", "thue"),
    ("BHXH thong bao cap nhat VssID", "bhxh"),
    ("Nhân viên kỹ thuật Điện lực xin thông báo", "evn"),
    ("Ban chỉ huy quân sự phường đặt hàng", "quan_doi"),
    ("Ngân hàng Quân đội thông báo", "banks_unsourced"),  # MB, not the army: the longer name wins
])
def test_a_body_is_named_with_or_without_marks_and_by_its_abbreviation(text: str, body: str) -> None:
    assert named(text)[0] == body


@pytest.mark.parametrize("text", [
    "Thuê bao của quý khách đã được gia hạn",  # thuê, not thuế
    "thue bao cua quy khach da duoc gia han",
    "Cộng an ninh mạng",  # marks that say another word: not "công an"
    "Ket ban Zalo de duoc ho tro",  # Zalo is where scams send people, not who they claim to be
    "Xem tại vietcombank-uudai.top",  # words inside a link name no one
])
def test_no_body_where_the_words_mean_something_else(text: str) -> None:
    from bot.matching.indicators import extract

    assert named(extract(text).rest) == []


def test_related_bodies_share_their_domains() -> None:
    bodies = shipped_bodies()
    assert "evnhanoi.vn" in bodies.official_for(["evn"])
    assert bodies.is_official("congan.danang.gov.vn", "danang.gov.vn")  # provincial police portals
    assert not bodies.is_official("congan.113hanoi.com", "113hanoi.com")
