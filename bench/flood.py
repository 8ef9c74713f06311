"""A flood, measured: 1,000 messages from one person in one minute, while others keep asking.

Runs the bot in this process (handlers.runner.serve, with the shipped rate limiter) against the
fake Bot API on 127.0.0.1. First 10 people ask one rumor each with nobody flooding (the baseline);
then one person sends 1,000 messages evenly over a minute (half the same forwarded rumor, half
distinct texts) while another person asks a rumor every two seconds. Prints what the flooder got
back (the bound: `private_messages_per_minute` answers, then one notice), how many reports the
flood left, and the other people's time from update to answer, baseline and during the flood.

    .venv/bin/python bench/flood.py [--messages 1000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load import replies  # noqa: E402
from bot.config import Config  # noqa: E402
from tests.conftest import CATALOGUE, bot_serving  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402
from tests.updates import LAN, forwarded_from_channel, text_update  # noqa: E402
from tests.updates import VNEID_RUMOR as RUMOR  # noqa: E402

NOISE = "Nghe nói tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, ai biết thật không? (lần {i})"


def person(i: int) -> dict[str, object]:
    return {"id": 300_000 + i, "is_bot": False, "first_name": "Khách"}


def figures(latencies: dict[int, float]) -> str:
    values = sorted(latencies.values())
    if not values:
        return "no answers"
    p99 = values[int(0.99 * (len(values) - 1))]
    return (f"{len(values)} answers, p50 {statistics.median(values) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {values[-1] * 1000:.0f} ms")


async def ask(api: FakeBotApi, who: int, pushed: dict[int, float]) -> None:
    update = text_update(RUMOR, person(who))
    pushed[update["message"]["message_id"]] = time.monotonic()
    await api.push(update)


async def main(messages: int, seconds: float) -> None:
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="kiemchung-flood-"))
    config = Config(database=folder / "kc.db", catalogue=CATALOGUE, source="bench")
    api = FakeBotApi()
    await api.start()
    try:
        async with bot_serving(api, config) as bot:
            start = len(api.calls)
            baseline: dict[int, float] = {}
            for who in range(10):
                await ask(api, who, baseline)
                await asyncio.sleep(0.5)
            await api.settle(quiet=1.0)
            calm = replies(api, start, baseline)

            start = len(api.calls)
            during: dict[int, float] = {}
            started = time.monotonic()
            next_probe = started
            for i in range(messages):
                due = started + i * seconds / messages
                while time.monotonic() < due:
                    await asyncio.sleep(min(0.01, due - time.monotonic()))
                if time.monotonic() >= next_probe:
                    await ask(api, 100 + i, during)
                    next_probe += 2.0
                flood = forwarded_from_channel(RUMOR, LAN) if i % 2 else text_update(NOISE.format(i=i), LAN)
                await api.push(flood)
            await api.settle(quiet=2.0, timeout=120)
            stormy = replies(api, start, during)
            to_flooder = [c for c in api.calls[start:] if c.method == "sendMessage"
                          and int(c.params["chat_id"]) == LAN["id"]]
            flood_reports = bot.rows("SELECT COUNT(*) AS n FROM reports WHERE user_id = ?", str(LAN["id"]))[0]["n"]
            inbox = bot.rows("SELECT COUNT(*) AS n FROM inbox WHERE payload LIKE ?", f'%"id": {LAN["id"]}%')[0]["n"]
    finally:
        await api.stop()
    limit = config.private_messages_per_minute
    print(f"flood                                   {messages} messages from one person in {seconds:g} s")
    print(f"limit (private_messages_per_minute)     {limit}")
    print(f"messages sent back to the flooder       {len(to_flooder)} (bound: {limit} answers + 1 notice)")
    print(f"reports the flood left                  {flood_reports} (the same text counted once a day)")
    print(f"flood updates stored in the inbox       {inbox} (every one, handled, forgotten after a day)")
    print(f"others, baseline (no flood)             {figures(calm)}")
    print(f"others, during the flood                {figures(stormy)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.seconds))
