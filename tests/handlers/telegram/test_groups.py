"""Groups end to end: the real Application against the fake Bot API, and the SQLite file it writes."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningBot
from tests.fake_bot_api import BOT_USER
from tests.handlers.telegram.test_e2e import ORDINARY, VNEID_RUMOR, VNEID_SOURCE
from tests.updates import (
    HUONG,
    LAN,
    MINH,
    OTHER_BOT,
    PHU_HUYNH,
    PHU_HUYNH_SUPERGROUP,
    TO_DAN_PHO,
    bot_membership,
    callback_update,
    group_command,
    group_message,
    mention_update,
    migration,
)

MUOI_IOT_RUMOR = (
    "KHẨN CẤP: Nhà máy điện hạt nhân bên Nhật bị rò rỉ, phóng xạ sắp bay sang Việt Nam, mọi người mua muối "
    "i-ốt về ăn thật nhiều để chống nhiễm xạ, chia sẻ gấp cho người thân!!!"
)
OFFICIAL_OUTAGE = (
    "Thông báo tạm ngừng cấp điện để bảo dưỡng lưới điện khu vực phường Minh An từ 7 giờ đến 11 giờ sáng Chủ nhật."
)
EVERYDAY = [
    ORDINARY,
    "Nhà ai có xe ba gác cho mượn sáng mai chở đồ lên nhà văn hóa với, cảm ơn cả nhà nhiều.",
    "Chợ Hội An sáng nay cá nục tươi lắm, 60 nghìn một ký, ai cần mình mua giúp cho.",
    "Con bé nhà em bị sốt từ tối qua, các chị cho em hỏi phòng khám nhi nào mở cửa Chủ nhật ạ?",
    "Tối thứ bảy tổ mình tổ chức trung thu cho các cháu, mỗi nhà góp 50 nghìn nhé.",
    "Cảm ơn anh Minh đã sửa giúp cái đèn đường đầu hẻm, tối nay sáng trưng rồi.",
    OFFICIAL_OUTAGE,
    "Thông báo tạm ngừng cấp điện để bảo dưỡng lưới điện khu vực phường Minh An từ 7 giờ đến 11 giờ "
    "sáng Chủ nhật nhé bà con.",
    "nợ tiền điện 2 tháng, sẽ bị cắt điện",  # a fragment of the EVN scam: matches, but too short to warn
    "mua muối i-ốt về ăn thật nhiều hả?",
]


def admin(chat: dict[str, Any], user: dict[str, Any], running_bot: RunningBot, status: str = "administrator") -> None:
    running_bot.api.chat_members[(chat["id"], user["id"])] = status


async def set_mode(running_bot: RunningBot, mode: str, chat: dict[str, Any] = TO_DAN_PHO) -> None:
    admin(chat, HUONG, running_bot)
    await running_bot.send(group_command(f"/caidat {mode}", HUONG, chat))
    assert running_bot.group_mode(chat) == mode


# -- questions --------------------------------------------------------------------------------------

async def test_check_in_reply_to_a_rumor_answers_under_it_with_the_source(running_bot: RunningBot) -> None:
    rumor = group_message(VNEID_RUMOR, MINH)["message"]
    [answer] = await running_bot.send(group_command("/kiemtra", LAN, reply_to_message=rumor))
    assert int(answer["chat_id"]) == TO_DAN_PHO["id"]
    assert answer["reply_parameters"]["message_id"] == rumor["message_id"]
    assert "LỪA ĐẢO" in answer["text"] and f'href="{VNEID_SOURCE}"' in answer["text"]
    [report] = running_bot.reports()
    assert (report["kind"], report["chat_id"], report["chat_type"]) == ("asked", str(TO_DAN_PHO["id"]), "group")
    assert (report["rumor_id"], report["user_id"]) == ("vneid-link-cai-dat-gia", str(LAN["id"]))


async def test_check_in_reply_to_an_ordinary_message_says_unknown_without_source(running_bot: RunningBot) -> None:
    ordinary = group_message(ORDINARY, MINH)["message"]
    [answer] = await running_bot.send(group_command("/check", LAN, reply_to_message=ordinary))
    assert answer["reply_parameters"]["message_id"] == ordinary["message_id"]
    assert "chưa có trong danh mục" in answer["text"]
    assert "href" not in answer["text"] and "http" not in answer["text"]
    assert [r["band"] for r in running_bot.reports()] == ["none"]


async def test_check_without_reply_or_text_explains_how(running_bot: RunningBot) -> None:
    [answer] = await running_bot.send(group_command("/kiemtra@kiemchung_bot", LAN))
    assert "trả lời (reply)" in answer["text"]
    assert running_bot.reports() == []


async def test_mentioning_the_bot_in_reply_checks_the_replied_message(running_bot: RunningBot) -> None:
    rumor = group_message(MUOI_IOT_RUMOR, MINH)["message"]
    [answer] = await running_bot.send(mention_update("@kiemchung_bot có thật không?", LAN, reply_to_message=rumor))
    assert answer["reply_parameters"]["message_id"] == rumor["message_id"]
    assert "SAI SỰ THẬT" in answer["text"]
    [report] = running_bot.reports()
    assert (report["kind"], report["rumor_id"], report["text"]) == ("asked", "muoi-iot-chong-phong-xa", MUOI_IOT_RUMOR)


async def test_mention_with_text_checks_the_text_and_a_bare_question_gets_the_hint(running_bot: RunningBot) -> None:
    question = mention_update(f"Bot ơi tin này thật không: {VNEID_RUMOR} @kiemchung_bot", LAN)
    [answer] = await running_bot.send(question)
    assert answer["reply_parameters"]["message_id"] == question["message"]["message_id"]
    assert VNEID_SOURCE in answer["text"]
    [hint] = await running_bot.send(mention_update("@kiemchung_bot có thật không?", LAN))
    assert "/kiemtra" in hint["text"]
    assert len(running_bot.reports()) == 1
    # a mention of somebody else is an ordinary message: in observe mode, nothing is said
    assert await running_bot.send_all([mention_update("@anh_tuan_hoian chiều nay họp không anh?", LAN,
                                                       username="anh_tuan_hoian")]) == []


# -- watch mode ---------------------------------------------------------------------------------------

async def test_warn_mode_warns_once_under_a_reposted_rumor(running_bot: RunningBot) -> None:
    await set_mode(running_bot, "warn")
    repost = group_message(VNEID_RUMOR, MINH)
    [warning] = await running_bot.send(repost)
    assert warning["reply_parameters"]["message_id"] == repost["message"]["message_id"]
    assert "LỪA ĐẢO" in warning["text"] and f'href="{VNEID_SOURCE}"' in warning["text"]
    assert "/caidat" in warning["text"]
    for name in ("Minh", "Trần", "Lan", "Hương"):  # a warning names nobody
        assert name not in warning["text"]
    # the same rumor again, at once, from someone else: no second warning
    assert await running_bot.send_all([group_message(VNEID_RUMOR, LAN)]) == []
    seen = [r for r in running_bot.reports() if r["kind"] == "seen"]
    assert len(seen) == 2
    assert {(r["rumor_id"], r["chat_id"], r["user_id"]) for r in seen} == {
        ("vneid-link-cai-dat-gia", str(TO_DAN_PHO["id"]), None)}
    [warned] = running_bot.rows("SELECT * FROM group_warnings")
    assert warned["rumor_id"] == "vneid-link-cai-dat-gia"
    assert warned["message_id"] == str(repost["message"]["message_id"])


async def test_warn_mode_says_nothing_to_ordinary_true_and_short_messages(running_bot: RunningBot) -> None:
    await set_mode(running_bot, "warn")
    assert len(EVERYDAY) == 10
    sent = await running_bot.send_all([group_message(text, MINH) for text in EVERYDAY])
    assert sent == []
    seen = running_bot.rows("SELECT rumor_id, band FROM reports WHERE kind = 'seen' ORDER BY id")
    # known entries were seen (officers learn where they pass); everyday talk is not stored at all
    assert [r["rumor_id"] for r in seen] == ["tam-ngung-cap-dien-chu-nhat", "tam-ngung-cap-dien-chu-nhat",
                                             "evn-cat-dien-no-tien", "muoi-iot-chong-phong-xa"]
    assert running_bot.rows("SELECT * FROM group_warnings") == []


async def test_warn_mode_ignores_bots_and_stale_messages(running_bot: RunningBot) -> None:
    await set_mode(running_bot, "warn")
    sent = await running_bot.send_all([
        group_message(VNEID_RUMOR, OTHER_BOT),
        group_message(MUOI_IOT_RUMOR, MINH, seconds_ago=15 * 60),  # delivered late, e.g. after a restart
    ])
    assert sent == []
    assert len(running_bot.rows("SELECT * FROM reports WHERE kind = 'seen'")) == 2


async def test_observe_is_the_default_and_logs_without_a_word(running_bot: RunningBot) -> None:
    assert await running_bot.send_all([group_message(VNEID_RUMOR, MINH), group_message(ORDINARY, LAN)]) == []
    assert running_bot.group_mode(TO_DAN_PHO) is None  # nobody chose: the configured default applies
    [seen] = running_bot.reports()
    assert (seen["kind"], seen["rumor_id"], seen["user_id"]) == ("seen", "vneid-link-cai-dat-gia", None)


# -- settings ------------------------------------------------------------------------------------------

async def test_settings_change_is_refused_to_a_member_and_done_for_an_admin(running_bot: RunningBot) -> None:
    await set_mode(running_bot, "warn")
    [refusal] = await running_bot.send(group_command("/caidat off", LAN))
    assert "chỉ quản trị viên" in refusal["text"]
    assert running_bot.group_mode(TO_DAN_PHO) == "warn"
    admin(TO_DAN_PHO, MINH, running_bot, "creator")
    [done] = await running_bot.send(group_command("/settings off", MINH))
    assert "Tắt" in done["text"]
    assert running_bot.group_mode(TO_DAN_PHO) == "off"
    assert await running_bot.send_all([group_message(VNEID_RUMOR, MINH)]) == []
    assert running_bot.rows("SELECT * FROM reports WHERE kind = 'seen'") == []  # off: nothing logged


async def test_settings_accepts_on_and_refuses_an_unknown_mode(running_bot: RunningBot) -> None:
    admin(TO_DAN_PHO, LAN, running_bot)
    [bad] = await running_bot.send(group_command("/caidat <b>max</b>", LAN))
    assert "&lt;b&gt;max" in bad["text"]
    assert running_bot.group_mode(TO_DAN_PHO) is None
    [on] = await running_bot.send(group_command("/caidat on", LAN))
    assert "Cảnh báo" in on["text"]
    assert "quản trị viên của nhóm" in on["text"]  # privacy mode on and not admin: it says what it needs
    assert running_bot.group_mode(TO_DAN_PHO) == "warn"


async def test_settings_buttons_are_checked_against_the_chat(running_bot: RunningBot) -> None:
    [shown] = await running_bot.send(group_command("/caidat", MINH))  # anyone may look
    assert "Quan sát" in shown["text"]
    buttons = [b for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    payloads = {b["callback_data"] for b in buttons}
    assert payloads == {"v1:grp:mode:off", "v1:grp:mode:observe", "v1:grp:mode:warn"}
    assert all(len(p.encode()) <= 64 for p in payloads)
    settings_message = running_bot.api.messages[-1]

    before = len(running_bot.api.calls)
    await running_bot.send_all([callback_update("v1:grp:mode:warn", settings_message, MINH)])
    [refused] = running_bot.calls("answerCallbackQuery", before)
    assert "chỉ quản trị viên" in refused["text"] and str(refused["show_alert"]).lower() == "true"
    assert running_bot.group_mode(TO_DAN_PHO) is None

    for stale in ("v0:grp:mode:warn", "v1:grp:mode:everything"):
        before = len(running_bot.api.calls)
        await running_bot.send_all([callback_update(stale, settings_message, HUONG)])
        [answer] = running_bot.calls("answerCallbackQuery", before)
        assert "đã cũ" in answer["text"]

    admin(TO_DAN_PHO, HUONG, running_bot)
    before = len(running_bot.api.calls)
    await running_bot.send_all([callback_update("v1:grp:mode:warn", settings_message, HUONG)])
    [answered] = running_bot.calls("answerCallbackQuery", before)
    assert "Cảnh báo" in answered["text"]
    [edited] = running_bot.calls("editMessageText", before)
    assert "✓ Cảnh báo" in str(edited["reply_markup"])
    assert running_bot.group_mode(TO_DAN_PHO) == "warn"


# -- joining, migration, flood ---------------------------------------------------------------------------

async def test_joining_introduces_the_bot_once_and_says_what_it_cannot_see(running_bot: RunningBot) -> None:
    [hello] = await running_bot.send(bot_membership(TO_DAN_PHO, "left", "member"))
    # asked for explicitly: Telegram would otherwise keep the update types the token last asked for
    assert "my_chat_member" in (running_bot.api.allowed_updates or [])
    assert int(hello["chat_id"]) == TO_DAN_PHO["id"] and "reply_parameters" not in hello
    text = hello["text"]
    assert "Kiểm Chứng" in text and "/kiemtra" in text and "/caidat warn" in text
    assert "Quan sát" in text  # the current mode
    assert "quản trị viên của nhóm" in text  # privacy mode on (getMe) and not an admin
    # being promoted is not a second introduction
    assert await running_bot.send_all([bot_membership(TO_DAN_PHO, "member", "administrator")]) == []
    [hello_admin] = await running_bot.send(bot_membership(PHU_HUYNH, "left", "administrator"))
    assert "Kiểm Chứng" in hello_admin["text"] and "quản trị viên của nhóm" not in hello_admin["text"]
    assert running_bot.reports() == []


async def test_migration_to_supergroup_keeps_the_settings(running_bot: RunningBot) -> None:
    await set_mode(running_bot, "warn", PHU_HUYNH)
    sent = await running_bot.send_all([*migration(PHU_HUYNH, PHU_HUYNH_SUPERGROUP),
                                       # Telegram also announces the bot as joining the new supergroup
                                       bot_membership(PHU_HUYNH_SUPERGROUP, "left", "member")])
    assert sent == []  # no second introduction
    assert running_bot.group_mode(PHU_HUYNH) is None
    assert running_bot.group_mode(PHU_HUYNH_SUPERGROUP) == "warn"
    [warning] = await running_bot.send(group_message(MUOI_IOT_RUMOR, MINH, PHU_HUYNH_SUPERGROUP))
    assert "SAI SỰ THẬT" in warning["text"]


async def test_too_many_checks_get_one_polite_notice_then_silence(running_bot: RunningBot) -> None:
    answers = []
    for _ in range(5):
        answers += await running_bot.send(group_command(f"/kiemtra {ORDINARY}", LAN))
    assert all("chưa có trong danh mục" in a["text"] for a in answers) and len(answers) == 5
    [notice] = await running_bot.send(group_command(f"/kiemtra {VNEID_RUMOR}", LAN))
    assert "chờ một phút" in notice["text"]
    assert await running_bot.send_all([group_command(f"/check {VNEID_RUMOR}", LAN)]) == []
    assert len(running_bot.reports()) == 1  # one person, one text, one day: one report
    # another member is not affected
    [other] = await running_bot.send(group_command(f"/kiemtra {VNEID_RUMOR}", MINH))
    assert VNEID_SOURCE in other["text"]


async def test_the_bot_never_answers_itself(running_bot: RunningBot) -> None:
    await set_mode(running_bot, "warn")
    own = {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}
    assert await running_bot.send_all([group_message(VNEID_RUMOR, own)]) == []
    assert running_bot.rows("SELECT * FROM reports WHERE kind = 'seen'") == []
