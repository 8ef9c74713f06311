"""How long the officers' web desk takes to answer, page by page, with a busy review queue.

The shipped catalogue, a fresh database, and PENDING reports people asked about (the dev set's messages
that the catalogue does not answer, each asked once, so most are groups of their own); an officer signs
in through /web's link and each page is fetched ROUNDS times over HTTP on 127.0.0.1 (aiohttp's test
server, in this process). The queue's cost is mostly the matcher's suggestions for the 20 groups shown
and the grouping of every pending report. A script, not a test: times depend on the machine.

    .venv/bin/python bench/web_desk_bench.py [--pending 300] [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.checking import ChatType, CheckRequest
from bot.config import Config, WebConfig
from bot.core import Core
from bot.desk.rights import Actor
from handlers.web.app import web_app

DEV_CASES = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev" / "cases.yaml"
OFFICER = 7001
PAGES = ("/queue", "/queue?page=2", "/reports/{report}", "/reports/{report}?q=dien", "/entries",
         "/entries?q=lua dao", "/entries/{entry}", "/entries/{entry}/edit", "/figures", "/audit")


def messages(count: int) -> list[str]:
    cases = yaml.safe_load(DEV_CASES.read_text(encoding="utf-8"))["cases"]
    texts = [str(case["text"]) for case in cases if case.get("text")]
    out: list[str] = []
    while len(out) < count:  # past the dev set, the same messages numbered: one more group each
        out += [f"{text} ({len(out) + i})" if out else text for i, text in enumerate(texts)]
    return out[:count]


async def run(pending: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = Config(database=Path(folder) / "bench.db", officers=(OFFICER,),
                        web=WebConfig(("127.0.0.1", 0), "http://127.0.0.1:8090"), source="bench")
        core = await Core.open(config)
        try:
            for number, text in enumerate(messages(pending)):
                await core.checker.check(CheckRequest("telegram", str(10_000 + number), ChatType.PRIVATE, text,
                                                      user_id=str(10_000 + number), message_id=str(number)))
            assert core.officers is not None and core.storage is not None
            queued = await core.officers.pending_groups()
            report, entry = queued[0].lead.id, core.catalogue.published[0].id
            print(f"{len(core.catalogue.rumors)} entries, {sum(len(g.members) for g in queued)} pending reports "
                  f"in {len(queued)} groups, {rounds} rounds a page")
            async with TestClient(TestServer(web_app(core))) as client:
                reply = await core.officers.run_command(Actor("telegram", str(OFFICER), str(OFFICER)), "/web")
                assert reply is not None
                token = reply.plain.split("/login/")[1].split()[0]
                await client.post("/login", data={"token": token}, allow_redirects=False)
                for template in PAGES:
                    path = template.format(report=report, entry=entry)
                    times = []
                    for _ in range(rounds):
                        started = time.perf_counter()
                        answer = await client.get(path)
                        await answer.read()
                        times.append((time.perf_counter() - started) * 1000)
                        assert answer.status == 200, (path, answer.status)
                    times.sort()
                    print(f"  {path:<34} p50 {statistics.median(times):7.1f} ms   max {times[-1]:7.1f} ms")
        finally:
            await core.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pending", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.pending, args.rounds))


if __name__ == "__main__":
    main()
