"""Builders of Telegram updates as the Bot API sends them (JSON dicts), with Vietnamese fixtures."""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.fake_bot_api import BOT_USER, chat_member

_message_ids = itertools.count(1)

LAN = {"id": 5001, "is_bot": False, "first_name": "Lan", "last_name": "Nguyễn", "language_code": "vi"}
MINH = {"id": 5002, "is_bot": False, "first_name": "Minh", "last_name": "Trần", "language_code": "vi"}
# The scam of the fixture catalogue (tests/fixtures/catalogue.yaml, entry vneid-link-cai-dat-gia) as
# it circulates, and the source every answer to it must cite.
VNEID_RUMOR = (
    "Công an phường thông báo: người dân bắt buộc cài ứng dụng VNeID qua đường link vneid-capnhat.com "
    "để kích hoạt định danh mức 2 trước ngày 30, quá hạn sẽ bị khóa tài khoản và phạt hành chính."
)
VNEID_SOURCE = "https://congan.example/canh-bao-vneid-link-gia"

# Everyday messages of a Hội An neighbourhood that repeat no rumor (the benchmarks mix them in).
# Against the dev catalogue (../shared/eval/dev), written for the tests: retells "cây xăng đóng cửa
# một tuần" with too few of its word pairs for lexical matching (31 < 35); the semantic signal finds it.
DEV_RETELLING = ("Ông Tư đầu hẻm nói bên tổng công ty sắp cho mấy trạm bán xăng nghỉ nguyên một tuần, "
                 "nhà ai có xe thì lo mua dự trữ vài can đi")
DEV_RETELLING_ENTRY = "cay-xang-dong-cua-mot-tuan"

ORDINARY_MESSAGES = (
    "Chủ nhật này tổ dân phố tổng vệ sinh, mỗi nhà cử một người ra đầu hẻm lúc 6 giờ sáng nha.",
    "Ai có nhu cầu mua bánh tráng nướng Hội An thì inbox mình, giao tận nhà trong phố cổ.",
    "Con mình lớp 5 cần học thêm toán, bà con biết cô giáo nào dạy tốt gần chợ Hội An không?",
    "Tối nay mất điện khu vực Cẩm Phô từ 8 giờ, nhà nào cần thì sạc sẵn điện thoại nha.",
)
NEWS_CHANNEL = {"id": -1001234567890, "type": "channel", "title": "Tin Nóng Miền Trung 24h", "username": "tinnong24h"}


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def message(user: dict[str, Any] = LAN, chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat or private_chat(user),
        "from": user,
        **content,
    }


def text_update(text: str, user: dict[str, Any] = LAN, **extra: Any) -> dict[str, Any]:
    return {"message": message(user, text=text, **extra)}


def command_update(command: str, user: dict[str, Any] = LAN, **extra: Any) -> dict[str, Any]:
    name = command.split()[0]
    entities = [{"type": "bot_command", "offset": 0, "length": len(name)}]
    return {"message": message(user, text=command, entities=entities, **extra)}


def forwarded_from_channel(text: str, user: dict[str, Any] = LAN, channel: dict[str, Any] = NEWS_CHANNEL,
                           days_ago: int = 2) -> dict[str, Any]:
    origin = {"type": "channel", "chat": channel, "message_id": 77, "date": int(time.time()) - days_ago * 86400}
    return text_update(text, user, forward_origin=origin)


def forwarded_from_hidden_user(text: str, name: str = "Hương Giang", user: dict[str, Any] = LAN) -> dict[str, Any]:
    origin = {"type": "hidden_user", "sender_user_name": name, "date": int(time.time()) - 3600}
    return text_update(text, user, forward_origin=origin)


def forwarded_from_user(text: str, sender: dict[str, Any] = MINH, user: dict[str, Any] = LAN) -> dict[str, Any]:
    origin = {"type": "user", "sender_user": sender, "date": int(time.time()) - 600}
    return text_update(text, user, forward_origin=origin)


def photo_update(caption: str | None = None, user: dict[str, Any] = LAN) -> dict[str, Any]:
    photo = [{"file_id": "AgAD-photo", "file_unique_id": "AQAD", "width": 640, "height": 480, "file_size": 51234}]
    content: dict[str, Any] = {"photo": photo}
    if caption is not None:
        content["caption"] = caption
    return {"message": message(user, **content)}


# Officers (issue 5): an owner, an officer of the Hội An police, and their group chat.
HUNG = {"id": 7000, "is_bot": False, "first_name": "Hùng", "last_name": "Lê", "language_code": "vi"}
THU = {"id": 7001, "is_bot": False, "first_name": "Thu", "last_name": "Phạm", "language_code": "vi"}
OFFICERS_CHAT = {"id": -1009876543210, "type": "supergroup", "title": "Tổ kiểm chứng Công an TP. Hội An"}
_callback_ids = itertools.count(1)


def callback_update(data: str, bot_message: dict[str, Any], user: dict[str, Any] = THU) -> dict[str, Any]:
    """A press on a button of `bot_message` (a message the bot sent, as Telegram returned it)."""
    return {"callback_query": {"id": f"cb-{next(_callback_ids)}", "from": user, "chat_instance": "ci-officers",
                               "data": data, "message": bot_message}}


def buttons_of(bot_message: dict[str, Any]) -> dict[str, str]:
    """Label -> callback data of every button on a message the bot sent."""
    rows = bot_message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row if "callback_data" in b}


# -- groups -----------------------------------------------------------------------------------------

TO_DAN_PHO = {"id": -1001700000001, "type": "supergroup", "title": "Tổ dân phố 5 — phường Minh An"}
PHU_HUYNH = {"id": -4700000002, "type": "group", "title": "Phụ huynh lớp 3A Trường Kim Đồng"}
PHU_HUYNH_SUPERGROUP = {"id": -1001700000002, "type": "supergroup", "title": "Phụ huynh lớp 3A Trường Kim Đồng"}
HUONG = {"id": 5003, "is_bot": False, "first_name": "Hương", "last_name": "Lê", "language_code": "vi"}
OTHER_BOT = {"id": 777000111, "is_bot": True, "first_name": "Tin Tức Bot", "username": "tintuc_hoian_bot"}


def group_message(text: str, user: dict[str, Any] = MINH, chat: dict[str, Any] = TO_DAN_PHO,
                  seconds_ago: int = 0, **extra: Any) -> dict[str, Any]:
    msg = message(user, chat, text=text, **extra)
    msg["date"] -= seconds_ago
    return {"message": msg}


def group_command(command: str, user: dict[str, Any] = LAN, chat: dict[str, Any] = TO_DAN_PHO,
                  **extra: Any) -> dict[str, Any]:
    return command_update(command, user, chat=chat, **extra)


def mention_update(text: str, user: dict[str, Any] = LAN, chat: dict[str, Any] = TO_DAN_PHO,
                   username: str = "kiemchung_bot", **extra: Any) -> dict[str, Any]:
    mention = f"@{username}"
    offset = len(text[: text.index(mention)].encode("utf-16-le")) // 2
    entities = [{"type": "mention", "offset": offset, "length": len(mention)}]
    return {"message": message(user, chat, text=text, entities=entities, **extra)}


def bot_membership(chat: dict[str, Any], old: str, new: str, by: dict[str, Any] = HUONG) -> dict[str, Any]:
    """The bot's own status in a chat changing from `old` to `new` (a my_chat_member update)."""
    bot = {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}
    return {"my_chat_member": {"chat": chat, "from": by, "date": int(time.time()),
                               "old_chat_member": chat_member(bot, old), "new_chat_member": chat_member(bot, new)}}


def migration(old: dict[str, Any], new: dict[str, Any], user: dict[str, Any] = HUONG) -> list[dict[str, Any]]:
    """The two service messages Telegram sends when a group becomes a supergroup."""
    return [
        {"message": message(user, old, migrate_to_chat_id=new["id"])},
        {"message": message(user, new, migrate_from_chat_id=old["id"])},
    ]


# A scam SMS of a known family that no fixture entry describes: a bank, an account "locked", a deadline
# and a look-alike link (the bot answers it `suspicious`), and the bank's genuine notice beside it.
SCAM_SMS = ("Vietcombank: Tai khoan cua Quy khach tam khoa do dang nhap bat thuong. Xac thuc lai trong 24h "
            "tai https://vietcombank-xacminh.top de tranh bi phong toa.")
BANK_NOTICE = ("Vietcombank thông báo lịch bảo trì hệ thống VCB Digibank từ 23h ngày 12/10 đến 2h ngày 13/10. "
               "Chi tiết tại vietcombank.com.vn. Vietcombank không bao giờ yêu cầu khách hàng cung cấp mã OTP.")
