"""`kiemchung migrate-db SQLITE_FILE POSTGRES_URL`: every row copied, counted on both sides, ids going on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.matching.matcher import Band, MatchResult
from bot.store.audit import AuditRecord
from bot.store.feedback import VoteRecord
from bot.store.outbox import Owed
from bot.store.storage import Storage
from handlers.cli import main
from tests.bot.store.conftest import request
from tests.postgres_server import rows


async def a_deployment(path: Path) -> None:
    """An SQLite database a city's bot wrote: reports, a review, votes, an entry, the inbox, the outbox."""
    storage = await Storage.open(path)
    ids = [await storage.reports.record(request(f"Tin đồn cắt điện số {i}", message_id=str(i)), MatchResult(Band.NONE))
           for i in range(30)]
    officer = AuditRecord("telegram", "7001", "create", entry_id="cat-dien-hoi-an")
    await storage.entries.save("cat-dien-hoi-an", {"id": "cat-dien-hoi-an", "claim": "Mai cắt điện"}, officer,
                               link_reports=ids[:3])
    await storage.feedback.record_vote(VoteRecord(ids[5], "telegram", "5001", "5002", "down", None))
    await storage.inbox.store("telegram", [("1", '{"update_id": 1}')])
    await storage.outbox.add([Owed("telegram", "5001", "answer", {"text": "Tin này chưa có trong danh mục"})])
    await storage.close()


def test_a_city_database_is_copied_whole_and_the_counts_are_shown(tmp_path: Path, pg_url: str,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    source = tmp_path / "hoian.db"
    asyncio.run(a_deployment(source))
    assert main(["migrate-db", str(source), pg_url]) == 0
    out = capsys.readouterr().out
    assert "every count matches" in out
    for table in ("reports", "report_reviews", "feedback", "entries", "audit", "inbox", "outbox"):
        count = f"SELECT COUNT(*) FROM {table}"
        assert rows(pg_url, count)[0][0] == rows(source, count)[0][0] > 0
        assert table in out
    texts = "SELECT id, text FROM reports ORDER BY id"
    assert [tuple(r) for r in rows(pg_url, texts)] == [tuple(r) for r in rows(source, texts)]

    async def goes_on() -> int:  # the bot on PostgreSQL now: a new report's id follows the copied ones
        storage = await Storage.open(pg_url)
        try:
            return await storage.reports.record(request("Tin mới sau khi chuyển", message_id="99"),
                                                MatchResult(Band.NONE))
        finally:
            await storage.close()

    assert asyncio.run(goes_on()) == 31
    # a second copy into the same database would mix two deployments: refused, nothing changed
    assert main(["migrate-db", str(source), pg_url]) == 1
    assert "already holds rows" in capsys.readouterr().err
    assert rows(pg_url, "SELECT COUNT(*) FROM reports")[0][0] == 31


def test_a_password_in_the_url_is_refused_without_being_echoed(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate-db", str(tmp_path / "x.db"), "postgresql://kc:hunter2secret@127.0.0.1/kc"]) == 2
    err = capsys.readouterr().err
    assert "KIEMCHUNG_DATABASE_PASSWORD" in err and "hunter2secret" not in err
