"""All SQL lives here: an SQLite file through aiosqlite, WAL mode, versioned migrations.

Every table carries the platform and chat id from the start. A PostgreSQL backend would
implement the same public methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.checking import CheckRequest
from bot.groups import WatchMode
from bot.matching import MatchResult

# Each migration runs once, in order, in one transaction; PRAGMA user_version records the last.
# Never edit a released migration: append a new one.
MIGRATIONS: Sequence[str] = (
    # 1: the report log
    """
    CREATE TABLE reports (
        id           INTEGER PRIMARY KEY,
        created_at   TEXT NOT NULL,            -- ISO 8601, UTC
        platform     TEXT NOT NULL,            -- telegram | zalo | console
        chat_id      TEXT NOT NULL,
        chat_type    TEXT NOT NULL,            -- private | group | channel
        user_id      TEXT,
        message_id   TEXT,
        kind         TEXT NOT NULL,            -- asked | seen
        text         TEXT NOT NULL,
        origin_kind  TEXT,                     -- user | hidden_user | chat | channel
        origin_name  TEXT,
        origin_id    TEXT,
        origin_date  TEXT,
        rumor_id     TEXT,                     -- best entry in match/possible band, else NULL
        score        REAL NOT NULL,
        band         TEXT NOT NULL             -- match | possible | none
    );
    CREATE INDEX reports_created ON reports (created_at);
    CREATE INDEX reports_rumor ON reports (rumor_id, created_at);
    CREATE INDEX reports_chat ON reports (platform, chat_id, created_at);
    -- the same platform message is logged once, however often it is delivered
    CREATE UNIQUE INDEX reports_message ON reports (platform, chat_id, message_id, kind)
        WHERE message_id IS NOT NULL;
    """,
    # 2: groups — watch mode chosen by admins, warnings sent (for the cooldown), chat migrations
    """
    CREATE TABLE group_settings (
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,
        mode         TEXT NOT NULL,            -- off | observe | warn
        changed_at   TEXT NOT NULL,            -- ISO 8601, UTC
        changed_by   TEXT,                     -- user id of the admin
        PRIMARY KEY (platform, chat_id)
    );
    CREATE TABLE group_warnings (
        id           INTEGER PRIMARY KEY,
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,
        rumor_id     TEXT NOT NULL,
        message_id   TEXT,                     -- the message warned about
        warned_at    TEXT NOT NULL
    );
    CREATE INDEX group_warnings_last ON group_warnings (platform, chat_id, rumor_id, warned_at);
    CREATE TABLE chat_migrations (
        platform     TEXT NOT NULL,
        old_chat_id  TEXT NOT NULL,
        new_chat_id  TEXT NOT NULL,
        migrated_at  TEXT NOT NULL,
        PRIMARY KEY (platform, old_chat_id)
    );
    CREATE INDEX chat_migrations_new ON chat_migrations (platform, new_chat_id, migrated_at);
    """,
)


@dataclass(frozen=True)
class ReportRow:
    id: int
    created_at: dt.datetime
    platform: str
    chat_id: str
    chat_type: str
    user_id: str | None
    message_id: str | None
    kind: str
    text: str
    origin_kind: str | None
    origin_name: str | None
    origin_id: str | None
    origin_date: str | None
    rumor_id: str | None
    score: float
    band: str


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Storage:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode = WAL")
        # FULL: a report survives a power cut, not only a killed process; the cost is one fsync per check.
        await db.execute("PRAGMA synchronous = FULL")
        await db.execute("PRAGMA busy_timeout = 5000")
        await db.execute("PRAGMA foreign_keys = ON")
        storage = cls(db, path)
        try:
            await storage.migrate()
        except BaseException:
            await db.close()
            raise
        return storage

    async def close(self) -> None:
        await self._db.close()

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        version = await self.schema_version()
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path} has schema version {version}, newer than this program knows "
                f"({len(MIGRATIONS)}); upgrade kiemchung"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        return len(MIGRATIONS)

    async def record_report(self, request: CheckRequest, result: MatchResult) -> int:
        origin = request.origin
        rumor = result.rumor if result.band.value != "none" else None
        values = (
            utcnow().isoformat(), request.platform, request.chat_id, request.chat_type.value,
            request.user_id, request.message_id, request.kind.value, request.text,
            origin.kind if origin else None, origin.name if origin else None,
            origin.id if origin else None,
            origin.date.isoformat() if origin and origin.date else None,
            rumor.id if rumor else None, result.score, result.band.value,
        )
        async with self._db.execute(
            """INSERT INTO reports (created_at, platform, chat_id, chat_type, user_id, message_id, kind,
                   text, origin_kind, origin_name, origin_id, origin_date, rumor_id, score, band)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING RETURNING id""",
            values,
        ) as cur:
            row = await cur.fetchone()
        if row is not None:
            return int(row[0])
        async with self._db.execute(
            "SELECT id FROM reports WHERE platform = ? AND chat_id = ? AND message_id = ? AND kind = ?",
            (request.platform, request.chat_id, request.message_id, request.kind.value),
        ) as cur:
            existing = await cur.fetchone()
        assert existing is not None, "conflict without an existing row"
        return int(existing[0])

    async def recent_reports(self, limit: int = 100) -> list[ReportRow]:
        async with self._db.execute("SELECT * FROM reports ORDER BY id DESC LIMIT ?", (limit,)) as cur:
            rows = await cur.fetchall()
        return [
            ReportRow(**{**dict(row), "created_at": dt.datetime.fromisoformat(row["created_at"])})
            for row in rows
        ]

    async def count_reports(self) -> int:
        async with self._db.execute("SELECT COUNT(*) FROM reports") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -- groups -------------------------------------------------------------------------------

    async def group_mode(self, platform: str, chat_id: str) -> WatchMode | None:
        """The mode an admin chose for the group, None when none did."""
        async with self._db.execute(
            "SELECT mode FROM group_settings WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        ) as cur:
            row = await cur.fetchone()
        return WatchMode(row[0]) if row else None

    async def set_group_mode(self, platform: str, chat_id: str, mode: WatchMode, changed_by: str | None) -> None:
        await self._db.execute(
            """INSERT INTO group_settings (platform, chat_id, mode, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (platform, chat_id) DO UPDATE
               SET mode = excluded.mode, changed_at = excluded.changed_at, changed_by = excluded.changed_by""",
            (platform, chat_id, mode.value, utcnow().isoformat(), changed_by),
        )

    async def last_warning(self, platform: str, chat_id: str, rumor_id: str) -> dt.datetime | None:
        async with self._db.execute(
            "SELECT MAX(warned_at) FROM group_warnings WHERE platform = ? AND chat_id = ? AND rumor_id = ?",
            (platform, chat_id, rumor_id),
        ) as cur:
            row = await cur.fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    async def record_warning(self, platform: str, chat_id: str, rumor_id: str, message_id: str | None,
                             at: dt.datetime) -> None:
        await self._db.execute(
            "INSERT INTO group_warnings (platform, chat_id, rumor_id, message_id, warned_at) VALUES (?, ?, ?, ?, ?)",
            (platform, chat_id, rumor_id, message_id, at.astimezone(dt.UTC).isoformat()),
        )

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str, at: dt.datetime) -> None:
        """A group became a supergroup with a new id: its settings and warnings follow it.

        Telegram announces it twice (in the old chat and in the new one); the second call changes
        nothing. Settings already chosen in the new chat win over the old ones. The report log
        keeps the id each report was made under.
        """
        await self._db.execute("BEGIN")
        try:
            await self._db.execute(
                """UPDATE group_settings SET chat_id = ? WHERE platform = ? AND chat_id = ?
                   AND NOT EXISTS (SELECT 1 FROM group_settings WHERE platform = ? AND chat_id = ?)""",
                (new_chat_id, platform, old_chat_id, platform, new_chat_id),
            )
            await self._db.execute("DELETE FROM group_settings WHERE platform = ? AND chat_id = ?",
                                   (platform, old_chat_id))
            await self._db.execute("UPDATE group_warnings SET chat_id = ? WHERE platform = ? AND chat_id = ?",
                                   (new_chat_id, platform, old_chat_id))
            await self._db.execute(
                """INSERT INTO chat_migrations (platform, old_chat_id, new_chat_id, migrated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (platform, old_chat_id) DO NOTHING""",
                (platform, old_chat_id, new_chat_id, at.astimezone(dt.UTC).isoformat()),
            )
            await self._db.execute("COMMIT")
        except BaseException:
            await self._db.execute("ROLLBACK")
            raise

    async def migrated_into_since(self, platform: str, chat_id: str, since: dt.datetime) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM chat_migrations WHERE platform = ? AND new_chat_id = ? AND migrated_at >= ?",
            (platform, chat_id, since.astimezone(dt.UTC).isoformat()),
        ) as cur:
            return await cur.fetchone() is not None
