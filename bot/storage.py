"""All SQL lives here: an SQLite file through aiosqlite, WAL mode, versioned migrations.

Every table carries the platform and chat id from the start. A PostgreSQL backend would
implement the same public methods.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from bot.checking import CheckRequest
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
    # 2: platform updates already handled (platforms that redeliver), and outbound message counts
    """
    CREATE TABLE seen_updates (
        platform   TEXT NOT NULL,
        update_key TEXT NOT NULL,              -- the platform's id of the update or message
        seen_at    TEXT NOT NULL,
        PRIMARY KEY (platform, update_key)
    ) WITHOUT ROWID;
    CREATE TABLE outbound_counts (
        platform TEXT NOT NULL,
        month    TEXT NOT NULL,                -- YYYY-MM, UTC
        count    INTEGER NOT NULL,
        PRIMARY KEY (platform, month)
    ) WITHOUT ROWID;
    """,
    # 3: the durable inbox: updates written here before the platform is told they were received
    """
    CREATE TABLE inbox (
        seq         INTEGER PRIMARY KEY,       -- arrival order
        platform    TEXT NOT NULL,
        update_id   TEXT NOT NULL,
        payload     TEXT NOT NULL,             -- the update as the platform sent it (JSON)
        received_at TEXT NOT NULL,
        done_at     TEXT,                      -- NULL until every handler has run
        UNIQUE (platform, update_id)
    );
    CREATE INDEX inbox_pending ON inbox (platform, seq) WHERE done_at IS NULL;
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


P = ParamSpec("P")
R = TypeVar("R")


StorageMethod = Callable[Concatenate["Storage", P], Coroutine[Any, Any, R]]


def serialized(method: StorageMethod[P, R]) -> StorageMethod[P, R]:
    """Run a storage operation inside the shared write transaction and return once it is durable.

    Handlers run concurrently on one connection, so operations take turns (a cursor left open by
    one would break another's COMMIT). Each runs under a savepoint, so a failing one undoes only
    itself. Commits are grouped: one fsync'd COMMIT covers every operation that arrived while the
    previous one was running, which keeps synchronous=FULL affordable under load.
    """

    async def run(storage: Storage, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with storage._lock:
            if not storage._db.in_transaction:
                await storage._db.execute("BEGIN IMMEDIATE")
            await storage._db.execute("SAVEPOINT operation")
            try:
                result = await method(storage, *args, **kwargs)
            except BaseException:
                await storage._db.execute("ROLLBACK TO operation")
                await storage._db.execute("RELEASE operation")
                raise
            await storage._db.execute("RELEASE operation")
            committed = storage._commit_soon()
        await asyncio.shield(committed)
        return result

    functools.update_wrapper(run, method)
    return run


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Storage:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()
        self._commit: asyncio.Future[None] | None = None
        self._committer: asyncio.Task[None] | None = None

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
        if self._committer is not None:
            await asyncio.gather(self._committer, return_exceptions=True)
        await self._db.close()

    def _commit_soon(self) -> asyncio.Future[None]:
        """The commit that will cover what was just written (called with the lock held)."""
        if self._commit is None:
            self._commit = asyncio.get_running_loop().create_future()
            self._committer = asyncio.create_task(self._run_commit())
        return self._commit

    async def _run_commit(self) -> None:
        await asyncio.sleep(0)  # let operations that are ready now join this commit
        async with self._lock:
            done, self._commit = self._commit, None
            assert done is not None
            try:
                await self._db.execute("COMMIT")
            except Exception as exc:
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                done.set_exception(exc)
            else:
                done.set_result(None)

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

    @serialized
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

    @serialized
    async def recent_reports(self, limit: int = 100) -> list[ReportRow]:
        async with self._db.execute("SELECT * FROM reports ORDER BY id DESC LIMIT ?", (limit,)) as cur:
            rows = await cur.fetchall()
        return [
            ReportRow(**{**dict(row), "created_at": dt.datetime.fromisoformat(row["created_at"])})
            for row in rows
        ]

    @serialized
    async def mark_update_seen(self, platform: str, update_key: str) -> bool:
        """Record that an update was taken in; False when it had been already (a redelivery)."""
        async with self._db.execute(
            "INSERT INTO seen_updates (platform, update_key, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            (platform, update_key, utcnow().isoformat()),
        ) as cur:
            return await cur.fetchone() is not None

    @serialized
    async def count_outbound(self, platform: str, messages: int = 1, month: str | None = None) -> int:
        """Add `messages` to this month's outbound count and return the new total."""
        month = month or utcnow().strftime("%Y-%m")
        async with self._db.execute(
            "INSERT INTO outbound_counts (platform, month, count) VALUES (?, ?, ?) "
            "ON CONFLICT (platform, month) DO UPDATE SET count = count + excluded.count RETURNING count",
            (platform, month, messages),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    @serialized
    async def store_inbox(self, platform: str, updates: Sequence[tuple[str, str]]) -> list[str]:
        """Write a batch of (update id, JSON payload) at once, durably; return the ids
        not stored before (a redelivered update is neither stored nor handled twice)."""
        now = utcnow().isoformat()
        fresh: list[str] = []
        for update_id, payload in updates:
            async with self._db.execute(
                "INSERT INTO inbox (platform, update_id, payload, received_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING update_id",
                (platform, update_id, payload, now),
            ) as cur:
                if await cur.fetchone() is not None:
                    fresh.append(update_id)
        return fresh

    @serialized
    async def pending_inbox(self, platform: str) -> list[tuple[str, str]]:
        """Updates stored but not finished (the process stopped mid-way), oldest first."""
        async with self._db.execute(
            "SELECT update_id, payload FROM inbox WHERE platform = ? AND done_at IS NULL ORDER BY seq",
            (platform,),
        ) as cur:
            return [(str(row[0]), str(row[1])) for row in await cur.fetchall()]

    @serialized
    async def finish_inbox(self, platform: str, update_id: str) -> None:
        await self._db.execute(
            "UPDATE inbox SET done_at = ? WHERE platform = ? AND update_id = ?",
            (utcnow().isoformat(), platform, update_id),
        )

    @serialized
    async def purge_inbox(self, older_than: dt.datetime) -> int:
        """Forget finished updates received before `older_than` (their reports stay)."""
        async with self._db.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ?", (older_than.isoformat(),)
        ) as cur:
            return cur.rowcount

    @serialized
    async def count_reports(self) -> int:
        async with self._db.execute("SELECT COUNT(*) FROM reports") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0
