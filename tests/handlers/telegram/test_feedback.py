"""End to end: 👍/👎 on answers, follow-ups to askers, /thongke with its chart, /xuat (issue 6)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from dataclasses import replace
from typing import Any

import pytest
from telegram.ext import CallbackContext

from bot.checking import ChatType, CheckRequest
from bot.config import Config, DigestConfig, TelegramConfig
from bot.core import Core
from bot.delivery.sender import Sender
from handlers.telegram.app import build_application
from handlers.telegram.delivery import TelegramTransport
from tests.conftest import RunningBot
from tests.fake_bot_api import FakeBotApi, Upload, png_size
from tests.handlers.telegram.test_e2e import VNEID_RUMOR
from tests.handlers.telegram.test_groups import MUOI_IOT_RUMOR
from tests.handlers.telegram.test_officers import FINE_FORM, FINE_RUMOR, audit, last_message, toasts
from tests.updates import (
    HUNG,
    HUONG,
    LAN,
    MINH,
    OFFICERS_CHAT,
    THU,
    TO_DAN_PHO,
    buttons_of,
    callback_update,
    command_update,
    group_command,
    group_message,
    text_update,
)

TUAN = {"id": 5004, "is_bot": False, "first_name": "Tuấn", "last_name": "Võ", "language_code": "vi"}
UP, DOWN = "👍 Hữu ích", "👎 Chưa đúng"


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, owners=(HUNG["id"],), officers=(THU["id"],), officers_chat=OFFICERS_CHAT["id"])


def feedback_row(bot: RunningBot, message: dict[str, Any]) -> dict[str, str]:
    """Label -> payload of the 👍/👎 buttons of a message, the counts cut off the labels."""
    return {label.split(" · ")[0]: data for label, data in buttons_of(message).items() if ":fb:" in data}


def labels(message: dict[str, Any]) -> list[str]:
    return [label for label, data in buttons_of(message).items() if ":fb:" in data]


async def test_votes_change_the_count_and_a_thumbs_down_reaches_the_queue(running_bot: RunningBot) -> None:
    [answer] = await running_bot.send(text_update(VNEID_RUMOR, LAN))
    assert "LỪA ĐẢO" in answer["text"]
    message = last_message(running_bot, LAN["id"])
    buttons = feedback_row(running_bot, message)
    report = running_bot.reports()[-1]
    assert buttons == {UP: f"v1:fb:up:{report['id']}", DOWN: f"v1:fb:dn:{report['id']}"}

    calls = await running_bot.press(callback_update(buttons[UP], message, LAN))
    assert "Cảm ơn" in toasts(calls)[0]
    assert labels(last_message(running_bot, LAN["id"])) == [f"{UP} · 1", DOWN]
    calls = await running_bot.press(callback_update(buttons[UP], message, LAN))  # the same button again
    assert "giữ nguyên" in toasts(calls)[0]
    assert not [c for c in calls if c.method == "editMessageReplyMarkup"]
    assert running_bot.rows("SELECT * FROM report_reviews") == []
    [queue] = await running_bot.send(command_update("/baocao", THU))
    assert "Không có báo cáo nào" in queue["text"]  # a 👍 disputes nothing

    calls = await running_bot.press(callback_update(buttons[DOWN], message, LAN))  # changes the vote
    assert "Đã đổi đánh giá" in toasts(calls)[0]
    assert labels(last_message(running_bot, LAN["id"])) == [UP, f"{DOWN} · 1"]
    [vote] = running_bot.rows("SELECT * FROM feedback")
    assert (vote["user_id"], vote["vote"], vote["rumor_id"]) == (str(LAN["id"]), "down", "vneid-link-cai-dat-gia")
    await running_bot.api.wait_for(lambda: len(running_bot.api.messages_in(OFFICERS_CHAT["id"])) == 1)
    card = last_message(running_bot, OFFICERS_CHAT["id"])
    assert "Câu trả lời bị báo chưa đúng" in card["text"] and "vneid-capnhat.com" in card["text"]

    await running_bot.send(command_update("/baocao", THU))
    queue = last_message(running_bot, THU["id"])
    assert "1 nhóm, 1 báo cáo" in queue["text"]
    assert "👎 Bị báo chưa đúng (1) · bot đã trả lời: vneid-link-cai-dat-gia" in queue["text"]

    # someone else's copy of the button, pressed in their own chat, acts on nothing
    forged = await running_bot.press(callback_update(buttons[UP], last_message(running_bot, THU["id"]), MINH))
    assert "không dùng được" in toasts(forged)[0]
    stale = await running_bot.press(callback_update(f"v0:fb:up:{report['id']}", message, LAN))
    assert "đã cũ" in toasts(stale)[0]
    assert len(running_bot.rows("SELECT * FROM feedback")) == 1

    # the officer dismisses the dispute: the answer was right; the queue is empty again
    page = last_message(running_bot, THU["id"])
    await running_bot.press(callback_update(buttons_of(page)["1. 🗑 Bỏ qua"], page, THU))
    assert "Không có báo cáo nào" in last_message(running_bot, THU["id"])["text"]


async def test_everyone_in_a_group_votes_once_on_an_answer(running_bot: RunningBot) -> None:
    rumor = await running_bot.send(group_message(MUOI_IOT_RUMOR, MINH), expect=0)
    assert rumor == []  # observe mode: nothing said
    posted = running_bot.api._updates[-1]["message"]
    await running_bot.send(group_command("/kiemtra", LAN, reply_to_message=posted))
    answer = last_message(running_bot, TO_DAN_PHO["id"])
    buttons = feedback_row(running_bot, answer)
    for user in (LAN, HUONG, MINH):
        await running_bot.press(callback_update(buttons[UP], answer, user))
    await running_bot.press(callback_update(buttons[DOWN], answer, MINH))
    assert labels(last_message(running_bot, TO_DAN_PHO["id"])) == [f"{UP} · 2", f"{DOWN} · 1"]
    votes = running_bot.rows("SELECT user_id, vote FROM feedback ORDER BY user_id")
    assert [tuple(v) for v in votes] == [(str(LAN["id"]), "up"), (str(MINH["id"]), "down"), (str(HUONG["id"]), "up")]


async def test_linking_a_report_follows_up_each_asker_once(running_bot: RunningBot) -> None:
    api = running_bot.api
    await running_bot.send(text_update(FINE_RUMOR, LAN), expect=2)  # the answer, and the officers' card
    # Lan asks again, the same text but for an emoji: one report (once a day), one follow-up
    await running_bot.send(text_update(FINE_RUMOR + " 😱", LAN))
    await running_bot.send(text_update("Mọi người ơi! " + FINE_RUMOR, MINH))
    await running_bot.send(text_update(FINE_RUMOR, TUAN))
    question = group_command(f"/kiemtra {FINE_RUMOR}", HUONG)
    await running_bot.send(question)
    api.blocked.add(TUAN["id"])  # Tuấn blocked the bot since
    lead = running_bot.reports()[-1]

    await running_bot.send(command_update(FINE_FORM, THU))
    before = len(api.calls)
    sent = await running_bot.send(command_update(f"/gan {lead['id']} phat-5-trieu-dang-ky-xe", THU))
    assert "Đã gắn 4 báo cáo" in next(m for m in sent if int(m["chat_id"]) == THU["id"])["text"]
    await api.wait_for(lambda: len(running_bot.rows("SELECT * FROM follow_ups")) == 4)
    await api.settle()

    follow_ups = [c.params for c in api.calls[before:] if c.method == "sendMessage" and "Cập nhật" in c.params["text"]]
    assert sorted(int(f["chat_id"]) for f in follow_ups) == sorted([LAN["id"], MINH["id"], TUAN["id"],
                                                                    TO_DAN_PHO["id"]])  # Tuấn's was refused
    delivered = {m["chat"]["id"]: m for m in api.messages if "Cập nhật" in m.get("text", "")}
    assert set(delivered) == {LAN["id"], MINH["id"], TO_DAN_PHO["id"]}
    private = delivered[LAN["id"]]["text"]
    assert "bạn đã hỏi" in private and "GÂY HIỂU LẦM" in private and "200.000" in private
    assert "chưa có trong danh mục" in private
    group = next(f for f in follow_ups if int(f["chat_id"]) == TO_DAN_PHO["id"])
    assert group["reply_parameters"]["message_id"] == question["message"]["message_id"]  # under the question
    assert 'href="https://csgt.example/muc-phat-khong-mang-dang-ky-xe"' in group["text"]
    outcomes = running_bot.rows("SELECT chat_id, outcome FROM follow_ups ORDER BY report_id")
    assert [tuple(o) for o in outcomes] == [(str(LAN["id"]), "sent"),
                                            (str(MINH["id"]), "sent"), (str(TUAN["id"]), "blocked"),
                                            (str(TO_DAN_PHO["id"]), "sent")]

    # linking again sends nothing new: the same report is handled; a new question from Lan, linked
    # to the same entry, is recorded as already told
    before = len(api.calls)
    [again] = await running_bot.send(command_update(f"/gan {lead['id']} phat-5-trieu-dang-ky-xe", THU))
    assert "đã được người dùng 7001 xử lý" in again["text"]
    await running_bot.send(text_update("Cà vẹt xe phải mang bản gốc, không thì công an giữ xe hả mọi người?", LAN),
                           expect=2)
    new = running_bot.reports()[-1]
    assert new["band"] != "match"
    await running_bot.send(command_update(f"/gan {new['id']} phat-5-trieu-dang-ky-xe", THU))
    await api.wait_for(lambda: len(running_bot.rows("SELECT * FROM follow_ups")) == 5)
    await api.settle()
    assert not [c for c in api.calls[before:] if "Cập nhật" in str(c.params.get("text", ""))]
    assert running_bot.rows("SELECT outcome FROM follow_ups WHERE report_id = ?", new["id"])[0][0] == "repeated"
    assert [r["action"] for r in audit(running_bot)][-1] == "link"


async def test_stats_sends_the_figures_and_a_readable_chart(running_bot: RunningBot) -> None:
    await running_bot.send(text_update(VNEID_RUMOR, LAN))
    await running_bot.send(text_update(VNEID_RUMOR, MINH))
    await running_bot.send_all([group_message(MUOI_IOT_RUMOR, MINH), group_message(VNEID_RUMOR, HUONG)])
    [refused] = await running_bot.send(command_update("/thongke", LAN))
    assert "chỉ dành cho cán bộ" in refused["text"]
    [usage] = await running_bot.send(command_update("/thongke tuần", THU))
    assert "/thongke 30" in usage["text"]

    text, photo = await running_bot.send(command_update("/thongke 30", THU), expect=2)
    assert "Thống kê" in text["text"] and "30 ngày" in text["text"]
    assert "Lượt hỏi: 2 · trùng tin đã kiểm chứng: 2 (100%)" in text["text"]
    assert "1. vneid-link-cai-dat-gia" in text["text"] and "hỏi 2 · gặp 1" in text["text"]
    assert "gặp ở: Tổ dân phố 5 — phường Minh An (1)" in text["text"]  # the group's title, not its id
    assert int(photo["chat_id"]) == THU["id"] and "Số lượt mỗi ngày" in photo["caption"]
    upload = photo["photo"]
    assert isinstance(upload, Upload) and upload.filename == "thongke-30.png"
    assert png_size(upload.content) == (1080, 1350)
    from matplotlib import image  # the PNG decodes: every pixel is there

    pixels = image.imread(io.BytesIO(upload.content), format="png")
    assert pixels.shape[:2] == (1350, 1080)


async def test_export_sends_the_catalogue_as_a_file_to_officers(running_bot: RunningBot) -> None:
    [refused] = await running_bot.send(command_update("/xuat", MINH))
    assert "chỉ dành cho cán bộ" in refused["text"]
    [document] = await running_bot.send(command_update("/export claimreview", THU))
    upload = document["document"]
    assert upload.filename.endswith(".jsonld") and "4 tin" in document["caption"]
    reviews = json.loads(upload.content)
    assert [r["identifier"] for r in reviews][:2] == ["vneid-link-cai-dat-gia", "evn-cat-dien-no-tien"]
    [document] = await running_bot.send(command_update("/xuat", THU))
    assert document["document"].content.decode().count("- id: ") == 4
    [usage] = await running_bot.send(command_update("/xuat pdf", THU))
    assert "yaml|csv|claimreview" in usage["text"]


async def test_the_weekly_digest_is_scheduled_and_posts_figures_and_chart(fake_api: FakeBotApi,
                                                                          config: Config) -> None:
    config = replace(config, telegram=TelegramConfig(token=fake_api.token, base_url=fake_api.base_url),
                     digest=DigestConfig(weekday=6, hour=20))
    core = await Core.open(config)
    try:
        await core.checker.check(CheckRequest("telegram", "5001", ChatType.PRIVATE, VNEID_RUMOR, user_id="5001"))
        application = build_application(core)
        assert application.job_queue is not None
        jobs = {job.name: job for job in application.job_queue.jobs()}
        assert set(jobs) == {"follow-ups-at-start", "weekly-digest"}
        trigger = jobs["weekly-digest"].job.trigger
        assert "day_of_week='sun', hour='20', minute='0'" in str(trigger)
        assert trigger.timezone.utcoffset(None) == dt.timedelta(hours=7)  # Vietnam time
        async with application:
            await jobs["weekly-digest"].callback(CallbackContext.from_job(jobs["weekly-digest"], application))
            assert core.storage is not None and core.outbox is not None
            assert await core.storage.outbox.open_count("telegram") == 2  # owed: the text and the chart
            stop = asyncio.Event()
            sender = Sender(core.outbox, TelegramTransport(application.bot))
            sending = asyncio.create_task(sender.run(stop))
            await fake_api.wait_for(lambda: len(fake_api.messages_in(OFFICERS_CHAT["id"])) >= 2)
            stop.set()
            await sending
    finally:
        await core.close()
    text, photo = fake_api.messages_in(OFFICERS_CHAT["id"])
    assert "Tổng kết tuần" in text["text"] and "vneid-link-cai-dat-gia" in text["text"]
    assert photo["photo"][0]["width"] == 1080
