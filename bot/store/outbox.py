"""The outbox: messages owed to people, kept until the platform took them (or refused them for good)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.connection import Store, operation
from bot.store.values import from_json, moment, utcnow

# `o` is its chat's oldest open message: the only one of a chat that may be tried, so that a chat's
# messages leave in the order they were owed
OLDEST = ("o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.platform = o.platform AND p.chat_id = o.chat_id "
          "AND p.status IN ('pending', 'sending'))")
# Due at a moment (given twice): pending and its time has come, or being sent under a lease that ran out
# (its sender's process died: with several processes on one database, another takes it over).
DUE = "((o.status = 'pending' AND o.not_before <= ?) OR (o.status = 'sending' AND o.claimed_until <= ?))"


@dataclass(frozen=True)
class Owed:
    """One message owed: where, what kind, the platform's payload, and what its delivery settles."""

    platform: str
    chat_id: str
    kind: str
    payload: dict[str, Any]
    ref: dict[str, Any] | None = None


@dataclass(frozen=True)
class OutboxRow:
    id: int
    platform: str
    chat_id: str
    kind: str
    payload: dict[str, Any]
    ref: dict[str, Any] | None
    owed_at: dt.datetime
    attempts: int


def row_of(row: Any) -> OutboxRow:
    return OutboxRow(int(row["id"]), str(row["platform"]), str(row["chat_id"]), str(row["kind"]),
                     json.loads(row["payload"]), from_json(row["ref"]), dt.datetime.fromisoformat(row["owed_at"]),
                     int(row["attempts"]))


class OutboxStore(Store):
    @operation
    async def add(self, messages: Sequence[Owed]) -> list[int]:
        """Owe `messages`, in this order; their ids (a chat's messages leave in id order)."""
        now = moment(utcnow())
        ids: list[int] = []
        for owed in messages:
            ids.append(int(await self.db.fetch_value(
                "INSERT INTO outbox (platform, chat_id, kind, payload, ref, owed_at, not_before) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (owed.platform, owed.chat_id, owed.kind, json.dumps(owed.payload, ensure_ascii=False),
                 json.dumps(owed.ref, ensure_ascii=False) if owed.ref is not None else None, now, now),
            )))
        return ids

    @operation
    async def claim(self, platform: str, limit: int, lease: dt.timedelta, now: dt.datetime | None = None,
                    ) -> list[OutboxRow]:
        """Take up to `limit` messages to send now: the oldest open message of each chat, when it is
        due and no other message of that chat is being sent. Taken ones are `sending` until `lease`.
        Processes claiming at once skip each other's rows (PostgreSQL: FOR UPDATE SKIP LOCKED), so a
        message is taken by one of them, and a chat's next message only once its oldest is settled."""
        now = now or utcnow()
        rows = await self.db.fetch_all(
            f"SELECT o.* FROM outbox o WHERE o.platform = ? AND {DUE} AND {OLDEST} ORDER BY o.id LIMIT ?"
            f"{self.db.dialect.lock_rows('o')}",
            (platform, moment(now), moment(now), limit),
        )
        taken = [row_of(row) for row in rows]
        await self.db.execute_many(
            "UPDATE outbox SET status = 'sending', claimed_until = ?, attempts = attempts + 1 WHERE id = ?",
            [(moment(now + lease), row.id) for row in taken],
        )
        return taken

    @operation
    async def release_claims(self, platform: str, lease: dt.timedelta) -> int:
        """At a sender's start, messages a sender took and never settled (its process died mid-send)
        become pending again: every claim, on a database one process uses (an SQLite file, locked at
        start); on a shared one (PostgreSQL) only those whose lease ran out — a claim within its lease
        may be another live process's send — and `claim` takes over the others when theirs runs out."""
        until = utcnow() if self.db.shared else utcnow() + lease
        return await self.db.execute(
            "UPDATE outbox SET status = 'pending', claimed_until = NULL WHERE platform = ? AND status = 'sending' "
            "AND claimed_until <= ?", (platform, moment(until)))

    @operation
    async def sent(self, message_id: int) -> None:
        await self.db.execute("UPDATE outbox SET status = 'sent', done_at = ?, claimed_until = NULL, "
                              "last_error = NULL WHERE id = ?", (moment(utcnow()), message_id))

    @operation
    async def close(self, message_id: int, status: str, error: str) -> None:
        """Settled without delivery: `refused` by the platform for good, or `dead` after retrying too long."""
        await self.db.execute("UPDATE outbox SET status = ?, done_at = ?, claimed_until = NULL, last_error = ? "
                              "WHERE id = ?", (status, moment(utcnow()), error[:300], message_id))

    @operation
    async def retry(self, message_id: int, not_before: dt.datetime, error: str) -> None:
        """Back to pending, not to be tried before `not_before` (its chat waits behind it)."""
        await self.db.execute("UPDATE outbox SET status = 'pending', claimed_until = NULL, not_before = ?, "
                              "last_error = ? WHERE id = ?", (moment(not_before), error[:300], message_id))

    @operation
    async def move_chat(self, platform: str, old: str, new: str) -> None:
        """A group became a supergroup: what it is owed goes to its new id."""
        await self.db.execute("UPDATE outbox SET chat_id = ? WHERE platform = ? AND chat_id = ? AND status IN "
                              "('pending', 'sending')", (new, platform, old))

    @operation
    async def next_due(self, platform: str) -> dt.datetime | None:
        """When the next message `claim` could take may be tried (None: none): a message waiting behind
        one being sent is not counted, it is the end of that send that frees it (or its lease's end,
        when the sender died)."""
        value = await self.db.fetch_value(
            "SELECT MIN(CASE WHEN o.status = 'pending' THEN o.not_before ELSE o.claimed_until END) FROM outbox o "
            f"WHERE o.platform = ? AND o.status IN ('pending', 'sending') AND {OLDEST}", (platform,))
        return dt.datetime.fromisoformat(value) if value else None

    @operation
    async def counts(self, since: dt.datetime | None = None, until: dt.datetime | None = None) -> dict[str, int]:
        """Messages by state: every open one, and those settled from `since` to `until` (all when None)."""
        rows = await self.db.fetch_all(
            "SELECT status, COUNT(*) FROM outbox WHERE status IN ('pending', 'sending') "
            "OR (done_at >= ? AND done_at < ?) GROUP BY status",
            (moment(since) if since else "", moment(until) if until else "9999"))
        return {str(row[0]): int(row[1]) for row in rows}

    @operation
    async def open_count(self, platform: str) -> int:
        return int(await self.db.fetch_value(
            "SELECT COUNT(*) FROM outbox WHERE platform = ? AND status IN ('pending', 'sending')", (platform,)))

    @operation
    async def forget_chat(self, platform: str, chat_id: str) -> int:
        """Forget what was delivered (or given up) to a chat: the answers quote what the person sent."""
        return await self.db.execute(
            "DELETE FROM outbox WHERE platform = ? AND chat_id = ? AND status NOT IN ('pending', 'sending')",
            (platform, chat_id))

    @operation
    async def purge(self, older_than: dt.datetime) -> int:
        """Forget settled messages settled before `older_than` (what they said is in the reports)."""
        return await self.db.execute("DELETE FROM outbox WHERE status NOT IN ('pending', 'sending') AND done_at < ?",
                                     (moment(older_than),))
