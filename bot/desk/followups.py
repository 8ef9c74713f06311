"""Follow-ups: when officers answer a question the bot could not, the people who asked hear of it.

The core decides who gets what — one message per chat (a private chat, or a group where someone
asked with /kiemtra) and entry, however many times it was asked there — and records what became
of each question, so nobody is told twice; each platform's adapter only sends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.catalogue import Catalogue, Rumor
from bot.checking import ChatType, format_date, source_paragraphs, verdict_label
from bot.delivery.outbox import Delivery, Ending, Kind, Outbox
from bot.desk.clock import VIETNAM
from bot.locale import Locale, get_locale
from bot.replies import Paragraph, Reply, bold, italic, shorten
from bot.store.outbox import Owed
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
    QUEUED = "queued"  # in the outbox: the sender settles it as sent, blocked or failed
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot, or it was removed from the group
    FAILED = "failed"  # the platform refused for another reason, or it could not be delivered for a day
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

    @property
    def ref(self) -> dict[str, Any]:
        """What its delivery settles (`settle_follow_up`): the questions it answers."""
        return {"follow_up": list(self.report_ids)}


# The adapter's part: a follow-up as the messages its platform takes, `ref` on the last one.
Render = Callable[[FollowUp], Sequence[Owed]]
ENDINGS = {Ending.SENT: Outcome.SENT, Ending.BLOCKED: Outcome.BLOCKED, Ending.REFUSED: Outcome.FAILED,
           Ending.DEAD: Outcome.FAILED}


async def settle_follow_up(storage: Storage, delivery: Delivery) -> None:
    """The outbox's listener: a follow-up's delivery ended; record how, on every question it answers."""
    ref = delivery.message.ref or {}
    report_ids = ref.get("follow_up")
    if delivery.message.kind == Kind.FOLLOW_UP.value and isinstance(report_ids, list):
        outcome = ENDINGS[delivery.ending]
        await storage.follow_ups.settle([int(i) for i in report_ids], outcome.value)
        log.info("follow-up to %s:%s: %s", delivery.message.platform, delivery.message.chat_id, outcome.value)


class FollowUpDesk:
    def __init__(self, outbox: Outbox, catalogue: Callable[[], Catalogue], language: str = "vi") -> None:
        self.outbox = outbox
        self.storage = outbox.storage
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

    async def deliver(self, platform: str, render: Render) -> int:
        """Owe every due follow-up on `platform`; return how many. Each goes into the outbox in the
        same transaction as the record that it is owed, so it is owed exactly once (the sender records
        how it ended). Deliveries on one platform take turns, so a question is never followed up twice
        by two links made at the same moment."""
        lock = self._locks.setdefault(platform, asyncio.Lock())
        owed = 0
        async with lock:
            for follow_up in await self.due(platform):
                messages = render(follow_up)

                async def steps(follow_up: FollowUp = follow_up, messages: Sequence[Owed] = messages) -> None:
                    await self.outbox.owe_now(messages)
                    await self.storage.follow_ups.record(follow_up.report_ids, platform, follow_up.chat_id,
                                                        follow_up.rumor_id, Outcome.QUEUED.value)

                await self.storage.db.atomic(steps)
                log.info("follow-up to %s:%s about %s: queued", platform, follow_up.chat_id, follow_up.rumor_id)
                owed += 1
        return owed

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
