"""One bot per database: `kiemchung run` holds an exclusive lock beside the file for as long as it runs.

The inbox hands every unfinished update to the process that starts, and the outbox every unsent
message: two bots on one file would each replay what the other is handling, and send it twice.
The lock is flock(2) on `<database>.lock`: the kernel releases it when the process ends, however it
ends (SIGKILL, a power cut), so a lock file left behind never blocks the next start. The holder's pid
is written in the file, for the line that refuses a second bot. Other subcommands (console, export,
backup, reports, import) take no lock: they neither poll nor replay, and SQLite serialises their
writes with the bot's.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sqlite3
from pathlib import Path

from bot.store.connection import DatabaseUnavailable, probe_writable


class DatabaseInUse(DatabaseUnavailable):
    """Another `kiemchung run` holds the database."""

    def __init__(self, path: Path, pid: str) -> None:
        holder = f" (pid {pid})" if pid else ""
        RuntimeError.__init__(self, f"database {path} is used by another kiemchung process{holder}: one bot per "
                                    "database, since each replays the updates it finds unfinished (stop the other "
                                    "one, or give this one its own database)")
        self.path = path


def lock_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.lock")


class Ownership:
    """The lock held on a database for the life of the process; `release` lets it go (closing is enough)."""

    def __init__(self, database: Path, descriptor: int | None) -> None:
        self.database = database
        self._descriptor = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


def own(database: Path) -> Ownership:
    """Take the database for this process, or raise DatabaseInUse naming it (and the holder's pid), or
    DatabaseUnavailable when the lock file cannot be made (the database's own failure first)."""
    if str(database) == ":memory:":
        return Ownership(database, None)
    path = lock_path(database)
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(database, exc) from None
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.EROFS:  # clearer than what SQLite would say of it ("unable to open database file")
            raise DatabaseUnavailable(database, exc) from None
        try:  # a read-only folder, most likely: said of the database, as the database would fail
            probe_writable(database)
        except sqlite3.Error as error:
            raise DatabaseUnavailable(database, error) from None
        raise DatabaseUnavailable(path, exc) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = os.read(descriptor, 32).decode("ascii", "replace").strip()
        os.close(descriptor)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise DatabaseInUse(database, holder) from None
        raise DatabaseUnavailable(path, exc) from None
    with contextlib.suppress(OSError):  # the pid only helps the line that refuses a second bot
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
    return Ownership(database, descriptor)
