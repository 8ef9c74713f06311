"""Groups: the watch-mode policy, the per-user check limit, and the group use cases.

The decision to warn a group is made here, in one pure function (`decide_watch`) that returns
the action and a plain reason; the Telegram side only gathers the facts and sends the reply.
A wrong warning in a group costs more than a missed one (people stop trusting the bot and
admins remove it), so every gate below errs on the side of silence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.catalogue import Verdict
from bot.checking import CheckRequest, source_paragraphs, verdict_label
from bot.locale import Locale, get_locale
from bot.matching.matcher import Band, Matcher, MatchResult
from bot.replies import Button, Paragraph, Reply, bold, italic, shorten
from bot.store.storage import Storage

# A message older than this when it reaches the bot is not warned about: after a restart
# Telegram delivers the backlog, and a warning under an hour-old post lands out of context.
STALE_AFTER = dt.timedelta(minutes=1)
# A mention without a reply whose text has fewer words is a question ("tin này có thật không
# vậy bot?" has 7), not a message to check: the bot answers with the usage hint. Shorter texts
# would rarely match anyway (the first matcher trusts partial matches from 8 words).
SUBSTANTIVE_WORDS = 8
WARNED_VERDICTS = frozenset({Verdict.FALSE, Verdict.SCAM, Verdict.MISLEADING})
# Forward origins that name a public chat or channel: kept in a sighting. A forward from a
# person names that person, and a sighting records no person.
PUBLIC_ORIGINS = frozenset({"chat", "channel"})
SUMMARY_PREVIEW = 320  # characters of the entry's summary in a warning


class WatchMode(StrEnum):
    OFF = "off"  # the bot only answers when asked
    OBSERVE = "observe"  # sightings of known rumors are logged for officers; the bot says nothing
    WARN = "warn"  # as observe, and a reply under a reposted rumor when every gate passes


# What admins may type after /caidat; `on` and the Vietnamese words are accepted too.
MODE_WORDS: dict[str, WatchMode] = {
    "warn": WatchMode.WARN, "on": WatchMode.WARN, "bat": WatchMode.WARN, "bật": WatchMode.WARN,
    "canhbao": WatchMode.WARN, "cảnhbáo": WatchMode.WARN,
    "observe": WatchMode.OBSERVE, "theodoi": WatchMode.OBSERVE, "theodõi": WatchMode.OBSERVE,
    "off": WatchMode.OFF, "tat": WatchMode.OFF, "tắt": WatchMode.OFF,
}


def parse_mode(word: str) -> WatchMode | None:
    return MODE_WORDS.get("".join(word.lower().split()).replace("-", "").replace("_", ""))


@dataclass(frozen=True)
class GroupPolicy:
    """The groups section of the configuration."""

    # `observe` for a newly added group: it says nothing until an admin opts in to warnings,
    # and officers still learn where known rumors circulate.
    default_mode: WatchMode = WatchMode.OBSERVE
    warn_cooldown: dt.timedelta = dt.timedelta(hours=6)
    # The shortest claim or variant in the shipped catalogue has 10 words (measured with
    # tests/data/test_shipped_catalogue.py), so a full repost of any entry passes; a shorter
    # fragment ("mua muối i-ốt về ăn", often part of a debunk) does not.
    min_warn_words: int = 10
    checks_per_minute: int = 5


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


# -- the watch decision --------------------------------------------------------------------------

class WatchAction(StrEnum):
    IGNORE = "ignore"  # nothing logged, nothing said
    RECORD = "record"  # a "seen" report for officers, nothing said
    WARN = "warn"  # a "seen" report and a warning under the message


@dataclass(frozen=True)
class WatchDecision:
    action: WatchAction
    reason: str  # plain words for the log and for officers: which gate decided, with the numbers

    @property
    def records(self) -> bool:
        return self.action is not WatchAction.IGNORE


@dataclass(frozen=True)
class Sighting:
    """A message passing in a group, as plain facts."""

    request: CheckRequest  # kind SEEN
    sent_at: dt.datetime
    from_self: bool = False
    from_bot: bool = False


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def decide_watch(
    mode: WatchMode,
    sighting: Sighting,
    result: MatchResult,
    last_warned: dt.datetime | None,
    policy: GroupPolicy,
    now: dt.datetime,
) -> WatchDecision:
    """Whether to stay silent, log a sighting, or warn; each gate names itself in the reason."""
    if mode is WatchMode.OFF:
        return WatchDecision(WatchAction.IGNORE, "watch mode off")
    if sighting.from_self:
        return WatchDecision(WatchAction.IGNORE, "the bot's own message")
    rumor = result.rumor
    if result.band is Band.NONE or rumor is None:
        return WatchDecision(WatchAction.IGNORE, f"no known rumor (best score {result.score:.0f})")
    entry = f"{rumor.id} {result.band.value} {result.score:.0f}"
    if mode is WatchMode.OBSERVE:
        return WatchDecision(WatchAction.RECORD, f"{entry}: observe mode")
    if sighting.from_bot:
        return WatchDecision(WatchAction.RECORD, f"{entry}: sent by a bot")
    age = (now - sighting.sent_at).total_seconds()
    if age > STALE_AFTER.total_seconds():
        return WatchDecision(WatchAction.RECORD, f"{entry}: stale, sent {_age(age)} ago "
                                                 f"(limit {_age(STALE_AFTER.total_seconds())})")
    if result.band is not Band.MATCH:
        return WatchDecision(WatchAction.RECORD, f"{entry}: band {result.band.value}, warnings need match")
    if rumor.verdict not in WARNED_VERDICTS:
        return WatchDecision(WatchAction.RECORD, f"{entry}: verdict {rumor.verdict.value}, never warned")
    words = word_count(sighting.request.text)
    if words < policy.min_warn_words:
        return WatchDecision(WatchAction.RECORD, f"{entry}: {words} words < {policy.min_warn_words}")
    if last_warned is not None and now - last_warned < policy.warn_cooldown:
        since = (now - last_warned).total_seconds()
        return WatchDecision(WatchAction.RECORD, f"{entry}: warned {_age(since)} ago "
                                                 f"(cooldown {_age(policy.warn_cooldown.total_seconds())})")
    return WatchDecision(WatchAction.WARN, f"{entry}: verdict {rumor.verdict.value}, {words} words")


def private_sighting(request: CheckRequest) -> CheckRequest:
    """The sighting as it is logged: where the rumor passed, never who posted or forwarded it."""
    origin = request.origin if request.origin and request.origin.kind in PUBLIC_ORIGINS else None
    return replace(request, user_id=None, origin=origin)


# -- questions to the bot ----------------------------------------------------------------------------

class QuestionTarget(StrEnum):
    REPLIED = "replied"  # check the message the question replies to
    TEXT = "text"  # check the text that came with the question
    HINT = "hint"  # nothing to check: explain how to ask


def question_target(text: str, has_reply: bool, min_words: int = SUBSTANTIVE_WORDS) -> QuestionTarget:
    """What a command or a mention asks about. `text` is what came with it (command or mention removed);
    a command passes min_words=1: any text typed after /kiemtra is meant to be checked."""
    if has_reply:
        return QuestionTarget.REPLIED
    if word_count(text) >= min_words:
        return QuestionTarget.TEXT
    return QuestionTarget.HINT


# -- the per-user limit on checks ------------------------------------------------------------------

class Admission(StrEnum):
    ALLOW = "allow"
    NOTICE = "notice"  # over the limit: one polite notice...
    SILENT = "silent"  # ...then silence until the window frees up


class CheckLimiter:
    """At most `per_window` checks per user in any `window` seconds (a sliding window)."""

    def __init__(self, per_window: int, window: float = 60.0) -> None:
        self.per_window = per_window
        self.window = window
        self._times: dict[str, deque[float]] = {}
        self._noticed: set[str] = set()

    def admit(self, key: str, now: float) -> Admission:
        times = self._times.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.per_window:
            times.append(now)
            self._noticed.discard(key)
            if len(self._times) > 10_000:
                self._forget(now)
            return Admission.ALLOW
        if key in self._noticed:
            return Admission.SILENT
        self._noticed.add(key)
        return Admission.NOTICE

    def _forget(self, now: float) -> None:
        for key in [k for k, times in self._times.items() if not times or now - times[-1] >= self.window]:
            del self._times[key]
            self._noticed.discard(key)


# -- settings buttons ------------------------------------------------------------------------------

PAYLOAD_VERSION = "v1"
PAYLOAD_PREFIX = f"{PAYLOAD_VERSION}:grp:mode:"
PAYLOAD_PATTERN = r"^v\d+:grp:"  # every groups payload, current or stale, is routed to the groups handler


def mode_payload(mode: WatchMode) -> str:
    return f"{PAYLOAD_PREFIX}{mode.value}"


def parse_mode_payload(data: str) -> WatchMode | None:
    """The mode a settings button asks for; None for a stale or forged payload."""
    if not data.startswith(PAYLOAD_PREFIX):
        return None
    try:
        return WatchMode(data.removeprefix(PAYLOAD_PREFIX))
    except ValueError:
        return None


# -- replies ------------------------------------------------------------------------------------

def mode_name(mode: WatchMode, locale: Locale) -> str:
    return locale.t(f"groups.mode.{mode.value}")


def mode_about(mode: WatchMode, policy: GroupPolicy, locale: Locale) -> str:
    hours = policy.warn_cooldown.total_seconds() / 3600
    return locale.t(f"groups.mode.{mode.value}.about", hours=f"{hours:g}")


def privacy_note(mode: WatchMode, reads_all_messages: bool, locale: Locale) -> list[Paragraph]:
    """Say so when the mode needs messages the bot cannot see, instead of watching in silence."""
    if reads_all_messages or mode is WatchMode.OFF:
        return []
    return [Paragraph.of(locale.t("groups.join.privacy"))]


def settings_reply(mode: WatchMode, reads_all_messages: bool, policy: GroupPolicy, locale: Locale) -> Reply:
    t = locale.t
    lines = "\n".join(f"• {mode_name(m, locale)}: {mode_about(m, policy, locale)}" for m in WatchMode)
    buttons = tuple(
        Button(("✓ " if m is mode else "") + mode_name(m, locale), mode_payload(m)) for m in WatchMode
    )
    return Reply((
        Paragraph.of(t("groups.settings.current"), bold(mode_name(mode, locale))),
        Paragraph.of(lines),
        *privacy_note(mode, reads_all_messages, locale),
        Paragraph.of(italic(t("groups.settings.how"))),
    ), (buttons,))


def mode_changed_reply(mode: WatchMode, reads_all_messages: bool, policy: GroupPolicy, locale: Locale) -> Reply:
    return Reply((
        Paragraph.of(locale.t("groups.settings.changed"), bold(mode_name(mode, locale))),
        Paragraph.of(mode_about(mode, policy, locale)),
        *privacy_note(mode, reads_all_messages, locale),
    ))


def join_reply(mode: WatchMode, reads_all_messages: bool, policy: GroupPolicy, locale: Locale) -> Reply:
    t = locale.t
    paragraphs = [
        Paragraph.of(bold(t("groups.join.greeting"))),
        Paragraph.of(t("groups.join.ask")),
        Paragraph.of(t("groups.settings.current"), bold(mode_name(mode, locale)), " — ",
                     mode_about(mode, policy, locale)),
        Paragraph.of(t("groups.join.admins")),
    ]
    if not reads_all_messages:
        paragraphs.append(Paragraph.of(t("groups.join.privacy")))
    return Reply(tuple(paragraphs))


def warning_reply(result: MatchResult, locale: Locale) -> Reply:
    """The automatic warning under a reposted rumor: short, sourced, naming nobody."""
    best = result.best
    assert best is not None
    rumor = best.rumor
    t = locale.t
    return Reply((
        Paragraph.of(bold(verdict_label(rumor.verdict, locale)), " — ", t("groups.warn.headline")),
        Paragraph.of(bold(t("match.summary_label")), shorten(rumor.summary, SUMMARY_PREVIEW)),
        Paragraph.of(t(f"match.advice.{rumor.verdict.value}")),
        *source_paragraphs(rumor, locale)[:1],
        Paragraph.of(italic(t("groups.warn.footer", id=rumor.id, score=f"{best.score:.0f}"))),
    ))


# -- the use case ------------------------------------------------------------------------------

@dataclass(frozen=True)
class WatchOutcome:
    decision: WatchDecision
    result: MatchResult
    reply: Reply | None = None


class GroupWatch:
    """Group settings and watch mode over a matcher and a store."""

    def __init__(self, matcher: Matcher, store: Storage, policy: GroupPolicy, language: str = "vi") -> None:
        self.matcher = matcher
        self.store = store
        self.policy = policy
        self.locale = get_locale(language)

    async def mode(self, platform: str, chat_id: str) -> WatchMode:
        chosen = await self.store.groups.mode(platform, chat_id)
        return WatchMode(chosen) if chosen else self.policy.default_mode

    async def set_mode(self, platform: str, chat_id: str, mode: WatchMode, changed_by: str | None) -> None:
        await self.store.groups.set_mode(platform, chat_id, mode, changed_by)

    async def refused(self, platform: str, chat_id: str | None, user_id: str, target: str, detail: str = "") -> None:
        """Someone not an admin of the group tried to change its settings (or pressed a stale button):
        recorded in the audit, like officers' refusals, so a group's admins can be told who tried."""
        await self.store.audit.record_refusal(platform, chat_id, user_id, target, detail)

    async def settings(self, platform: str, chat_id: str, reads_all_messages: bool) -> Reply:
        return settings_reply(await self.mode(platform, chat_id), reads_all_messages, self.policy, self.locale)

    async def joined(self, platform: str, chat_id: str, reads_all_messages: bool, now: dt.datetime) -> Reply | None:
        """The introduction when the bot is added; None when the "join" is a group becoming a supergroup."""
        if await self.store.groups.migrated_into_since(platform, chat_id, now - dt.timedelta(minutes=10)):
            return None
        return join_reply(await self.mode(platform, chat_id), reads_all_messages, self.policy, self.locale)

    async def migrated(self, platform: str, old_chat_id: str, new_chat_id: str, now: dt.datetime) -> None:
        await self.store.groups.move_chat(platform, old_chat_id, new_chat_id, now)

    async def watch(self, sighting: Sighting, now: dt.datetime) -> WatchOutcome:
        request = sighting.request
        mode = await self.mode(request.platform, request.chat_id)
        if mode is WatchMode.OFF:  # spare the matcher
            return WatchOutcome(WatchDecision(WatchAction.IGNORE, "watch mode off"), MatchResult(Band.NONE))
        result = self.matcher.match(request.text)
        rumor = result.rumor
        last = (await self.store.groups.last_warning(request.platform, request.chat_id, rumor.id)
                if rumor is not None and result.band is Band.MATCH else None)
        decision = decide_watch(mode, sighting, result, last, self.policy, now)
        if decision.records:
            await self.store.reports.record(private_sighting(request), result)
        if decision.action is not WatchAction.WARN:
            return WatchOutcome(decision, result)
        assert rumor is not None
        await self.store.groups.record_warning(request.platform, request.chat_id, rumor.id, request.message_id, now)
        return WatchOutcome(decision, result, warning_reply(result, self.locale))
