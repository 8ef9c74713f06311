"""Two webhook processes on one PostgreSQL database, the updates of 200 people spread over both at
random: each update handled once, each chat's answers in the order of its messages, one report per
message — and when one process is killed (SIGKILL) mid-run, the other finishes its work."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp

from tests.cluster import SECRET, USERS, answers_by_chat, cluster, conversations
from tests.fake_bot_api import FakeBotApi
from tests.postgres_server import rows


def in_order(answers: dict[int, list[int]]) -> bool:
    return all(ids == sorted(ids) for ids in answers.values())


async def test_two_processes_share_the_work_once_and_in_order(fake_api: FakeBotApi, pg_url: str,
                                                              tmp_path: Path) -> None:
    updates = conversations(USERS, each=2)
    async with cluster(fake_api, pg_url, 2, tmp_path) as bots, aiohttp.ClientSession() as session:
        await bots.post_all(session, updates)
        await fake_api.wait_for(lambda: sum(map(len, answers_by_chat(fake_api).values())) >= len(updates), 90)
        await fake_api.settle(quiet=1.0)
    answers = answers_by_chat(fake_api)
    answered = sorted(m for ids in answers.values() for m in ids)
    assert answered == sorted(u["message"]["message_id"] for u in updates)  # every update once, none twice
    assert len(answers) == USERS and in_order(answers)
    per_message = rows(pg_url, "SELECT message_id, COUNT(*) FROM reports GROUP BY message_id")
    assert len(per_message) == len(updates) and {r[1] for r in per_message} == {1}


async def test_a_killed_process_s_work_is_finished_by_the_other(fake_api: FakeBotApi, pg_url: str,
                                                                tmp_path: Path) -> None:
    updates = conversations(USERS, each=2)
    async with cluster(fake_api, pg_url, 2, tmp_path, lease_seconds=2.0) as bots, \
            aiohttp.ClientSession() as session:
        posting = asyncio.create_task(bots.post_all(session, updates))
        await fake_api.wait_for(lambda: sum(map(len, answers_by_chat(fake_api).values())) >= len(updates) // 4, 90)
        bots.processes[1].kill()  # mid-run: updates stored, claimed, half-handled, messages being sent
        await posting  # what was POSTed to it after goes to the other, as a load balancer would
        await fake_api.wait_for(lambda: {m for ids in answers_by_chat(fake_api).values() for m in ids}
                                >= {u["message"]["message_id"] for u in updates}, 90)
        await fake_api.settle(quiet=1.0)
    answers = answers_by_chat(fake_api)
    answered = [m for ids in answers.values() for m in ids]
    assert set(answered) == {u["message"]["message_id"] for u in updates}  # nothing lost
    # An answer may go twice only if the process died between handing it to Telegram and marking it
    # sent: at most one per send it had under way (the sender's concurrency, 8).
    assert len(answered) - len(set(answered)) <= 8
    assert in_order({chat: list(dict.fromkeys(ids)) for chat, ids in answers.items()})
    per_message = rows(pg_url, "SELECT message_id, COUNT(*) FROM reports GROUP BY message_id")
    assert len(per_message) == len(updates) and {r[1] for r in per_message} == {1}
    assert rows(pg_url, "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL")[0][0] == 0


NEW_RUMOR = ("Thông báo khẩn: khu phố cổ Hội An bị cắt nước sạch 3 ngày liên tiếp từ sáng mai, bà con trữ nước "
             "ngay, chia sẻ cho mọi người cùng biết.")
NEW_ENTRY = f"""schema: 1
rumors:
  - id: cat-nuoc-pho-co
    claim: "{NEW_RUMOR}"
    verdict: false
    summary: Công ty cấp nước không có kế hoạch ngừng cấp nước khu phố cổ trong tuần này.
    sources:
      - publisher: Công ty Cổ phần Cấp nước Quảng Nam
        title: Không có kế hoạch ngừng cấp nước khu phố cổ
        url: https://capnuoc.example/thong-bao
        date: 2025-06-01
    published: 2025-06-01
"""


async def test_an_entry_imported_by_a_third_process_is_matched_by_both_within_5_s(
        fake_api: FakeBotApi, pg_url: str, tmp_path: Path) -> None:
    from tests.conftest import REPO
    from tests.handlers.test_cli import environment
    from tests.updates import text_update

    (tmp_path / "new.yaml").write_text(NEW_ENTRY, encoding="utf-8")
    async with cluster(fake_api, pg_url, 2, tmp_path) as bots, aiohttp.ClientSession() as session:
        config = next(tmp_path.glob("bot-*.yaml"))
        importing = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "handlers.cli", "import", str(tmp_path / "new.yaml"), "--config", str(config),
            env=environment(PYTHONPATH=str(REPO)), stdout=asyncio.subprocess.DEVNULL)
        assert await importing.wait() == 0
        await asyncio.sleep(5)  # the bound: matched by both within 5 s of the import
        for process in bots.processes:  # each one, asked directly
            update = text_update(NEW_RUMOR, {"id": 700_000 + process.port, "is_bot": False, "first_name": "Dân"})
            update["update_id"] = process.port
            before = len(fake_api.calls)
            async with session.post(process.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}):
                pass
            await fake_api.wait_for(lambda before=before: any(
                c.method == "sendMessage" for c in fake_api.calls[before:]))
            [answer] = [c.params for c in fake_api.calls[before:] if c.method == "sendMessage"]
            assert "capnuoc.example" in answer["text"]
