"""Crash safety, measured: SIGKILL the bot mid-burst, restart it, and account for every update.

Runs the real `kiemchung run` as a process against the fake Bot API (tests/fake_bot_api.py) on
127.0.0.1, feeds N forwarded messages, kills the process with SIGKILL once it has answered some,
restarts it and waits until it is idle, then checks the SQLite file:
  - every update acknowledged to the Bot API (by a later getUpdates offset) has its report row;
  - no report is stored twice;
  - PRAGMA integrity_check is ok.
Prints the figures; exits 1 if a check fails.

    .venv/bin/python bench/crash_safety.py [--messages 300] [--kill-after 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.catalogue import load_catalogue  # noqa: E402
from bot.config import SHIPPED_CATALOGUE  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402
from tests.updates import LAN, MINH, ORDINARY_MESSAGES, forwarded_from_channel, text_update  # noqa: E402


def bot_process(config: Path, token: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": token}
    return asyncio.create_subprocess_exec(  # type: ignore[return-value]
        sys.executable, "-m", "handlers.cli", "run", "--config", str(config),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def main(messages: int, kill_after: int) -> int:
    claims = [r.claim for r in load_catalogue(SHIPPED_CATALOGUE).published]
    folder = Path(tempfile.mkdtemp(prefix="kiemchung-crash-"))
    api = FakeBotApi()
    await api.start()
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "database": str(folder / "kc.db"), "telegram": {"base_url": api.base_url, "poll_timeout": 1},
        "log_level": "WARNING",
    }), encoding="utf-8")
    updates = []
    for i in range(messages):
        # one person per message: the private flood limit and the one-report-per-person-text-and-day
        # rule (README, Hardening) must not decide what this script measures
        user = {**(LAN if i % 2 else MINH), "id": 200_000 + i}
        if i % 3 == 0:
            updates.append(text_update(f"{ORDINARY_MESSAGES[i % len(ORDINARY_MESSAGES)]} (tin số {i})", user))
        else:
            updates.append(forwarded_from_channel(f"{claims[i % len(claims)]} #{i}", user))
    updates = [await api.push(update) for update in updates]
    started = time.monotonic()
    first = await bot_process(config, api.token)
    await api.wait_for(lambda: len(api.sent()) >= kill_after, timeout=120)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    answered_before_kill = len(api.sent())
    acknowledged_at_kill = api.acknowledged
    second = await bot_process(config, api.token)
    await api.wait_for(lambda: len(api.sent()) >= messages, timeout=300)
    await api.settle(quiet=2.0, timeout=120)
    second.send_signal(signal.SIGTERM)
    _, stderr = await second.communicate()
    elapsed = time.monotonic() - started
    await api.stop()

    with sqlite3.connect(folder / "kc.db") as db:
        rows = db.execute("SELECT chat_id, message_id FROM reports").fetchall()
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        replayed = db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
    stored = {(str(chat), str(mid)) for chat, mid in rows}
    by_update = {u["update_id"]: (str(u["message"]["chat"]["id"]), str(u["message"]["message_id"])) for u in updates}
    acknowledged = [uid for uid in by_update if uid <= acknowledged_at_kill]
    lost_acknowledged = [uid for uid in acknowledged if by_update[uid] not in stored]
    lost_any = [uid for uid in by_update if by_update[uid] not in stored]
    duplicates = len(rows) - len(stored)
    answers = len(api.sent())
    print(f"messages fed                          {messages}")
    print(f"answered before SIGKILL               {answered_before_kill}")
    print(f"acknowledged to the Bot API at kill   {len(acknowledged)} (update ids 1..{acknowledged_at_kill})")
    print(f"acknowledged but without a report     {len(lost_acknowledged)}")
    print(f"without a report at the end           {len(lost_any)}")
    print(f"reports stored twice                  {duplicates}")
    print(f"answers sent in all                   {answers} ({answers - messages} repeated after the restart)")
    print(f"inbox rows                            {replayed}")
    print(f"PRAGMA integrity_check                {integrity}")
    print(f"second run exit code                  {second.returncode}")
    print(f"wall time                             {elapsed:.1f} s")
    ok = not lost_acknowledged and not lost_any and duplicates == 0 and integrity == "ok" and second.returncode == 0
    if second.returncode != 0:
        print(stderr.decode()[-2000:], file=sys.stderr)
    print("crash safety: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--kill-after", type=int, default=60, help="answers seen before the SIGKILL")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.messages, args.kill_after)))
