"""Delivery over a flaky network, measured: what the bot owed against what arrived.

Runs the real `kiemchung run` as a process against the fake Bot API and the fake Zalo API
(tests/fake_bot_api.py, tests/fake_zalo_api.py) on 127.0.0.1, with sends failing the way real networks
and platforms fail (tests/faults.py). Three scenarios:

  flaky    a share of sends get 429 with retry_after (every send to some chats), 500/502, dropped
           connections and slow answers; people ask, officers get cards and link reports (follow-ups);
           then the faults stop. Every owed message must arrive, once, none inside a retry_after.
  sigkill  sends fail while messages are owed; the process is killed with SIGKILL; after a restart
           on a healthy network every owed message must arrive, none twice.
  sigterm  a burst of messages with an officers' chat; SIGTERM mid-burst; the process must exit within
           `delivery.shutdown_seconds`; after a restart everything owed must arrive.

Prints the figures; exits 1 if a check fails.

    .venv/bin/python bench/flaky_network.py flaky [--users 40] [--zalo-users 10] [--slow 6 15]
    .venv/bin/python bench/flaky_network.py sigkill [--users 40]
    .venv/bin/python bench/flaky_network.py sigterm [--users 120] [--officers-group]
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
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.catalogue import load_catalogue  # noqa: E402
from bot.config import SHIPPED_CATALOGUE  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402
from tests.fake_zalo_api import FakeZaloApi, text_event  # noqa: E402
from tests.faults import SendFaults  # noqa: E402
from tests.updates import LAN, OFFICERS_CHAT, THU, command_update, forwarded_from_channel, text_update  # noqa: E402

PLACES = ("Hội An", "Điện Bàn", "Tam Kỳ", "Duy Xuyên", "Thăng Bình", "Núi Thành", "Đại Lộc", "Quế Sơn",
          "Hiệp Đức", "Tiên Phước", "Phú Ninh", "Nông Sơn", "Nam Giang", "Đông Giang", "Tây Giang", "Bắc Trà My")
THINGS = ("gửi xe máy ở chợ", "vào bãi biển", "nước sinh hoạt", "rác thải", "qua cầu", "đỗ ô tô trước nhà",
          "tắm biển buổi tối", "bán hàng rong")


def unknown_claim(i: int) -> str:
    """A claim no catalogue entry describes, different for each i (an officer's card each)."""
    place, thing = PLACES[i % len(PLACES)], THINGS[(i // len(PLACES)) % len(THINGS)]
    return (f"Nghe nói từ tháng {i % 12 + 1} tới ở {place} sẽ thu phí {thing} {(i % 9 + 1) * 5} nghìn đồng "
            f"mỗi lần, ai biết thông tin chính thức không (tin số {i})")


def user(i: int) -> dict[str, Any]:
    return {**LAN, "id": 300_000 + i, "first_name": f"Người dùng {i}"}


def bot_process(config: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return asyncio.create_subprocess_exec(  # type: ignore[return-value]
        sys.executable, "-m", "handlers.cli", "run", "--config", str(config),
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


class Run:
    """One deployment under test: the fakes, the config, the database, the bot's processes."""

    def __init__(self, zalo: bool, officers_chat: int, shutdown_seconds: float = 10.0) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kiemchung-flaky-"))
        self.db_path = self.folder / "kc.db"
        self.api = FakeBotApi()
        self.zalo = FakeZaloApi() if zalo else None
        self.officers_chat = officers_chat
        self.shutdown_seconds = shutdown_seconds
        self.stderr: list[str] = []

    async def start(self) -> None:
        await self.api.start()
        data: dict[str, Any] = {
            "database": str(self.db_path), "owners": [THU["id"]], "officers_chat": self.officers_chat,
            "telegram": {"base_url": self.api.base_url, "poll_timeout": 1}, "log_level": "WARNING",
            "delivery": {"shutdown_seconds": self.shutdown_seconds}, "digest": False,
        }
        if self.zalo is not None:
            await self.zalo.start()
            data["zalo"] = {"base_url": self.zalo.base_url, "poll_timeout": 1}
        self.config = self.folder / "config.yaml"
        self.config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {"TELEGRAM_BOT_TOKEN": self.api.token}
        if self.zalo is not None:
            env["ZALO_BOT_TOKEN"] = self.zalo.token
        return env

    async def launch(self) -> asyncio.subprocess.Process:
        return await bot_process(self.config, self.env())

    async def stop(self, process: asyncio.subprocess.Process) -> float:
        """SIGTERM; the seconds it took to exit."""
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = await process.communicate()
        self.stderr.append(stderr.decode(errors="replace"))
        return time.monotonic() - started

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.db_path.exists():
            return []
        with sqlite3.connect(self.db_path, timeout=10) as db:
            try:
                return list(db.execute(sql, params).fetchall())
            except sqlite3.OperationalError:  # not migrated yet
                return []

    def count(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        rows = self.query(sql, params)
        return int(rows[0][0]) if rows else 0

    async def until(self, predicate: Any, timeout: float, every: float = 0.25) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            await asyncio.sleep(every)
        return bool(predicate())

    def unsent(self) -> int:
        return self.count("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")

    async def drain_and_stop(self, process: asyncio.subprocess.Process, timeout: float) -> bool:
        """Wait until the outbox owes nothing and the bot is quiet, then SIGTERM; whether it drained."""
        drained = await self.until(lambda: self.unsent() == 0, timeout)
        await self.api.settle(quiet=1.0, timeout=60)
        await self.stop(process)
        return drained

    def delivered(self) -> Counter[tuple[str, str]]:
        """Messages that arrived, by (platform, chat)."""
        arrived: Counter[tuple[str, str]] = Counter(("telegram", str(m["chat"]["id"])) for m in self.api.messages)
        if self.zalo is not None:
            arrived.update(("zalo", str(c.params["chat_id"])) for c in self.zalo.calls
                           if c.method == "sendMessage" and c.status == 200)
        return arrived

    def owed(self) -> Counter[tuple[str, str]]:
        return Counter((str(p), str(c)) for p, c in self.query("SELECT platform, chat_id FROM outbox"))

    def report(self, scenario: str) -> dict[str, int]:
        """Owed against delivered, printed; the figures the checks and the test read."""
        owed, arrived = self.owed(), self.delivered()
        by_kind = Counter(f"{p} {k}" for p, k in self.query("SELECT platform, kind FROM outbox"))
        states = Counter(s for (s,) in self.query("SELECT status FROM outbox"))
        missing = sum((owed - arrived).values())
        extra = sum((arrived - owed).values())
        early = len(self.api.faults.early) if self.api.faults else 0
        tracebacks = sum(log.count("Traceback") for log in self.stderr)
        answered = {c for (p, c) in arrived if p == "telegram"}
        figures = {
            "owed": sum(owed.values()), "delivered": sum(arrived.values()), "undelivered": missing,
            "duplicates": extra, "sent before retry_after ended": early,
            "dead letters": states.get("dead", 0), "refused": states.get("refused", 0),
            "still open": states.get("pending", 0) + states.get("sending", 0),
            "tracebacks in the log": tracebacks,
        }
        print(f"scenario                              {scenario}")
        for kind, n in sorted(by_kind.items()):
            print(f"owed {kind:<33}{n}")
        for name, value in figures.items():
            print(f"{name:<38}{value}")
        print(f"telegram chats that got a message     {len(answered)}")
        for (platform, chat), n in sorted((arrived - owed).items()):
            print(f"  more than owed: {platform} chat {chat}: {n} extra of {owed[(platform, chat)]} owed")
        return figures


async def flaky(args: argparse.Namespace) -> int:
    run = Run(zalo=args.zalo_users > 0, officers_chat=args.officers_chat)
    await run.start()
    stubborn = frozenset(str(user(i)["id"]) for i in range(min(3, args.users)))
    run.api.faults = SendFaults(seed=args.seed, share=args.share, stubborn=stubborn, slow=tuple(args.slow))
    if run.zalo is not None:
        kinds = ("500", "502", "reset", "slow")  # Zalo's API has no retry_after
        run.zalo.faults = SendFaults(seed=args.seed + 1, share=args.share, kinds=kinds, opening=kinds,
                                     slow=tuple(args.slow))
    claims = [r.claim for r in load_catalogue(SHIPPED_CATALOGUE).published]
    entry = load_catalogue(SHIPPED_CATALOGUE).published[0].id
    for i in range(args.users):
        text = unknown_claim(i) if i % 2 else f"{claims[i % len(claims)]} #{i}"
        await run.api.push(forwarded_from_channel(text, user(i)) if i % 3 else text_update(text, user(i)))
    if run.zalo is not None:
        for i in range(args.zalo_users):
            await run.zalo.push(text_event(unknown_claim(1000 + i) if i % 2 else claims[i % len(claims)],
                                           user_id=f"zalo{i:016x}"))
    started = time.monotonic()
    process = await run.launch()
    total = args.users + args.zalo_users
    handled = await run.until(lambda: run.count("SELECT COUNT(*) FROM reports") >= total, 180)
    # officers link some unknown questions to an entry: their askers are owed a follow-up
    unknown = [r[0] for r in run.query("SELECT id FROM reports WHERE platform = 'telegram' AND band != 'match' "
                                       "ORDER BY id LIMIT ?", (args.links,))]
    for report_id in unknown:
        await run.api.push(command_update(f"/gan {report_id} {entry}", THU))
    await run.until(lambda: run.count("SELECT COUNT(*) FROM follow_ups") >= len(unknown), 120)
    await asyncio.sleep(args.fault_seconds)
    run.api.faults.active = False
    if run.zalo is not None and run.zalo.faults is not None:
        run.zalo.faults.active = False
    faults_stopped = time.monotonic()
    drained = await run.until(lambda: run.unsent() == 0 and sum(run.owed().values()) > 0, args.drain_timeout)
    drain_seconds = time.monotonic() - faults_stopped
    await run.api.settle(quiet=1.0, timeout=60)
    exit_seconds = await run.stop(process)
    figures = run.report("flaky")
    injected = run.api.faults.injected + (run.zalo.faults.injected if run.zalo and run.zalo.faults else Counter())
    print(f"faults injected                       {dict(sorted(injected.items()))}")
    print(f"updates handled before the links      {'yes' if handled else 'NO'}")
    print(f"questions officers linked             {len(unknown)}")
    print(f"seconds to deliver after faults ended {drain_seconds:.1f}")
    print(f"wall time                             {time.monotonic() - started:.1f} s")
    print(f"exit after SIGTERM                    {exit_seconds:.1f} s")
    ok = (drained and figures["undelivered"] == 0 and figures["duplicates"] == 0 and figures["still open"] == 0
          and figures["sent before retry_after ended"] == 0 and figures["tracebacks in the log"] == 0
          and process.returncode == 0)
    return finish(run, ok, process.returncode)


async def sigkill(args: argparse.Namespace) -> int:
    run = Run(zalo=False, officers_chat=args.officers_chat)
    await run.start()
    # most sends fail, so that messages are owed at the kill while some went out before it (no slow
    # answers: a send cut off by the kill after the platform took it is the documented case of a
    # message sent twice, not what this measures)
    kinds = ("429", "500", "502", "reset")
    run.api.faults = SendFaults(seed=args.seed, share=0.7, kinds=kinds, opening=kinds)
    for i in range(args.users):
        await run.api.push(text_update(unknown_claim(i), user(i)))
    process = await run.launch()
    await run.until(lambda: run.count("SELECT COUNT(*) FROM reports") >= args.users, 180)
    await run.until(lambda: run.count("SELECT COUNT(*) FROM outbox") >= args.users, 60)
    owed_at_kill = run.count("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")
    process.send_signal(signal.SIGKILL)
    await process.wait()
    delivered_before = sum(run.delivered().values())
    # sends under way at the kill: the platform may have taken them (or answered 429) with no record of it
    # in the outbox; they are the documented window in which a message is sent twice
    in_flight = Counter((str(p), str(c)) for p, c in run.query(
        "SELECT platform, chat_id FROM outbox WHERE status = 'sending'"))
    run.api.faults.active = False
    second = await run.launch()
    drained = await run.drain_and_stop(second, args.drain_timeout)
    figures = run.report("sigkill")
    beyond = sum((run.delivered() - run.owed() - in_flight).values())
    early = [chat for chat, _ in run.api.faults.early if ("telegram", chat) not in in_flight]
    print(f"owed and unsent at SIGKILL            {owed_at_kill}")
    print(f"delivered before SIGKILL              {delivered_before}")
    print(f"sends under way at SIGKILL            {sum(in_flight.values())}")
    print(f"sent twice beyond those               {beyond}")
    print(f"early beyond those                    {len(early)}")
    ok = drained and owed_at_kill > 0 and figures["undelivered"] == 0 and beyond == 0 and not early
    return finish(run, ok, second.returncode)


async def sigterm(args: argparse.Namespace) -> int:
    chat = OFFICERS_CHAT["id"] if args.officers_group else args.officers_chat
    run = Run(zalo=False, officers_chat=chat, shutdown_seconds=args.shutdown_seconds)
    await run.start()
    for i in range(args.users):
        await run.api.push(text_update(unknown_claim(i), user(i)))
    process = await run.launch()
    await run.until(lambda: run.count("SELECT COUNT(*) FROM reports") >= args.users // 3, 180, every=0.05)
    handled_at_term = run.count("SELECT COUNT(*) FROM reports")
    exit_seconds = await run.stop(process)
    owed_at_term = run.count("SELECT COUNT(*) FROM outbox")
    open_at_term = run.unsent()
    second = await run.launch()
    await run.until(lambda: run.count("SELECT COUNT(*) FROM reports") >= args.users, 180)
    drained = await run.drain_and_stop(second, args.drain_timeout)
    figures = run.report("sigterm")
    print(f"messages fed                          {args.users}")
    print(f"reports stored at SIGTERM             {handled_at_term}")
    print(f"owed at exit / of them unsent         {owed_at_term} / {open_at_term}")
    print(f"shutdown deadline                     {args.shutdown_seconds:.1f} s")
    print(f"exit after SIGTERM                    {exit_seconds:.1f} s")
    print(f"exit status                           {process.returncode}")
    answered = len({c for (p, c) in run.delivered() if p == "telegram" and c != str(chat)})
    print(f"people answered in the end            {answered} of {args.users}")
    ok = (drained and figures["undelivered"] == 0 and figures["duplicates"] == 0 and answered == args.users
          and exit_seconds <= args.shutdown_seconds and process.returncode == 0)
    return finish(run, ok, second.returncode)


def finish(run: Run, ok: bool, returncode: int | None) -> int:
    if not ok or returncode != 0:
        print("".join(run.stderr)[-3000:], file=sys.stderr)
    ok = ok and returncode == 0
    print("delivery: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=("flaky", "sigkill", "sigterm"))
    parser.add_argument("--users", type=int, default=40, help="Telegram users, one message each")
    parser.add_argument("--zalo-users", type=int, default=10)
    parser.add_argument("--links", type=int, default=6, help="unknown questions officers link (follow-ups)")
    parser.add_argument("--share", type=float, default=0.35, help="share of sends that fail while faults are on")
    parser.add_argument("--slow", type=float, nargs=2, default=(6.0, 15.0), help="seconds of a slow answer")
    parser.add_argument("--fault-seconds", type=float, default=5.0, help="faults stay on this long after the links")
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--officers-chat", type=int, default=THU["id"], help="the officers' chat id")
    parser.add_argument("--officers-group", action="store_true", help="sigterm: officers' chat is a supergroup "
                        "(Telegram's 20 messages a minute per group)")
    parser.add_argument("--shutdown-seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    return asyncio.run({"flaky": flaky, "sigkill": sigkill, "sigterm": sigterm}[args.scenario](args))


if __name__ == "__main__":
    sys.exit(main())
