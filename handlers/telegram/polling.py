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

Bad input loses nothing and stops nothing. getUpdates is read as raw JSON, not through PTB's
`get_updates`, which parses the whole batch at once: one update it cannot parse makes it raise
(after logging the batch, texts and names included, at CRITICAL), the offset never advances and
the same batch comes back forever. Here each update is parsed on its own when it is handled; one
that is not a Bot API update (handlers/telegram/schema.py) is logged at WARNING (its id and the
field at fault, never its content), counted in `unparseable`, marked done and skipped. Lone UTF-16 surrogates (JSON
"\ud800", which Python decodes but SQLite and UTF-8 refuse) become U+FFFD before anything is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application

from bot.delivery.outbox import Outbox
from bot.delivery.sender import LEASE
from bot.delivery.taker import Taker
from bot.store.connection import DatabaseUnavailable
from bot.store.inbox import stored_form
from bot.store.storage import Storage
from handlers.http.metrics import METRICS
from handlers.startup import back_off
from handlers.telegram.schema import update_problem

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_BACKOFF = 30.0
# 409 Conflict: another process polls the token (its getUpdates ended ours) or a webhook is set. The
# other poller does not go away in seconds, and each of our polls ends one of its: wait long.
CONFLICT_FIRST = 30.0  # seconds, doubled up to CONFLICT_MAX
CONFLICT_MAX = 300.0
REFUSALS_IN_A_ROW = 5  # 401s in a row before the token counts as revoked (~30 s of back-off), not a glitch
CONCURRENT_UPDATES = 8  # handlers running at once; each waits mostly on the network
READ_MARGIN = 10.0  # seconds a long poll may take beyond its timeout before it counts as failed
CONFIRM_SECONDS = 2.0  # the last getUpdates that confirms the stored batch, at shutdown


def chat_of(payload: str) -> str | None:
    """The chat a stored update belongs to (its message's, its button's message's, its membership
    change's), or None: an update of no chat is ordered with no other."""
    try:
        update = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(update, dict):
        return None
    for field in ("message", "edited_message", "channel_post", "edited_channel_post", "my_chat_member",
                  "chat_member", "chat_join_request"):
        chat = update.get(field, {}).get("chat", {}) if isinstance(update.get(field), dict) else {}
        if isinstance(chat, dict) and chat.get("id") is not None:
            return str(chat["id"])
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return str(message["chat"].get("id"))
        sender = query.get("from")
        if isinstance(sender, dict) and sender.get("id") is not None:
            return f"user:{sender['id']}"
    return None


def update_id_of(update: object) -> int | None:
    """The update's id when it has a usable one (a Bot API update always does)."""
    if isinstance(update, dict):
        update_id = update.get("update_id")
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            return update_id
    return None


class DurablePoller:
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], storage: Storage, outbox: Outbox,
                 poll_timeout: int, allowed_updates: Sequence[str], concurrency: int = CONCURRENT_UPDATES,
                 lease: dt.timedelta = LEASE) -> None:
        self.application = application
        self.storage = storage
        self.outbox = outbox
        self.poll_timeout = poll_timeout
        self.allowed_updates = list(allowed_updates)
        # What is stored is handled by whichever process claims it (bot/delivery/taker.py), a chat's one at a time.
        self.taker = Taker(storage, PLATFORM, self.handle, concurrency, lease)
        self._taking: asyncio.Task[None] | None = None
        self._stop_taking = asyncio.Event()
        self.unparseable = 0  # updates skipped because they are not Bot API updates

    async def handle(self, update_id: str, payload: str) -> None:
        """Run every handler for one stored update, then mark it done in the same transaction that
        writes what it owes to the outbox (errors included: the error handler has seen them, and
        replaying a failing update forever helps no one). Cut off before that, it is replayed whole."""
        update, problem = self.parse(payload)
        with self.outbox.collecting() as owed:
            if update is None:  # nothing any handler could do with it
                self.unparseable += 1
                log.warning("update %s is not a valid Bot API update (%s); skipped", update_id, problem)
            else:
                try:
                    await self.application.process_update(update)
                except Exception:
                    log.exception("update %s could not be handled", update_id)
        try:
            await self.outbox.settle(owed, lambda: self.storage.inbox.finish(PLATFORM, update_id))
        except DatabaseUnavailable as exc:  # the busy wait ran out: nothing it owes was kept, it is replayed
            log.warning("update %s was handled but neither marked done nor its messages kept (%s); it is "
                        "handled again at the next start", update_id, exc)
        METRICS.handled.labels(PLATFORM).inc()

    def parse(self, payload: str) -> tuple[Update | None, str]:
        """The update, or None and why (the field at fault, or the kind of error: never content)."""
        try:
            data = json.loads(payload)
            problem = update_problem(data)
            if problem is not None:
                return None, problem
            return Update.de_json(data, self.application.bot), ""
        except Exception as exc:
            return None, type(exc).__name__

    async def store(self, batch: Sequence[tuple[str, str]]) -> set[str]:
        """Store received updates (each with its chat, so a chat's are handled in order), then wake the
        taker; the ids not stored before."""
        chats = {update_id: chat for update_id, payload in batch if (chat := chat_of(payload))}
        fresh = set(await self.storage.inbox.store(PLATFORM, batch, chats))
        if fresh:
            METRICS.received.labels(PLATFORM).inc(len(fresh))
            self.taker.wake.set()
        return fresh

    async def start_taking(self) -> int:
        """Start handling what is stored, left unfinished by the last run included; how much that is."""
        pending = len(await self.storage.inbox.pending(PLATFORM))
        if pending:
            log.info("%d update(s) stored and not handled yet (left by the last run, or by another process)", pending)
        if self._taking is None:
            self._taking = asyncio.create_task(self.taker.run(self._stop_taking), name="telegram-taker")
        return pending

    async def drain(self, timeout: float = 30) -> int:
        """Stop taking; wait for the updates being handled; those still running then are cancelled, left
        unfinished in the inbox and handled at the next start. Return how many were."""
        self._stop_taking.set()
        if self._taking is not None:
            await self._taking
        left = await self.taker.drain(timeout)
        if left:
            log.info("%d update(s) still running at shutdown are handled at the next start", left)
        return left

    @staticmethod
    async def pause(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    async def fetch(self, offset: int | None, timeout: int | None = None) -> list[Any]:
        """One getUpdates call, its result as raw JSON (see the module's docstring for why).

        `_post` is the call `get_updates` makes before parsing; python-telegram-bot is pinned to
        22.x in pyproject.toml. (`do_api_request` would do, but warns for every known method.)"""
        timeout = self.poll_timeout if timeout is None else timeout
        data: dict[str, Any] = {"timeout": timeout, "allowed_updates": self.allowed_updates}
        if offset is not None:
            data["offset"] = offset
        result = await self.application.bot._post("getUpdates", data, read_timeout=timeout + READ_MARGIN)
        return result if isinstance(result, list) else []

    async def run(self, stop: asyncio.Event, drain_seconds: float = 30) -> None:
        await self.start_taking()
        offset: int | None = None
        failures = conflicts = refusals = 0
        while not stop.is_set():
            poll = asyncio.create_task(self.fetch(offset))
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
                ids = [update_id_of(u) for u in updates]
                if updates and not any(i is not None for i in ids):  # nothing here can be acknowledged
                    raise TelegramError(f"{len(updates)} item(s) without an update id")
            except Conflict as exc:  # another process polls this token (or set a webhook): wait it out, quietly
                conflicts += 1
                delay = back_off(CONFLICT_FIRST, CONFLICT_MAX, conflicts)
                log.warning("Telegram: another instance is polling this token, or a webhook is set (409: %s); "
                            "polling again in %.0f s", exc, delay)
                await self.pause(stop, delay)
                continue
            except TelegramError as exc:
                failures += 1
                refusals = refusals + 1 if isinstance(exc, InvalidToken) else 0
                if refusals >= REFUSALS_IN_A_ROW:  # the token is refused: handlers/runner.py decides
                    await self.drain(drain_seconds)  # a restart replays what is unfinished: none of it may run still
                    raise
                delay = min(MAX_BACKOFF, 2.0**failures)
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, delay)
                await self.pause(stop, delay)
                continue
            if conflicts:
                log.info("Telegram: polling again after %d conflict(s): the other instance stopped", conflicts)
            failures = conflicts = refusals = 0
            METRICS.contact(PLATFORM)
            if not updates:
                continue
            batch = [(str(i), stored_form(u)) for i, u in zip(ids, updates, strict=True) if i is not None]
            if len(batch) < len(updates):
                log.warning("%d item(s) without an update id in a batch; ignored", len(updates) - len(batch))
            try:
                await self.store(batch)
            except Exception as exc:  # not stored, so not acknowledged: Telegram delivers it again
                if isinstance(exc, DatabaseUnavailable):  # known (locked too long, read-only): one line
                    log.warning("could not store %d update(s) (%s); fetching them again", len(batch), exc)
                else:
                    log.exception("could not store %d update(s); fetching them again", len(batch))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                continue
            # Only now may the next getUpdates acknowledge this batch.
            offset = max(i for i in ids if i is not None) + 1
        await self.drain(drain_seconds)
        if offset is not None:  # confirm the last stored batch so it is not fetched again (else it comes back,
            # and the inbox knows it): a short wait, never the shutdown's
            with contextlib.suppress(TelegramError, TimeoutError):
                await asyncio.wait_for(self.fetch(offset, timeout=0), CONFIRM_SECONDS)
