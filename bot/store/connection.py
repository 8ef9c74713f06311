"""The one connection layer every store goes through: an SQLite file via aiosqlite, WAL mode, or
PostgreSQL (bot/store/postgres.py) behind the same `Engine`.

A store never touches the driver. It hands SQL with `?` placeholders to `Database.execute`,
`fetch_one`, `fetch_all` or `fetch_value`, inside a method marked `@operation`; what differs
between engines beyond plain SQL (a local calendar day, a field of a JSON column) it asks of
`Database.dialect`. The second engine is a second `Engine` (its connection, its placeholders,
its transaction and its schema version) with its own `Dialect`, not a copy of the queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import aiosqlite

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The database file cannot be opened or written: one line that names it and says why."""

    def __init__(self, path: Path, error: BaseException) -> None:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        if is_damaged(error):
            line = (f"database {path} cannot be read: {reason} (restore a copy made by kiemchung backup, "
                    "or move the file aside to start with a new database)")
        else:
            line = (f"database {path} cannot be opened or written: {reason} "
                    "(check the file, its folder, their owner and permissions)")
        super().__init__(line)
        self.path = path


class DatabaseBusy(DatabaseUnavailable):
    """Another process held the database for longer than an operation waits (BUSY_WAIT)."""

    def __init__(self, path: Path, waited: float) -> None:
        RuntimeError.__init__(self, f"database {path} was locked by another process for {waited:.0f} s; "
                                    "gave up waiting (a sqlite3 shell left in a transaction?)")
        self.path = path


class DatabaseDamaged(sqlite3.DatabaseError):
    """What PRAGMA quick_check found wrong in a database that opens (its first problem)."""


# How long one operation waits, in all, for a database another process holds (a sqlite3 shell in
# a transaction, a VACUUM, another program): SQLite's busy_timeout (5 s) is one attempt's wait, and
# the attempt is repeated until BUSY_WAIT has passed since the database became busy. A minute covers
# any maintenance a person does by hand (a VACUUM of a 200 MB database takes seconds) and is still
# far shorter than the inbox's patience: an update not stored is fetched again, never lost.
BUSY_WAIT = 60.0
BUSY_TIMEOUT_MS = 5000
BUSY_PAUSE = 0.1  # seconds between two attempts (SQLite answers at once when waiting cannot help)
WAITING = "database %s is locked by another process; waiting for it (at most %.0f s)"


DAMAGED = (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)  # result codes of a file that is no sound database


def error_code(error: BaseException) -> int | None:
    """SQLite's primary result code of an error (SQLITE_BUSY, SQLITE_CORRUPT...), when it has one."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY: another connection (another process) holds the lock a statement needs."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = error_code(error)
    return code == sqlite3.SQLITE_BUSY if code is not None else "database is locked" in str(error)


def is_damaged(error: BaseException) -> bool:
    """Not a database, or a damaged one: no permission or free disk space would fix it."""
    if isinstance(error, DatabaseDamaged):
        return True
    return isinstance(error, sqlite3.DatabaseError) and error_code(error) in DAMAGED


def probe_writable(path: Path, busy_wait: float = BUSY_WAIT) -> None:
    """Raise sqlite3.Error unless `path` opens as a sound database that can be written (read-only file
    or folder, a file that is not a database, a damaged one), at start instead of at the first report.
    A database locked by another writer is waited for, up to `busy_wait` seconds, like every operation.

    PRAGMA quick_check reads the whole file once: 0.2 s for 177 MB from the page cache, 3-4.5 s for
    the same file evicted from it on the development container's disk (bench/README.md, "Storage
    faults"); a start that long is the price of refusing a damaged page before any update is taken."""
    started, warned = time.monotonic(), False
    while True:
        try:
            with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("BEGIN IMMEDIATE")
                # a write, undone: a read-only file opens read-only, and BEGIN alone would not see it
                version = int(db.execute("PRAGMA user_version").fetchone()[0])
                db.execute(f"PRAGMA user_version = {version}")
                db.execute("ROLLBACK")
                problems = [str(row[0]) for row in db.execute("PRAGMA quick_check(5)")]
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() - started >= busy_wait:
                raise
            if not warned:
                log.warning(WAITING, path, busy_wait)
                warned = True
            time.sleep(BUSY_PAUSE)
            continue
        if problems != ["ok"]:
            found = [line for problem in problems for line in problem.splitlines() if not line.startswith("***")]
            raise DatabaseDamaged(f"malformed ({'; '.join(found[:2]) or 'PRAGMA quick_check failed'})")
        return


class Row(Protocol):
    """A result row, read by position or by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


def columns(row: Row) -> dict[str, Any]:
    """A row as a dict of its columns by name."""
    return {name: row[name] for name in row.keys()}  # noqa: SIM118 -- iterating a row yields its values


@dataclass(frozen=True)
class Dialect:
    """The SQL that differs between engines; every other query is plain SQL both understand."""

    name: str

    def local_day(self, column: str, hours: int) -> str:
        """The calendar day of an ISO 8601 UTC text column in a zone `hours` ahead of UTC."""
        return f"date({column}, '+{hours} hours')"

    def json_field(self, column: str, path: str) -> str:
        """A field of a JSON text column, as text, by a JSON path such as `$.message.from.id`."""
        return f"CAST(json_extract({column}, '{path}') AS TEXT)"

    def schema(self, script: str) -> str:
        """A migration's DDL as this engine reads it (migrations are written in SQLite's)."""
        return script

    def lock_rows(self, table: str) -> str:
        """What a claiming SELECT ends with so that concurrent claimers skip the rows another holds:
        nothing on SQLite, whose one writer at a time already serialises claims."""
        return ""


SQLITE = Dialect("sqlite")


class Engine(Protocol):
    """What a store needs of its database, whichever the engine: SQLite's `Database` below, or
    PostgreSQL's (bot/store/postgres.py)."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def path(self) -> Path | str:
        """What the database is called in messages: the file, or the URL (never with a password)."""

    @property
    def shared(self) -> bool:
        """Whether several processes may use it at once: not an SQLite file (one process per file),
        PostgreSQL. A claim found at start is a dead process's only when nobody else could hold it."""

    async def run(self, operation: Callable[[], Awaitable[R]]) -> R: ...

    async def atomic(self, steps: Callable[[], Awaitable[R]]) -> R: ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def schema_version(self) -> int: ...

    async def apply_migration(self, number: int, script: str) -> None: ...

    async def close(self) -> None: ...


class Database:
    """One connection shared by every store of the process.

    Handlers run concurrently on it, so operations take turns (a cursor left open by one would break
    another's COMMIT). Each runs under a savepoint, so a failing one undoes only itself. Commits are
    grouped: one fsync'd COMMIT covers every operation that arrived while the previous one was running,
    which keeps synchronous=FULL affordable under load.
    """

    dialect = SQLITE
    shared = False

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path
        self._lock = asyncio.Lock()
        self._commit: asyncio.Future[None] | None = None
        self._committer: asyncio.Task[None] | None = None
        self.busy_wait = BUSY_WAIT
        self._busy_since: float | None = None  # when another process began holding the database

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating it if needed) and prove it can be written, or raise DatabaseUnavailable."""
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
                # First with the plain driver, in a thread: aiosqlite's worker outlives a failed connect
                # and prints a traceback once the loop is closed.
                await asyncio.to_thread(probe_writable, path)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseUnavailable(path, exc) from None
        try:
            connection.row_factory = aiosqlite.Row
            await connection.execute("PRAGMA journal_mode = WAL")
            # FULL: a report survives a power cut, not only a killed process; the cost is one fsync per check.
            await connection.execute("PRAGMA synchronous = FULL")
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            await connection.close()  # its worker thread would keep the process alive
            raise DatabaseUnavailable(path, exc) from None
        return cls(connection, path)

    async def close(self) -> None:
        if self._committer is not None:
            await asyncio.gather(self._committer, return_exceptions=True)
        await self._connection.close()

    # -- transactions -------------------------------------------------------------------------------

    async def run(self, operation: Callable[[], Awaitable[R]]) -> R:
        """Run one store operation inside the shared write transaction; return once it is durable.
        Called from inside another operation of the same task, it joins that one (see `atomic`)."""
        if _INSIDE.get() == (self, asyncio.current_task()):
            return await operation()
        async with self._lock:
            if not self._connection.in_transaction:
                await self._while_busy("BEGIN IMMEDIATE")
            await self._connection.execute("SAVEPOINT operation")
            inside = _INSIDE.set((self, asyncio.current_task()))
            try:
                result = await operation()
            except BaseException:
                await self._connection.execute("ROLLBACK TO operation")
                await self._connection.execute("RELEASE operation")
                raise
            finally:
                _INSIDE.reset(inside)
            await self._connection.execute("RELEASE operation")
            committed = self._commit_soon()
        await asyncio.shield(committed)
        return result

    async def atomic(self, steps: Callable[[], Awaitable[R]]) -> R:
        """Run `steps` — operations of several stores — as one operation: all of them are durable
        together, or none is (a decision and the messages it owes, say). Only the calling task joins:
        a task it starts runs its own operations."""
        return await self.run(steps)

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
                await self._while_busy("COMMIT")  # a COMMIT refused as busy leaves the transaction open
            except Exception as exc:
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                done.set_exception(exc)
                # every operation it covered raises it; one cancelled meanwhile must not leave it unretrieved
                done.add_done_callback(lambda future: future.exception())
            else:
                done.set_result(None)

    async def _while_busy(self, statement: str) -> None:
        """Run `statement` (BEGIN IMMEDIATE, COMMIT), again while another process holds the database,
        until BUSY_WAIT has passed since it became busy; then raise DatabaseBusy. One WARNING line
        when the wait begins, one INFO line when it ends."""
        while True:
            try:
                await self._connection.execute(statement)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
                now = time.monotonic()
                if self._busy_since is None:
                    self._busy_since = now - BUSY_TIMEOUT_MS / 1000
                    log.warning(WAITING, self.path, self.busy_wait)
                if now - self._busy_since >= self.busy_wait:
                    raise DatabaseBusy(self.path, now - self._busy_since) from None
                await asyncio.sleep(BUSY_PAUSE)
                continue
            if self._busy_since is not None:
                log.info("database %s is free again after %.1f s", self.path, time.monotonic() - self._busy_since)
                self._busy_since = None
            return

    # -- queries (inside an operation) -----------------------------------------------------------------

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; return how many rows it changed."""
        async with self._connection.execute(sql, params) as cursor:
            return cursor.rowcount

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._connection.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self._connection.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, None when there is no row."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    # -- schema ------------------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        async with self._connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def apply_migration(self, number: int, script: str) -> None:
        """Run one migration and record its number, in one transaction."""
        await self._connection.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


P = ParamSpec("P")
R = TypeVar("R")
# The database and task running an operation now, so that an operation it calls joins it.
_INSIDE: contextvars.ContextVar[tuple[Database, asyncio.Task[Any] | None] | None] = contextvars.ContextVar(
    "inside_operation", default=None)


class Store:
    """A store of one concern: its queries, over the shared `Database`."""

    def __init__(self, db: Engine) -> None:
        self.db = db


S = TypeVar("S", bound=Store)
Method = Callable[Concatenate[S, P], Coroutine[Any, Any, R]]


def operation(method: Method[S, P, R]) -> Method[S, P, R]:
    """Mark a store method as one operation: it runs in the shared transaction, durable on return."""

    async def run(store: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await store.db.run(lambda: method(store, *args, **kwargs))

    functools.update_wrapper(run, method)
    return run


@dataclass(frozen=True)
class Backup:
    path: Path
    pages: int
    integrity: str  # PRAGMA integrity_check of the copy: "ok" when it is sound


def backup(source: Path, target: Path) -> Backup:
    """An online, consistent copy of `source` (SQLite's backup API, while the bot may be writing),
    written beside `target` and renamed over it only once its integrity check passed."""
    if not source.is_file():
        raise DatabaseUnavailable(source, FileNotFoundError(2, "no such file"))
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(source, timeout=5)) as db, \
                contextlib.closing(sqlite3.connect(partial)) as copy:
            # pages=-1: the whole file in one step, under one read transaction, so the copy is the database
            # as of one instant; WAL lets the bot keep writing meanwhile.
            db.backup(copy, pages=-1)
            integrity = str(copy.execute("PRAGMA integrity_check").fetchone()[0])
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseUnavailable(source, exc) from None
    if integrity == "ok":
        partial.replace(target)
    return Backup(target if integrity == "ok" else partial, pages, integrity)
