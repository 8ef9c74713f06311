"""A throw-away PostgreSQL server for the tests and the bench: Debian's binaries, a fresh data folder
in /tmp, a free port on 127.0.0.1, trust authentication for one user, removed when stopped.

initdb refuses to run as root, so as root the server runs as the `postgres` user Debian's package
creates (its folder handed to that user). `.ci/run` installs the binaries.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.store.postgres import PostgresUrl

USER = "kiemchung"
# The tests' server trades durability for speed (a crash of the test server loses nothing of value);
# the bench starts one with the defaults, so that its figures are PostgreSQL's as deployed.
FAST = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server could be started here: one line saying why."""


def binaries() -> Path | None:
    """The newest Debian PostgreSQL bin folder, or one with initdb on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, fast: bool = True) -> None:
        self.bin = binaries()
        if self.bin is None:
            raise ServerUnavailable("PostgreSQL's binaries are not installed (apt-get install postgresql)")
        self.root = Path(tempfile.mkdtemp(prefix="kc-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.fast = fast
        self._as_other = os.geteuid() == 0

    def _run(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        command = [*(("runuser", "-u", "postgres", "--") if self._as_other else ()), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]

    def start(self) -> PostgresServer:
        assert self.bin is not None
        if self._as_other:
            shutil.chown(self.root, "postgres")
        init = self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        if init.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {init.stderr.strip().splitlines()[-1:]}")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if self.fast:
            options += " " + " ".join(FAST)
        started = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                            "-o", options, "-w", "-t", "30", "start")
        if started.returncode != 0:
            log = (self.root / "log").read_text(errors="replace") if (self.root / "log").exists() else ""
            raise ServerUnavailable(f"pg_ctl start failed: {(started.stderr or log).strip().splitlines()[-1:]}")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        assert self.bin is not None
        if self.data.exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        for _ in range(20):
            try:
                shutil.rmtree(self.root)
                return
            except OSError:
                time.sleep(0.1)


@contextlib.contextmanager
def postgres_server(fast: bool = True) -> Iterator[PostgresServer]:
    server = PostgresServer(fast)
    try:
        yield server.start()
    finally:
        server.stop()


def rows(target: Path | str | PostgresUrl, sql: str, *args: object) -> list[Any]:
    """Rows of a query with `?` placeholders, from an SQLite file or a PostgreSQL URL, read by name or
    position (how the tests look into what the bot stored, whichever the engine)."""
    if isinstance(target, PostgresUrl):
        target = target.url
    if isinstance(target, str) and target.startswith("postgresql://"):
        import psycopg

        from bot.store.postgres import loosen, pg_rows, pg_sql

        with psycopg.connect(target, row_factory=pg_rows) as db:
            loosen(db)
            return db.execute(pg_sql(sql), args).fetchall()
    with contextlib.closing(sqlite3.connect(target)) as lite:
        lite.row_factory = sqlite3.Row
        return lite.execute(sql, args).fetchall()
