"""End to end: officers manage the catalogue and the report queue from the chat (issue 5)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.config import Config
from tests.conftest import RunningBot
from tests.updates import (
    HUNG,
    LAN,
    MINH,
    OFFICERS_CHAT,
    THU,
    buttons_of,
    callback_update,
    command_update,
    forwarded_from_channel,
    text_update,
)

WATER_CLAIM = (
    "Thông báo khẩn của Công ty cấp nước: toàn bộ khu phố cổ Hội An sẽ bị cắt nước sạch 3 ngày liên tiếp "
    "từ thứ Hai tuần sau, bà con tích trữ nước ngay."
)
WATER_UNACCENTED = (
    "thong bao khan cua cong ty cap nuoc: toan bo khu pho co hoi an se bi cat nuoc sach 3 ngay lien tiep "
    "tu thu hai tuan sau, ba con tich tru nuoc ngay."
)
WATER_SOURCE = "https://capnuocquangnam.example/thong-bao/khong-cat-nuoc-pho-co"
WATER_FORM = f"""/them
id: cat-nuoc-pho-co
claim: {WATER_CLAIM}
verdict: sai
tóm tắt: Công ty Cổ phần Cấp nước Quảng Nam không có kế hoạch ngừng cấp nước khu phố cổ; lịch bảo trì
luôn được thông báo trên trang chính thức và qua tổ dân phố.
nguồn: {WATER_SOURCE}
đơn vị: Công ty Cổ phần Cấp nước Quảng Nam"""
FINE_RUMOR = (
    "Nghe nói từ tháng sau đi xe máy mà không mang theo giấy đăng ký xe bản gốc là bị phạt 5 triệu đồng "
    "và tạm giữ xe 7 ngày, ai biết thật không?"
)
FINE_CLAIM = (
    "Từ tháng sau người đi xe máy không mang giấy đăng ký xe bản gốc sẽ bị phạt 5 triệu đồng và tạm giữ xe 7 ngày."
)
FINE_FORM = f"""/them
id: phat-5-trieu-dang-ky-xe
claim: {FINE_CLAIM}
verdict: gây hiểu lầm
summary: Mức phạt không mang giấy đăng ký xe máy là 200.000 đến 300.000 đồng; xuất trình bản điện tử
trên VNeID được chấp nhận.
source: https://csgt.example/muc-phat-khong-mang-dang-ky-xe"""


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, owners=(HUNG["id"],), officers=(THU["id"],), officers_chat=OFFICERS_CHAT["id"])


def audit(bot: RunningBot, action: str | None = None) -> list[Any]:
    if action is None:
        return bot.rows("SELECT * FROM audit ORDER BY id")
    return bot.rows("SELECT * FROM audit WHERE action = ? ORDER BY id", action)


def toasts(calls: list[Any]) -> list[str]:
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]


def to(sent: list[dict[str, Any]], chat: dict[str, Any]) -> dict[str, Any]:
    """The one message of `sent` that went to `chat` (a user's private chat, or the officers' chat)."""
    [message] = [m for m in sent if int(m["chat_id"]) == chat["id"]]
    return message


def last_message(bot: RunningBot, chat_id: int) -> dict[str, Any]:
    return bot.api.messages_in(chat_id)[-1]


async def test_a_members_form_is_refused_and_changes_nothing(running_bot: RunningBot) -> None:
    [refusal] = await running_bot.send(command_update(WATER_FORM, LAN))
    assert "chỉ dành cho cán bộ" in refusal["text"]
    answer = to(await running_bot.send(text_update(WATER_CLAIM, MINH), expect=2), MINH)
    assert "chưa có trong danh mục" in answer["text"]
    assert running_bot.rows("SELECT * FROM entries") == []
    [refused] = audit(running_bot)
    assert (refused["action"], refused["user_id"], refused["target"]) == ("refused", str(LAN["id"]), "/them")
    assert WATER_CLAIM[:40] in json.loads(refused["after"])["text"]


async def test_an_officers_entry_matches_at_once_without_accents_and_retires(running_bot: RunningBot) -> None:
    [added] = await running_bot.send(command_update(WATER_FORM, THU))
    assert "Đã thêm tin cat-nuoc-pho-co" in added["text"]
    assert "SAI SỰ THẬT" in added["text"] and "Công ty Cổ phần Cấp nước Quảng Nam" in added["text"]
    [answer] = await running_bot.send(text_update(WATER_UNACCENTED, MINH))
    assert "SAI SỰ THẬT" in answer["text"]
    assert f'href="{WATER_SOURCE}"' in answer["text"]
    assert running_bot.reports()[-1]["rumor_id"] == "cat-nuoc-pho-co"

    [retired] = await running_bot.send(command_update("/xoa cat-nuoc-pho-co", THU))
    assert "Đã gỡ tin cat-nuoc-pho-co" in retired["text"]
    answer = to(await running_bot.send(text_update(WATER_UNACCENTED, LAN), expect=2), LAN)
    assert "chưa có trong danh mục" in answer["text"] and WATER_SOURCE not in answer["text"]
    stored = json.loads(running_bot.rows("SELECT data FROM entries WHERE id = 'cat-nuoc-pho-co'")[0]["data"])
    assert stored["status"] == "retired"  # kept, not deleted

    await running_bot.send(command_update("/khoiphuc cat-nuoc-pho-co", THU))
    [answer] = await running_bot.send(text_update(WATER_CLAIM, LAN))
    assert WATER_SOURCE in answer["text"]
    [history] = await running_bot.send(command_update("/lichsu cat-nuoc-pho-co", THU))
    lines = [line for line in history["text"].splitlines()[1:] if line]
    assert [line.split(" · ")[-1] for line in lines] == ["thêm tin", "gỡ tin", "khôi phục"]
    assert [row["action"] for row in audit(running_bot)] == ["create", "retire", "restore"]


async def test_edit_show_and_find_accent_insensitive(running_bot: RunningBot) -> None:
    await running_bot.send(command_update(WATER_FORM, THU))
    [edited] = await running_bot.send(command_update("/sua cat-nuoc-pho-co kết luận lừa đảo", THU))
    assert "Đã sửa tin cat-nuoc-pho-co" in edited["text"] and "LỪA ĐẢO" in edited["text"]
    [bad] = await running_bot.send(command_update("/sua cat-nuoc-pho-co nguồn khong-phai-link", THU))
    assert "source:" in bad["text"] and "Chưa có gì được lưu" in bad["text"]
    [found] = await running_bot.send(command_update("/tim pho co cat nuoc", THU))
    assert "cat-nuoc-pho-co" in found["text"]
    [shown] = await running_bot.send(command_update("/xem cat-nuoc-pho-co", THU))
    assert "LỪA ĐẢO" in shown["text"] and WATER_SOURCE in shown["text"]
    [edit] = audit(running_bot, "edit")
    assert json.loads(edit["before"])["verdict"] == "false" and json.loads(edit["after"])["verdict"] == "scam"
    # a shipped entry edited by an officer is stored as an overriding copy
    await running_bot.send(command_update("/sua evn-cat-dien-no-tien sdt 0912 345 678", THU))
    stored = json.loads(running_bot.rows("SELECT data FROM entries WHERE id = 'evn-cat-dien-no-tien'")[0]["data"])
    assert stored["phones"] == ["0912 345 678"] and stored["claim"].startswith("Điện lực thông báo")


async def test_unknown_message_is_notified_and_linked_from_the_button(running_bot: RunningBot) -> None:
    sent = await running_bot.send(forwarded_from_channel(FINE_RUMOR, MINH), expect=2)
    [notification] = [m for m in sent if int(m["chat_id"]) == OFFICERS_CHAT["id"]]
    assert "Báo cáo mới" in notification["text"] and FINE_RUMOR in notification["text"]
    assert "Tin Nóng Miền Trung 24h" in notification["text"]  # the forward origin
    card = last_message(running_bot, OFFICERS_CHAT["id"])

    # the same question again within the hour: answered, but the officers are not told twice
    await running_bot.send(text_update(FINE_RUMOR + " 😱", LAN))
    assert len(running_bot.api.messages_in(OFFICERS_CHAT["id"])) == 1
    report = running_bot.reports()[-1]  # the newest report leads its group of near-duplicates

    await running_bot.send(command_update(FINE_FORM, THU))
    calls = await running_bot.press(callback_update(buttons_of(card)["🔄 Gợi ý"], card, THU))
    assert any(c.method == "editMessageText" for c in calls)
    card = last_message(running_bot, OFFICERS_CHAT["id"])
    link = next(data for label, data in buttons_of(card).items() if "phat-5-trieu-dang-ky-xe" in label)
    assert link == f"v1:of:ln:{report['id']}:phat-5-trieu-dang-ky-xe"

    # a member cannot press it; a stale or forged button does nothing either
    refused = await running_bot.press(callback_update(link, card, LAN))
    assert "chỉ dành cho cán bộ" in toasts(refused)[0]
    assert "phiên bản cũ" in toasts(await running_bot.press(callback_update("v0:of:pg:1", card, THU)))[0]
    assert "Không tìm thấy" in toasts(await running_bot.press(callback_update("v1:of:dm:99999:0", card, THU)))[0]
    assert "không hợp lệ" in toasts(await running_bot.press(callback_update("v1:of:ln:1:<b>", card, THU)))[0]
    assert running_bot.rows("SELECT * FROM report_reviews") == []

    calls = await running_bot.press(callback_update(link, card, THU))
    assert "Đã gắn 2 báo cáo" in toasts(calls)[0]
    reviews = running_bot.rows("SELECT * FROM report_reviews ORDER BY report_id")
    assert [(r["status"], r["rumor_id"]) for r in reviews] == [("linked", "phat-5-trieu-dang-ky-xe")] * 2
    [history] = await running_bot.send(command_update("/lichsu phat-5-trieu-dang-ky-xe", THU))
    assert "gắn báo cáo" in history["text"] and f"báo cáo #{report['id']}" in history["text"]
    [linked] = audit(running_bot, "link")
    assert linked["user_id"] == str(THU["id"]) and linked["report_id"] == report["id"]
    # the linked text became a wording of the entry: the next person forwarding it gets the answer
    [answer] = await running_bot.send(text_update(FINE_RUMOR, HUNG))
    assert "GÂY HIỂU LẦM" in answer["text"]
    again = await running_bot.press(callback_update(link, card, THU))
    assert "đã được người dùng 7001 xử lý" in toasts(again)[0]


async def test_guided_add_step_by_step_then_matches(running_bot: RunningBot) -> None:
    [ask] = await running_bot.send(command_update("/them", THU))
    assert "bước 1/4" in ask["text"]
    await running_bot.send(text_update(WATER_CLAIM, THU))
    question = last_message(running_bot, THU["id"])
    assert set(buttons_of(question).values()) == {"v1:of:vd:false", "v1:of:vd:misleading", "v1:of:vd:scam",
                                                  "v1:of:vd:true"}
    calls = await running_bot.press(callback_update("v1:of:vd:false", question, THU))
    assert any("Bước 3/4" in c.params.get("text", "") for c in calls)
    await running_bot.send(text_update("Không có kế hoạch cắt nước khu phố cổ; lịch bảo trì luôn được báo trước.",
                                       THU))
    [problem, _again] = await running_bot.send(text_update("trang web cấp nước", THU), expect=2)
    assert "source:" in problem["text"]
    [preview] = await running_bot.send(text_update(f"{WATER_SOURCE}\nCông ty Cổ phần Cấp nước Quảng Nam", THU))
    assert "Xem lại trước khi lưu" in preview["text"] and "thong-bao-khan-cua-cong-ty-cap-nuoc" in preview["text"]
    assert running_bot.rows("SELECT * FROM entries") == []  # nothing saved before ✅
    preview_message = last_message(running_bot, THU["id"])
    calls = await running_bot.press(callback_update("v1:of:ok", preview_message, THU))
    assert any("Đã thêm tin thong-bao-khan-cua-cong-ty-cap-nuoc" in c.params.get("text", "") for c in calls)
    [answer] = await running_bot.send(text_update(WATER_UNACCENTED, LAN))
    assert WATER_SOURCE in answer["text"]
    [created] = audit(running_bot, "create")
    assert json.loads(created["after"])["sources"][0]["publisher"] == "Công ty Cổ phần Cấp nước Quảng Nam"


async def test_guided_add_cancelled_by_command_or_button_saves_nothing(running_bot: RunningBot) -> None:
    await running_bot.send(command_update("/them", THU))
    await running_bot.send(text_update(WATER_CLAIM, THU))
    [cancelled] = await running_bot.send(command_update("/huy", THU))
    assert "Đã hủy" in cancelled["text"]
    answer = to(await running_bot.send(text_update("Bà con cho hỏi mai mấy giờ họp tổ dân phố?", THU), expect=2), THU)
    assert "chưa có trong danh mục" in answer["text"]  # an ordinary check again, not a step of the form

    # /them as a reply to a forwarded rumor starts at the verdict, then ✖️ at the preview
    forwarded = forwarded_from_channel(WATER_CLAIM, THU)["message"]
    [question] = await running_bot.send(command_update("/them", THU, reply_to_message=forwarded))
    assert "Bước 2/4" in question["text"]
    await running_bot.press(callback_update("v1:of:vd:false", last_message(running_bot, THU["id"]), THU))
    await running_bot.send(text_update("Không có kế hoạch cắt nước khu phố cổ.", THU))
    await running_bot.send(text_update(WATER_SOURCE, THU))
    calls = await running_bot.press(callback_update("v1:of:no", last_message(running_bot, THU["id"]), THU))
    assert any("Đã hủy" in c.params.get("text", "") for c in calls)
    assert running_bot.rows("SELECT * FROM entries") == []
    stale = await running_bot.press(callback_update("v1:of:ok", last_message(running_bot, THU["id"]), THU))
    assert "hết hạn" in toasts(stale)[0]


async def test_review_queue_groups_near_duplicates_and_makes_an_entry_from_one(running_bot: RunningBot) -> None:
    await running_bot.send(text_update(FINE_RUMOR, MINH), expect=2)
    await running_bot.send(text_update("Chia sẻ gấp!! " + FINE_RUMOR, LAN))
    await running_bot.send(text_update(WATER_CLAIM, LAN), expect=2)
    [queue] = await running_bot.send(command_update("/baocao", THU))
    assert "2 nhóm, 3 báo cáo" in queue["text"]
    assert queue["text"].index("cắt nước") < queue["text"].index("xe máy")  # newest first
    assert "2 người hỏi" in queue["text"]
    page = last_message(running_bot, THU["id"])
    new = buttons_of(page)["2. ➕ Tạo tin"]
    calls = await running_bot.press(callback_update(new, page, THU))
    assert any("Tạo tin từ báo cáo" in c.params.get("text", "") for c in calls)
    await running_bot.press(callback_update("v1:of:vd:misleading", last_message(running_bot, THU["id"]), THU))
    await running_bot.send(text_update("Mức phạt thật là 200.000 đến 300.000 đồng.", THU))
    await running_bot.send(text_update("https://csgt.example/muc-phat-khong-mang-dang-ky-xe\nCục CSGT", THU))
    await running_bot.press(callback_update("v1:of:ok", last_message(running_bot, THU["id"]), THU))
    reviews = running_bot.rows("SELECT * FROM report_reviews")
    assert len(reviews) == 2 and {r["status"] for r in reviews} == {"linked"}
    [queue] = await running_bot.send(command_update("/reports", THU))
    assert "1 nhóm, 1 báo cáo" in queue["text"]
    page = last_message(running_bot, THU["id"])
    calls = await running_bot.press(callback_update(buttons_of(page)["1. 🗑 Bỏ qua"], page, THU))
    assert "Đã bỏ qua 1 báo cáo" in toasts(calls)[0]
    assert "Không có báo cáo nào" in last_message(running_bot, THU["id"])["text"]
    assert [r["action"] for r in audit(running_bot)] == ["create", "dismiss"]


async def test_owner_grants_and_revokes_officer_rights(running_bot: RunningBot) -> None:
    [refused] = await running_bot.send(command_update("/capquyen 5002", THU))
    assert "Chỉ người quản lý bot" in refused["text"]
    [granted] = await running_bot.send(command_update("/capquyen 5002", HUNG))
    assert "Đã cấp quyền" in granted["text"]
    [shown] = await running_bot.send(command_update("/xem muoi-iot-chong-phong-xa", MINH))
    assert "SAI SỰ THẬT" in shown["text"]
    await running_bot.send(command_update("/thuhoi 5002", HUNG))
    await running_bot.send(command_update("/revoke 7001", HUNG))  # an officer from the config, too
    for user in (MINH, THU):
        [refused] = await running_bot.send(command_update("/xem muoi-iot-chong-phong-xa", user))
        assert "chỉ dành cho cán bộ" in refused["text"]
    assert [r["action"] for r in audit(running_bot)] == ["refused", "grant", "revoke", "revoke", "refused", "refused"]
    rights = running_bot.rows("SELECT user_id, granted FROM officer_rights ORDER BY user_id")
    assert [tuple(r) for r in rights] == [("5002", 0), ("7001", 0)]
