"""The groups core: every gate of the watch decision, questions, the check limit, buttons, the use case."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalogue import Rumor, Verdict, load_catalogue
from bot.checking import ChatType, CheckRequest, ForwardOrigin, ReportKind
from bot.core import build_matcher
from bot.groups.watch import (
    STALE_AFTER,
    Admission,
    CheckLimiter,
    GroupPolicy,
    GroupWatch,
    QuestionTarget,
    Sighting,
    WatchAction,
    WatchMode,
    decide_watch,
    mode_payload,
    parse_mode,
    parse_mode_payload,
    private_sighting,
    question_target,
)
from bot.locale import get_locale
from bot.matching.matcher import Band, Candidate, MatchResult, Thresholds
from bot.store.storage import Storage
from handlers.plain_text import render_plain
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


# -- questions, limit, settings words and buttons ---------------------------------------------------------

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


def test_check_limiter_allows_then_one_notice_then_silence() -> None:
    limiter = CheckLimiter(per_window=5, window=60.0)
    assert [limiter.admit("lan", t) for t in range(5)] == [Admission.ALLOW] * 5
    assert limiter.admit("lan", 10.0) is Admission.NOTICE
    assert limiter.admit("lan", 11.0) is Admission.SILENT
    assert limiter.admit("minh", 11.0) is Admission.ALLOW  # per user
    assert limiter.admit("lan", 60.0) is Admission.ALLOW  # the first check left the window
    assert limiter.admit("lan", 60.5) is Admission.NOTICE  # a new burst gets its own notice


@pytest.mark.parametrize(("word", "mode"), [
    ("warn", WatchMode.WARN), ("ON", WatchMode.WARN), ("bật", WatchMode.WARN), ("observe", WatchMode.OBSERVE),
    ("theo-dõi", WatchMode.OBSERVE), ("off", WatchMode.OFF), ("Tắt", WatchMode.OFF), ("max", None), ("", None),
])
def test_mode_words(word: str, mode: WatchMode | None) -> None:
    assert parse_mode(word) is mode


def test_button_payloads_are_versioned_and_validated() -> None:
    for mode in WatchMode:
        payload = mode_payload(mode)
        assert len(payload.encode()) <= 64 and parse_mode_payload(payload) is mode
    for forged in ("v0:grp:mode:warn", "v1:grp:mode:all", "v1:grp:mode:", "v1:other:mode:warn", ""):
        assert parse_mode_payload(forged) is None


def test_every_sentence_exists_in_both_languages(rumors: dict[str, Rumor]) -> None:
    from bot.groups.watch import join_reply, mode_changed_reply, settings_reply, warning_reply

    for language in ("vi", "en"):
        locale = get_locale(language)
        for mode in WatchMode:
            for reads_all in (True, False):
                for reply in (settings_reply(mode, reads_all, POLICY, locale),
                              mode_changed_reply(mode, reads_all, POLICY, locale),
                              join_reply(mode, reads_all, POLICY, locale)):
                    assert "{" not in reply.plain
        warning = render_plain(warning_reply(result(rumors["vneid-link-cai-dat-gia"]), locale))
        assert "https://congan.example/canh-bao-vneid-link-gia" in warning


# -- the use case over a real SQLite file --------------------------------------------------------------

@pytest.fixture
async def watch(tmp_path: Path, rumors: dict[str, Rumor]) -> AsyncIterator[GroupWatch]:
    storage = await Storage.open(tmp_path / "kc.db")
    yield GroupWatch(build_matcher(list(rumors.values()), Thresholds(80, 62)), storage, POLICY)
    await storage.close()


async def test_watch_warns_once_per_cooldown_and_logs_each_sighting(watch: GroupWatch) -> None:
    await watch.set_mode("telegram", GROUP, WatchMode.WARN, "5003")
    first = await watch.watch(sighting(), NOW)
    assert first.decision.action is WatchAction.WARN and first.reply is not None
    again = await watch.watch(replace(sighting(), request=replace(sighting().request, message_id="89")),
                              NOW + dt.timedelta(hours=1))
    assert again.decision.action is WatchAction.RECORD and again.reply is None
    later = await watch.watch(replace(sighting(), request=replace(sighting().request, message_id="90"),
                                      sent_at=NOW + dt.timedelta(hours=7)), NOW + dt.timedelta(hours=7))
    assert later.decision.action is WatchAction.WARN
    assert isinstance(watch.store, Storage)
    rows = await watch.store.reports.recent()
    assert [(r.kind, r.user_id) for r in rows] == [("seen", None)] * 3


async def test_default_mode_applies_until_an_admin_chooses(watch: GroupWatch) -> None:
    assert await watch.mode("telegram", GROUP) is WatchMode.OBSERVE
    outcome = await watch.watch(sighting(), NOW)
    assert outcome.decision.action is WatchAction.RECORD and outcome.reply is None


async def test_migration_moves_settings_and_cooldowns_and_skips_the_second_introduction(watch: GroupWatch) -> None:
    old, new = "-4700000002", "-1001700000002"
    await watch.set_mode("telegram", old, WatchMode.WARN, "5003")
    await watch.store.groups.record_warning("telegram", old, "vneid-link-cai-dat-gia", "12", NOW)
    await watch.migrated("telegram", old, new, NOW)
    await watch.migrated("telegram", old, new, NOW)  # announced in both chats: the second changes nothing
    assert await watch.store.groups.mode("telegram", old) is None
    assert await watch.mode("telegram", new) is WatchMode.WARN
    assert await watch.store.groups.last_warning("telegram", new, "vneid-link-cai-dat-gia") == NOW
    assert await watch.joined("telegram", new, True, NOW + dt.timedelta(minutes=1)) is None
    assert await watch.joined("telegram", new, True, NOW + dt.timedelta(hours=1)) is not None  # re-added later


async def test_settings_chosen_in_the_new_chat_win_over_the_old(watch: GroupWatch) -> None:
    old, new = "-4700000002", "-1001700000002"
    await watch.set_mode("telegram", old, WatchMode.WARN, "5003")
    await watch.set_mode("telegram", new, WatchMode.OFF, "5003")
    await watch.migrated("telegram", old, new, NOW)
    assert await watch.mode("telegram", new) is WatchMode.OFF
    assert await watch.store.groups.mode("telegram", old) is None
