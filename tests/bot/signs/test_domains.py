"""What a link's host says about who is behind it."""

from __future__ import annotations

import pytest

from bot.matching.indicators import link_parts
from bot.signs.blocklist import ScamDomainLists
from bot.signs.bodies import shipped_bodies
from bot.signs.domains import LinkJudge, shipped_rules


def judge(link: str, named: frozenset[str] = frozenset()) -> dict[str, str]:
    parts = link_parts(link)
    assert parts is not None
    lists = ScamDomainLists(shipped=False)
    return {f.name: f.detail for f in LinkJudge(shipped_bodies(), lists, shipped_rules()).judge(parts, named)}


@pytest.mark.parametrize("link", [
    "vietcommbank.com", "faceb00k.com.vn", "fasebook.com.vn", "https://vcbdaigibink.com/login", "viettei.com",
])
def test_near_misses_of_official_names_are_look_alikes(link: str) -> None:
    assert "lookalike_domain" in judge(link)


@pytest.mark.parametrize("link", [
    "vietcombank-xacthuc.top", "avietcombank.com", "dichvucong.nfgov.com", "congan.113hanoi.com",
    "vietcombankwubank.weebly.com", "bhxh.co", "dichvucongbaohiemxahoi.com", "dichvucongg.net", "evnnpcs.com",
])
def test_a_body_s_words_in_someone_else_s_host_imitate_it(link: str) -> None:
    assert "brand_in_foreign_domain" in judge(link)


def test_short_brand_words_need_a_whole_part_or_the_body_named() -> None:
    assert "brand_in_foreign_domain" in judge("vcb-xacthuc.top")
    assert "brand_in_foreign_domain" not in judge("vcbdigital-uudai.com")
    assert "brand_in_foreign_domain" in judge("vcbdigital-uudai.com", frozenset({"vietcombank"}))
    assert "brand_in_foreign_domain" not in judge("vibes-music.com")
    assert "brand_in_foreign_domain" in judge("evncredit.online", frozenset({"evn"}))


@pytest.mark.parametrize("link", [
    "lgovn.cc", "dichvucong-gov.com", "baohiemxahoi.vnagov.com", "d.gdtgov.cfd", "dichvucong.gov.vn.example-login.com",
])
def test_gov_outside_gov_vn_is_an_imitation(link: str) -> None:
    assert "fake_gov_domain" in judge(link)


@pytest.mark.parametrize("link", [
    "https://csgt.bocongan.gov.vn/tra-cuu", "congan.danang.gov.vn", "thuedientu.gdt.gov.vn", "www.vietcombank.com.vn",
    "cskh.evnspc.vn", "tingia.gov.vn", "quangnam.gov.vn/thong-bao",
])
def test_official_and_state_hosts_show_nothing(link: str) -> None:
    assert judge(link) == {}


@pytest.mark.parametrize("link", [
    "congan.com.vn/tin-tuc", "travel.state.gov/visa", "govee.com", "facebook.com/vietcombank",
])
def test_honest_hosts_that_share_a_word_show_no_imitation(link: str) -> None:
    assert not {"brand_in_foreign_domain", "lookalike_domain", "fake_gov_domain"} & set(judge(link))


def test_apk_and_cheap_endings() -> None:
    assert "apk_link" in judge("drive.google.com/files/VNeID.apk")  # even on a shared host
    assert judge("quatang.top")["risky_tld"] == ".top"
    assert "risky_tld" not in judge("quatang.vn")


def test_a_listed_domain_is_named_with_its_list() -> None:
    parts = link_parts("https://login.bankmb.top/otp")
    assert parts is not None
    found = LinkJudge(shipped_bodies(), ScamDomainLists(), shipped_rules()).judge(parts, frozenset())
    assert [f.detail for f in found if f.name == "listed_scam_domain"] == ["login.bankmb.top (list: shipped)"]
