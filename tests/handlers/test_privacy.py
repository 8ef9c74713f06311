"""End to end: /quen forgets a person's own texts (and only theirs); the purge runs at start-up."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import replace

from bot.checking import ChatType, CheckRequest
from bot.config import Config
from bot.matching.matcher import Band, MatchResult
from bot.store.storage import Storage
from bot.store.values import utcnow
from tests.conftest import RunningBot, bot_serving
from tests.fake_bot_api import FakeBotApi
from tests.updates import (
    LAN,
    MINH,
    VNEID_RUMOR,
    VNEID_SOURCE,
    buttons_of,
    callback_update,
    command_update,
    forwarded_from_hidden_user,
    text_update,
)


def sent_to(bot: RunningBot, user: dict[str, object]) -> list[str]:
    """What the outbox keeps of the messages delivered to a person's private chat."""
    return [r["payload"] for r in bot.rows("SELECT payload FROM outbox WHERE status = 'sent' AND chat_id = ?",
                                           str(user["id"]))]


UNKNOWN = "Nghe nói tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, ai biết thật không?"


async def test_forget_blanks_the_askers_own_texts_after_the_button(running_bot: RunningBot) -> None:
    bot = running_bot
    await bot.send(text_update(VNEID_RUMOR, LAN))
    await bot.send(forwarded_from_hidden_user(UNKNOWN, "Hương Giang", LAN))
    await bot.send(text_update(UNKNOWN, MINH))
    [ask] = await bot.send(command_update("/quen", LAN))
    assert "2 tin" in ask["text"]
    question = bot.api.messages_in(LAN["id"])[-1]
    assert bot.reports()[0]["text"] == VNEID_RUMOR  # nothing forgotten before the button
    assert [r for r in sent_to(bot, LAN) if VNEID_SOURCE in r]  # the answer to her first message

    stale = await bot.press(callback_update("v0:quen:yes", question, LAN))
    assert "đã cũ" in stale[-1].params["text"]
    await bot.press(callback_update(buttons_of(question)["🗑 Xoá nội dung"], question, LAN))
    assert "Đã xoá nội dung 2 tin" in bot.api.messages_in(LAN["id"])[-1]["text"]

    lan, minh = [r for r in bot.reports() if r["user_id"] == str(LAN["id"])], bot.reports()[-1]
    assert [(r["text"], r["origin_name"], r["text_key"]) for r in lan] == [("", None, None)] * 2
    assert [(r["rumor_id"], r["band"]) for r in lan] == [("vneid-link-cai-dat-gia", "match"), (None, "none")]
    assert minh["text"] == UNKNOWN  # another person's report is untouched
    payloads = [json.loads(r["payload"]) for r in bot.rows("SELECT payload FROM inbox WHERE done_at IS NOT NULL")]
    assert not any(UNKNOWN in json.dumps(p, ensure_ascii=False) and p["message"]["from"]["id"] == LAN["id"]
                   for p in payloads if "message" in p)
    assert any(p.get("message", {}).get("from", {}).get("id") == MINH["id"] for p in payloads)
    # what the bot had sent her (answers to what she asked) is forgotten too; Minh's is kept
    assert not [r for r in sent_to(bot, LAN) if VNEID_SOURCE in r]
    assert sent_to(bot, MINH)
    [again] = await bot.send(command_update("/forget", LAN))
    assert "không còn lưu nội dung" in again["text"]


async def test_the_purge_runs_at_start_up(fake_api: FakeBotApi, config: Config) -> None:
    storage = await Storage.open(config.database)
    request = CheckRequest(platform="telegram", chat_id="5001", chat_type=ChatType.PRIVATE, text=UNKNOWN,
                           user_id="5001")
    old = await storage.reports.record(request, MatchResult(Band.NONE))
    await storage.close()
    with sqlite3.connect(config.database) as db:
        db.execute("UPDATE reports SET created_at = ? WHERE id = ?",
                   ((utcnow() - dt.timedelta(days=8)).isoformat(), old))
    async with bot_serving(fake_api, replace(config, retention_days=7)) as bot:
        await bot.send(text_update(VNEID_RUMOR, MINH))
        [first, second] = bot.reports()
    assert (first["text"], first["purged_at"] is not None) == ("", True)
    assert second["text"] == VNEID_RUMOR
