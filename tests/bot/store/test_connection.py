"""The shared connection: operations take turns, each durable when it returns, each atomic."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.checking import ChatType, CheckRequest
from bot.matching.matcher import Band, MatchResult
from bot.store.storage import Storage
from tests.bot.store.conftest import request


async def test_concurrent_operations_are_each_durable_when_they_return(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kc.db")

    async def one(i: int) -> int:
        report_id = await storage.reports.record(request(f"Tin đồn số {i}", message_id=str(i)), MatchResult(Band.NONE))
        # once the call returned, another connection (another process) sees the row
        with sqlite3.connect(tmp_path / "kc.db") as other:
            assert other.execute("SELECT COUNT(*) FROM reports WHERE id = ?", (report_id,)).fetchone()[0] == 1
        return report_id

    ids = await asyncio.gather(*(one(i) for i in range(200)),
                               storage.inbox.store("telegram", [(str(i), "{}") for i in range(50)]))
    assert len(set(ids[:200])) == 200 and len(ids[200]) == 50
    await storage.close()


async def test_a_failing_operation_undoes_only_itself(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kc.db")
    bad = CheckRequest(platform="telegram", chat_id="1", chat_type=ChatType.PRIVATE, text=None)  # type: ignore[arg-type]
    results = await asyncio.gather(
        storage.reports.record(request(message_id="1"), MatchResult(Band.NONE)),
        storage.reports.record(bad, MatchResult(Band.NONE)),
        storage.reports.record(request("Một tin khác hẳn", message_id="2"), MatchResult(Band.NONE)),
        return_exceptions=True,
    )
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert await storage.reports.count() == 2
    await storage.close()
    with sqlite3.connect(tmp_path / "kc.db") as db:
        assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 2
