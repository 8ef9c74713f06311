"""A fake host of public scam-domain lists on 127.0.0.1, for `kiemchung blocklist fetch` and its core."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from tests.local_server import LocalApiServer

LIST = "# Title: test list\n# Updated: 2026-03-01\n0.0.0.0 dichvucong-gov.com\n0.0.0.0 evnnpcs.com\nagribanks.link\n"
CAP = 4096


def answer(body: bytes) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=body)
    return handler


class ListServer(LocalApiServer):
    def add_routes(self, app: web.Application) -> None:
        page = "<html><head><title>Lists</title></head>\n<body>\nevil.top\n" + "<p>a list of scam sites</p>\n" * 20
        app.router.add_get("/list.txt", answer(LIST.encode()))
        app.router.add_get("/big.txt", answer(b"evil.top\n" * (CAP // 9 + 10)))
        app.router.add_get("/endless.txt", self._endless)
        app.router.add_get("/page.html", answer(page.encode()))
        app.router.add_get("/binary", answer(b"\xff\xd8\xff\xe0 JFIF \x00\x01 evil.top"))
        app.router.add_get("/empty.txt", answer(b"# Title: nothing yet\n"))
        app.router.add_get("/slow.txt", self._slow)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    async def _endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to refuse it by
        await response.prepare(request)
        for _ in range(CAP // 100 + 10):
            await response.write(b"evil.top\n" * 11)
        await response.write_eof()
        return response

    @staticmethod
    async def _slow(_: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text=LIST)
