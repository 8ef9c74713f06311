"""The shared connection: operations take turns, each durable when it returns, each atomic."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import psycopg

from bot.checking import ChatType, CheckRequest
from bot.matching.matcher import Band, MatchResult
from bot.store.storage import Storage
from tests.bot.store.conftest import request
from tests.postgres_server import rows


async def test_concurrent_operations_are_each_durable_when_they_return(target: Path | str) -> None:
    storage = await Storage.open(target)

    async def one(i: int) -> int:
        report_id = await storage.reports.record(request(f"Tin đồn số {i}", message_id=str(i)), MatchResult(Band.NONE))
        # once the call returned, another connection (another process) sees the row
        assert rows(target, "SELECT COUNT(*) FROM reports WHERE id = ?", report_id)[0][0] == 1
        return report_id

    ids = await asyncio.gather(*(one(i) for i in range(200)),
                               storage.inbox.store("telegram", [(str(i), "{}") for i in range(50)]))
    assert len(set(ids[:200])) == 200 and len(ids[200]) == 50
    await storage.close()


async def test_a_failing_operation_undoes_only_itself(target: Path | str) -> None:
    storage = await Storage.open(target)
    bad = CheckRequest(platform="telegram", chat_id="1", chat_type=ChatType.PRIVATE, text=None)  # type: ignore[arg-type]
    results = await asyncio.gather(
        storage.reports.record(request(message_id="1"), MatchResult(Band.NONE)),
        storage.reports.record(bad, MatchResult(Band.NONE)),
        storage.reports.record(request("Một tin khác hẳn", message_id="2"), MatchResult(Band.NONE)),
        return_exceptions=True,
    )
    assert isinstance(results[1], sqlite3.IntegrityError | psycopg.IntegrityError)
    assert await storage.reports.count() == 2
    await storage.close()
    assert rows(target, "SELECT COUNT(*) FROM reports")[0][0] == 2


async def test_operations_of_several_stores_in_atomic_are_durable_together_or_not_at_all(target: Path | str) -> None:
    storage = await Storage.open(target)

    async def half_done() -> None:
        await storage.inbox.store("telegram", [("7", "{}")])
        await storage.quota.count_outbound("telegram", month="2026-11")
        raise RuntimeError("cut off")

    with contextlib.suppress(RuntimeError):
        await storage.db.atomic(half_done)
    assert await storage.inbox.pending("telegram") == []
    assert await storage.quota.count_outbound("telegram", month="2026-11") == 1
    await storage.close()
