"""End to end: the real Application over HTTP against the fake Bot API, and the SQLite file it writes."""

from __future__ import annotations

import pytest

from tests.conftest import RunningBot
from tests.updates import (
    SCAM_SMS,
    VNEID_RUMOR,
    VNEID_SOURCE,
    command_update,
    forwarded_from_channel,
    forwarded_from_hidden_user,
    forwarded_from_user,
    photo_update,
    text_update,
)

ORDINARY = "Chiều nay 5 giờ họp tổ dân phố ở nhà văn hóa khối 3, bà con nhớ đi đầy đủ nhé."


async def test_start_introduces_the_bot(running_bot: RunningBot) -> None:
    sent = await running_bot.send(command_update("/start"))
    assert len(sent) == 1
    assert "Kiểm Chứng" in sent[0]["text"]
    assert "/kiemtra" in sent[0]["text"]
    assert running_bot.reports() == []  # /start is not a report


async def test_help_in_both_languages_of_commands(running_bot: RunningBot) -> None:
    vi = await running_bot.send(command_update("/huongdan"))
    en = await running_bot.send(command_update("/help"))
    assert vi[0]["text"] == en[0]["text"]
    assert "/kiemtra" in vi[0]["text"] and "/check" in vi[0]["text"]


async def test_forwarded_rumor_gets_verdict_with_source_and_is_logged(running_bot: RunningBot) -> None:
    update = forwarded_from_channel(VNEID_RUMOR)
    sent = await running_bot.send(update)
    assert len(sent) == 1
    text = sent[0]["text"]
    assert "LỪA ĐẢO" in text
    assert f'href="{VNEID_SOURCE}"' in text
    assert "15/03/2024" in text  # the debunk date
    assert sent[0]["parse_mode"] == "HTML"
    assert sent[0]["reply_parameters"]["message_id"] == update["message"]["message_id"]
    [report] = running_bot.reports()
    assert report["band"] == "match"
    assert report["rumor_id"] == "vneid-link-cai-dat-gia"
    assert report["text"] == VNEID_RUMOR
    assert report["platform"] == "telegram"
    assert report["chat_type"] == "private"
    assert report["user_id"] == "5001"
    assert report["origin_kind"] == "channel"
    assert report["origin_name"] == "Tin Nóng Miền Trung 24h"
    assert report["origin_id"] == "-1001234567890"
    assert report["origin_date"] is not None
    assert report["score"] >= 80


@pytest.mark.parametrize(
    ("update_for", "kind", "name"),
    [
        (forwarded_from_hidden_user, "hidden_user", "Hương Giang"),
        (forwarded_from_user, "user", "Minh Trần"),
    ],
)
async def test_every_forward_origin_is_logged(running_bot: RunningBot, update_for, kind: str, name: str) -> None:  # type: ignore[no-untyped-def]
    await running_bot.send(update_for(VNEID_RUMOR))
    [report] = running_bot.reports()
    assert (report["origin_kind"], report["origin_name"]) == (kind, name)


async def test_unknown_message_is_recorded_without_any_source(running_bot: RunningBot) -> None:
    sent = await running_bot.send(text_update(ORDINARY))
    assert len(sent) == 1
    text = sent[0]["text"]
    assert "chưa có trong danh mục" in text
    assert "href" not in text and "http" not in text
    [report] = running_bot.reports()
    assert (report["band"], report["rumor_id"], report["text"]) == ("none", None, ORDINARY)


async def test_photo_without_caption_asks_for_the_text(running_bot: RunningBot) -> None:
    sent = await running_bot.send(photo_update())
    assert len(sent) == 1
    assert "ảnh" in sent[0]["text"]
    assert running_bot.reports() == []


async def test_photo_caption_is_checked(running_bot: RunningBot) -> None:
    sent = await running_bot.send(photo_update(caption=VNEID_RUMOR))
    assert VNEID_SOURCE in sent[0]["text"]
    assert running_bot.reports()[0]["rumor_id"] == "vneid-link-cai-dat-gia"


async def test_html_and_ampersands_in_user_text_are_harmless(running_bot: RunningBot) -> None:
    hostile = '<b>Khuyến mãi</b> <a href="http://x">bấm</a> & nhận quà <script>alert(1)</script> &amp; &#x3C;'
    sent = await running_bot.send(text_update(hostile))
    assert len(sent) == 1  # the fake server refuses (and the fixture fails on) any invalid HTML
    [report] = running_bot.reports()
    assert report["text"] == hostile


async def test_a_4000_character_message_is_answered_and_logged_whole(running_bot: RunningBot) -> None:
    long_text = ("Bà con ơi, " + ORDINARY + " ") * 40
    long_text = long_text[:4000]
    sent = await running_bot.send(text_update(long_text))
    assert len(sent) == 1
    assert running_bot.reports()[0]["text"] == long_text


@pytest.mark.parametrize("text", ["🙏🙏🙏", "   ", "\u200b\u200b", "👍"])
async def test_empty_or_emoji_only_input_gets_an_answer(running_bot: RunningBot, text: str) -> None:
    sent = await running_bot.send(text_update(text))
    assert len(sent) == 1


async def test_check_command_with_text_and_in_reply(running_bot: RunningBot) -> None:
    sent = await running_bot.send(command_update(f"/check {VNEID_RUMOR}"))
    assert VNEID_SOURCE in sent[0]["text"]
    original = text_update(VNEID_RUMOR)["message"]
    sent = await running_bot.send(command_update("/kiemtra", reply_to_message=original))
    assert VNEID_SOURCE in sent[0]["text"]
    assert sent[0]["reply_parameters"]["message_id"] == original["message_id"]
    sent = await running_bot.send(command_update("/kiemtra"))
    assert "href" not in sent[0]["text"]
    # the same person asking about the same text twice the same day is one report
    assert len(running_bot.reports()) == 1


async def test_bot_keeps_answering_after_a_failed_send(running_bot: RunningBot) -> None:
    running_bot.api.fail_next["sendMessage"] = 1
    await running_bot.send(text_update(ORDINARY))
    sent = await running_bot.send(text_update(VNEID_RUMOR))
    assert VNEID_SOURCE in sent[-1]["text"]


async def test_a_scam_no_entry_describes_gets_the_suspicious_answer(running_bot: RunningBot) -> None:
    sent = await running_bot.send(text_update(SCAM_SMS))
    assert len(sent) == 1
    text = sent[0]["text"]
    assert "dấu hiệu lừa đảo" in text and "vietcombank.com.vn" in text
    assert "vietcombank-xacminh.top" not in text  # the scam's address is never clickable in our answer
    assert "vietcombank-xacminh[.]top" in text
    [report] = running_bot.reports()
    assert (report["band"], report["rumor_id"]) == ("suspicious", None)
