"""The durable inbox."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.store.storage import Storage
from bot.store.values import utcnow


async def test_inbox_stores_each_update_once_and_replays_the_unfinished(target: Path | str) -> None:
    storage = await Storage.open(target)
    assert await storage.inbox.store("telegram", [("1", '{"update_id": 1}'), ("2", '{"update_id": 2}')]) == ["1", "2"]
    assert await storage.inbox.store("telegram", [("2", '{"update_id": 2}'), ("3", '{"update_id": 3}')]) == ["3"]
    await storage.inbox.finish("telegram", "1")
    await storage.close()
    storage = await Storage.open(target)  # as after a crash
    assert [uid for uid, _ in await storage.inbox.pending("telegram")] == ["2", "3"]
    assert await storage.inbox.pending("zalo") == []
    await storage.inbox.finish("telegram", "2")
    await storage.inbox.finish("telegram", "3")
    assert await storage.inbox.pending("telegram") == []
    assert await storage.inbox.purge(utcnow() + dt.timedelta(seconds=1)) == 3
    await storage.close()


async def test_a_chats_updates_are_claimed_one_at_a_time_in_order_and_a_dead_claim_is_taken_over(
        target: Path | str) -> None:
    storage = await Storage.open(target)
    chats = {"1": "5001", "2": "5001", "3": "5002"}
    await storage.inbox.store("telegram", [("1", "{}"), ("2", "{}"), ("3", "{}")], chats)
    lease = dt.timedelta(seconds=1)
    assert await storage.inbox.claim("telegram", 10, lease) == [("1", "{}"), ("3", "{}")]  # each chat's oldest
    assert await storage.inbox.claim("telegram", 10, lease) == []  # "2" waits behind "1", held by a process
    await storage.inbox.finish("telegram", "1")
    assert await storage.inbox.claim("telegram", 10, lease) == [("2", "{}")]
    await asyncio.sleep(1.1)  # the process holding "2" and "3" died: past the lease, another takes them over
    assert sorted(await storage.inbox.claim("telegram", 10, lease)) == [("2", "{}"), ("3", "{}")]
    await storage.close()


async def test_processes_claiming_at_once_never_take_the_same_update(pg_url: str) -> None:
    """PostgreSQL only: several processes share its inbox (an SQLite file has one process)."""
    processes = [await Storage.open(pg_url) for _ in range(3)]
    chats = {str(i): str(i % 40) for i in range(300)}
    await processes[0].inbox.store("telegram", [(str(i), "{}") for i in range(300)], chats)
    taken: list[str] = []

    async def work(storage: Storage) -> None:
        while claimed := await storage.inbox.claim("telegram", 5, dt.timedelta(minutes=2)):
            for update_id, _ in claimed:
                taken.append(update_id)
                await storage.inbox.finish("telegram", update_id)

    await asyncio.gather(*(work(s) for s in processes for _ in range(3)))
    assert sorted(taken, key=int) == [str(i) for i in range(300)]  # each once
    for chat in range(40):  # and each chat's in the order they arrived
        mine = [int(t) for t in taken if int(t) % 40 == chat]
        assert mine == sorted(mine)
    for storage in processes:
        await storage.close()
