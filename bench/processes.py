"""Updates per second and p99 latency (update accepted → its answer at the Bot API) of webhook bots:
one process on SQLite, one and two processes on PostgreSQL, in the same run, on the same machine.

    .venv/bin/python bench/processes.py [--users 200] [--each 2]

The PostgreSQL server is a throw-away one with its defaults (fsync on, as deployed); SQLite runs with
synchronous=FULL as the bot always does. The fake Bot API answers at once; Telegram's 30 messages a
second bound the bot, whatever its number of processes: they share it (bot/delivery/rates.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.cluster import answers_by_chat, cluster, conversations
from tests.fake_bot_api import FakeBotApi
from tests.local_server import running
from tests.postgres_server import postgres_server


async def one_run(name: str, database: str, processes: int, users: int, each: int) -> None:
    updates = conversations(users, each)
    with tempfile.TemporaryDirectory() as folder:
        async with running(FakeBotApi()) as api, cluster(api, database, processes, Path(folder)) as bots, \
                aiohttp.ClientSession() as session:
            started = time.monotonic()
            await bots.post_all(session, updates)
            await api.wait_for(lambda: sum(map(len, answers_by_chat(api).values())) >= len(updates), 300)
            elapsed = time.monotonic() - started
            first = {}
            for call in api.calls:
                if call.method == "sendMessage" and isinstance(call.params.get("reply_parameters"), dict):
                    first.setdefault(int(call.params["reply_parameters"]["message_id"]), call.at)
            latencies = sorted(first[m] - bots.posted[m] for m in bots.posted)
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99) - 1]
    print(f"{name:28} {len(updates):5d} updates  {len(updates) / elapsed:7.1f} updates/s  "
          f"p50 {p50 * 1000:6.0f} ms  p99 {p99 * 1000:6.0f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--each", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, postgres_server(fast=False) as server:
        await one_run("SQLite, 1 process", str(Path(folder) / "kc.db"), 1, args.users, args.each)
        await one_run("PostgreSQL, 1 process", server.create_database("one"), 1, args.users, args.each)
        await one_run("PostgreSQL, 2 processes", server.create_database("two"), 2, args.users, args.each)


if __name__ == "__main__":
    asyncio.run(main())
