"""Fuzzing, measured: 10,000 random and malformed updates through the real Application.

Runs the bot in this process (handlers.runner.serve, as `kiemchung run` does) against the fake Bot
API (tests/fake_bot_api.py) on 127.0.0.1, with officers configured, and pushes updates made by
tests/malformed_updates.py: missing fields, wrong types, 4096-character texts, zero-width and RTL
characters, lone surrogates escaped as JSON "\\ud800", emoji-only texts, empty captions, edited
messages, channel posts, callback queries with garbage data, unknown update types, group messages,
commands with odd arguments. The fake server delivers every update type, asked for or not.

Prints how many were handled, how fast, how many ERROR records (unhandled exceptions: must be 0),
how many were skipped as not Bot API updates (WARNING), what the bot sent and how much of it
Telegram would have refused (must be 0), and whether the bot still answers a rumor afterwards.
Exits 1 if a check fails. The rate limiter's limits are lifted (the fake server is not Telegram).

    .venv/bin/python bench/fuzz_updates.py [--updates 10000] [--seed 8]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Config  # noqa: E402
from tests.conftest import CATALOGUE, bot_serving  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402
from tests.malformed_updates import fuzz, malformed_updates, unlimited_rate  # noqa: E402
from tests.updates import HUNG, LAN, OFFICERS_CHAT, PHU_HUYNH, THU, TO_DAN_PHO, text_update  # noqa: E402
from tests.updates import VNEID_RUMOR as RUMOR  # noqa: E402


async def main(count: int, seed: int) -> int:
    logging.getLogger().addHandler(logging.NullHandler())  # the figures below count the records; no noise
    folder = Path(tempfile.mkdtemp(prefix="kiemchung-fuzz-"))
    config = Config(database=folder / "kc.db", catalogue=CATALOGUE, owners=(HUNG["id"],), officers=(THU["id"],),
                    officers_chat=OFFICERS_CHAT["id"], source="bench")
    api = FakeBotApi()
    for chat in (TO_DAN_PHO, PHU_HUYNH, OFFICERS_CHAT):
        api.chats[chat["id"]] = chat
    await api.start()
    updates = malformed_updates(count, seed)
    try:
        with unlimited_rate():
            async with bot_serving(api, config) as bot:
                figures = await fuzz(api, config.database, updates)
                after = await bot.send(text_update(RUMOR, LAN))
    finally:
        await api.stop()
    answered = bool(after) and "LỪA ĐẢO" in after[-1]["text"]
    print(f"updates pushed                         {figures.pushed}")
    print(f"seconds until all were handled         {figures.seconds:.1f}")
    print(f"updates handled per second             {figures.per_second:.0f}")
    print(f"ERROR records (unhandled exceptions)   {len(figures.errors)}")
    print(f"skipped as not Bot API updates (WARN)  {figures.unparseable}")
    print(f"other WARNING records                  {figures.warnings - figures.unparseable}")
    print(f"messages sent or edited                {figures.sent}")
    print(f"button presses answered                {figures.toasts}")
    print(f"messages Telegram would refuse         {len(api.violations)}")
    print(f"answers a rumor afterwards             {'yes' if answered else 'NO'}")
    for line in figures.errors[:20]:
        print("  ", line)
    return 0 if not figures.errors and not api.violations and answered else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.updates, args.seed)))
