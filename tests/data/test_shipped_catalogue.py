"""The shipped catalogue, loaded with the real loader: what group admins get on day one."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.catalogue import Catalogue, Verdict, load_catalogue
from bot.config import SHIPPED_CATALOGUE
from bot.groups.policy import GroupPolicy, word_count
from bot.matching.normalize import folded

# The documented tag vocabulary (data/SOURCES.md); a new tag is added there first.
TAGS = {
    "lua-dao", "mao-danh", "vneid", "ngan-hang", "dien-luc", "giao-thong", "thue", "bao-hiem", "viec-lam",
    "trung-thuong", "lay-lai-tien", "vay-tien", "tu-thien", "dau-tu", "thien-tai", "suc-khoe", "vac-xin",
    "gay-hoang-mang", "chinh-sach", "dia-phuong", "tre-em", "giao-duc",
}


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return load_catalogue(SHIPPED_CATALOGUE)


def test_at_least_forty_published_entries(shipped: Catalogue) -> None:
    assert len(shipped.published) >= 40


def test_every_entry_has_a_dated_https_source(shipped: Catalogue) -> None:
    for rumor in shipped.rumors:
        assert rumor.sources, rumor.id
        for source in rumor.sources:
            assert source.url.startswith("https://"), (rumor.id, source.url)
            assert source.date is not None, (rumor.id, source.url)
            assert source.publisher and source.title, rumor.id
        assert rumor.published is not None, rumor.id
        assert rumor.published <= min(s.date for s in rumor.sources if s.date), rumor.id


def test_no_duplicate_claims_once_normalised(shipped: Catalogue) -> None:
    texts = Counter(folded(text) for rumor in shipped.rumors for text in rumor.texts)
    assert [t for t, n in texts.items() if n > 1] == []


def test_tags_come_from_the_vocabulary(shipped: Catalogue) -> None:
    used = {tag for rumor in shipped.rumors for tag in rumor.tags}
    assert used <= TAGS, used - TAGS
    assert all(rumor.tags for rumor in shipped.rumors)


def test_no_true_verdicts_without_reason_and_scams_are_tagged(shipped: Catalogue) -> None:
    for rumor in shipped.rumors:
        if rumor.verdict is Verdict.SCAM:
            assert "lua-dao" in rumor.tags, rumor.id


def test_sources_md_documents_every_tag() -> None:
    text = (SHIPPED_CATALOGUE.parent / "SOURCES.md").read_text(encoding="utf-8")
    for tag in TAGS:
        assert f"`{tag}`" in text, tag


def test_every_entry_is_long_enough_to_be_warned_about(shipped: Catalogue) -> None:
    """min_warn_words keeps fragments out of group warnings; a full repost of any entry must pass it."""
    minimum = GroupPolicy().min_warn_words
    short = [(r.id, text) for r in shipped.published for text in r.texts if word_count(text) < minimum]
    assert short == []
