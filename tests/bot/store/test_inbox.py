"""The durable inbox."""

from __future__ import annotations

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
