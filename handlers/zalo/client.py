"""A thin async client for the Zalo Bot Platform HTTP API (see ../shared/zalo-bot-api.md).

No third-party Zalo SDK: the API is nine methods behind one envelope, and httpx (already a
dependency of python-telegram-bot) does the HTTP.
"""

from __future__ import annotations

from typing import Any

import httpx

PLATFORM = "zalo"  # how Zalo chats, users and reports are named in the store
MESSAGE_LIMIT = 2000  # characters of one sendMessage text


class ZaloApiError(RuntimeError):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"Zalo Bot API error {code}: {description}")
        self.code = code
        self.description = description


class DownloadTooBig(Exception):
    """A linked file is larger than the cap."""


class ZaloClient:
    def __init__(self, token: str, base_url: str, http: httpx.AsyncClient | None = None) -> None:
        self._url = f"{base_url}{token}/"
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0))

    async def close(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
        """POST one method as JSON; return its result or raise ZaloApiError (408 included)."""
        request_timeout = httpx.Timeout(timeout) if timeout is not None else httpx.USE_CLIENT_DEFAULT
        response = await self._http.post(self._url + method, json=params or {}, timeout=request_timeout)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code != 200 or not body.get("ok", False):
            code = int(body.get("error_code") or response.status_code)
            raise ZaloApiError(code, str(body.get("description") or response.reason_phrase))
        return body.get("result")

    async def download(self, url: str, max_bytes: int) -> bytes:
        """A file the platform links to (an image's URL), at most `max_bytes`; DownloadTooBig past it."""
        async with self._http.stream("GET", url, follow_redirects=True) as response:
            if response.status_code != 200:
                raise ZaloApiError(response.status_code, "download failed")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise DownloadTooBig(size)
                chunks.append(chunk)
        return b"".join(chunks)

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_update(self, timeout: int) -> dict[str, Any] | None:
        """One long poll: one update, or None when Zalo answers 408 (nothing arrived)."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        except ZaloApiError as exc:
            if exc.code == 408:
                return None
            raise
        return result if isinstance(result, dict) else None

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        if not 1 <= len(text) <= MESSAGE_LIMIT:
            raise ValueError(f"a Zalo message holds 1-{MESSAGE_LIMIT} characters, got {len(text)}")
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return result if isinstance(result, dict) else {}

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")
