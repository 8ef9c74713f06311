"""Follow-ups on Zalo: people who asked the Zalo bot hear when officers answer their question.

The same core decides (bot/desk/followups.py) and owes them to the outbox; they are sent like any
Zalo answer (plain text, labelled as automated, counted against the monthly quota). Zalo's API has
no distinct error for a user who blocked the bot, so every refusal is recorded as `failed`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from bot.core import Core
from bot.delivery.outbox import Kind
from bot.desk.followups import FollowUp, FollowUpDesk
from bot.replies import Reply
from bot.store.outbox import Owed
from handlers.zalo.client import PLATFORM

log = logging.getLogger(__name__)


class Messages(Protocol):
    """What follow-ups need of the Zalo adapter: a reply as the Zalo messages that carry it."""

    def messages(self, chat_id: str, reply: Reply, kind: Kind = Kind.ANSWER,
                 ref: dict[str, Any] | None = None) -> list[Owed]: ...


class ZaloFollowUps:
    def __init__(self, core: Core, adapter: Messages) -> None:
        assert core.outbox is not None, "follow-ups need the database"
        self.adapter = adapter
        self.desk = FollowUpDesk(core.outbox, lambda: core.catalogue, core.config.language)
        self.tasks: set[asyncio.Task[None]] = set()
        if core.officers is not None:
            core.officers.link_listeners.append(self.linked)

    async def linked(self, report_ids: Sequence[int], rumor_id: str) -> None:
        """Officers linked reports (on Telegram): owe the follow-ups without delaying them."""
        task = asyncio.create_task(self.deliver(), name=f"zalo-follow-ups-{rumor_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def deliver(self) -> None:
        owed = await self.desk.deliver(PLATFORM, self.render)
        if owed:
            log.info("Zalo follow-ups: %d owed", owed)

    def render(self, follow_up: FollowUp) -> list[Owed]:
        return self.adapter.messages(follow_up.chat_id, follow_up.reply, Kind.FOLLOW_UP, follow_up.ref)

    async def close(self) -> None:
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=10)
