"""The inbox's taker: stored updates are handled by whichever process claims them, a chat's one at a time.

Receiving only stores (a getUpdates batch, a webhook POST that reached any process behind a load
balancer); each process's taker claims from the shared inbox (bot/store/inbox.py `claim`): the oldest
unfinished update of each chat that no live process holds. So with several processes on one database
every update is handled once, a chat's updates in the order they arrived, and what a killed process
held is taken over by the others once its lease ran out. With one process (an SQLite file) the taker
is woken by its own receiving and its claims are released at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from bot.store.storage import Storage

log = logging.getLogger(__name__)

# How often a process looks for work another process stored, or left behind (a shared database only:
# alone, its own receiving wakes it). Half a second of latency for an update whose chat was busy elsewhere.
SHARED_LOOK = 0.5
ALONE_LOOK = 30.0
FAULT_PAUSE = 1.0  # seconds before claiming again after the database refused a claim

Handle = Callable[[str, str], Coroutine[Any, Any, None]]  # (update id, stored payload): handle it and mark it done


class Taker:
    def __init__(self, storage: Storage, platform: str, handle: Handle, concurrency: int,
                 lease: dt.timedelta) -> None:
        self.storage = storage
        self.platform = platform
        self.handle = handle
        self.concurrency = concurrency
        self.lease = lease
        self.wake = asyncio.Event()  # set when this process stored an update, or a handler ended
        self._running: set[asyncio.Task[None]] = set()
        self.look = SHARED_LOOK if storage.db.shared else ALONE_LOOK

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and handle until `stop` is set (the handlers under way are `drain`'s)."""
        released = await self.storage.inbox.release_claims(self.platform)
        if released:
            log.info("%s: %d update(s) the last run was handling are handled again", self.platform, released)
        while not stop.is_set():
            self.wake.clear()
            free = self.concurrency - len(self._running)
            try:
                taken = await self.storage.inbox.claim(self.platform, free, self.lease) if free > 0 else []
            except Exception:  # the database refused: stored updates stay, claimed at the next look
                log.exception("%s: could not claim stored updates", self.platform)
                taken, pause = [], FAULT_PAUSE
            else:
                pause = self.look
            for update_id, payload in taken:
                task = asyncio.create_task(self.handle(update_id, payload), name=f"{self.platform}-{update_id}")
                self._running.add(task)
                task.add_done_callback(self._ended)
            if taken and len(taken) == free:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._until(stop), pause)

    async def _until(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self.wake.set()  # the chat's next update is free now
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: handling an update failed", self.platform, exc_info=task.exception())

    async def drain(self, timeout: float) -> int:
        """Wait for the updates being handled; those still running then are cancelled, left unfinished
        in the inbox (handled at the next start, or by another process). Return how many were."""
        if self._running:
            await asyncio.wait(self._running, timeout=timeout)
        left = list(self._running)
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        return len(left)
