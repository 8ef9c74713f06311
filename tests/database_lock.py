"""Another process holding the database, as a sqlite3 shell left in a transaction would."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HOLD_THE_DATABASE = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


async def locked_by_another_process(database: Path, seconds: float) -> asyncio.subprocess.Process:
    """A `sqlite3` connection in another process holding BEGIN EXCLUSIVE for `seconds`, from when this returns."""
    holder = await asyncio.create_subprocess_exec(sys.executable, "-c", HOLD_THE_DATABASE, str(database), str(seconds),
                                                  stdout=asyncio.subprocess.PIPE)
    assert holder.stdout is not None
    assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"locked\n"
    return holder
