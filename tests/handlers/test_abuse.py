"""Abuse: a flood in a private chat gets bounded replies; the same text from one person counts once."""

from __future__ import annotations

from tests.conftest import RunningBot
from tests.updates import LAN, MINH, forwarded_from_channel, text_update

RUMOR = (
    "Điện lực thông báo: nhà bạn nợ tiền điện 2 tháng, sẽ bị cắt điện trong 2 giờ tới nếu không chuyển "
    "khoản thanh toán ngay vào số tài khoản được cung cấp. Liên hệ nhân viên điện lực để được hỗ trợ."
)
UNKNOWN = "Nghe nói tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, ai biết thật không?"


async def test_a_flood_gets_twenty_answers_one_notice_then_silence(running_bot: RunningBot) -> None:
    limit = running_bot.config.private_messages_per_minute
    sent = await running_bot.send_all([text_update(f"{UNKNOWN} (lần {i})", LAN) for i in range(3 * limit)])
    to_lan = [m for m in sent if int(m["chat_id"]) == LAN["id"]]
    notices = [m for m in to_lan if "rất nhiều tin trong một phút" in m["text"]]
    assert (len(to_lan), len(notices)) == (limit + 1, 1)
    assert len(running_bot.reports()) == limit  # the silenced messages are neither checked nor logged
    # another person is answered as usual
    [answer] = await running_bot.send(text_update(RUMOR, MINH))
    assert "LỪA ĐẢO" in answer["text"]


async def test_the_same_text_from_one_person_counts_once_a_day(running_bot: RunningBot) -> None:
    for update in (text_update(RUMOR, LAN), forwarded_from_channel(RUMOR, LAN), text_update(RUMOR.upper(), LAN),
                   text_update(RUMOR + " 😱😱", LAN)):
        [answer] = await running_bot.send(update)  # each is answered...
        assert "LỪA ĐẢO" in answer["text"]
    await running_bot.send(text_update(RUMOR, MINH))
    reports = running_bot.reports()
    assert [r["user_id"] for r in reports] == [str(LAN["id"]), str(MINH["id"])]  # ...and counted once a person
    assert reports[0]["text"] == RUMOR
