"""Shared by the groups tests: the fixture catalogue's entries, a sighting in a group, a match."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.catalogue import Rumor, load_catalogue
from bot.checking import ChatType, CheckRequest, ReportKind
from bot.groups.policy import GroupPolicy, Sighting
from bot.matching.matcher import Band, Candidate, MatchResult
from tests.updates import VNEID_RUMOR as REPOST

NOW = dt.datetime(2024, 9, 14, 9, 30, tzinfo=dt.UTC)
POLICY = GroupPolicy()
GROUP = "-1001700000001"


@pytest.fixture(scope="module")
def rumors() -> dict[str, Rumor]:
    return {r.id: r for r in load_catalogue(Path(__file__).parents[2] / "fixtures" / "catalogue.yaml").published}


def result(rumor: Rumor, band: Band = Band.MATCH, score: float = 96.0) -> MatchResult:
    return MatchResult(band, (Candidate(rumor, score),))


def sighting(text: str = REPOST, *, age: dt.timedelta = dt.timedelta(seconds=3), from_bot: bool = False,
             from_self: bool = False) -> Sighting:
    request = CheckRequest(platform="telegram", chat_id=GROUP, chat_type=ChatType.GROUP, text=text, user_id="5002",
                           kind=ReportKind.SEEN, message_id="88")
    return Sighting(request, NOW - age, from_self=from_self, from_bot=from_bot)
