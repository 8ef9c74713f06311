"""Follow-ups: when officers answer a question the bot could not, the people who asked hear of it.

The core decides who gets what — one message per chat (a private chat, or a group where someone
asked with /kiemtra) and entry, however many times it was asked there — and records what became
of each question, so nobody is told twice; each platform's adapter only sends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.catalogue import Catalogue, Rumor
from bot.checking import ChatType, format_date, source_paragraphs, verdict_label
from bot.desk.clock import VIETNAM
from bot.locale import Locale, get_locale
from bot.replies import Paragraph, Reply, bold, italic, shorten
from bot.store.reports import ReportRow
from bot.store.storage import Storage
from bot.store.values import utcnow
from bot.votes import with_vote_buttons

log = logging.getLogger(__name__)

# A question older than this is not followed up: the person has moved on, and a message about
# something they forwarded months ago reads like spam.
FOLLOW_UP_WITHIN = dt.timedelta(days=30)
QUESTION_PREVIEW = 200

class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot, or it was removed from the group
    FAILED = "failed"  # the platform refused for another reason; not retried
    REPEATED = "repeated"  # this chat was already told about this entry
    ANSWERED = "answered"  # the bot had answered with this very entry (an officer confirmed a disputed answer)
    EXPIRED = "expired"  # asked more than FOLLOW_UP_WITHIN ago
    WITHDRAWN = "withdrawn"  # the entry was retired before the follow-up went out


@dataclass(frozen=True)
class FollowUp:
    """One message to send: where, answering which question, and what."""

    platform: str
    chat_id: str
    rumor_id: str
    report_ids: tuple[int, ...]
    reply: Reply
    reply_to: str | None  # the platform's id of the (latest) question, to answer under it


Send = Callable[[FollowUp], Awaitable[Outcome]]


class FollowUpDesk:
    def __init__(self, storage: Storage, catalogue: Callable[[], Catalogue], language: str = "vi") -> None:
        self.storage = storage
        self.catalogue = catalogue  # the current one: officers may have just created the entry
        self.locale: Locale = get_locale(language)
        self._locks: dict[str, asyncio.Lock] = {}

    async def due(self, platform: str, now: dt.datetime | None = None) -> list[FollowUp]:
        """The follow-ups to send on `platform` now; questions that need none are recorded as such."""
        now = now or utcnow()
        chats: dict[tuple[str, str], list[ReportRow]] = {}
        for report, rumor_id in await self.storage.follow_ups.unfollowed(platform):
            chats.setdefault((report.chat_id, rumor_id), []).append(report)
        due: list[FollowUp] = []
        for (chat_id, rumor_id), reports in chats.items():
            ids = [r.id for r in reports]
            skip = await self.skipped(platform, chat_id, rumor_id, reports, now)
            if skip is not None:
                await self.storage.follow_ups.record(ids, platform, chat_id, rumor_id, skip.value)
                log.info("follow-up to %s:%s about %s: %s", platform, chat_id, rumor_id, skip.value)
                continue
            rumor = self.catalogue().get(rumor_id)
            assert rumor is not None
            latest = reports[-1]
            due.append(FollowUp(platform, chat_id, rumor_id, tuple(ids), self.reply(rumor, latest),
                                latest.message_id))
        return due

    async def skipped(self, platform: str, chat_id: str, rumor_id: str, reports: list[ReportRow],
                      now: dt.datetime) -> Outcome | None:
        if all(now - r.created_at > FOLLOW_UP_WITHIN for r in reports):
            return Outcome.EXPIRED
        rumor = self.catalogue().get(rumor_id)
        if rumor is None or not rumor.is_published:
            return Outcome.WITHDRAWN
        if all(r.band == "match" and r.rumor_id == rumor_id for r in reports):
            return Outcome.ANSWERED
        if await self.storage.follow_ups.sent_before(platform, chat_id, rumor_id):
            return Outcome.REPEATED
        return None

    async def deliver(self, platform: str, send: Send) -> dict[Outcome, int]:
        """Send every due follow-up on `platform`, one at a time, and record each outcome. One failed
        or blocked chat never stops the others. Deliveries on one platform take turns, so a question
        is never followed up twice by two links made at the same moment."""
        lock = self._locks.setdefault(platform, asyncio.Lock())
        counts: dict[Outcome, int] = {}
        async with lock:
            for follow_up in await self.due(platform):
                try:
                    outcome = await send(follow_up)
                except Exception:
                    log.exception("follow-up to %s:%s failed", platform, follow_up.chat_id)
                    outcome = Outcome.FAILED
                await self.storage.follow_ups.record(follow_up.report_ids, platform, follow_up.chat_id,
                                                    follow_up.rumor_id, outcome.value)
                log.info("follow-up to %s:%s about %s: %s", platform, follow_up.chat_id, follow_up.rumor_id,
                         outcome.value)
                counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def reply(self, rumor: Rumor, question: ReportRow) -> Reply:
        """The follow-up: the question quoted back, then the verdict and the official source."""
        t, locale = self.locale.t, self.locale
        where = "group" if question.chat_type == ChatType.GROUP.value else "private"
        asked_on = format_date(question.created_at.astimezone(VIETNAM).date(), locale.language)
        band = question.band if question.band in ("none", "possible", "match", "suspicious") else "none"
        paragraphs = [
            Paragraph.of(bold(t(f"followup.headline.{where}"))),
            Paragraph.of(t(f"followup.asked.{where}", date=asked_on),
                         italic(f"«{shorten(question.text, QUESTION_PREVIEW)}»")),
            Paragraph.of(t(f"followup.then.{band}")),
            Paragraph.of(bold(verdict_label(rumor.verdict, locale))),
            Paragraph.of(bold(t("match.summary_label")), rumor.summary),
            Paragraph.of(t(f"match.advice.{rumor.verdict.value}")),
            Paragraph.of(bold(t("match.sources_label"))),
            *source_paragraphs(rumor, locale),
            Paragraph.of(italic(t("followup.reference", id=rumor.id))),
        ]
        return with_vote_buttons(Reply(tuple(paragraphs)), question.id, locale)
