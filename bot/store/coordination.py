"""What several bot processes on one database share beyond the queues: runs made once, send windows.

Plain SQL both engines take (INSERT … ON CONFLICT … RETURNING): a row decides, so there is nothing
to hold or release, and a process that dies mid-way leaves nothing to clean up but old rows.
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from bot.store.connection import Store, operation
from bot.store.values import utcnow


def process_name() -> str:
    """This process among the others on the store: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class CoordinationStore(Store):
    @operation
    async def claim_run(self, name: str, period: str, process: str | None = None) -> bool:
        """Whether this process is the one to run job `name` for `period` (the first to ask is)."""
        process = process or process_name()
        return await self.db.fetch_value(
            "INSERT INTO job_runs (name, period, process, started_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            (name, period, process, utcnow().isoformat()),
        ) is not None

    @operation
    async def count_send(self, platform: str, scope: str, window: int) -> int:
        """Count one send in `scope`'s window number `window`; how many that window now holds."""
        return int(await self.db.fetch_value(
            "INSERT INTO send_windows (platform, scope, window_start, sends) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (platform, scope, window_start) DO UPDATE SET sends = send_windows.sends + 1 "
            "RETURNING sends",
            (platform, scope, window),
        ))

    @operation
    async def purge(self, older_than: dt.datetime) -> int:
        """Forget send windows and job runs older than `older_than`."""
        windows = await self.db.execute("DELETE FROM send_windows WHERE window_start < ?",
                                        (int(older_than.timestamp()),))
        runs = await self.db.execute("DELETE FROM job_runs WHERE started_at < ?", (older_than.isoformat(),))
        return windows + runs
