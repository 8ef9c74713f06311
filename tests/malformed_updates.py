"""Random and malformed Telegram updates for fuzzing the bot (tests/handlers/test_fuzz_updates.py and
bench/fuzz_updates.py): what a hostile or broken client could make Telegram deliver, and worse.

Deterministic for a seed. Each update is a JSON-ready dict without update_id (the fake Bot API adds
it). Strings may hold lone UTF-16 surrogates: the fake server's JSON escapes them as "\\ud800", as a
broken client's text would arrive.
"""

from __future__ import annotations

import copy
import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from telegram.ext import AIORateLimiter

from tests.conftest import until_handled
from tests.fake_bot_api import BOT_USER, FakeBotApi
from tests.updates import HUNG, OFFICERS_CHAT, PHU_HUYNH, THU, TO_DAN_PHO

RUMORS = (
    "Công an phường thông báo: người dân bắt buộc cài ứng dụng VNeID qua đường link vneid-capnhat.com "
    "để kích hoạt định danh mức 2 trước ngày 30, quá hạn sẽ bị khóa tài khoản và phạt hành chính.",
    "Điện lực thông báo: nhà bạn nợ tiền điện 2 tháng, sẽ bị cắt điện trong 2 giờ tới nếu không chuyển "
    "khoản thanh toán ngay vào số tài khoản được cung cấp.",
    "Chiều nay 5 giờ họp tổ dân phố ở nhà văn hóa khối 3, bà con nhớ đi đầy đủ nhé.",
    "cong an phuong thong bao nguoi dan bat buoc cai ung dung vneid qua duong link",
)
ODD_PIECES = (
    "\u200b", "\u200c\u200d", "\ufeff", "\u202e", "\u202d", "\u2066", "\u2069",  # zero-width and bidi controls
    "مرحبا بالعالم", "שלום עולם", "\ud800", "\udfff", "\ud83d", "\U0001f600", "🙏🙏🙏", "👨‍👩‍👧‍👦",
    "<b>", "</i>", "<a href='javascript:alert(1)'>", "&amp;", "&", "&#0;", "<script>", "\x00", "\x07", "\r\n",
    "ﷺ", "Z̴̢͇̈́a̶̛l̷g̸o", "\u0301\u0300\u0309", "Ð", "İ", "ß", "ﬁ", "\U000e0001", "\uffff", "%s%n", "{0}", "${x}",
)
COMMANDS = ("/start", "/huongdan", "/help", "/kiemtra", "/check", "/caidat", "/settings", "/them", "/add",
            "/sua", "/edit", "/xoa", "/retire", "/khoiphuc", "/xem", "/tim", "/lichsu", "/baocao", "/gan",
            "/capquyen", "/thuhoi", "/huy", "/cancel", "/quen", "/forget", "/unknown")
ODD_ARGUMENTS = ("", "warn", "on", "tắt", "0", "-1", "999999999999999999999", "#12 vneid-link-cai-dat-gia",
                 "../../etc/passwd", "'; DROP TABLE reports; --", "x" * 300, "id: \nclaim:\nverdict: sai",
                 "evn-cat-dien-no-tien kết luận lừa đảo", "\u202e\u200b", "@kiemchung_bot", "@other_bot")
PAYLOADS = ("", "v1", "v1:", "v1:of", "v1:of:dm", "v1:of:dm:1:0", "v1:of:ln:1:vneid-link-cai-dat-gia",
            "v1:of:ln:99999999999:x", "v1:of:sg:1:0", "v1:of:nw:1", "v1:of:pg:9999", "v1:of:vd:false",
            "v1:of:vd:maybe", "v1:of:ok", "v1:of:no", "v0:of:dm:1:0", "v9:grp:mode:warn", "v1:grp:mode:warn",
            "v1:grp:mode:", "v1:grp:mode:off:extra", "v1:quen:ok", "v1:quen:no", "v2:quen:ok", ":::",
            "v1:of:dm:-1:0", "x" * 64, "\ud800", "🙏")
USERS = (
    {"id": 6101, "is_bot": False, "first_name": "Tâm", "last_name": "Võ", "language_code": "vi"},
    {"id": 6102, "is_bot": False, "first_name": "\u202eكريم", "language_code": "ar"},
    {"id": 6103, "is_bot": True, "first_name": "Spam Bot", "username": "spam_bot"},
    {"id": 6104, "is_bot": False, "first_name": "", "username": "x"},
    HUNG, THU,
)
GROUPS = (TO_DAN_PHO, PHU_HUYNH, OFFICERS_CHAT)
CHANNEL = {"id": -1001999999999, "type": "channel", "title": "Kênh \u202eTin\u200b Nóng"}
UNKNOWN_TYPES = ("frobnicate", "business_message", "message_reaction", "purchased_paid_media", "", "0")


class Fuzzer:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.message_ids = iter(range(10_000_000, 20_000_000))
        self.callback_ids = iter(range(1, 10_000_000))
        self.recipes: list[Callable[[], dict[str, Any]]] = [
            self.private_text, self.private_text, self.private_text, self.private_command, self.private_command,
            self.caption, self.edited, self.channel_post, self.callback, self.callback, self.unknown_type,
            self.group_text, self.group_command, self.group_mention, self.membership, self.mutated,
            self.mutated, self.mutated, self.mutated,
        ]

    # -- pieces -------------------------------------------------------------------------------------
    def text(self) -> str:
        r = self.random
        shape = r.randrange(9)
        if shape == 0:
            return ""
        if shape == 1:  # as long as Telegram allows, and longer
            return (r.choice(RUMORS) + " " + r.choice(ODD_PIECES)) * 40
        if shape == 2:
            return "".join(r.choice(("🙏", "😱", "👇", "‼️", "🇻🇳", "\u200d")) for _ in range(r.randrange(1, 30)))
        if shape == 3:
            return "".join(chr(r.randrange(0x20, 0x3000)) for _ in range(r.randrange(1, 200)))
        words = r.choice(RUMORS).split()
        for _ in range(r.randrange(0, 6)):
            words.insert(r.randrange(len(words) + 1), r.choice(ODD_PIECES))
        return " ".join(words)[: r.choice((4096, 4096, 50, 5000))]

    def user(self) -> dict[str, Any]:
        user = dict(self.random.choice(USERS))
        if self.random.random() < 0.5:  # many people, so the per-person limits rarely decide
            user["id"] = self.random.randrange(100_000, 100_500)
        return user

    def entities(self, text: str) -> list[dict[str, Any]]:
        r = self.random
        kinds = ("bot_command", "mention", "bold", "text_link", "url", "custom_emoji")
        return [{"type": r.choice(kinds), "offset": r.randrange(-2, len(text) + 5), "length": r.randrange(-1, 50),
                 **({"url": "javascript:alert(1)"} if r.random() < 0.2 else {})} for _ in range(r.randrange(0, 4))]

    def message(self, chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        user = self.user()
        message: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": int(time.time()) - self.random.choice((0, 0, 30, 3600, 86400 * 400)),
            "chat": chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            "from": user,
            **content,
        }
        if self.random.random() < 0.15:
            message["reply_to_message"] = {"message_id": next(self.message_ids), "date": message["date"],
                                           "chat": message["chat"], "from": self.random.choice((user, BOT_USER)),
                                           "text": self.text() or "…"}
        if self.random.random() < 0.1:
            message["forward_origin"] = self.random.choice((
                {"type": "hidden_user", "sender_user_name": self.text()[:60], "date": 0},
                {"type": "channel", "chat": CHANNEL, "message_id": 1, "date": int(time.time())},
                {"type": "user", "sender_user": self.user(), "date": -5},
                {"type": "martian", "date": 1},
            ))
        return message

    # -- recipes --------------------------------------------------------------------------------------
    def private_text(self) -> dict[str, Any]:
        text = self.text()
        return {"message": self.message(text=text, entities=self.entities(text))}

    def command_text(self) -> str:
        command = self.random.choice(COMMANDS)
        if self.random.random() < 0.2:
            command += self.random.choice(("@kiemchung_bot", "@other_bot", "@"))
        return f"{command} {self.random.choice(ODD_ARGUMENTS)}".rstrip()

    def command(self, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        text = self.command_text()
        entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        return {"message": self.message(chat, text=text, entities=[entity])}

    def private_command(self) -> dict[str, Any]:
        return self.command()

    def caption(self) -> dict[str, Any]:
        content: dict[str, Any] = self.random.choice((
            {"photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]},
            {"video": {"file_id": "v", "file_unique_id": "u", "width": 1, "height": 1, "duration": 1}},
            {"document": {"file_id": "d", "file_unique_id": "u"}},
            {"sticker": {"file_id": "s", "file_unique_id": "u", "type": "regular", "width": 1, "height": 1,
                         "is_animated": False, "is_video": False}},
        ))
        if self.random.random() < 0.7:
            content["caption"] = self.random.choice(("", " ", self.text()))
            content["caption_entities"] = self.entities(content["caption"])
        chat = self.random.choice((None, None, self.random.choice(GROUPS)))
        return {"message": self.message(chat, **content)}

    def edited(self) -> dict[str, Any]:
        update = self.random.choice((self.private_text, self.group_text, self.group_mention))()
        message = update["message"]
        message["edit_date"] = message["date"] + 5
        return {"edited_message": message}

    def channel_post(self) -> dict[str, Any]:
        message = self.message(CHANNEL, text=self.text())
        del message["from"]
        message["sender_chat"] = CHANNEL
        return {self.random.choice(("channel_post", "edited_channel_post")): message}

    def callback(self) -> dict[str, Any]:
        r = self.random
        where = r.choice((None, *GROUPS))
        bot_message = self.message(where, text="Báo cáo mới", reply_markup={"inline_keyboard": []})
        bot_message["from"] = {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}
        query: dict[str, Any] = {"id": f"fz-{next(self.callback_ids)}", "from": self.user(),
                                 "chat_instance": "ci-fuzz", "data": r.choice(PAYLOADS)}
        shape = r.randrange(5)
        if shape == 0:
            query["message"] = {"message_id": 1, "date": 0, "chat": bot_message["chat"]}  # inaccessible message
        elif shape == 1:
            query["inline_message_id"] = "inline-1"  # a button on an inline message: no chat at all
        elif shape == 2:
            del query["data"]
            query["game_short_name"] = "nope"
        else:
            query["message"] = bot_message
        return {"callback_query": query}

    def unknown_type(self) -> dict[str, Any]:
        return {self.random.choice(UNKNOWN_TYPES): {"id": 1, "text": self.text()}}

    def group_text(self) -> dict[str, Any]:
        text = self.text()
        return {"message": self.message(self.random.choice(GROUPS), text=text, entities=self.entities(text))}

    def group_command(self) -> dict[str, Any]:
        return self.command(self.random.choice(GROUPS))

    def group_mention(self) -> dict[str, Any]:
        text = f"@kiemchung_bot {self.text()}"
        entities = [{"type": "mention", "offset": 0, "length": 14}, *self.entities(text)]
        return {"message": self.message(self.random.choice(GROUPS), text=text, entities=entities)}

    def membership(self) -> dict[str, Any]:
        r = self.random
        bot = {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}
        statuses = ("member", "left", "kicked", "administrator", "restricted", "creator", "martian")
        return {"my_chat_member": {"chat": r.choice(GROUPS), "from": self.user(), "date": int(time.time()),
                                   "old_chat_member": {"status": r.choice(statuses), "user": bot},
                                   "new_chat_member": {"status": r.choice(statuses), "user": bot}}}

    def mutated(self) -> dict[str, Any]:
        """A valid-looking update with fields removed, retyped or replaced by garbage."""
        update = copy.deepcopy(self.random.choice(self.recipes[:-4])())
        for _ in range(self.random.randrange(1, 4)):
            self.mutate(update)
        return update

    def mutate(self, node: Any) -> None:
        r = self.random
        while isinstance(node, dict) and node:
            key = r.choice(list(node))
            child = node[key]
            if isinstance(child, dict | list) and child and r.random() < 0.6:
                node = child if isinstance(child, dict) else r.choice(child)
                continue
            choice = r.randrange(4)
            if choice == 0:
                del node[key]
            elif choice == 1:
                node[key] = r.choice((None, 0, -1, 2**63, 1.5, True, "", "\ud800", [], {}, [1, "a"], {"x": 1}))
            elif choice == 2:
                node[key] = self.text()
            else:
                node[self.text()[:20] or "_"] = child
            return

    def updates(self, count: int) -> Iterator[dict[str, Any]]:
        for _ in range(count):
            yield self.random.choice(self.recipes)()


def malformed_updates(count: int, seed: int = 8) -> list[dict[str, Any]]:
    return list(Fuzzer(seed).updates(count))


# -- running them through the bot ----------------------------------------------------------------------

class LogCounter(logging.Handler):
    """Keeps every record at WARNING and above that reaches the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def at(self, level: int) -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno >= level]


@dataclass
class FuzzFigures:
    pushed: int
    seconds: float
    errors: list[str]  # ERROR and CRITICAL records: unhandled exceptions (must be none)
    unparseable: int  # updates the poller skipped as not Bot API updates (WARNING)
    warnings: int  # every WARNING record, the unparseable included
    sent: int  # messages the bot sent
    toasts: int  # answerCallbackQuery calls
    violations: int  # messages Telegram would have refused

    @property
    def per_second(self) -> float:
        return self.pushed / self.seconds if self.seconds else 0.0


async def fuzz(api: FakeBotApi, database: Path, updates: list[dict[str, Any]], timeout: float = 600) -> FuzzFigures:
    """Push `updates` to a bot already running on `api`; wait until all are handled; count what happened."""
    counter = LogCounter()
    root = logging.getLogger()
    level = root.level
    root.setLevel(min(level, logging.WARNING) or logging.WARNING)  # every WARNING reaches the counter
    root.addHandler(counter)
    api.deliver_all = True  # channel posts and unknown types too, as a misbehaving server might
    calls = len(api.calls)
    started = time.perf_counter()
    try:
        for update in updates:
            await api.push(update)
        await until_handled(api, database, timeout)
    finally:
        api.deliver_all = False
        root.removeHandler(counter)
        root.setLevel(level)
    seconds = time.perf_counter() - started
    since = api.calls[calls:]
    return FuzzFigures(
        pushed=len(updates),
        seconds=seconds,
        errors=[f"{r.levelname} {r.name}: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
                for r in counter.at(logging.ERROR)],
        unparseable=sum("not a valid Bot API update" in r.getMessage() for r in counter.records),
        warnings=len([r for r in counter.records if r.levelno == logging.WARNING]),
        sent=sum(c.method in ("sendMessage", "editMessageText") for c in since),
        toasts=sum(c.method == "answerCallbackQuery" for c in since),
        violations=len(api.violations),
    )


def unlimited_rate() -> Any:
    """The Application's rate limiter without its limits: the fake server is not Telegram, and at
    Telegram's 30 messages a second 10,000 updates would take minutes. Everything else is as shipped."""
    return mock.patch("handlers.telegram.app.AIORateLimiter",
                      functools.partial(AIORateLimiter, overall_max_rate=0, group_max_rate=0))
