"""A small fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

It serves the methods the bot calls, queues updates for getUpdates (long polling honoured), and
records every call. Every message the bot sends is checked the way Telegram would check it
(HTML subset, entities, length); a violation is answered with Telegram's 400 and recorded, and the
test fixtures fail any test that produced one.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.faults import SendFaults
from tests.local_server import LocalApiServer

TOKEN = "123456789:AAF-fake-token_for-tests"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Kiểm Chứng", "username": "kiemchung_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
# What Telegram delivers to a bot that never asked for a list of update types.
DEFAULT_UPDATE_TYPES = frozenset({"message", "edited_message", "channel_post", "edited_channel_post",
                                  "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
                                  "pre_checkout_query", "poll", "poll_answer", "my_chat_member",
                                  "chat_join_request", "chat_boost", "removed_chat_boost"})
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

# Telegram's HTML subset: tag -> allowed attributes
ALLOWED_TAGS: dict[str, set[str]] = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(), "s": set(),
    "strike": set(), "del": set(), "tg-spoiler": set(), "span": {"class"}, "a": {"href"},
    "code": {"class"}, "pre": set(), "blockquote": {"expandable"}, "tg-emoji": {"emoji-id"},
}
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\"|='[^'<>]*')?)*)\s*>")
ATTRIBUTE = re.compile(r"([a-zA-Z-]+)(?:=(\"[^\"]*\"|'[^']*'))?")
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def html_problems(text: str, limit: int) -> list[str]:
    """What Telegram would refuse in `text` sent with parse_mode HTML (empty when it is fine)."""
    problems: list[str] = []
    stack: list[str] = []
    visible: list[str] = []
    position = 0
    for match in itertools.chain(TAG.finditer(text), [None]):
        end = match.start() if match else len(text)
        chunk = text[position:end]
        if "<" in chunk or ">" in chunk:
            problems.append(f"unescaped < or > in {chunk[:40]!r}")
        stray = ENTITY.sub("", chunk)
        if "&" in stray:
            problems.append(f"unescaped & or unsupported entity in {chunk[:40]!r}")
        visible.append(html.unescape(chunk))
        if match is None:
            break
        position = match.end()
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if name not in ALLOWED_TAGS:
            problems.append(f"unsupported tag <{name}>")
            continue
        if closing:
            if not stack or stack[-1] != name:
                problems.append(f"unexpected </{name}>")
            else:
                stack.pop()
            continue
        for attribute, _ in ATTRIBUTE.findall(attributes):
            if attribute.lower() not in ALLOWED_TAGS[name]:
                problems.append(f"unsupported attribute {attribute} on <{name}>")
        stack.append(name)
    if stack:
        problems.append(f"unclosed tags {stack}")
    if not "".join(visible).strip():
        problems.append("message text is empty")
    if utf16_len("".join(visible)) > limit:
        problems.append(f"text too long: {utf16_len(''.join(visible))} > {limit}")
    return problems


def chat_member(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember object as the Bot API sends it, with the fields its status requires."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "administrator":
        member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                      can_manage_video_chats=False, can_restrict_members=True, can_promote_members=False,
                      can_change_info=True, can_invite_users=True, can_post_stories=False,
                      can_edit_stories=False, can_delete_stories=False)
    elif status == "creator":
        member.update(is_anonymous=False)
    elif status == "kicked":
        member.update(until_date=0)
    return member


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    filename: str
    content: bytes


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk; None when `data` is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeBotApi(LocalApiServer):
    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.calls: list[Call] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.chat_members: dict[tuple[int, int], str] = {}  # (chat id, user id) -> status; else "member"
        self.allowed_updates: list[str] | None = None  # what the bot last asked getUpdates for
        self.deliver_all = False  # True: deliver every pushed update, asked for or not (fuzzing)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self.acknowledged = 0  # highest update_id the bot confirmed by a later offset
        self.dropped: list[dict[str, Any]] = []  # updates of types the bot did not ask for
        self.fail_next: dict[str, int] = {}  # method -> how many calls to answer with an error
        self.messages: list[dict[str, Any]] = []  # every message the bot sent, as Telegram returned it
        self.blocked: set[int] = set()  # chats of users who blocked the bot: sending there is refused (403)
        self.files: dict[str, bytes] = {}  # file_id -> content, served by getFile and the file URL
        self.broken_files: set[str] = set()  # file ids whose download answers 500 (getFile still works)
        self.faults: SendFaults | None = None  # a flaky network and Telegram's 429s on sends (tests/faults.py)
        # Faults of a token shared or revoked, while set: getUpdates answers 409 Conflict as when another
        # process polls the token (counted in `conflicts`); every call answers 401 as for a revoked token
        # (counted in `refusals`, with the calls of a token that is not this one).
        self.conflict = False
        self.conflicts = 0
        self.refuse_token = False
        self.refusals = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)

    @property
    def base_file_url(self) -> str:
        return self.base_url.removesuffix("/bot") + "/file/bot"

    async def _file(self, request: web.Request) -> web.Response:
        """A file's content, as Telegram serves it at base_file_url + token + file_path."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].removeprefix("photos/")
        if file_id in self.broken_files:
            return web.Response(status=500, text="Internal Server Error")
        if file_id not in self.files:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    # -- what tests push -------------------------------------------------------------------------
    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    def new_message_id(self) -> int:
        return next(self._message_ids)

    # -- what tests read -------------------------------------------------------------------------
    def messages_in(self, chat_id: int) -> list[dict[str, Any]]:
        """The messages the bot sent to a chat, as Telegram returned them (ids, buttons): what a test presses."""
        return [m for m in self.messages if m["chat"]["id"] == chat_id]

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[dict[str, Any]]:
        return [c.params for c in self.calls
                if c.method == method and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)]

    async def wait_sent(self, count: int, method: str = "sendMessage", timeout: float = 10.0) -> list[dict[str, Any]]:
        await self.wait_for(lambda: len(self.sent(method)) >= count, timeout)
        return self.sent(method)

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until every pushed update was fetched and no call came for `quiet` seconds."""
        await self.wait_for(lambda: self.acknowledged >= self._last_update_id(), timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.calls[-1].at if self.calls else 0.0
            if time.monotonic() - last >= quiet:
                return
            await asyncio.sleep(quiet / 3)

    def _last_update_id(self) -> int:
        return self._updates[-1]["update_id"] if self._updates else 0

    # -- the HTTP side -----------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                form = await request.post()
                for key, value in form.items():
                    # an uploaded file (sendPhoto, sendDocument): kept, so tests can open what the bot sent
                    params[key] = value if isinstance(value, str) else Upload(value.filename, value.file.read())
        for key in ("reply_markup", "reply_parameters", "link_preview_options", "allowed_updates", "commands"):
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token or self.refuse_token:
            await self._count("refusals")
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        if method == "getUpdates" and self.conflict:
            await self._count("conflicts")
            return self._error(409, "Conflict: terminated by other getUpdates request; make sure that only one "
                                    "bot instance is running")
        params = await self._params(request)
        if method != "getUpdates":
            async with self._changed:
                self.calls.append(Call(method, params))
                self._changed.notify_all()
        if self.fail_next.get(method, 0) > 0:
            self.fail_next[method] -= 1
            return self._error(500, "Internal Server Error: injected")
        if self.faults is not None and method in SENDING:
            chat = str(params.get("chat_id"))
            fault = self.faults.fault_for(chat)
            if fault == "429":
                wait = self.faults.wait_asked(chat)
                return web.json_response({"ok": False, "error_code": 429, "parameters": {"retry_after": wait},
                                          "description": f"Too Many Requests: retry after {wait}"}, status=429)
            if fault in ("500", "502"):
                return self._error(int(fault), "Internal Server Error" if fault == "500" else "Bad Gateway")
            if fault == "reset":  # dropped before Telegram read it: the message was not sent
                assert request.transport is not None
                request.transport.abort()
                raise asyncio.CancelledError
            if fault == "slow":
                await self.faults.slow_answer()
        if method in SENDING and int(params.get("chat_id") or 0) in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": True, "result": True})
        result: web.Response = await handler(params)
        return result

    async def _count(self, fault: str) -> None:
        async with self._changed:
            setattr(self, fault, getattr(self, fault) + 1)
            self._changed.notify_all()

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def _error(self, code: int, description: str) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)

    async def _api_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok(BOT_USER)

    async def _api_getUpdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        if params.get("allowed_updates"):
            self.allowed_updates = list(params["allowed_updates"])
        allowed = set(self.allowed_updates) if self.allowed_updates else DEFAULT_UPDATE_TYPES
        if self.deliver_all:
            allowed = {update_type(u) for u in self._updates} | allowed
        async with self._changed:
            if offset:
                self.acknowledged = max(self.acknowledged, offset - 1)
                self._changed.notify_all()
            while True:
                # Like Telegram, drop updates of types the bot did not ask for; they are never delivered.
                kept = [u for u in self._updates if update_type(u) in allowed or u["update_id"] < offset]
                if len(kept) != len(self._updates):
                    self.dropped.extend(u for u in self._updates if u not in kept)
                    self._updates = kept
                    self._changed.notify_all()
                # like Telegram: what was once acknowledged is never delivered again
                first = max(offset, self.acknowledged + 1)
                ready = [u for u in self._updates if u["update_id"] >= first][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        return self._ok(ready)

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        chat_id = int(chat_id)
        return self.chats.get(chat_id, {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"})

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {"message_id": self.new_message_id(), "date": int(time.time()), "chat": self._chat(params["chat_id"]),
                   "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}, **content}
        self.messages.append(message)
        return message

    def _check_html(self, params: dict[str, Any], key: str, limit: int) -> str | None:
        text = str(params.get(key, ""))
        if params.get("parse_mode", "").upper() == "HTML":
            problems = html_problems(text, limit)
        else:
            problems = [] if 0 < utf16_len(text) <= limit else [f"text length {utf16_len(text)} not in 1..{limit}"]
        if problems:
            self.violations.append(f"{key}: {'; '.join(problems)} in {text[:80]!r}")
            return "Bad Request: can't parse entities: " + problems[0]
        return None

    async def _api_sendMessage(self, params: dict[str, Any]) -> web.Response:
        problem = self._check_html(params, "text", MESSAGE_LIMIT) or self._check_buttons(params)
        if problem:
            return self._error(400, problem)
        content: dict[str, Any] = {"text": html.unescape(re.sub(r"<[^>]+>", "", params["text"]))}
        if isinstance(params.get("reply_markup"), dict):
            content["reply_markup"] = params["reply_markup"]
        return self._ok(self._message(params, **content))

    def _check_caption(self, params: dict[str, Any]) -> str | None:
        return self._check_html(params, "caption", CAPTION_LIMIT) if "caption" in params else None

    async def _api_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        problem = self._check_caption(params)
        if problem:
            return self._error(400, problem)
        photo = params.get("photo")
        size = png_size(photo.content) if isinstance(photo, Upload) else (1, 1)
        if size is None:
            self.violations.append("sendPhoto: the uploaded photo is not a PNG")
            return self._error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        return self._ok(self._message(params, photo=[{"file_id": "p1", "file_unique_id": "u1", "width": size[0],
                                                       "height": size[1]}]))

    async def _api_sendDocument(self, params: dict[str, Any]) -> web.Response:
        problem = self._check_caption(params)
        if problem:
            return self._error(400, problem)
        document = params.get("document")
        if not isinstance(document, Upload) or not document.content:
            self.violations.append("sendDocument without an uploaded file")
            return self._error(400, "Bad Request: file must be non-empty")
        return self._ok(self._message(params, document={"file_id": "d1", "file_unique_id": "u2",
                                                        "file_name": document.filename,
                                                        "file_size": len(document.content)}))

    async def _api_editMessageText(self, params: dict[str, Any]) -> web.Response:
        problem = self._check_html(params, "text", MESSAGE_LIMIT) or self._check_buttons(params)
        if problem:
            return self._error(400, problem)
        for message in self.messages:  # the edited message now reads (and offers) what the bot said
            if message["chat"]["id"] == int(params["chat_id"]) and message["message_id"] == int(params["message_id"]):
                message["text"] = html.unescape(re.sub(r"<[^>]+>", "", params["text"]))
                message.pop("reply_markup", None)
                if isinstance(params.get("reply_markup"), dict):
                    message["reply_markup"] = params["reply_markup"]
        return self._ok(True)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        text = str(params.get("text") or "")
        if len(text) > 200:
            self.violations.append(f"answerCallbackQuery text over 200 characters: {text[:80]!r}")
            return self._error(400, "Bad Request: MESSAGE_TOO_LONG")
        return self._ok(True)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> web.Response:
        for message in self.messages:
            if message["chat"]["id"] == int(params["chat_id"]) and message["message_id"] == int(params["message_id"]):
                message.pop("reply_markup", None)
                if isinstance(params.get("reply_markup"), dict):
                    message["reply_markup"] = params["reply_markup"]
        return self._ok(True)

    def _check_buttons(self, params: dict[str, Any]) -> str | None:
        """Telegram refuses callback_data of 1 to 64 bytes."""
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        for button in (b for row in rows for b in row):
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                self.violations.append(f"callback_data not 1-64 bytes: {data!r}")
                return "Bad Request: BUTTON_DATA_INVALID"
        return None

    async def _api_getFile(self, params: dict[str, Any]) -> web.Response:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            return self._error(400, "Bad Request: invalid file_id")
        return self._ok({"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(self.files[file_id]),
                         "file_path": f"photos/{file_id}"})

    async def _api_getChat(self, params: dict[str, Any]) -> web.Response:
        return self._ok(self._chat(params["chat_id"]))

    async def _api_getChatMember(self, params: dict[str, Any]) -> web.Response:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = self.chat_members.get((chat_id, user_id), "member")
        user = BOT_USER if user_id == BOT_USER["id"] else {"id": user_id, "is_bot": False, "first_name": "U"}
        return self._ok(chat_member(user, status))

    async def _api_getChatAdministrators(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        admins = [{"status": s, "user": {"id": u, "is_bot": False, "first_name": "A"}}
                  for (c, u), s in self.chat_members.items() if c == chat_id and s in ("administrator", "creator")]
        return self._ok(admins)
