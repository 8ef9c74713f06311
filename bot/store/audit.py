"""The audit: every officer action and every refused attempt, who, where, on what, before → after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.store.connection import Engine, Row, Store, operation
from bot.store.values import from_json, to_json, utcnow


@dataclass(frozen=True)
class AuditRecord:
    """One officer action (or refused attempt): who, where, what, on which entry, before → after."""

    platform: str
    user_id: str
    action: str
    chat_id: str | None = None
    entry_id: str | None = None
    report_id: int | None = None
    target: str | None = None
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: dt.datetime
    record: AuditRecord


async def insert_audit(db: Engine, record: AuditRecord) -> None:
    """Write an audit row inside the operation that did what it records."""
    await db.execute(
        """INSERT INTO audit (created_at, platform, chat_id, user_id, action, entry_id, report_id, target,
               before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (utcnow().isoformat(), record.platform, record.chat_id, record.user_id, record.action,
         record.entry_id, record.report_id, record.target, to_json(record.before), to_json(record.after)),
    )


class AuditStore(Store):
    @operation
    async def record(self, record: AuditRecord) -> None:
        await insert_audit(self.db, record)

    @operation
    async def record_refusal(self, platform: str, chat_id: str | None, user_id: str, target: str,
                             detail: str = "") -> None:
        """A refused attempt outside the officers' desk (a group's settings, a stale button), in the audit."""
        await insert_audit(self.db, AuditRecord(platform, user_id, "refused", chat_id=chat_id, target=target,
                                                after={"detail": detail} if detail else None))

    @operation
    async def for_entry(self, entry_id: str) -> list[AuditRow]:
        rows = await self.db.fetch_all("SELECT * FROM audit WHERE entry_id = ? ORDER BY id", (entry_id,))
        return [audit_row(row) for row in rows]

    @operation
    async def recent(self, limit: int, offset: int = 0) -> tuple[list[AuditRow], int]:
        """A page of the audit, newest first, and how many rows it has in all."""
        rows = await self.db.fetch_all("SELECT * FROM audit ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))
        return [audit_row(row) for row in rows], int(await self.db.fetch_value("SELECT COUNT(*) FROM audit"))


def audit_row(row: Row) -> AuditRow:
    return AuditRow(row["id"], dt.datetime.fromisoformat(row["created_at"]), AuditRecord(
        platform=row["platform"], user_id=row["user_id"], action=row["action"], chat_id=row["chat_id"],
        entry_id=row["entry_id"], report_id=row["report_id"], target=row["target"],
        before=from_json(row["before"]), after=from_json(row["after"]),
    ))
