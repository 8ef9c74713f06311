"""End to end: talk to the bot gets a hint and stays out of the officers' queue; a claim goes in."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import Config
from tests.conftest import RunningBot
from tests.updates import (
    LAN,
    MINH,
    OFFICERS_CHAT,
    THU,
    TO_DAN_PHO,
    command_update,
    group_command,
    group_message,
    text_update,
)

RECORDED = "Mình đã ghi lại để cán bộ xem xét"
MARKET_RUMOR = "Nghe nói chợ Hội An sắp đóng cửa cả tháng để xây lại, tiểu thương phải dọn hàng gấp?"


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, officers=(THU["id"],), officers_chat=OFFICERS_CHAT["id"])


async def test_only_the_claim_reaches_the_review_queue(running_bot: RunningBot) -> None:
    [greeting] = await running_bot.send(text_update("chào bot", LAN))
    assert int(greeting["chat_id"]) == LAN["id"]  # and nothing posted to the officers' chat
    assert "Kiểm Chứng" in greeting["text"] and "Chuyển tiếp" in greeting["text"]
    [bare] = await running_bot.send(text_update("có thật không?", MINH))
    assert "nguyên văn tin đó" in bare["text"] and "/kiemtra" in bare["text"]
    [command] = await running_bot.send(command_update("/menu", LAN))
    assert "Mình không biết lệnh này" in command["text"] and "/huongdan" in command["text"]
    for hint in (greeting, bare, command):
        assert RECORDED not in hint["text"] and "reply_markup" not in hint
    sent = await running_bot.send(text_update(MARKET_RUMOR, MINH), expect=2)
    [answer] = [m for m in sent if int(m["chat_id"]) == MINH["id"]]
    assert RECORDED in answer["text"]
    assert [int(m["chat_id"]) for m in sent if int(m["chat_id"]) == OFFICERS_CHAT["id"]] == [OFFICERS_CHAT["id"]]

    [queue] = await running_bot.send(command_update("/baocao", THU))
    assert "1 nhóm, 1 báo cáo" in queue["text"] and "chợ Hội An sắp đóng cửa" in queue["text"]
    assert "chào bot" not in queue["text"] and "có thật không" not in queue["text"]
    # the log keeps every one, with its reason
    assert [(r["text"], r["band"], r["not_a_claim"]) for r in running_bot.reports()] == [
        ("chào bot", "none", "greeting"), ("có thật không?", "none", "bare_question"),
        ("/menu", "none", "command"), (MARKET_RUMOR, "none", None)]
    [stats] = await running_bot.send(command_update("/thongke", THU))
    assert "Lượt hỏi: 1 " in stats["text"] and "không kèm tin…): 3, không vào hàng chờ" in stats["text"]


async def test_a_question_in_a_group_without_the_message_gets_the_hint(running_bot: RunningBot) -> None:
    [hint] = await running_bot.send(group_command("/kiemtra có thật không?", LAN))
    assert int(hint["chat_id"]) == TO_DAN_PHO["id"] and "nguyên văn tin đó" in hint["text"]
    assert RECORDED not in hint["text"]
    chatter = group_message("haha 😂", MINH)["message"]
    [reply] = await running_bot.send(group_command("/kiemtra", LAN, reply_to_message=chatter))
    assert reply["reply_parameters"]["message_id"] == chatter["message_id"] and RECORDED not in reply["text"]
    rumor = group_message("Mai cắt điện toàn TP", MINH)["message"]
    sent = await running_bot.send(group_command("/kiemtra", LAN, reply_to_message=rumor), expect=2)
    assert any(RECORDED in m["text"] for m in sent if int(m["chat_id"]) == TO_DAN_PHO["id"])
    assert [r["not_a_claim"] for r in running_bot.reports()] == ["bare_question", "chatter", None]
    # watch mode is unaffected: small talk passing in the group is neither answered nor logged
    assert await running_bot.send_all([group_message("chào cả nhà", MINH)]) == []
    assert len(running_bot.reports()) == 3
