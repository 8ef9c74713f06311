"""Officers' catalogue entries (they win over the shipped YAML by id) and the rights granted in the chat."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.audit import AuditRecord, insert_audit
from bot.store.connection import Store, operation
from bot.store.reviews import insert_reviews
from bot.store.values import to_json, utcnow


@dataclass(frozen=True)
class StoredEntry:
    id: str
    data: dict[str, Any]
    updated_at: dt.datetime
    updated_by: str


class EntryStore(Store):
    @operation
    async def all(self) -> list[StoredEntry]:
        rows = await self.db.fetch_all("SELECT * FROM entries ORDER BY created_at, id")
        return [
            StoredEntry(row["id"], json.loads(row["data"]), dt.datetime.fromisoformat(row["updated_at"]),
                        row["updated_by"])
            for row in rows
        ]

    @operation
    async def save(self, entry_id: str, data: dict[str, Any], audit: AuditRecord,
                   *, link_reports: Iterable[int] = ()) -> None:
        """Store (or replace) an officer's entry with its audit row — and, for an entry made from a
        report, the link of that report's group — in one transaction."""
        await self._upsert(entry_id, data, audit)
        await insert_reviews(self.db, link_reports, "linked", entry_id, f"{audit.platform}:{audit.user_id}")

    @operation
    async def import_many(self, entries: Sequence[tuple[str, dict[str, Any], AuditRecord]]) -> None:
        """Store several entries with their audit rows in one transaction: all of them, or none."""
        for entry_id, data, audit in entries:
            await self._upsert(entry_id, data, audit)

    @operation
    async def version(self) -> int:
        """The catalogue's version: raised by every officer's write, so that every process on the database
        sees another's edit (bot/desk/entries.py `follow`)."""
        return int(await self.db.fetch_value("SELECT version FROM catalogue_version WHERE id = 1") or 0)

    async def _upsert(self, entry_id: str, data: dict[str, Any], audit: AuditRecord) -> None:
        by = f"{audit.platform}:{audit.user_id}"
        now = utcnow().isoformat()
        await self.db.execute(
            """INSERT INTO entries (id, data, created_at, created_by, updated_at, updated_by)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at,
                   updated_by = excluded.updated_by""",
            (entry_id, to_json(data), now, by, now, by),
        )
        await self.db.execute("UPDATE catalogue_version SET version = version + 1 WHERE id = 1")
        await insert_audit(self.db, audit)


class RightsStore(Store):
    @operation
    async def all(self, platform: str) -> dict[str, bool]:
        """User id -> granted (True) or revoked (False), for every user an owner changed."""
        rows = await self.db.fetch_all("SELECT user_id, granted FROM officer_rights WHERE platform = ?",
                                       (platform,))
        return {row["user_id"]: bool(row["granted"]) for row in rows}

    @operation
    async def set(self, user_id: str, granted: bool, audit: AuditRecord) -> None:
        await self.db.execute(
            """INSERT INTO officer_rights (platform, user_id, granted, changed_by, changed_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (platform, user_id) DO UPDATE SET granted = excluded.granted,
                   changed_by = excluded.changed_by, changed_at = excluded.changed_at""",
            (audit.platform, user_id, int(granted), audit.user_id, utcnow().isoformat()),
        )
        await insert_audit(self.db, audit)
