"""Follow-ups on Zalo: people who asked the Zalo bot hear when officers answer their question.

The same core decides (bot/desk/followups.py); a follow-up is sent like any Zalo answer (plain text,
labelled as automated, counted against the monthly quota). Zalo's API has no distinct error for a
user who blocked the bot (its 403 is a server error), so every refusal is recorded as `failed`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

import httpx

from bot.core import Core
from bot.desk.followups import FollowUp, FollowUpDesk, Outcome
from bot.replies import Reply
from handlers.zalo.client import PLATFORM, ZaloApiError

log = logging.getLogger(__name__)


class ReplySender(Protocol):
    """What follow-ups need of the Zalo adapter: a reply sent to a chat like any Zalo answer."""

    async def send(self, chat_id: str, reply: Reply) -> None: ...


class ZaloFollowUps:
    def __init__(self, core: Core, sender: ReplySender) -> None:
        assert core.storage is not None, "follow-ups need the database"
        self.sender = sender
        self.desk = FollowUpDesk(core.storage, lambda: core.catalogue, core.config.language)
        self.tasks: set[asyncio.Task[None]] = set()
        if core.officers is not None:
            core.officers.link_listeners.append(self.linked)

    async def linked(self, report_ids: Sequence[int], rumor_id: str) -> None:
        """Officers linked reports (on Telegram): send without delaying them."""
        task = asyncio.create_task(self.deliver(), name=f"zalo-follow-ups-{rumor_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def deliver(self) -> None:
        counts = await self.desk.deliver(PLATFORM, self.send)
        if counts:
            log.info("Zalo follow-ups: %s", ", ".join(f"{k.value} {v}" for k, v in counts.items()))

    async def send(self, follow_up: FollowUp) -> Outcome:
        try:
            await self.sender.send(follow_up.chat_id, follow_up.reply)
        except (ZaloApiError, httpx.HTTPError) as exc:
            log.warning("Zalo follow-up to %s failed: %s", follow_up.chat_id, exc)
            return Outcome.FAILED
        return Outcome.SENT

    async def close(self) -> None:
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=10)
