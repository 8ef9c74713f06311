"""Storage faults, measured: a damaged database at start, a database another process locks, the probe's cost.

Runs the real `kiemchung run` as a process against the fake Bot API (tests/fake_bot_api.py) on 127.0.0.1:
  1. for each kind of damaged database file (a text file, random bytes, a real database cut in half or
     to its header, a real database with one page overwritten): the exit status, the line printed and
     the seconds until exit;
  2. a sqlite3 connection in another process holds BEGIN EXCLUSIVE for --lock seconds while --messages
     private messages arrive: how many were answered, how many twice, how long the bot waited (its own
     log line), the seconds from the lock's end to the last answer, tracebacks and unretrieved
     exceptions in its log, and PRAGMA integrity_check;
  3. the start-up probe (PRAGMA quick_check included) on a database of --megabytes MB, from the page
     cache (a cold read is slower: see the figures in bench/README.md).
Prints the figures; exits 1 if a check fails.

    .venv/bin/python bench/storage_faults.py [--lock 10] [--messages 40] [--megabytes 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.store.connection import probe_writable  # noqa: E402
from tests.database_lock import locked_by_another_process  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402
from tests.handlers.test_startup_errors import a_real_database, damaged  # noqa: E402
from tests.updates import ORDINARY_MESSAGES, VNEID_RUMOR, forwarded_from_channel, text_update  # noqa: E402

KINDS = ("text", "random bytes", "truncated", "header only", "a damaged page")


def write_config(folder: Path, api: FakeBotApi) -> Path:
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({"database": str(folder / "kc.db"), "log_level": "INFO",
                                      "telegram": {"base_url": api.base_url, "poll_timeout": 1}}), encoding="utf-8")
    return config


async def bot_process(config: Path, token: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": token}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "handlers.cli", "run", "--config", str(config), env=env, cwd=config.parent,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def damaged_databases(api: FakeBotApi) -> bool:
    print("damaged database at start        exit  seconds  line")
    ok = True
    for kind in KINDS:
        folder = Path(tempfile.mkdtemp(prefix="kiemchung-damaged-"))
        database = folder / "kc.db"
        database.write_bytes(damaged(await a_real_database(database), kind))
        started = time.monotonic()
        process = await bot_process(write_config(folder, api), api.token)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
        except TimeoutError:
            process.kill()
            print(f"  {kind:<30} HANG")
            ok = False
            continue
        seconds = time.monotonic() - started
        problems = [line for line in stderr.decode().splitlines() if line.strip() and " INFO " not in line]
        line = problems[-1] if problems else ""
        ok = ok and process.returncode == 1 and len(problems) == 1 and str(database) in line and seconds < 5
        print(f"  {kind:<30} {process.returncode:>4}  {seconds:>7.2f}  {line.replace(str(folder), '…')[:110]}")
    return ok


async def locked_database(api: FakeBotApi, lock: float, messages: int) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="kiemchung-locked-"))
    bot = await bot_process(write_config(folder, api), api.token)
    assert bot.stderr is not None
    log = ""
    while "polling as" not in log:
        log += (await asyncio.wait_for(bot.stderr.readline(), 60)).decode()
    holder = await locked_by_another_process(folder / "kc.db", lock)
    locked_at = time.monotonic()
    for i in range(messages):
        user = {"id": 400_000 + i, "is_bot": False, "first_name": f"Người {i}", "language_code": "vi"}
        await api.push(forwarded_from_channel(f"{VNEID_RUMOR} #{i}", user) if i % 2 else
                       text_update(f"{ORDINARY_MESSAGES[i % len(ORDINARY_MESSAGES)]} (tin số {i})", user))
    await holder.wait()
    released_at = time.monotonic()
    await api.wait_for(lambda: len(api.sent()) >= messages, timeout=lock + 120)
    last_answer = max(call.at for call in api.calls if call.method == "sendMessage")
    await api.settle(quiet=2.0, timeout=60)
    bot.send_signal(signal.SIGTERM)
    _, rest = await bot.communicate()
    log += rest.decode()
    per_chat: dict[int, int] = {}
    for sent in api.sent():
        per_chat[int(sent["chat_id"])] = per_chat.get(int(sent["chat_id"]), 0) + 1
    with sqlite3.connect(folder / "kc.db") as db:
        reports = db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        unfinished = db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    waited = re.findall(r"is free again after ([\d.]+) s", log)
    tracebacks = log.count("Traceback")
    unretrieved = log.count("never retrieved")
    twice = sum(1 for count in per_chat.values() if count > 1)
    print(f"\ndatabase locked by another process for {lock:g} s, {messages} messages arriving meanwhile")
    print(f"  answered                             {len(per_chat)} of {messages}")
    print(f"  answered twice                       {twice}")
    print(f"  reports stored                       {reports}")
    print(f"  inbox rows left unfinished           {unfinished}")
    print(f"  the bot's wait (its log)             {', '.join(w + ' s' for w in waited) or 'none logged'}")
    print(f"  lock held (measured here)            {released_at - locked_at:.1f} s")
    print(f"  last answer after the lock's end     {last_answer - released_at:.2f} s")
    print(f"  tracebacks / 'never retrieved'       {tracebacks} / {unretrieved}")
    print(f"  PRAGMA integrity_check               {integrity}")
    print(f"  exit status after SIGTERM            {bot.returncode}")
    return (len(per_chat) == messages and twice == 0 and reports == messages and unfinished == 0
            and tracebacks == 0 and unretrieved == 0 and integrity == "ok" and bot.returncode == 0)


def probe_cost(megabytes: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kiemchung-probe-"))
    database = folder / "kc.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, created_at TEXT, chat_id TEXT, text TEXT)")
        db.execute("CREATE INDEX reports_chat ON reports (chat_id, created_at)")
        row = ("2026-11-30T08:00:00", "5001", VNEID_RUMOR)
        rows = max(1, megabytes * 1024 * 1024 // 350)
        db.executemany("INSERT INTO reports (created_at, chat_id, text) VALUES (?, ?, ?)", [row] * rows)
    size = database.stat().st_size / 1e6
    probe_writable(database)  # the first read fills the page cache
    started = time.monotonic()
    probe_writable(database)
    print(f"\nstart-up probe with quick_check, {size:.0f} MB database, from the page cache: "
          f"{time.monotonic() - started:.2f} s")


async def main(lock: float, messages: int, megabytes: int) -> int:
    api = FakeBotApi()
    await api.start()
    try:
        ok = await damaged_databases(api)
        ok = await locked_database(api, lock, messages) and ok
    finally:
        await api.stop()
    probe_cost(megabytes)
    print("storage faults: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lock", type=float, default=10.0, help="seconds another process holds the database")
    parser.add_argument("--messages", type=int, default=40, help="messages arriving while it is held")
    parser.add_argument("--megabytes", type=int, default=100, help="size of the database the probe reads")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.lock, args.messages, args.megabytes)))
