"""The durable inbox: updates written here before the platform is told they were received."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence

from bot.store.connection import Store, operation
from bot.store.values import utc_text, utcnow

LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")  # json.loads joins valid pairs, so any left is alone


def stored_form(update: object) -> str:
    """An update as the inbox keeps it: JSON text that SQLite and UTF-8 accept."""
    return LONE_SURROGATE.sub("\ufffd", json.dumps(update, ensure_ascii=False))


class InboxStore(Store):
    @operation
    async def store(self, platform: str, updates: Sequence[tuple[str, str]]) -> list[str]:
        """Write a batch of (update id, JSON payload) at once, durably; return the ids
        not stored before (a redelivered update is neither stored nor handled twice)."""
        now = utcnow().isoformat()
        fresh: list[str] = []
        for update_id, payload in updates:
            stored = await self.db.fetch_value(
                "INSERT INTO inbox (platform, update_id, payload, received_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING update_id",
                (platform, update_id, payload, now),
            )
            if stored is not None:
                fresh.append(update_id)
        return fresh

    @operation
    async def pending(self, platform: str) -> list[tuple[str, str]]:
        """Updates stored but not finished (the process stopped mid-way), oldest first."""
        rows = await self.db.fetch_all(
            "SELECT update_id, payload FROM inbox WHERE platform = ? AND done_at IS NULL ORDER BY seq",
            (platform,),
        )
        return [(str(row[0]), str(row[1])) for row in rows]

    @operation
    async def backlog(self) -> dict[str, int]:
        """Updates stored but not yet handled, by platform (the health check and the metrics)."""
        rows = await self.db.fetch_all(
            "SELECT platform, COUNT(*) FROM inbox WHERE done_at IS NULL GROUP BY platform")
        return {str(row[0]): int(row[1]) for row in rows}

    @operation
    async def finish(self, platform: str, update_id: str) -> None:
        await self.db.execute(
            "UPDATE inbox SET done_at = ? WHERE platform = ? AND update_id = ?",
            (utcnow().isoformat(), platform, update_id),
        )

    @operation
    async def purge(self, older_than: dt.datetime) -> int:
        """Forget finished updates received before `older_than` (their reports stay)."""
        return await self.db.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ?", (utc_text(older_than),)
        )
