"""A fake Zalo Bot Platform API on 127.0.0.1 that behaves as ../shared/zalo-bot-api.md says.

One update per getUpdates and no offset; HTTP 408 when a long poll ends idle; updates may be
delivered again (`redeliver`); polling refused while a webhook is set; sendMessage texts of
1-2000 characters, anything else answered 400 and recorded as a violation.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.faults import SendFaults
from tests.local_server import LocalApiServer

TOKEN = "2741983650123456789:ZaLoFakeSecret-for_tests"
BOT_ID = "2741983650123456789"
MESSAGE_LIMIT = 2000


@dataclass
class ZaloCall:
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)


def hex_id() -> str:
    return secrets.token_hex(10)


def text_event(text: str, user_id: str = "6ede9afa66b88fe6d6a9", chat_type: str = "PRIVATE",
               chat_id: str | None = None, is_bot: bool = False, event: str = "message.text.received",
               **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "from": {"id": user_id, "display_name": "Thu Hà", "is_bot": is_bot},
        "chat": {"id": chat_id or user_id, "chat_type": chat_type},
        "message_id": hex_id(),
        "date": int(time.time() * 1000),
        **extra,
    }
    if text:
        message["text"] = text
    return {"event_name": event, "message": message}


class FakeZaloApi(LocalApiServer):
    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.calls: list[ZaloCall] = []
        self.webhook: dict[str, Any] | None = None
        self.redeliver = False  # deliver every update a second time, as Zalo sometimes does
        self._queue: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}  # name -> content, served at file_url(name) like Zalo's CDN
        self.faults: SendFaults | None = None  # a flaky network on sends (tests/faults.py)
        # Faults, while set: every call answers `outage` (500, 502: Zalo down); a method of `refuse`
        # answers its status (401, 404), as Zalo does for a token it does not know.
        self.outage: int | None = None
        self.refuse: dict[str, int] = {}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/cdn/{name}", self._file)

    def file_url(self, name: str) -> str:
        return self.base_url.removesuffix("/bot") + f"/cdn/{name}"

    async def _file(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=content, content_type="image/jpeg")

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        async with self._changed:
            self._queue.append(update)
            if self.redeliver:
                self._queue.append(update)
            self._changed.notify_all()
        return update

    def sent(self, chat_id: str | None = None) -> list[str]:
        return [c.params["text"] for c in self.calls if c.method == "sendMessage" and c.status == 200
                and (chat_id is None or c.params["chat_id"] == chat_id)]

    def polls(self) -> list[ZaloCall]:
        return [c for c in self.calls if c.method == "getUpdates"]

    async def drained(self, quiet: float = 1.5) -> None:
        """Wait until every queued update was taken and the bot then stayed quiet for `quiet` s."""
        await self.wait_for(lambda: not self._queue)
        while True:
            last = max((c.at for c in self.calls if c.method != "getUpdates"), default=0.0)
            if time.monotonic() - last >= quiet:
                return
            await asyncio.sleep(0.2)

    def _reply(self, call: ZaloCall, status: int, body: dict[str, Any]) -> web.Response:
        call.status = status
        return web.json_response(body, status=status)

    def _error(self, call: ZaloCall, code: int, description: str) -> web.Response:
        return self._reply(call, code, {"ok": False, "error_code": code, "description": description})

    def _ok(self, call: ZaloCall, result: Any) -> web.Response:
        return self._reply(call, 200, {"ok": True, "result": result})

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        call = ZaloCall(method, params)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if request.match_info["token"] != self.token:
            return self._error(call, 401, "Unauthorized")
        if self.outage is not None:
            return self._error(call, self.outage, "Bad Gateway" if self.outage == 502 else "Internal Server Error")
        if method in self.refuse:
            return self._error(call, self.refuse[method], "Unauthorized" if self.refuse[method] == 401 else "Not Found")
        if method == "getMe":
            return self._ok(call, {"id": BOT_ID, "account_name": "Bot Kiểm Chứng", "account_type": "BASIC",
                                   "can_join_groups": True})
        if method == "getUpdates":
            return await self._get_updates(call)
        if method == "sendMessage" and self.faults is not None:
            fault = self.faults.fault_for(str(params.get("chat_id")))
            if fault in ("429", "500", "502"):
                return self._error(call, int(fault), "injected fault")
            if fault == "reset":  # dropped before Zalo read it: not sent, no status
                call.status = 0
                assert request.transport is not None
                request.transport.abort()
                raise asyncio.CancelledError
            if fault == "slow":
                await self.faults.slow_answer()
        if method == "sendMessage":
            text = params.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= MESSAGE_LIMIT or not params.get("chat_id"):
                self.violations.append(f"sendMessage with text of {len(text or '')} characters")
                return self._error(call, 400, "Bad Request: text must be 1-2000 characters")
            return self._ok(call, {"message_id": hex_id(), "date": int(time.time() * 1000)})
        if method == "setWebhook":
            secret = str(params.get("secret_token") or "")
            if not str(params.get("url", "")).startswith("https://") or not 8 <= len(secret) <= 256:
                return self._error(call, 400, "Bad Request: url must be https and secret_token 8-256 chars")
            self.webhook = {"url": params["url"], "updated_at": int(time.time() * 1000)}
            return self._ok(call, self.webhook)
        if method == "deleteWebhook":
            if self.webhook is None:
                return self._error(call, 404, "Not Found")
            result, self.webhook = self.webhook, None
            return self._ok(call, result)
        if method == "sendChatAction":
            return self._reply(call, 200, {"ok": True})
        return self._error(call, 404, "Not Found")

    async def _get_updates(self, call: ZaloCall) -> web.Response:
        if self.webhook is not None:
            return self._error(call, 400, "You cannot use this API while a webhook is set")
        timeout = float(call.params.get("timeout") or 30)
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self._queue:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return self._error(call, 408, "Request timeout")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
            update = self._queue.pop(0)
            self._changed.notify_all()
        return self._ok(call, update)
