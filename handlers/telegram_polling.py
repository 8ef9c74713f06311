"""Long polling that loses nothing: a durable inbox in place of python-telegram-bot's Updater.

The Updater acknowledges a whole batch (by the next getUpdates offset) as soon as it has queued
it, before any handler ran, so a killed process loses every fetched update it had not handled.
Here a batch is written to SQLite (one fsync'd transaction) before the next getUpdates tells
Telegram it was received; each update is marked done after its handlers ran; updates left
unfinished by a crash are handled at the next start. Telegram redelivers what was not
acknowledged, and the inbox ignores an update id it already holds, so nothing is handled twice.

Guarantee: every update Telegram considers delivered is either handled or replayed at the next
start (at least once); its report row is stored once (reports are unique per chat and message).
An answer may be sent twice if the process dies between sending it and marking the update done.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.storage import Storage

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_BACKOFF = 30.0
CONCURRENT_UPDATES = 8  # handlers running at once; each waits mostly on the network


class DurablePoller:
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], storage: Storage,
                 poll_timeout: int, allowed_updates: Sequence[str], concurrency: int = CONCURRENT_UPDATES) -> None:
        self.application = application
        self.storage = storage
        self.poll_timeout = poll_timeout
        self.allowed_updates = list(allowed_updates)
        self._slots = asyncio.Semaphore(concurrency)
        self._running: set[asyncio.Task[None]] = set()

    async def handle(self, update_id: str, payload: str) -> None:
        """Run every handler for one stored update, then mark it done (errors included: the
        error handler has seen them, and replaying a failing update forever helps no one)."""
        async with self._slots:
            try:
                update = Update.de_json(json.loads(payload), self.application.bot)
                await self.application.process_update(update)
            except Exception:
                log.exception("update %s could not be handled", update_id)
            await self.storage.finish_inbox(PLATFORM, update_id)

    def start_handling(self, update_id: str, payload: str) -> None:
        task = asyncio.create_task(self.handle(update_id, payload))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def replay_unfinished(self) -> int:
        pending = await self.storage.pending_inbox(PLATFORM)
        if pending:
            log.info("handling %d update(s) left unfinished by the last run", len(pending))
        for update_id, payload in pending:
            self.start_handling(update_id, payload)
        return len(pending)

    async def run(self, stop: asyncio.Event) -> None:
        await self.replay_unfinished()
        bot = self.application.bot
        offset: int | None = None
        failures = 0
        while not stop.is_set():
            poll = asyncio.create_task(bot.get_updates(
                offset=offset, timeout=self.poll_timeout, allowed_updates=self.allowed_updates))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not poll.done():  # stopping: nothing of this poll was stored, so none may be confirmed
                poll.cancel()
                with contextlib.suppress(asyncio.CancelledError, TelegramError):
                    await poll
                break
            try:
                updates = poll.result()
            except InvalidToken:
                raise
            except TelegramError as exc:
                failures += 1
                delay = min(MAX_BACKOFF, 2.0**failures)
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            failures = 0
            if not updates:
                continue
            batch = [(str(u.update_id), json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]
            try:
                fresh = set(await self.storage.store_inbox(PLATFORM, batch))
            except Exception:  # not stored, so not acknowledged: Telegram delivers it again
                log.exception("could not store %d update(s); fetching them again", len(batch))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                continue
            # Only now may the next getUpdates acknowledge this batch.
            offset = updates[-1].update_id + 1
            for update_id, payload in batch:
                if update_id in fresh:
                    self.start_handling(update_id, payload)
        if self._running:
            await asyncio.wait(self._running, timeout=30)
        if offset is not None:  # confirm the last stored batch so it is not fetched again
            with contextlib.suppress(TelegramError):
                await bot.get_updates(offset=offset, timeout=0)
