"""Load, measured: the bot as a process, driven through the fake Bot API at increasing rates.

For each rate it pushes forwarded rumors and ordinary messages from many users for a while and
prints the replies per second it sustained, p50/p99 time from update to reply, the backlog left,
and the bot's resident memory. The same stages run, in the same run, against a bare
python-telegram-bot echo bot (bench/echo_bot.py, with the same AIORateLimiter) on the same fake
server: the difference is Kiểm Chứng's own cost (matching, SQLite with fsync, the durable inbox)
over the framework's. Both are capped near 30 replies/s by the rate limiter, which keeps to
Telegram's limit for a bot's messages: above that rate the backlog and the latency grow.

    .venv/bin/python bench/load.py [--rates 10,25,50,100,200] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.catalogue import load_catalogue  # noqa: E402
from bot.config import SHIPPED_CATALOGUE  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402
from tests.updates import ORDINARY_MESSAGES, forwarded_from_channel, text_update  # noqa: E402


@dataclass
class Stage:
    rate: int
    sent: int
    replied: int
    per_second: float
    p50_ms: float
    p99_ms: float
    rss_mb: float


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def drive(name: str, command_for: Callable[[str], list[str]], rates: list[int], seconds: float,
                claims: list[str]) -> list[Stage]:
    """Start the bot `command_for(base_url)` against a fresh fake server and run every stage."""
    api = FakeBotApi()
    await api.start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "PYTHONPATH": str(REPO)}
    command = command_for(api.base_url)
    log_file = Path(tempfile.gettempdir()) / f"kiemchung-load-{name.split()[0]}.log"
    with log_file.open("w") as log:
        process = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                       stderr=log)
    stages: list[Stage] = []
    try:
        await api.push(text_update("xin chào"))  # warm-up: the bot is up once it answers
        await api.wait_for(lambda: any(c.method == "sendMessage" for c in api.calls), timeout=60)
        counter = 0
        for rate in rates:
            pushed: dict[int, float] = {}
            start_calls = len(api.calls)
            started = time.monotonic()
            peak = 0.0
            total = int(rate * seconds)
            for i in range(total):
                due = started + i / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                counter += 1
                user = {"id": 100_000 + counter, "is_bot": False, "first_name": "Khách"}
                if counter % 2:
                    update = forwarded_from_channel(f"{claims[counter % len(claims)]}", user)
                else:
                    update = text_update(f"{ORDINARY_MESSAGES[counter % len(ORDINARY_MESSAGES)]} ({counter})", user)
                pushed[update["message"]["message_id"]] = time.monotonic()
                await api.push(update)
                if i % max(1, rate) == 0:
                    peak = max(peak, rss_mb(process.pid))
            # give the bot up to 10 s to drain what this stage sent
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(replies(api, start_calls, pushed)) < len(pushed):
                await asyncio.sleep(0.1)
            latencies = replies(api, start_calls, pushed)
            elapsed = max(c.at for c in api.calls[start_calls:]) - started if latencies else seconds
            values = sorted(latencies.values())
            stages.append(Stage(
                rate, len(pushed), len(values), len(values) / elapsed if elapsed else 0.0,
                statistics.median(values) * 1000 if values else float("nan"),
                values[int(0.99 * (len(values) - 1))] * 1000 if values else float("nan"),
                max(peak, rss_mb(process.pid)),
            ))
            print(f"  {name:<11} {stages[-1].rate:>5}/s  sent {stages[-1].sent:>6}  replied {stages[-1].replied:>6}"
                  f"  {stages[-1].per_second:7.1f}/s  p50 {stages[-1].p50_ms:8.1f} ms  p99 {stages[-1].p99_ms:8.1f} ms"
                  f"  RSS {stages[-1].rss_mb:6.1f} MB", flush=True)
    finally:
        process.terminate()
        try:  # a bot with a backlog may drain it before it stops (PTB's echo bot does): do not wait for that
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()
        await api.stop()
    return stages


def replies(api: FakeBotApi, start: int, pushed: dict[int, float]) -> dict[int, float]:
    out: dict[int, float] = {}
    for call in api.calls[start:]:
        if call.method != "sendMessage":
            continue
        reply_to = call.params.get("reply_parameters") or {}
        target = reply_to.get("message_id") if isinstance(reply_to, dict) else None
        if target is None:
            target = call.params.get("reply_to_message_id")
        if target is not None and int(target) in pushed and int(target) not in out:
            out[int(target)] = call.at - pushed[int(target)]
    return out


async def main(rates: list[int], seconds: float) -> None:
    claims = [r.claim for r in load_catalogue(SHIPPED_CATALOGUE).published]
    folder = Path(tempfile.mkdtemp(prefix="kiemchung-load-"))

    def kiemchung(base_url: str) -> list[str]:
        config = folder / "config.yaml"
        config.write_text(yaml.safe_dump({
            "database": str(folder / "kc.db"), "log_level": "WARNING",
            "telegram": {"base_url": base_url, "poll_timeout": 1},
        }), encoding="utf-8")
        return [sys.executable, "-m", "handlers.cli", "run", "--config", str(config)]

    def echo_bot(base_url: str) -> list[str]:
        return [sys.executable, str(REPO / "bench" / "echo_bot.py"), base_url]

    print(f"stages: {rates} updates/s, {seconds:g} s each; machine: {os.cpu_count()} cores")
    ours = await drive("kiemchung", kiemchung, rates, seconds, claims)
    echo = await drive("echo (PTB)", echo_bot, rates, seconds, claims)
    print("\nrate/s  kiemchung p50/p99 ms    echo p50/p99 ms    kiemchung replies/s  echo replies/s"
          "  RSS MB (ours/echo)")
    for a, b in zip(ours, echo, strict=True):
        print(f"{a.rate:>6}  {a.p50_ms:8.1f} / {a.p99_ms:8.1f}  {b.p50_ms:8.1f} / {b.p99_ms:8.1f}"
              f"  {a.per_second:19.1f}  {b.per_second:14.1f}  {a.rss_mb:6.1f} / {b.rss_mb:5.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="10,25,50,100,200")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    asyncio.run(main([int(r) for r in args.rates.split(",")], args.seconds))
