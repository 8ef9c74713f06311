"""Feedback on answers: one 👍 or 👎 per person per answer, changeable; a 👎 disputes the answer.

A disputed answer goes back to the officers' review queue (/baocao) with its text, marked as
disputed, until an officer links it to the right entry or dismisses the dispute.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.desk.officers import OfficerDesk
from bot.locale import Locale, get_locale
from bot.replies import Button, Reply
from bot.store.feedback import VoteRecord
from bot.store.storage import Storage
from bot.votes import Vote, VotePayloadError, parse_vote_payload, vote_buttons

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoteOutcome:
    """What a press on 👍 / 👎 does: a short answer on the button, maybe fresh counts on the buttons,
    maybe a card for the officers' chat (the first 👎 on an answer)."""

    toast: str
    buttons: tuple[Button, ...] | None = None
    officers_card: Reply | None = None


class FeedbackDesk:
    def __init__(self, storage: Storage, officers: OfficerDesk | None, language: str = "vi") -> None:
        self.storage = storage
        self.officers = officers
        self.locale: Locale = get_locale(language)

    async def vote(self, platform: str, chat_id: str, user_id: str, data: str) -> VoteOutcome:
        """A press on a feedback button of an answer in `chat_id`, by `user_id`."""
        t = self.locale.t
        payload = parse_vote_payload(data)
        if payload is VotePayloadError.STALE:
            return VoteOutcome(t("feedback.stale"))
        if isinstance(payload, VotePayloadError):
            return VoteOutcome(t("feedback.invalid"))
        report = await self.storage.reports.get(payload.report_id)
        # The button must sit under an answer in this very chat: a payload copied elsewhere acts on nothing.
        if report is None or report.platform != platform or report.chat_id != chat_id or report.kind != "asked":
            return VoteOutcome(t("feedback.invalid"))
        rumor_id = await self.storage.reports.entry_of(report.id) or (report.rumor_id if report.band == "possible"
                                                                   else None)
        if rumor_id is None:
            return VoteOutcome(t("feedback.invalid"))
        previous = await self.storage.feedback.record_vote(VoteRecord(
            report.id, platform, chat_id, user_id, payload.vote.value, rumor_id))
        if previous == payload.vote.value:
            return VoteOutcome(t(f"feedback.kept.{payload.vote.value}"))
        up, down = await self.storage.feedback.vote_counts(report.id)
        buttons = vote_buttons(report.id, self.locale, up, down)
        key = f"feedback.changed.{payload.vote.value}" if previous else f"feedback.thanks.{payload.vote.value}"
        log.info("feedback on report %s (%s): %s -> %s", report.id, rumor_id, previous, payload.vote.value)
        card = await self.dispute_card(report.id) if payload.vote is Vote.DOWN else None
        return VoteOutcome(t(key), buttons, card)

    async def dispute_card(self, report_id: int) -> Reply | None:
        """The report's card for the officers' chat when this 👎 opened its dispute (not for later ones)."""
        if self.officers is None or self.officers.config.officers_chat is None:
            return None
        dispute = (await self.storage.feedback.disputes([report_id])).get(report_id)
        if dispute is None or dispute.votes != 1:
            return None
        group = await self.officers.pending_group(report_id)
        return self.officers.report_card(group, "feedback.card.disputed") if group is not None else None
