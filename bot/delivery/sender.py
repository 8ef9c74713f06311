"""The sender: one per platform, it empties the outbox through the platform's transport.

The rules, whatever the platform:
- a chat's messages leave in the order they were owed: only the oldest open message of a chat is
  ever tried, so a chat that waits (retry_after, a back-off) holds back its later messages, and
  other chats go on;
- a platform's "wait N seconds" (Telegram's 429 retry_after) is honoured to the letter, plus a margin:
  nothing goes to that chat before it has passed;
- a transient failure (5xx, a reset, a timeout) is retried with exponential back-off and jitter, from
  1 s up to 5 minutes, until the message is older than `give_up_after` (24 h): then it is dead;
- a permanent refusal (blocked, chat not found) is never retried;
- a message is marked sent once the platform took it. The process dying between the send and that
  mark, or the platform never answering a send, are the two cases in which it is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from bot.delivery.outbox import Delivery, Ending, Outbox
from bot.delivery.rates import Rate, SharedRates
from bot.delivery.settings import DeliveryConfig
from bot.store.outbox import OutboxRow
from bot.store.values import utcnow

log = logging.getLogger(__name__)

FIRST_BACKOFF = 1.0  # seconds before the first retry of a transient failure
MAX_BACKOFF = 300.0  # the longest wait between two tries of one message
RETRY_AFTER_MARGIN = 0.5  # seconds beyond a platform's retry_after: its clock and ours differ
# A message being sent longer than this was a crashed sender's; longer than any send timeout (30 s).
LEASE = dt.timedelta(minutes=2)
IDLE_LOOK = 30.0  # seconds between two looks at an outbox that owes nothing due


class Failure(StrEnum):
    RETRY_AFTER = "retry_after"  # the platform said when to come back
    TRANSIENT = "transient"  # 5xx, a reset, a timeout: try again later
    BLOCKED = "blocked"  # refused for good because of the person
    REFUSED = "refused"  # refused for good for another reason


class SendFailure(Exception):
    """What a transport raises when a send did not go through, in the sender's terms."""

    def __init__(self, failure: Failure, reason: str, retry_after: float | None = None,
                 moved_to: str | None = None) -> None:
        super().__init__(reason)
        self.failure = failure
        self.reason = reason
        self.retry_after = retry_after
        self.moved_to = moved_to  # the chat's new id (a group that became a supergroup): send there


class Transport(Protocol):
    """A platform's side of the sender: send one owed message, or raise SendFailure."""

    platform: str

    async def send(self, chat_id: str, payload: Mapping[str, Any]) -> None: ...

    def rates(self, chat_id: str) -> Sequence[Rate]:
        """The platform's rates a send to `chat_id` counts against (kept across processes)."""
        ...


@dataclass(frozen=True)
class SendPolicy:
    concurrency: int = 8  # chats sent to at once; each send waits mostly on the network
    give_up_after: dt.timedelta = dt.timedelta(hours=24)
    send_timeout: float = 30.0  # a guard over the transport's own timeouts (25 s for Telegram)
    lease: dt.timedelta = LEASE  # a claim older than this is a dead process's (delivery.lease_seconds)


def policy_for(delivery: DeliveryConfig) -> SendPolicy:
    return SendPolicy(give_up_after=dt.timedelta(hours=delivery.give_up_hours),
                      lease=dt.timedelta(seconds=delivery.lease_seconds))


def backoff(attempts: int, rng: random.Random) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, capped, with equal jitter
    (half fixed, half random) so that chats failed together do not come back together."""
    ceiling: float = min(MAX_BACKOFF, FIRST_BACKOFF * 2.0 ** max(0, attempts - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class Sender:
    def __init__(self, outbox: Outbox, transport: Transport, policy: SendPolicy | None = None,
                 rng: random.Random | None = None) -> None:
        self.outbox = outbox
        self.store = outbox.storage.outbox
        self.transport = transport
        self.platform = transport.platform
        self.policy = policy or SendPolicy()
        self.rng = rng or random.Random()
        self._sending: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        # several processes on one store share the platform's rates; one alone has its own limiter
        storage = outbox.storage
        self.rates = SharedRates(storage.coordination, self.platform) if storage.db.shared else None

    def start(self) -> None:
        """Send in the background until `stop`."""
        self._loop = asyncio.create_task(self.run(self._stop), name=f"{self.platform}-sender")

    async def stop(self, timeout: float) -> None:
        """Take no more messages; give the sends under way `timeout` seconds (see `finish`)."""
        self._stop.set()
        if self._loop is not None:
            await self._loop
        left = await self.finish(timeout)
        if left:
            log.info("%s: %d send(s) under way at shutdown are resent at the next start", self.platform, left)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; then return at once, leaving every unsent message in the outbox
        (the sends under way are the caller's to wait for or cancel: see `finish`)."""
        await self.store.release_claims(self.platform, self.policy.lease)  # a dead process's
        wake = self.outbox.wake_event(self.platform)
        while not stop.is_set():
            wake.clear()
            free = self.policy.concurrency - len(self._sending)
            taken = await self.store.claim(self.platform, free, self.policy.lease) if free > 0 else []
            for message in taken:
                task = asyncio.create_task(self.deliver(message), name=f"send-{self.platform}-{message.id}")
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)
            await self._wait(stop, wake, bool(taken))

    async def _wait(self, stop: asyncio.Event, wake: asyncio.Event, busy: bool) -> None:
        """Until something may be sent: a new message, a send ended, the next due time, or stop."""
        if busy and len(self._sending) < self.policy.concurrency:
            await asyncio.sleep(0)  # more may be due right away (other chats)
            return
        due = await self.store.next_due(self.platform)
        timeout = IDLE_LOOK if due is None else max(0.0, min(IDLE_LOOK, (due - utcnow()).total_seconds()))
        waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait()), *self._sending]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters[:2]:
                waiter.cancel()

    async def finish(self, timeout: float) -> int:
        """Give the sends under way `timeout` seconds, then cancel the rest (they stay owed: resent at
        the next start). Return how many were cancelled."""
        if self._sending:
            await asyncio.wait(self._sending, timeout=timeout)
        left = list(self._sending)
        for task in left:
            task.cancel()
        for task in left:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return len(left)

    async def deliver(self, message: OutboxRow) -> None:
        try:
            await self._deliver(message)
        finally:
            # The chat's next message is free now. Waking the loop here, not only through the task's end,
            # covers a send that ended between the loop's claim and its wait (it would sleep IDLE_LOOK).
            self.outbox.wake_event(self.platform).set()

    async def _deliver(self, message: OutboxRow) -> None:
        if self.rates is not None:  # waiting for a window is not a failure: outside the send's timeout
            await self.rates.acquire(self.transport.rates(message.chat_id))
        try:
            await asyncio.wait_for(self.transport.send(message.chat_id, message.payload), self.policy.send_timeout)
        except SendFailure as failure:
            await self.failed(message, failure)
        except TimeoutError:
            await self.failed(message, SendFailure(Failure.TRANSIENT, "no answer in time"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a transport must not end the sender: retried like a fault
            log.exception("sending outbox message %d failed", message.id)
            await self.failed(message, SendFailure(Failure.TRANSIENT, type(exc).__name__))
        else:
            await self.store.sent(message.id)
            await self.ended(message, Ending.SENT)

    async def failed(self, message: OutboxRow, failure: SendFailure) -> None:
        now = utcnow()
        if failure.moved_to is not None:
            await self.store.move_chat(self.platform, message.chat_id, failure.moved_to)
            await self.store.retry(message.id, now, failure.reason)
            return
        if failure.failure in (Failure.BLOCKED, Failure.REFUSED):
            log.info("%s refused outbox message %d to %s for good: %s", self.platform, message.id,
                     message.chat_id, failure.reason)
            await self.store.close(message.id, "refused", failure.reason)
            await self.ended(message, Ending.BLOCKED if failure.failure is Failure.BLOCKED else Ending.REFUSED)
            return
        if now - message.owed_at > self.policy.give_up_after:
            log.warning("%s: outbox message %d to %s given up after %d tries (%s)", self.platform, message.id,
                        message.chat_id, message.attempts, failure.reason)
            await self.store.close(message.id, "dead", failure.reason)
            await self.ended(message, Ending.DEAD)
            return
        if failure.failure is Failure.RETRY_AFTER and failure.retry_after is not None:
            delay = failure.retry_after + RETRY_AFTER_MARGIN
        else:
            delay = backoff(message.attempts, self.rng)
        log.info("%s: outbox message %d to %s not sent (%s); next try in %.1f s", self.platform, message.id,
                 message.chat_id, failure.reason, delay)
        await self.store.retry(message.id, now + dt.timedelta(seconds=delay), failure.reason)

    async def ended(self, message: OutboxRow, ending: Ending) -> None:
        await self.outbox.ended(Delivery(message, ending))
