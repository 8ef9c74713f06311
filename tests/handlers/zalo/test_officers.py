"""Officers on Zalo: the same desk through text commands, one store shared with Telegram."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest

from bot.config import Config, TelegramConfig, ZaloConfig
from handlers.runner import serve
from tests.fake_bot_api import FakeBotApi
from tests.fake_zalo_api import FakeZaloApi, text_event
from tests.local_server import running
from tests.updates import LAN, text_update

OFFICER = "0f1e2d3c4b5a69788796"  # a Zalo user id listed in zalo.officers
MEMBER = "aa11bb22cc33dd44ee55"
MARKET_CLAIM = ("Chợ Hội An sẽ đóng cửa một tháng từ thứ hai tới để xây lại, tiểu thương phải dọn hàng "
                "trong ba ngày, ai chậm sẽ bị thu hồi ki-ốt.")
MARKET_SOURCE = "https://hoian.example/cho-hoi-an-khong-dong-cua"
FORM = f"""/them
id: cho-hoi-an-dong-cua
claim: {MARKET_CLAIM}
verdict: sai
summary: UBND phường Minh An khẳng định chợ Hội An vẫn hoạt động bình thường, không có kế hoạch đóng cửa.
source: {MARKET_SOURCE}
publisher: UBND phường Minh An"""


@dataclass
class BothPlatforms:
    telegram: FakeBotApi
    zalo: FakeZaloApi
    config: Config

    async def zalo_says(self, text: str, user: str = OFFICER) -> str:
        before = len(self.zalo.sent(user))
        await self.zalo.push(text_event(text, user_id=user))
        await self.zalo.wait_for(lambda: len(self.zalo.sent(user)) > before)
        await self.zalo.drained(quiet=0.3)
        return "\n".join(self.zalo.sent(user)[before:])

    def rows(self, sql: str) -> list[sqlite3.Row]:
        with sqlite3.connect(self.config.database) as db:
            db.row_factory = sqlite3.Row
            return db.execute(sql).fetchall()


@pytest.fixture
async def both(config: Config) -> AsyncIterator[BothPlatforms]:
    async with running(FakeBotApi()) as telegram, running(FakeZaloApi()) as zalo:
        config = replace(
            config,
            telegram=TelegramConfig(token=telegram.token, base_url=telegram.base_url, poll_timeout=1),
            zalo=ZaloConfig(token=zalo.token, base_url=zalo.base_url, poll_timeout=1, officers=(OFFICER,)),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(serve(config, stop, handle_signals=False))
        await telegram.wait_for(lambda: any(c.method == "setMyCommands" for c in telegram.calls) or task.done())
        await zalo.wait_for(lambda: len(zalo.polls()) >= 1 or task.done())
        try:
            yield BothPlatforms(telegram, zalo, config)
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)


async def test_an_officers_entry_made_on_zalo_matches_on_telegram(both: BothPlatforms) -> None:
    added = await both.zalo_says(FORM)
    assert "cho-hoi-an-dong-cua" in added and "<" not in added
    before = len(both.telegram.sent())
    await both.telegram.push(text_update(MARKET_CLAIM.replace("Chợ Hội An", "Cho Hoi An"), LAN))
    await both.telegram.wait_for(lambda: len(both.telegram.sent()) > before)
    answer = both.telegram.sent()[-1]["text"]
    assert MARKET_SOURCE in answer and "SAI SỰ THẬT" in answer
    [created] = both.rows("SELECT * FROM audit WHERE action = 'create'")
    assert (created["platform"], created["user_id"]) == ("zalo", OFFICER)

    retired = await both.zalo_says("/xoa cho-hoi-an-dong-cua")
    assert "cho-hoi-an-dong-cua" in retired
    answer = await both.zalo_says(MARKET_CLAIM, user=MEMBER)
    assert MARKET_SOURCE not in answer


async def test_a_member_on_zalo_is_refused(both: BothPlatforms) -> None:
    refused = await both.zalo_says(FORM, user=MEMBER)
    assert "cán bộ" in refused
    assert both.rows("SELECT * FROM entries") == []
    [attempt] = both.rows("SELECT * FROM audit")
    assert (attempt["action"], attempt["platform"], attempt["user_id"]) == ("refused", "zalo", MEMBER)


async def test_the_queue_on_zalo_is_a_numbered_list_with_reply_commands(both: BothPlatforms) -> None:
    unknown = "Nghe nói từ mai phố cổ Hội An cấm hoàn toàn xe máy, ai vào phải gửi xe ngoài Cửa Đại phải không?"
    await both.zalo_says(unknown, user=MEMBER)
    queue = await both.zalo_says("/baocao")
    assert "1. «" in queue and unknown[:40] in queue
    [report] = both.rows("SELECT id FROM reports WHERE platform = 'zalo' AND band != 'match'")
    assert f"/gan {report['id']} " in queue and f"/boqua {report['id']}" in queue
    dismissed = await both.zalo_says(f"/boqua {report['id']}")
    assert "1" in dismissed
    assert "Không có báo cáo" in await both.zalo_says("/baocao")
    [review] = both.rows("SELECT * FROM report_reviews")
    assert (review["status"], review["reviewed_by"]) == ("dismissed", f"zalo:{OFFICER}")


async def test_talk_on_zalo_gets_a_hint_and_stays_out_of_the_queue(both: BothPlatforms) -> None:
    greeting = await both.zalo_says("alo bot", user=MEMBER)
    assert "Kiểm Chứng" in greeting and "cán bộ" not in greeting
    bare = await both.zalo_says("tin nay that k", user=MEMBER)  # no marks, teencode
    assert "nguyên văn tin đó" in bare and "cán bộ" not in bare
    command = await both.zalo_says("/menu", user=MEMBER)
    assert "Mình không biết lệnh này" in command and "/huongdan" in command
    unknown = "Nghe nói từ mai phố cổ Hội An cấm hoàn toàn xe máy, ai vào phải gửi xe ngoài Cửa Đại phải không?"
    assert "cán bộ" in await both.zalo_says(unknown, user=MEMBER)
    queue = await both.zalo_says("/baocao")
    assert "1. «" in queue and unknown[:40] in queue and "2. «" not in queue
    reasons = both.rows("SELECT not_a_claim FROM reports WHERE platform = 'zalo' ORDER BY id")
    assert [r["not_a_claim"] for r in reasons] == ["greeting", "bare_question", "command", None]


async def test_web_on_zalo_answers_like_on_telegram(both: BothPlatforms) -> None:
    off = await both.zalo_says("/web")  # the desk is off in this configuration: the officer is told so
    assert "chưa được bật" in off and "/login/" not in off
    refused = await both.zalo_says("/trang", user=MEMBER)
    assert "cán bộ" in refused
    [attempt] = both.rows("SELECT * FROM audit")
    assert (attempt["action"], attempt["user_id"], attempt["target"]) == ("refused", MEMBER, "/trang")
