"""`kiemchung migrate-db`: an SQLite database copied into PostgreSQL, every table's rows counted on both sides.

Both are first brought to the current schema (Storage.open), so the tables and their columns are the
same; the copy is one PostgreSQL transaction (COPY, table by table in the order the migrations created
them, so a report is there before its review), committed only when every table holds as many rows as
in the file. A target that already holds rows is refused: the copy would mix two deployments.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bot.store.postgres import PostgresUrl, loosen
from bot.store.storage import Storage

BATCH = 5000  # rows read from SQLite at a time
SEEDED = ("catalogue_version",)  # tables a migration fills with their one row: replaced by the file's


class TransferRefused(RuntimeError):
    """The copy was not made (or rolled back): one line saying why."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    copied: int


async def prepare(source: Path, target: PostgresUrl) -> None:
    """Bring both databases to the current schema."""
    if not source.is_file():
        raise TransferRefused(f"{source}: no such SQLite file")
    for where in (source, target):
        storage = await Storage.open(where)
        await storage.close()


def tables_of(lite: sqlite3.Connection) -> list[str]:
    """The file's tables in the order they were created (parents before the tables that refer to them)."""
    return [str(row[0]) for row in lite.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]


def copy_database(source: Path, target: PostgresUrl) -> list[TableCount]:
    """Copy every row of `source` into `target` (both at the current schema); the counts per table."""
    kwargs: dict[str, Any] = {"password": target.password} if target.password else {}
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as lite, \
            psycopg.connect(target.url, **kwargs) as pg:
        loosen(pg)
        tables = [t for t in tables_of(lite) if t != "schema_version"]
        held = {t: int(pg.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0])  # type: ignore[index]
                for t in tables if t not in SEEDED}
        if any(held.values()):
            busy = ", ".join(f"{t} ({n})" for t, n in held.items() if n)
            raise TransferRefused(f"{target} already holds rows: {busy}; migrate into an empty database")
        for table in SEEDED:
            pg.execute(f'DELETE FROM "{table}"')
        counts = [copy_table(lite, pg, table) for table in tables]
        reset_identities(pg)
        wrong = [c for c in counts if c.source != c.copied]
        if wrong:
            pg.rollback()
            raise TransferRefused("counts differ, nothing kept: " + ", ".join(
                f"{c.table} {c.source} in the file, {c.copied} copied" for c in wrong))
        pg.commit()
    return counts


def copy_table(lite: sqlite3.Connection, pg: psycopg.Connection[Any], table: str) -> TableCount:
    cursor = lite.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cursor.description]
    columns = ", ".join(f'"{n}"' for n in names)
    source = 0
    with pg.cursor().copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        while rows := cursor.fetchmany(BATCH):
            for row in rows:
                copy.write_row(row)
            source += len(rows)
    copied = int(pg.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # type: ignore[index]
    return TableCount(table, source, copied)


def reset_identities(pg: psycopg.Connection[Any]) -> None:
    """Ids copied as they were: each identity column's next value goes past the largest copied."""
    identities = pg.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema() AND is_identity = 'YES'").fetchall()
    for table, column in identities:
        pg.execute(f'SELECT setval(pg_get_serial_sequence(\'"{table}"\', \'{column}\'), '
                   f'(SELECT COALESCE(MAX("{column}"), 0) + 1 FROM "{table}"), false)')
