"""The web desk over a real core on a temporary database, driven over HTTP by aiohttp's test client."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.checking import Answer, ChatType, CheckRequest
from bot.config import Config, WebConfig
from bot.core import Core
from bot.desk.rights import Actor
from handlers.web.app import web_app
from tests.updates import HUNG, LAN, MINH, THU

PUBLIC_URL = "http://127.0.0.1:8080"
# A report chosen by an attacker: markup, an attribute break-out and a javascript: link.
HOSTILE = ('Khẩn cấp <script>alert("xss")</script> mọi người "><img src=x onerror=alert(1)> '
           'bấm <a href="javascript:alert(2)">nhận tiền hỗ trợ</a> javascript:alert(3) trước 5 giờ chiều nay')
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def officer(user: dict[str, Any]) -> Actor:
    """An officer writing to the bot in private (Telegram: the chat id is the user's id)."""
    return Actor("telegram", str(user["id"]), str(user["id"]))


@dataclass
class WebDesk:
    core: Core
    client: TestClient[Any, Any]
    config: Config

    async def link_for(self, user: dict[str, Any] = THU) -> str:
        """What /web answers an officer: the path of the one-time link."""
        assert self.core.officers is not None
        reply = await self.core.officers.use_case("web")(officer(user), "/web", "")
        urls = [span.url for paragraph in reply.paragraphs for span in paragraph.spans if span.url]
        assert urls, reply.plain
        assert urls[0].startswith(PUBLIC_URL + "/login/")
        return urls[0].removeprefix(PUBLIC_URL)

    async def login(self, user: dict[str, Any] = THU) -> None:
        """Open the link and press its button: the client holds the session cookie after."""
        path = await self.link_for(user)
        token = path.rsplit("/", 1)[1]
        page = await self.client.get(path)
        assert page.status == 200, await page.text()
        done = await self.client.post("/login", data={"token": token}, allow_redirects=False)
        assert done.status == 303, await done.text()

    async def csrf(self, path: str = "/queue") -> str:
        page = await self.client.get(path)
        found = CSRF.search(await page.text())
        assert found is not None
        return found.group(1)

    async def report(self, text: str, user: dict[str, Any] = LAN) -> Answer:
        """Someone asks the bot about `text` in private."""
        return await self.core.checker.check(CheckRequest(
            platform="telegram", chat_id=str(user["id"]), chat_type=ChatType.PRIVATE, text=text,
            user_id=str(user["id"]), message_id=f"m-{hash((text, user['id']))}"))

    def rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with sqlite3.connect(self.config.database) as db:
            db.row_factory = sqlite3.Row
            return db.execute(sql, args).fetchall()

    def audit(self, action: str | None = None) -> list[sqlite3.Row]:
        if action is None:
            return self.rows("SELECT * FROM audit ORDER BY id")
        return self.rows("SELECT * FROM audit WHERE action = ? ORDER BY id", action)

    def refusals(self) -> list[tuple[str, str]]:
        return [(row["user_id"], row["target"]) for row in self.audit("refused")]

    @staticmethod
    def after(row: sqlite3.Row) -> Any:
        return json.loads(row["after"]) if row["after"] else None


@pytest.fixture
def web_config(config: Config) -> Config:
    return replace(config, owners=(HUNG["id"],), officers=(THU["id"],),
                   web=WebConfig(("127.0.0.1", 0), PUBLIC_URL))


@pytest.fixture
async def desk(web_config: Config) -> AsyncIterator[WebDesk]:
    core = await Core.open(web_config)
    try:
        async with TestClient(TestServer(web_app(core))) as client:
            yield WebDesk(core, client, web_config)
    finally:
        await core.close()


__all__ = ["HOSTILE", "HUNG", "LAN", "MINH", "THU", "WebDesk", "officer"]
