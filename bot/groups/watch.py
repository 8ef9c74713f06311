"""The group use case: a group's settings and its watch over a matcher and a store.

`GroupWatch` asks the policy (bot/groups/policy.py) whether a message passing in a group is
ignored, logged for officers or warned about, and stores what it decided; the warning it returns
is plain text blocks for the platform adapter to render.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.checking import source_paragraphs, verdict_label
from bot.groups.policy import (
    GroupPolicy,
    Sighting,
    WatchAction,
    WatchDecision,
    WatchMode,
    decide_watch,
    private_sighting,
)
from bot.groups.settings import join_reply, settings_reply
from bot.locale import Locale, get_locale
from bot.matching.matcher import Band, Matcher, MatchResult
from bot.replies import Paragraph, Reply, bold, italic, shorten
from bot.signs.reader import SignReader
from bot.store.storage import Storage

SUMMARY_PREVIEW = 320  # characters of the entry's summary in a warning


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

    def __init__(self, matcher: Matcher, store: Storage, policy: GroupPolicy, language: str = "vi",
                 signs: SignReader | None = None) -> None:
        self.matcher = matcher
        self.store = store
        self.policy = policy
        self.locale = get_locale(language)
        self.signs = signs  # a message with strong scam signs and no entry is logged, never answered

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

    async def watch(self, sighting: Sighting, now: dt.datetime, decided: MatchResult | None = None) -> WatchOutcome:
        """`decided`: the result of an image's check (bot/images), which then passes the same gates."""
        request = sighting.request
        mode = await self.mode(request.platform, request.chat_id)
        if mode is WatchMode.OFF:  # spare the matcher
            return WatchOutcome(WatchDecision(WatchAction.IGNORE, "watch mode off"), MatchResult(Band.NONE))
        result = decided if decided is not None else self.matcher.match(request.text)
        if decided is None and result.band is Band.NONE and self.signs is not None \
                and self.signs.read(request.text).suspicious:
            result = MatchResult(Band.SUSPICIOUS)
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
