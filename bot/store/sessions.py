"""The officers' web desk: one-time login links and browser sessions, each kept only as a hash.

Whoever reads the database (a backup, a copy) finds no link or cookie that would open the desk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.store.audit import AuditRecord, insert_audit
from bot.store.connection import Store, operation
from bot.store.values import utc_text


class Redeemed(StrEnum):
    """What became of a login link when it was opened."""

    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SessionOwner:
    platform: str
    user_id: str
    expires_at: dt.datetime


def state_of(expires_at: str | None, used_at: str | None, now: dt.datetime) -> Redeemed:
    if expires_at is None:
        return Redeemed.UNKNOWN
    if used_at is not None:
        return Redeemed.USED
    return Redeemed.EXPIRED if dt.datetime.fromisoformat(expires_at) <= now else Redeemed.OK


class WebSessionStore(Store):
    @operation
    async def add_login(self, token_hash: str, platform: str, user_id: str, now: dt.datetime,
                        expires_at: dt.datetime) -> None:
        await self.db.execute(
            "INSERT INTO web_logins (token_hash, platform, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (token_hash, platform, user_id, utc_text(now), utc_text(expires_at)))

    @operation
    async def logins_since(self, platform: str, user_id: str, since: dt.datetime) -> int:
        return int(await self.db.fetch_value(
            "SELECT COUNT(*) FROM web_logins WHERE platform = ? AND user_id = ? AND created_at >= ?",
            (platform, user_id, utc_text(since))))

    @operation
    async def login_owner(self, token_hash: str) -> tuple[str, str] | None:
        row = await self.db.fetch_one("SELECT platform, user_id FROM web_logins WHERE token_hash = ?", (token_hash,))
        return (str(row[0]), str(row[1])) if row is not None else None

    @operation
    async def link_state(self, token_hash: str, now: dt.datetime) -> Redeemed:
        """Whether a login link would open now, without using it."""
        row = await self.db.fetch_one("SELECT expires_at, used_at FROM web_logins WHERE token_hash = ?", (token_hash,))
        return state_of(row["expires_at"] if row else None, row["used_at"] if row else None, now)

    @operation
    async def redeem(self, token_hash: str, session_hash: str, now: dt.datetime, session_expires: dt.datetime,
                     audit: AuditRecord) -> Redeemed:
        """Use a login link once: mark it used and open the session with its audit row, in one
        transaction, so two tabs opening the same link cannot both get in."""
        row = await self.db.fetch_one(
            "SELECT platform, user_id, expires_at, used_at FROM web_logins WHERE token_hash = ?", (token_hash,))
        state = state_of(row["expires_at"] if row else None, row["used_at"] if row else None, now)
        if row is None or state is not Redeemed.OK:
            return state
        await self.db.execute("UPDATE web_logins SET used_at = ? WHERE token_hash = ?", (utc_text(now), token_hash))
        await self.db.execute(
            """INSERT INTO web_sessions (session_hash, platform, user_id, created_at, expires_at)
               VALUES (?, ?, ?, ?, ?)""",
            (session_hash, row["platform"], row["user_id"], utc_text(now), utc_text(session_expires)))
        await insert_audit(self.db, audit)
        return Redeemed.OK

    @operation
    async def session(self, session_hash: str, now: dt.datetime) -> SessionOwner | None:
        """The officer of a live session (not ended, not expired), or None."""
        row = await self.db.fetch_one(
            "SELECT platform, user_id, expires_at FROM web_sessions WHERE session_hash = ? AND ended_at IS NULL "
            "AND expires_at > ?", (session_hash, utc_text(now)))
        if row is None:
            return None
        return SessionOwner(str(row[0]), str(row[1]), dt.datetime.fromisoformat(row[2]))

    @operation
    async def end(self, session_hash: str, now: dt.datetime, audit: AuditRecord | None = None) -> bool:
        """End one session (logout, or rights revoked), with its audit row; False if it was not live."""
        ended = await self.db.execute(
            "UPDATE web_sessions SET ended_at = ? WHERE session_hash = ? AND ended_at IS NULL",
            (utc_text(now), session_hash))
        if ended and audit is not None:
            await insert_audit(self.db, audit)
        return bool(ended)

    @operation
    async def forget_before(self, before: dt.datetime) -> int:
        """Drop links and sessions that expired before `before`: nothing is left to open with them."""
        logins = await self.db.execute("DELETE FROM web_logins WHERE expires_at < ?", (utc_text(before),))
        sessions = await self.db.execute("DELETE FROM web_sessions WHERE expires_at < ?", (utc_text(before),))
        return logins + sessions
