"""The schema: a fresh database migrated, reopened, refused when newer, upgraded from an old version —
on SQLite (PRAGMA user_version) and PostgreSQL (the schema_version table) from the one list."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import psycopg
import pytest

from bot.matching.matcher import Band, MatchResult
from bot.store.migrations import MIGRATIONS
from bot.store.postgres import POSTGRES
from bot.store.storage import Storage
from tests.bot.store.conftest import request


def at_version(target: Path | str, version: int, *inserts: str) -> None:
    """A database as a release with `version` migrations left it, with `inserts` run in it."""
    if isinstance(target, Path):
        with contextlib.closing(sqlite3.connect(target)) as db:
            db.executescript("\n".join(MIGRATIONS[:version]) + f"\nPRAGMA user_version = {version};")
            for sql in inserts:
                db.execute(sql)
            db.commit()
        return
    with psycopg.connect(target, autocommit=True) as pg:
        pg.execute("CREATE TABLE schema_version (version BIGINT NOT NULL)")
        for script in MIGRATIONS[:version]:
            pg.execute(POSTGRES.schema(script))  # type: ignore[call-overload]
        pg.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        for sql in inserts:
            pg.execute(sql)  # type: ignore[call-overload]


async def test_fresh_file_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    """SQLite only: WAL mode and the file's integrity are SQLite's."""
    storage = await Storage.open(tmp_path / "sub" / "kc.db")
    assert await storage.schema_version() == len(MIGRATIONS)
    await storage.close()
    with sqlite3.connect(tmp_path / "sub" / "kc.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_reopening_applies_nothing_twice(target: Path | str) -> None:
    storage = await Storage.open(target)
    assert await storage.schema_version() == len(MIGRATIONS)
    await storage.reports.record(request(), MatchResult(Band.NONE))
    await storage.close()
    storage = await Storage.open(target)
    assert await storage.reports.count() == 1
    assert await storage.schema_version() == len(MIGRATIONS)
    await storage.close()


async def test_a_newer_database_is_refused(target: Path | str) -> None:
    at_version(target, 0)
    if isinstance(target, Path):
        with contextlib.closing(sqlite3.connect(target)) as db:
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    else:
        with psycopg.connect(target, autocommit=True) as pg:
            pg.execute("UPDATE schema_version SET version = %s", (len(MIGRATIONS) + 1,))
    with pytest.raises(RuntimeError, match="newer than this program"):
        await Storage.open(target)


async def test_two_processes_opening_a_new_database_together_migrate_it_once(pg_url: str) -> None:
    """PostgreSQL only: several processes share it, and start together (an SQLite file has one)."""
    import asyncio

    opened = await asyncio.gather(*(Storage.open(pg_url) for _ in range(3)))
    assert {await s.schema_version() for s in opened} == {len(MIGRATIONS)}
    for storage in opened:
        await storage.close()


async def test_a_version_1_database_gains_the_group_tables_and_keeps_its_reports(target: Path | str) -> None:
    at_version(target, 1, "INSERT INTO reports (created_at, platform, chat_id, chat_type, kind, text, score, band) "
               "VALUES ('2024-06-01T08:30:00+00:00', 'telegram', '5001', 'private', 'asked', 'tin cũ', 0, 'none')")
    storage = await Storage.open(target)
    assert await storage.schema_version() == len(MIGRATIONS) >= 2
    assert await storage.reports.count() == 1
    assert await storage.groups.mode("telegram", "-1001700000001") is None
    await storage.close()


async def test_a_version_7_database_keeps_its_reports_as_claims_in_the_queue(target: Path | str) -> None:
    at_version(target, 7,
               "INSERT INTO reports (created_at, platform, chat_id, chat_type, user_id, kind, text, score, band) "
               "VALUES ('2025-03-01T02:00:00+00:00', 'telegram', '5001', 'private', '5001', 'asked', "
               "'Nghe nói mai cắt điện cả thành phố Hội An?', 0, 'none')")
    storage = await Storage.open(target)
    assert await storage.schema_version() == len(MIGRATIONS) >= 8
    [kept] = await storage.reviews.pending()
    await storage.close()
    assert (kept.text, kept.not_a_claim) == ("Nghe nói mai cắt điện cả thành phố Hội An?", None)
