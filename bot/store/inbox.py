"""The durable inbox: updates written here before the platform is told they were received."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence

from bot.store.connection import Store, operation
from bot.store.values import moment, utc_text, utcnow

LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")  # json.loads joins valid pairs, so any left is alone


def stored_form(update: object) -> str:
    """An update as the inbox keeps it: JSON text that SQLite and UTF-8 accept."""
    return LONE_SURROGATE.sub("\ufffd", json.dumps(update, ensure_ascii=False))


class InboxStore(Store):
    @operation
    async def store(self, platform: str, updates: Sequence[tuple[str, str]],
                    chats: Mapping[str, str] | None = None) -> list[str]:
        """Write a batch of (update id, JSON payload) at once, durably; return the ids
        not stored before (a redelivered update is neither stored nor handled twice). `chats` gives
        each update's chat (by update id): a chat's updates are claimed one at a time, in order."""
        now = utcnow().isoformat()
        fresh: list[str] = []
        for update_id, payload in updates:
            chat = (chats or {}).get(update_id) or f"update:{update_id}"
            stored = await self.db.fetch_value(
                "INSERT INTO inbox (platform, update_id, payload, received_at, chat_key) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING update_id",
                (platform, update_id, payload, now, chat),
            )
            if stored is not None:
                fresh.append(update_id)
        return fresh

    @operation
    async def claim(self, platform: str, limit: int, lease: dt.timedelta) -> list[tuple[str, str]]:
        """Take up to `limit` stored updates to handle now: the oldest unfinished update of each chat,
        unless a process holds it (within its lease; past it, that process died and it is taken over).
        Several processes claiming at once skip each other's rows (PostgreSQL: FOR UPDATE SKIP LOCKED):
        an update is handled by one process, and a chat's next update only once its previous is done."""
        now = utcnow()
        rows = await self.db.fetch_all(
            """SELECT i.seq, i.update_id, i.payload FROM inbox i
               WHERE i.platform = ? AND i.done_at IS NULL AND (i.claimed_until IS NULL OR i.claimed_until <= ?)
                 AND i.seq = (SELECT MIN(j.seq) FROM inbox j WHERE j.platform = i.platform
                              AND j.chat_key = i.chat_key AND j.done_at IS NULL)
               ORDER BY i.seq LIMIT ?""" + self.db.dialect.lock_rows("i"),
            (platform, moment(now), limit),
        )
        await self.db.execute_many("UPDATE inbox SET claimed_until = ? WHERE seq = ?",
                                   [(moment(now + lease), row[0]) for row in rows])
        return [(str(row[1]), str(row[2])) for row in rows]

    @operation
    async def release_claims(self, platform: str) -> int:
        """At start, on a database one process uses (an SQLite file), every claim is the last run's:
        released at once. On a shared one a claim may be a live process's: it runs out by itself."""
        if self.db.shared:
            return 0
        return await self.db.execute(
            "UPDATE inbox SET claimed_until = NULL WHERE platform = ? AND done_at IS NULL "
            "AND claimed_until IS NOT NULL", (platform,))

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
            "UPDATE inbox SET done_at = ?, claimed_until = NULL WHERE platform = ? AND update_id = ?",
            (utcnow().isoformat(), platform, update_id),
        )

    @operation
    async def purge(self, older_than: dt.datetime) -> int:
        """Forget finished updates received before `older_than` (their reports stay)."""
        return await self.db.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ?", (utc_text(older_than),)
        )
