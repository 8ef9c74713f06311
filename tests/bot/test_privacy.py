"""Privacy: the retention purge blanks old report texts and keeps every count."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from bot.checking import ChatType, CheckRequest, ForwardOrigin
from bot.matching.matcher import Band, MatchResult
from bot.privacy import Privacy, parse_forget_payload
from bot.store.storage import Storage
from bot.store.values import utcnow

NOW = utcnow()


def report(text: str, user: str, origin: ForwardOrigin | None = None) -> CheckRequest:
    return CheckRequest(platform="telegram", chat_id=user, chat_type=ChatType.PRIVATE, text=text, user_id=user,
                        origin=origin, message_id=None)


def backdate(path: Path, report_id: int, when: dt.datetime) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE reports SET created_at = ? WHERE id = ?", (when.isoformat(), report_id))


async def test_retention_blanks_old_texts_and_keeps_the_counts(tmp_path: Path) -> None:
    path = tmp_path / "kc.db"
    storage = await Storage.open(path)
    hidden = ForwardOrigin("hidden_user", "Hương Giang", "", None)
    channel = ForwardOrigin("channel", "Tin Nóng Miền Trung 24h", "-1001234567890", None)
    old = await storage.reports.record(report("Siêu bão cấp 17 sắp đổ bộ Hội An, di dời gấp", "1", hidden),
                                      MatchResult(Band.NONE))
    old_channel = await storage.reports.record(report("Phố cổ cấm xe máy từ mai", "2", channel), MatchResult(Band.NONE))
    new = await storage.reports.record(report("Chợ Hội An đóng cửa 3 ngày", "3"), MatchResult(Band.NONE))
    backdate(path, old, NOW - dt.timedelta(days=31))
    backdate(path, old_channel, NOW - dt.timedelta(days=40))
    backdate(path, new, NOW - dt.timedelta(days=20))
    await storage.inbox.store("telegram", [("1", '{"message": {"text": "Siêu bão"}}'), ("2", "{}")])
    await storage.inbox.finish("telegram", "1")

    purged = await Privacy(storage, retention_days=30).purge(NOW + dt.timedelta(days=2))
    assert (purged.reports, purged.updates) == (2, 1)  # the unfinished update stays
    rows = {r.id: r for r in await storage.reports.recent()}
    assert await storage.reports.count() == 3
    assert (rows[old].text, rows[old].origin_name, rows[old].band, rows[old].purged_at is not None) == (
        "", None, "none", True)
    assert rows[old_channel].origin_name == "Tin Nóng Miền Trung 24h"  # a public channel is no person
    assert rows[new].text == "Chợ Hội An đóng cửa 3 ngày" and rows[new].purged_at is None
    assert [r.id for r in await storage.reviews.pending()] == [new]  # nothing left to review in the others
    assert (await Privacy(storage, retention_days=30).purge(NOW + dt.timedelta(days=2))).reports == 0
    await storage.close()


async def test_without_retention_texts_are_kept(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kc.db")
    old = await storage.reports.record(report("Siêu bão cấp 17 sắp đổ bộ Hội An", "1"), MatchResult(Band.NONE))
    backdate(tmp_path / "kc.db", old, utcnow() - dt.timedelta(days=3000))
    assert (await Privacy(storage, retention_days=None).purge()).reports == 0
    assert (await storage.reports.recent())[0].text == "Siêu bão cấp 17 sắp đổ bộ Hội An"
    await storage.close()


def test_forget_payloads_are_versioned() -> None:
    assert parse_forget_payload("v1:quen:yes") is True
    assert parse_forget_payload("v1:quen:no") is False
    assert parse_forget_payload("v0:quen:yes") is None and parse_forget_payload("v1:quen:yes:5001") is None
