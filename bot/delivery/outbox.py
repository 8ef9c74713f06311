"""Owing a message: what the bot must deliver is written down before anyone waits for a platform.

A handler does not send; it owes. While an update is handled its messages gather in a batch, and
the batch is written in the same transaction as the mark that the update is done (`settle`), so an
update is either done with every answer it owes in the outbox, or it is replayed whole. Outside an
update (a follow-up pass, the digest, a start-up notice) a message is written at once, in the
caller's transaction when there is one (`Database.atomic`). A sender per platform then sends
(bot/delivery/sender.py) and tells the listeners how each delivery ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.store.outbox import OutboxRow, Owed
from bot.store.storage import Storage

log = logging.getLogger(__name__)


class Kind(StrEnum):
    """Why the bot owes a message (metrics, logs and /thongke tell them apart)."""

    ANSWER = "answer"  # an answer to what someone sent or asked
    WARNING = "warning"  # a group watch's warning under a reposted rumor
    NOTIFICATION = "notification"  # a new report for the officers' chat
    FOLLOW_UP = "follow_up"  # officers answered someone's question
    DIGEST = "digest"  # the weekly figures
    NOTICE = "notice"  # anything else the bot tells by itself (a quota warning, a welcome)


class Ending(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # refused for good because of the person: they blocked the bot, left, were removed
    REFUSED = "refused"  # refused for good for another reason (chat not found, a message the platform rejects)
    DEAD = "dead"  # retried until it was too old: the dead letters of /thongke and the metrics


@dataclass(frozen=True)
class Delivery:
    """How one owed message ended."""

    message: OutboxRow
    ending: Ending


Listener = Callable[[Delivery], Awaitable[None]]


@dataclass
class Batch:
    """What one update owes, written when the update is settled."""

    messages: list[Owed] = field(default_factory=list)
    open: bool = True


_BATCH: contextvars.ContextVar[Batch | None] = contextvars.ContextVar("outbox_batch", default=None)


class Outbox:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.listeners: list[Listener] = []  # told of every delivery's ending (follow-ups record theirs)
        self._wake: dict[str, asyncio.Event] = {}

    def wake_event(self, platform: str) -> asyncio.Event:
        """Set whenever something is owed on `platform`: its sender looks at once."""
        return self._wake.setdefault(platform, asyncio.Event())

    async def owe(self, messages: Sequence[Owed]) -> None:
        """Owe `messages`: into the batch of the update being handled, or written now."""
        batch = _BATCH.get()
        if batch is not None and batch.open:
            batch.messages.extend(messages)
            return
        await self.owe_now(messages)

    async def owe_now(self, messages: Sequence[Owed]) -> None:
        """Write `messages` now, whatever update is being handled: in the caller's transaction when
        it runs inside `Database.atomic` (a follow-up and the record that it was owed, say)."""
        await self.storage.outbox.add(messages)
        self._woken(messages)

    @contextlib.contextmanager
    def collecting(self) -> Iterator[Batch]:
        """Gather what is owed while an update is handled (tasks it starts share the batch until it is
        settled; anything owed after that is written at once)."""
        batch = Batch()
        token = _BATCH.set(batch)
        try:
            yield batch
        finally:
            _BATCH.reset(token)

    async def settle(self, batch: Batch, done: Callable[[], Awaitable[object]]) -> None:
        """Write what `batch` owes and run `done` (the update's mark) in one transaction."""
        batch.open = False
        messages = list(batch.messages)

        async def steps() -> None:
            if messages:
                await self.storage.outbox.add(messages)
            await done()

        await self.storage.db.atomic(steps)
        self._woken(messages)

    async def ended(self, delivery: Delivery) -> None:
        for listener in self.listeners:
            try:
                await listener(delivery)
            except Exception:  # one listener's failure is not the delivery's
                log.exception("a delivery listener failed for outbox message %d", delivery.message.id)

    def _woken(self, messages: Sequence[Owed]) -> None:
        for platform in {m.platform for m in messages}:
            self.wake_event(platform).set()
