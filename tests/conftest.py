"""Shared fixtures: the fixture catalogue, a config on a temporary database, and the running bot."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, TelegramConfig
from tests.fake_bot_api import Call, FakeBotApi
from tests.local_server import running
from tests.updates import PHU_HUYNH, PHU_HUYNH_SUPERGROUP, TO_DAN_PHO

FIXTURES = Path(__file__).parent / "fixtures"
CATALOGUE = FIXTURES / "catalogue.yaml"
REPO = Path(__file__).parent.parent


@pytest.fixture
def catalogue_path() -> Path:
    return CATALOGUE


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(database=tmp_path / "kiemchung.db", catalogue=CATALOGUE, source="tests")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    for chat in (TO_DAN_PHO, PHU_HUYNH, PHU_HUYNH_SUPERGROUP):  # the groups of tests/updates.py
        server.chats[chat["id"]] = chat
    # Every message any test made the bot send must be one Telegram would accept.
    async with running(server):
        yield server


SENDING_METHODS = ("sendMessage", "sendPhoto", "sendDocument")


@dataclass
class RunningBot:
    api: FakeBotApi
    config: Config

    async def send(self, update: dict[str, Any], expect: int = 1) -> list[dict[str, Any]]:
        """Push one update; wait for `expect` messages from the bot (then a quiet moment) and return
        everything it sent because of it. With expect=0, wait for a longer quiet moment instead."""
        before = len(self.api.calls)

        def answers() -> list[dict[str, Any]]:
            return [c.params for c in self.api.calls[before:] if c.method in SENDING_METHODS]

        await self.api.push(update)
        if expect:
            await self.api.wait_for(lambda: len(answers()) >= expect)
            await self.api.settle()
        else:
            await self.api.settle(quiet=1.0)
        return answers()

    async def press(self, update: dict[str, Any]) -> list[Call]:
        """Push a button press; wait until the bot answered it (and a quiet moment); return every call since."""
        before = len(self.api.calls)
        query_id = update["callback_query"]["id"]
        await self.api.push(update)
        await self.api.wait_for(lambda: any(c.method == "answerCallbackQuery" and c.params["callback_query_id"]
                                            == query_id for c in self.api.calls[before:]))
        await self.api.settle()
        return self.api.calls[before:]

    async def send_all(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Push several updates at once; wait until all were handled and the bot fell quiet, and return
        everything it sent meanwhile (for tests that expect silence)."""
        before = len(self.api.calls)
        for update in updates:
            await self.api.push(update)
        await self.api.settle(quiet=1.0)
        return [c.params for c in self.api.calls[before:] if c.method in SENDING_METHODS]

    def calls(self, method: str, since: int = 0) -> list[dict[str, Any]]:
        return [c.params for c in self.api.calls[since:] if c.method == method]

    def rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with sqlite3.connect(self.config.database) as db:
            db.row_factory = sqlite3.Row
            return db.execute(sql, args).fetchall()

    def reports(self) -> list[sqlite3.Row]:
        return self.rows("SELECT * FROM reports ORDER BY id")

    def group_mode(self, chat: dict[str, Any]) -> str | None:
        rows = self.rows("SELECT mode FROM group_settings WHERE platform = 'telegram' AND chat_id = ?",
                          str(chat["id"]))
        return str(rows[0]["mode"]) if rows else None


@pytest.fixture
async def running_bot(fake_api: FakeBotApi, config: Config) -> AsyncIterator[RunningBot]:
    from handlers.runner import serve

    config = replace(config, telegram=TelegramConfig(token=fake_api.token, base_url=fake_api.base_url,
                                                     poll_timeout=1))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(config, stop, handle_signals=False))
    await fake_api.wait_for(lambda: any(c.method == "setMyCommands" for c in fake_api.calls) or task.done())
    if task.done():
        task.result()  # raise the start-up error
    try:
        yield RunningBot(fake_api, config)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
