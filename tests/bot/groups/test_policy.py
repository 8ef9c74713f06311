"""The watch policy: every gate of the watch decision, private sightings, what a question asks about."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot.catalogue import Rumor, Verdict
from bot.checking import ForwardOrigin
from bot.groups.policy import (
    STALE_AFTER,
    QuestionTarget,
    Sighting,
    WatchAction,
    WatchMode,
    decide_watch,
    private_sighting,
    question_target,
)
from bot.matching.matcher import Band, Candidate, MatchResult
from tests.bot.groups.conftest import GROUP, NOW, POLICY, result, sighting


def decide(rumor: Rumor, *, mode: WatchMode = WatchMode.WARN, seen: Sighting | None = None,
           match: MatchResult | None = None, last: dt.datetime | None = None) -> tuple[WatchAction, str]:
    decision = decide_watch(mode, seen or sighting(), match or result(rumor), last, POLICY, NOW)
    return decision.action, decision.reason


# -- each gate of the watch decision ----------------------------------------------------------------

def test_a_fresh_full_repost_of_a_scam_is_warned(rumors: dict[str, Rumor]) -> None:
    action, reason = decide(rumors["vneid-link-cai-dat-gia"])
    assert action is WatchAction.WARN
    assert reason.startswith("vneid-link-cai-dat-gia match 96: verdict scam")


@pytest.mark.parametrize("rumor_id", ["muoi-iot-chong-phong-xa", "evn-cat-dien-no-tien"])
def test_false_and_scam_verdicts_are_warned(rumors: dict[str, Rumor], rumor_id: str) -> None:
    assert decide(rumors[rumor_id])[0] is WatchAction.WARN


def test_misleading_is_warned(rumors: dict[str, Rumor]) -> None:
    misleading = replace(rumors["muoi-iot-chong-phong-xa"], verdict=Verdict.MISLEADING)
    assert decide(misleading)[0] is WatchAction.WARN


def test_mode_off_ignores_everything(rumors: dict[str, Rumor]) -> None:
    assert decide(rumors["vneid-link-cai-dat-gia"], mode=WatchMode.OFF) == (WatchAction.IGNORE, "watch mode off")


def test_observe_records_and_never_warns(rumors: dict[str, Rumor]) -> None:
    action, reason = decide(rumors["vneid-link-cai-dat-gia"], mode=WatchMode.OBSERVE)
    assert (action, reason.endswith("observe mode")) == (WatchAction.RECORD, True)


def test_no_match_is_not_even_recorded(rumors: dict[str, Rumor]) -> None:
    none = MatchResult(Band.NONE, (Candidate(rumors["vneid-link-cai-dat-gia"], 31.0),))
    assert decide(rumors["vneid-link-cai-dat-gia"], match=none) == (WatchAction.IGNORE,
                                                                    "no known rumor (best score 31)")


def test_possible_band_is_recorded_not_warned(rumors: dict[str, Rumor]) -> None:
    possible = result(rumors["vneid-link-cai-dat-gia"], Band.POSSIBLE, 71.0)
    action, reason = decide(rumors["vneid-link-cai-dat-gia"], match=possible)
    assert action is WatchAction.RECORD and "band possible" in reason


def test_a_true_entry_is_never_warned(rumors: dict[str, Rumor]) -> None:
    action, reason = decide(rumors["tam-ngung-cap-dien-chu-nhat"])
    assert action is WatchAction.RECORD and "verdict true" in reason


def test_too_short_is_not_warned(rumors: dict[str, Rumor]) -> None:
    short = sighting("nợ tiền điện 2 tháng, sẽ bị cắt điện")
    action, reason = decide(rumors["evn-cat-dien-no-tien"], seen=short)
    assert action is WatchAction.RECORD and "9 words < 10" in reason


def test_bots_are_not_warned_and_the_bot_itself_is_ignored(rumors: dict[str, Rumor]) -> None:
    rumor = rumors["vneid-link-cai-dat-gia"]
    assert decide(rumor, seen=sighting(from_bot=True))[0] is WatchAction.RECORD
    assert decide(rumor, seen=sighting(from_self=True))[0] is WatchAction.IGNORE


def test_stale_messages_are_not_warned(rumors: dict[str, Rumor]) -> None:
    rumor = rumors["vneid-link-cai-dat-gia"]
    assert decide(rumor, seen=sighting(age=STALE_AFTER))[0] is WatchAction.WARN  # exactly a minute: still fresh
    action, reason = decide(rumor, seen=sighting(age=dt.timedelta(minutes=15)))
    assert action is WatchAction.RECORD and "stale, sent 15 min ago" in reason


def test_cooldown_per_group_and_entry(rumors: dict[str, Rumor]) -> None:
    rumor = rumors["vneid-link-cai-dat-gia"]
    action, reason = decide(rumor, last=NOW - dt.timedelta(minutes=20))
    assert action is WatchAction.RECORD and "warned 20 min ago (cooldown 6.0 h)" in reason
    assert decide(rumor, last=NOW - POLICY.warn_cooldown)[0] is WatchAction.WARN


def test_sightings_keep_the_place_not_the_person() -> None:
    by_person = replace(sighting().request, origin=ForwardOrigin("user", "Minh Trần", "5002"))
    by_channel = replace(sighting().request, origin=ForwardOrigin("channel", "Tin Nóng 24h", "-100123"))
    assert private_sighting(by_person).user_id is None and private_sighting(by_person).origin is None
    assert private_sighting(by_channel).origin == by_channel.origin
    assert private_sighting(by_channel).chat_id == GROUP


# -- questions to the bot ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "has_reply", "min_words", "target"), [
    ("có thật không?", True, 8, QuestionTarget.REPLIED),
    ("", True, 1, QuestionTarget.REPLIED),
    ("tin này có thật không vậy bot?", False, 8, QuestionTarget.HINT),
    ("Điện lực báo nhà mình nợ tiền điện phải chuyển khoản", False, 8, QuestionTarget.TEXT),
    ("VNeID", False, 1, QuestionTarget.TEXT),
    ("   ", False, 1, QuestionTarget.HINT),
])
def test_question_target(text: str, has_reply: bool, min_words: int, target: QuestionTarget) -> None:
    assert question_target(text, has_reply, min_words) is target
