from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.catalogue import load_catalogue
from bot.checking import ChatType, CheckRequest, ForwardOrigin, ReportKind
from bot.matching.matcher import Band, Candidate, MatchResult
from bot.store.migrations import MIGRATIONS
from bot.store.storage import Storage
from bot.store.values import utcnow


def request(text: str = "Điện lực báo nợ tiền điện, chuyển khoản ngay", message_id: str | None = "42",
            kind: ReportKind = ReportKind.ASKED) -> CheckRequest:
    origin = ForwardOrigin("channel", "Tin Nóng Hội An", "-100987", dt.datetime(2024, 6, 1, 8, 30, tzinfo=dt.UTC))
    return CheckRequest(platform="telegram", chat_id="5001", chat_type=ChatType.PRIVATE, text=text,
                        user_id="5001", origin=origin, message_id=message_id, kind=kind)


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


async def test_report_row_holds_everything(tmp_path: Path, catalogue_path: Path) -> None:
    rumor = load_catalogue(catalogue_path).rumors[1]
    storage = await Storage.open(tmp_path / "kc.db")
    report_id = await storage.reports.record(request(), MatchResult(Band.MATCH, (Candidate(rumor, 91.5),)))
    [row] = await storage.reports.recent()
    await storage.close()
    assert row.id == report_id
    assert (row.platform, row.chat_id, row.chat_type, row.user_id, row.kind) == (
        "telegram", "5001", "private", "5001", "asked")
    assert (row.origin_kind, row.origin_name, row.origin_id) == ("channel", "Tin Nóng Hội An", "-100987")
    assert row.origin_date == "2024-06-01T08:30:00+00:00"
    assert (row.rumor_id, row.score, row.band) == (rumor.id, 91.5, "match")
    assert row.created_at.tzinfo is not None


async def test_the_same_platform_message_is_logged_once(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kc.db")
    first = await storage.reports.record(request(), MatchResult(Band.NONE))
    again = await storage.reports.record(request(), MatchResult(Band.NONE))
    other = await storage.reports.record(request("Một tin khác hẳn", message_id="43"), MatchResult(Band.NONE))
    seen = await storage.reports.record(request(kind=ReportKind.SEEN), MatchResult(Band.NONE))
    no_id = [await storage.reports.record(request(f"Tin số {n}", message_id=None), MatchResult(Band.NONE))
             for n in range(2)]
    assert first == again
    assert len({first, other, seen, *no_id}) == 5
    assert await storage.reports.count() == 5
    await storage.close()


async def test_a_none_band_result_stores_no_entry(tmp_path: Path, catalogue_path: Path) -> None:
    rumor = load_catalogue(catalogue_path).rumors[0]
    storage = await Storage.open(tmp_path / "kc.db")
    await storage.reports.record(request(), MatchResult(Band.NONE, (Candidate(rumor, 30.0),)))
    [row] = await storage.reports.recent()
    await storage.close()
    assert row.rumor_id is None and row.band == "none"


async def test_updates_are_seen_once_per_platform(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kc.db")
    assert await storage.inbox.mark_seen("zalo", "2d758cb5e222177a4e35")
    assert not await storage.inbox.mark_seen("zalo", "2d758cb5e222177a4e35")
    assert await storage.inbox.mark_seen("telegram", "2d758cb5e222177a4e35")
    await storage.close()
    storage = await Storage.open(tmp_path / "kc.db")  # survives a restart
    assert not await storage.inbox.mark_seen("zalo", "2d758cb5e222177a4e35")
    await storage.close()


async def test_outbound_counts_are_per_platform_and_month(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kc.db")
    assert await storage.quota.count_outbound("zalo", month="2026-11") == 1
    assert await storage.quota.count_outbound("zalo", 3, month="2026-11") == 4
    assert await storage.quota.count_outbound("zalo", month="2026-12") == 1
    assert await storage.quota.count_outbound("telegram", month="2026-11") == 1
    await storage.close()


async def test_inbox_stores_each_update_once_and_replays_the_unfinished(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kc.db")
    assert await storage.inbox.store("telegram", [("1", '{"update_id": 1}'), ("2", '{"update_id": 2}')]) == ["1", "2"]
    assert await storage.inbox.store("telegram", [("2", '{"update_id": 2}'), ("3", '{"update_id": 3}')]) == ["3"]
    await storage.inbox.finish("telegram", "1")
    await storage.close()
    storage = await Storage.open(tmp_path / "kc.db")  # as after a crash
    assert [uid for uid, _ in await storage.inbox.pending("telegram")] == ["2", "3"]
    assert await storage.inbox.pending("zalo") == []
    await storage.inbox.finish("telegram", "2")
    await storage.inbox.finish("telegram", "3")
    assert await storage.inbox.pending("telegram") == []
    assert await storage.inbox.purge(utcnow() + dt.timedelta(seconds=1)) == 3
    await storage.close()


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
