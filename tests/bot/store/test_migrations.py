"""The schema: a fresh file migrated, reopened, refused when newer, upgraded from an old version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.matching.matcher import Band, MatchResult
from bot.store.migrations import MIGRATIONS
from bot.store.storage import Storage
from tests.bot.store.conftest import request


async def test_fresh_file_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "sub" / "kc.db")
    assert await storage.schema_version() == len(MIGRATIONS)
    await storage.close()
    with sqlite3.connect(tmp_path / "sub" / "kc.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kc.db")
    await storage.reports.record(request(), MatchResult(Band.NONE))
    await storage.close()
    storage = await Storage.open(tmp_path / "kc.db")
    assert await storage.reports.count() == 1
    await storage.close()


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "kc.db") as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer than this program"):
        await Storage.open(tmp_path / "kc.db")


async def test_a_version_1_database_gains_the_group_tables_and_keeps_its_reports(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as db:
        db.executescript(f"{MIGRATIONS[0]}\nPRAGMA user_version = 1;")
        db.execute("INSERT INTO reports (created_at, platform, chat_id, chat_type, kind, text, score, band) "
                   "VALUES ('2024-06-01T08:30:00+00:00', 'telegram', '5001', 'private', 'asked', 'tin cũ', 0, 'none')")
    storage = await Storage.open(path)
    assert await storage.schema_version() == len(MIGRATIONS) >= 2
    assert await storage.reports.count() == 1
    assert await storage.groups.mode("telegram", "-1001700000001") is None
    await storage.close()


async def test_a_version_7_database_keeps_its_reports_as_claims_in_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "v7.db"
    with sqlite3.connect(path) as db:
        db.executescript("\n".join(MIGRATIONS[:7]) + "\nPRAGMA user_version = 7;")
        db.execute("INSERT INTO reports (created_at, platform, chat_id, chat_type, user_id, kind, text, score, band) "
                   "VALUES ('2025-03-01T02:00:00+00:00', 'telegram', '5001', 'private', '5001', 'asked', "
                   "'Nghe nói mai cắt điện cả thành phố Hội An?', 0, 'none')")
    storage = await Storage.open(path)
    assert await storage.schema_version() == len(MIGRATIONS) >= 8
    [kept] = await storage.reviews.pending()
    await storage.close()
    assert (kept.text, kept.not_a_claim) == ("Nghe nói mai cắt điện cả thành phố Hội An?", None)
