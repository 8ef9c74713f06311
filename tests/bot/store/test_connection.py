"""The shared connection: operations take turns, each durable when it returns, each atomic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.checking import ChatType, CheckRequest
from bot.matching.matcher import Band, MatchResult
from bot.store import connection
from bot.store.connection import DatabaseBusy, probe_writable
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


@contextlib.contextmanager
def held_by_another_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection (as another process would) holding the database's write lock."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        yield other
        if other.in_transaction:
            other.execute("COMMIT")


async def test_a_busy_database_is_waited_for_then_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 100)  # one attempt's wait, so the test retries often
    caplog.set_level(logging.INFO)
    storage = await Storage.open(tmp_path / "kc.db")
    with held_by_another_connection(tmp_path / "kc.db") as other:
        asyncio.get_running_loop().call_later(1.0, other.execute, "COMMIT")
        report_id = await storage.reports.record(request(message_id="7"), MatchResult(Band.NONE))
    assert await storage.reports.count() == 1 and report_id > 0
    assert [r.levelname for r in caplog.records if "locked by another process" in r.getMessage()] == ["WARNING"]
    assert any("is free again after" in r.getMessage() for r in caplog.records)
    await storage.close()


async def test_a_database_busy_for_too_long_is_one_known_error_and_the_next_operation_works(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 100)
    storage = await Storage.open(tmp_path / "kc.db")
    storage.db.busy_wait = 0.5
    with held_by_another_connection(tmp_path / "kc.db"), pytest.raises(DatabaseBusy) as raised:
        await storage.reports.record(request(message_id="8"), MatchResult(Band.NONE))
    assert str(raised.value).startswith(f"database {tmp_path / 'kc.db'} was locked by another process for ")
    assert "\n" not in str(raised.value)
    await storage.reports.record(request(message_id="9"), MatchResult(Band.NONE))  # free again: it works
    assert await storage.reports.count() == 1
    await storage.close()


def test_the_start_up_probe_waits_for_a_busy_database_and_finds_a_damaged_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 100)
    database = tmp_path / "kc.db"
    probe_writable(database)  # a new database: sound
    with held_by_another_connection(database), pytest.raises(sqlite3.OperationalError, match="locked"):
        probe_writable(database, busy_wait=0.3)
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.executemany("INSERT INTO notes VALUES (?)", [("Tin đồn cắt nước khu phố cổ " * 20,)] * 300)
        db.commit()
    content = database.read_bytes()
    database.write_bytes(content[:8192] + bytes(range(256)) * 16 + content[12288:])  # the third page overwritten
    with pytest.raises(sqlite3.DatabaseError) as raised:  # found by quick_check, or by the read it makes
        probe_writable(database)
    assert connection.is_damaged(raised.value) and "malformed" in str(raised.value)


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
