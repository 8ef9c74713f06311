"""Tokens and personal data never in the logs: end-to-end scenarios run with log_level DEBUG, the
log set up as `kiemchung run` sets it up, and the whole output searched for the token, its secret
part, and every text and name the people sent."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.config import Config
from bot.logs import setup_logging
from tests.conftest import RunningBot
from tests.fake_bot_api import TOKEN
from tests.updates import (
    HUNG,
    OFFICERS_CHAT,
    THU,
    TO_DAN_PHO,
    buttons_of,
    callback_update,
    command_update,
    forwarded_from_hidden_user,
    forwarded_from_user,
    mention_update,
    text_update,
)

XUAN = {"id": 9101, "is_bot": False, "first_name": "Xuân Quỳnh", "last_name": "Tôn Nữ", "username": "tonnuxq"}
KHOA = {"id": 9102, "is_bot": False, "first_name": "Đăng Khoa", "last_name": "Lưu"}
HIDDEN = "Bạch Tuyết Mai Hoa"
TEXTS = (
    "Bà Tôn Nữ ở kiệt 14 Trần Phú nói ngân hàng Agribank Hội An sắp phá sản, rút hết tiền ngay kẻo mất trắng",
    "Cháu nhà em học trường Kim Đồng bảo sáng mai nghỉ học vì có dịch sởi lan khắp phường Cẩm Phô",
    "Nghe đồn bến xe Hội An đóng cửa vĩnh viễn từ tháng sau để làm khu nghỉ dưỡng cho người nước ngoài",
    "Xin số điện thoại 0905 123 456 của chị Hạnh tổ trưởng tổ 7 để hỏi về đợt phun thuốc muỗi",
)


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, owners=(HUNG["id"],), officers=(THU["id"],), officers_chat=OFFICERS_CHAT["id"],
                   log_level="DEBUG")


@pytest.fixture
def log_output(config: Config) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in logging.root.manager.loggerDict})
    output = io.StringIO()
    setup_logging(config.log_level, (*config.secrets, TOKEN), stream=output)
    yield output
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


async def test_no_token_text_or_name_in_a_debug_log(log_output: io.StringIO, running_bot: RunningBot) -> None:
    bot = running_bot
    await bot.send(text_update(TEXTS[0], XUAN), expect=2)  # unknown: a report and an officers' notification
    await bot.send(forwarded_from_hidden_user(TEXTS[1], HIDDEN, XUAN), expect=2)
    await bot.send(forwarded_from_user(TEXTS[2], KHOA, XUAN), expect=2)
    await bot.send(mention_update(f"@kiemchung_bot {TEXTS[3]}", KHOA, TO_DAN_PHO))
    card = bot.api.messages_in(OFFICERS_CHAT["id"])[-1]
    await bot.press(callback_update(buttons_of(card)["🗑 Bỏ qua"], card, KHOA))  # refused: not an officer
    await bot.send(command_update(f"/gan 1 {TEXTS[0][:20]}", THU))
    [ask] = await bot.send(command_update("/quen", XUAN))
    await bot.press(callback_update(buttons_of(bot.api.messages_in(XUAN["id"])[-1])["🗑 Xoá nội dung"],
                                    bot.api.messages_in(XUAN["id"])[-1], XUAN))
    broken = {"message": {"message_id": 5, "date": 1, "chat": {"id": "x"}, "from": XUAN, "text": TEXTS[0]}}
    await bot.send_all([broken])
    assert "4 tin" in ask["text"] or "3 tin" in ask["text"]

    log = log_output.getvalue()
    assert "DEBUG" in log and "not a valid Bot API update" in log  # the log was really written, at DEBUG
    secret = TOKEN.split(":", 1)[1]
    found = [s for s in (TOKEN, secret, *TEXTS, *(t[:30] for t in TEXTS), HIDDEN, "Xuân Quỳnh", "Tôn Nữ",
                         "Đăng Khoa", "tonnuxq", "0905 123 456") if s in log]
    assert found == []
