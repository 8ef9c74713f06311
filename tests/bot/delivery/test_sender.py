"""The outbox and its sender over a real SQLite file, with a transport that fails on cue (no network)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.outbox import Delivery, Ending, Kind, Outbox
from bot.delivery.rates import Rate, SharedRates
from bot.delivery.sender import Failure, Sender, SendFailure, SendPolicy, backoff
from bot.store.outbox import Owed
from bot.store.storage import Storage

Script = Callable[[str, Mapping[str, Any]], SendFailure | None]


class ScriptedTransport:
    """Sends succeed unless `script` returns a failure for them; every try is recorded with its time."""

    platform = "telegram"

    def __init__(self, script: Script | None = None, delay: float = 0.0) -> None:
        self.script = script
        self.delay = delay
        self.tries: list[tuple[str, str, float]] = []  # (chat, text, monotonic time)
        self.delivered: list[tuple[str, str]] = []
        self.limits: list[Rate] = []  # the rates every send counts against (kept by several processes)

    def rates(self, chat_id: str) -> list[Rate]:
        return self.limits

    async def send(self, chat_id: str, payload: Mapping[str, Any]) -> None:
        self.tries.append((chat_id, str(payload["text"]), time.monotonic()))
        await asyncio.sleep(self.delay)
        failure = self.script(chat_id, payload) if self.script else None
        if failure is not None:
            raise failure
        self.delivered.append((chat_id, str(payload["text"])))


@pytest.fixture
async def storage(target: Path | str) -> AsyncIterator[Storage]:
    """The outbox's store on each engine (tests/conftest.py `target`)."""
    storage = await Storage.open(target)
    try:
        yield storage
    finally:
        await storage.close()


def texts(chat: str, *words: str) -> list[Owed]:
    return [Owed("telegram", chat, Kind.ANSWER.value, {"text": w}) for w in words]


async def send_until(outbox: Outbox, transport: ScriptedTransport, done: Callable[[], bool],
                     policy: SendPolicy | None = None, timeout: float = 20.0) -> Sender:
    stop = asyncio.Event()
    sender = Sender(outbox, transport, policy, random.Random(1))
    task = asyncio.create_task(sender.run(stop))
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    stop.set()
    await task
    await sender.finish(1.0)
    return sender


async def test_a_chats_messages_leave_in_order_and_chats_do_not_wait_for_each_other(storage: Storage) -> None:
    outbox = Outbox(storage)
    await outbox.owe(texts("5001", "một", "hai", "ba") + texts("5002", "một", "hai"))
    transport = ScriptedTransport(delay=0.05)
    await send_until(outbox, transport, lambda: len(transport.delivered) == 5)
    assert [t for c, t in transport.delivered if c == "5001"] == ["một", "hai", "ba"]
    assert [t for c, t in transport.delivered if c == "5002"] == ["một", "hai"]
    # the two chats were sent to side by side: the second chat's first message did not wait for the first chat's
    assert transport.delivered.index(("5002", "một")) < transport.delivered.index(("5001", "hai"))
    assert await storage.outbox.open_count("telegram") == 0


async def test_retry_after_holds_back_that_chat_only_and_is_honoured(storage: Storage) -> None:
    outbox = Outbox(storage)
    asked: dict[str, float] = {}

    def script(chat: str, payload: Mapping[str, Any]) -> SendFailure | None:
        if chat == "5001" and "5001" not in asked:
            asked[chat] = time.monotonic() + 1.0
            return SendFailure(Failure.RETRY_AFTER, "Too Many Requests", retry_after=1.0)
        return None

    await outbox.owe(texts("5001", "một", "hai") + texts("5002", "một"))
    transport = ScriptedTransport(script)
    await send_until(outbox, transport, lambda: len(transport.delivered) == 3)
    tries_5001 = [at for chat, _, at in transport.tries if chat == "5001"]
    assert len(tries_5001) == 3  # the refused one, then both in order
    assert all(at >= asked["5001"] for at in tries_5001[1:])  # nothing before retry_after ended
    assert [t for c, t in transport.delivered if c == "5001"] == ["một", "hai"]
    assert transport.delivered[0] == ("5002", "một")  # the other chat went first, without waiting


async def test_a_transient_fault_is_retried_and_a_refusal_is_not(storage: Storage) -> None:
    outbox = Outbox(storage)
    endings: list[tuple[str, Ending]] = []

    async def listen(delivery: Delivery) -> None:
        endings.append((delivery.message.chat_id, delivery.ending))

    outbox.listeners.append(listen)
    failures = {"5001": [SendFailure(Failure.TRANSIENT, "502 Bad Gateway"), SendFailure(Failure.TRANSIENT, "reset")],
                "5002": [SendFailure(Failure.BLOCKED, "Forbidden: bot was blocked by the user")] * 5}

    def script(chat: str, payload: Mapping[str, Any]) -> SendFailure | None:
        return failures[chat].pop(0) if failures[chat] else None

    await outbox.owe(texts("5001", "một") + texts("5002", "một"))
    transport = ScriptedTransport(script)
    await send_until(outbox, transport, lambda: len(endings) == 2)
    assert transport.delivered == [("5001", "một")]
    assert [c for c, _, _ in transport.tries].count("5001") == 3  # two faults, then through
    assert [c for c, _, _ in transport.tries].count("5002") == 1  # refused for good: never again
    assert sorted(endings) == [("5001", Ending.SENT), ("5002", Ending.BLOCKED)]
    rows = await storage.db.run(lambda: storage.db.fetch_all("SELECT chat_id, status, attempts FROM outbox"))
    assert sorted(tuple(r) for r in rows) == [("5001", "sent", 3), ("5002", "refused", 1)]


async def test_a_message_failing_past_the_age_limit_becomes_a_dead_letter(storage: Storage) -> None:
    outbox = Outbox(storage)
    endings: list[Ending] = []

    async def listen(delivery: Delivery) -> None:
        endings.append(delivery.ending)

    outbox.listeners.append(listen)
    await outbox.owe(texts("5001", "một"))
    transport = ScriptedTransport(lambda chat, payload: SendFailure(Failure.TRANSIENT, "500"))
    policy = SendPolicy(give_up_after=dt.timedelta(seconds=0))  # any failure is past the limit
    await send_until(outbox, transport, lambda: bool(endings), policy)
    assert endings == [Ending.DEAD] and transport.delivered == []
    assert (await storage.outbox.counts()).get("dead") == 1


async def test_a_send_cut_off_by_a_crash_is_sent_again_at_the_next_start(storage: Storage) -> None:
    outbox = Outbox(storage)
    await outbox.owe(texts("5001", "một", "hai"))
    # A sender that then died. On an SQLite file (one process) its claims are released at the next start;
    # on PostgreSQL another live process might hold them, so they are taken over once the lease ran out.
    lease = dt.timedelta(seconds=1) if storage.db.shared else dt.timedelta(minutes=2)
    taken = await storage.outbox.claim("telegram", 10, lease)
    assert [m.payload["text"] for m in taken] == ["một"]  # only a chat's oldest message is ever taken
    assert await storage.outbox.claim("telegram", 10, lease) == []  # "hai" waits behind it
    transport = ScriptedTransport()
    await send_until(outbox, transport, lambda: len(transport.delivered) == 2)
    assert transport.delivered == [("5001", "một"), ("5001", "hai")]


async def test_what_an_update_owes_is_written_with_its_mark_or_not_at_all(storage: Storage) -> None:
    outbox = Outbox(storage)
    await storage.inbox.store("telegram", [("1", "{}"), ("2", "{}")])
    with outbox.collecting() as batch:
        await outbox.owe(texts("5001", "một"))
    assert await storage.outbox.open_count("telegram") == 0  # gathered, not written yet
    await outbox.settle(batch, lambda: storage.inbox.finish("telegram", "1"))
    assert await storage.outbox.open_count("telegram") == 1 and await storage.inbox.pending("telegram") == [("2", "{}")]

    async def fails() -> None:
        await storage.inbox.finish("telegram", "2")
        raise RuntimeError("the disk is full")

    with outbox.collecting() as batch:
        await outbox.owe(texts("5002", "một"))
    with pytest.raises(RuntimeError):
        await outbox.settle(batch, fails)
    assert await storage.outbox.open_count("telegram") == 1  # neither the message nor the mark
    assert await storage.inbox.pending("telegram") == [("2", "{}")]


def test_the_back_off_doubles_up_to_five_minutes_with_jitter() -> None:
    rng = random.Random(3)
    waits = [backoff(attempts, rng) for attempts in range(1, 12)]
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0 and 2.0 <= waits[2] <= 4.0
    assert all(150.0 <= w <= 300.0 for w in waits[9:])
    assert len({round(backoff(4, rng), 3) for _ in range(20)}) > 10  # not all the same: jitter


async def test_a_message_waiting_behind_a_slow_send_does_not_keep_the_sender_busy(storage: Storage) -> None:
    outbox = Outbox(storage)
    await outbox.owe(texts("5001", "một", "hai"))
    looks = 0
    claim = storage.outbox.claim

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal looks
        looks += 1
        return await claim(*args, **kwargs)

    storage.outbox.claim = counted  # type: ignore[method-assign]
    transport = ScriptedTransport(delay=1.0)  # "một" takes a second; "hai" waits behind it
    await send_until(outbox, transport, lambda: len(transport.delivered) == 2)
    assert transport.delivered == [("5001", "một"), ("5001", "hai")]
    assert looks < 10  # it waited for the send to end, not polled the outbox in a loop


async def test_shared_rates_wait_for_the_next_window_when_one_is_full(storage: Storage) -> None:
    now = 1_764_680_000.25
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        nonlocal now
        waited.append(seconds)
        now += seconds

    rates = SharedRates(storage.coordination, "telegram", clock=lambda: now, sleep=sleep)
    windows: list[int] = []
    for _ in range(7):
        await rates.acquire([Rate("bot", 1, 3)])
        windows.append(int(now))
    assert windows == [1_764_680_000] * 3 + [1_764_680_001] * 3 + [1_764_680_002]  # 3 a second, never 4
    assert waited == [0.75, 1.0]  # to the start of the next window each time


async def test_two_senders_on_one_shared_store_keep_one_rate_between_them(pg_url: str) -> None:
    """PostgreSQL only: one SQLite file has one process (bot/store/owner.py), whose own limiter is enough."""
    stores = [await Storage.open(pg_url), await Storage.open(pg_url)]
    try:
        await Outbox(stores[0]).owe([m for i in range(16) for m in texts(f"50{i:02d}", "một")])
        transports = [ScriptedTransport(), ScriptedTransport()]
        stamps: list[float] = []
        for transport in transports:
            transport.limits = [Rate("bot", 1, 4)]
            transport.script = lambda chat, payload: stamps.append(time.time()) or None  # type: ignore[func-returns-value]
        outboxes = [Outbox(store) for store in stores]
        delivered = lambda: sum(len(t.delivered) for t in transports)  # noqa: E731
        await asyncio.gather(*(send_until(outbox, transport, lambda: delivered() == 16)
                               for outbox, transport in zip(outboxes, transports, strict=True)))
        assert delivered() == 16 and all(t.delivered for t in transports)  # both processes sent
        per_second = Counter(int(stamp) for stamp in stamps)
        assert max(per_second.values()) <= 4, per_second  # never more than the rate, though two send
    finally:
        for store in stores:
            await store.close()
