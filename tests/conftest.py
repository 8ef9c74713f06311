"""Shared fixtures: the fixture catalogue, a config on a temporary database, and the running bot."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, TelegramConfig
from bot.store.postgres import PostgresUrl
from tests.fake_bot_api import Call, FakeBotApi
from tests.local_server import running
from tests.postgres_server import PostgresServer, ServerUnavailable, rows
from tests.updates import PHU_HUYNH, PHU_HUYNH_SUPERGROUP, TO_DAN_PHO

FIXTURES = Path(__file__).parent / "fixtures"
CATALOGUE = FIXTURES / "catalogue.yaml"
REPO = Path(__file__).parent.parent
DEV = REPO.parent / "shared" / "eval" / "dev"  # the shared dev set, beside the repository here and in CI
DATABASE_NUMBERS = itertools.count(1)
ENGINE_ENV = "KIEMCHUNG_TEST_DATABASE"  # postgresql: the `config` fixture's database is PostgreSQL


@pytest.fixture(scope="session")
def semantic_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One encoding cache for the whole run: the real model encodes each catalogue wording once
    (0.13 s each), however many tests build a semantic matcher on it."""
    return tmp_path_factory.mktemp("semantic") / "embeddings.npz"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL server for the run (tests/postgres_server.py). In CI it must start:
    a PostgreSQL test that cannot run there fails; elsewhere it is skipped, saying why."""
    try:
        server = PostgresServer().start()
    except ServerUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run in CI: {exc}")
        pytest.skip(f"no PostgreSQL server here: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer, request: pytest.FixtureRequest) -> str:
    """A new empty PostgreSQL database for this test: its URL."""
    return postgres.create_database(f"t{next(DATABASE_NUMBERS)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's store lives, once per engine: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "kc.db"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def catalogue_path() -> Path:
    return CATALOGUE


@pytest.fixture
def config(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    """The bot's configuration on a new database: an SQLite file, or with KIEMCHUNG_TEST_DATABASE=postgresql
    a new PostgreSQL database (CI runs the end-to-end suites so too)."""
    database: Path | PostgresUrl = tmp_path / "kiemchung.db"
    if os.environ.get(ENGINE_ENV) == "postgresql":
        database = PostgresUrl(request.getfixturevalue("pg_url"))
    return Config(database=database, catalogue=CATALOGUE, source="tests")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    for chat in (TO_DAN_PHO, PHU_HUYNH, PHU_HUYNH_SUPERGROUP):  # the groups of tests/updates.py
        server.chats[chat["id"]] = chat
    # Every message any test made the bot send must be one Telegram would accept.
    async with running(server):
        yield server


SENDING_METHODS = ("sendMessage", "sendPhoto", "sendDocument")


def pending_inbox(database: Path | PostgresUrl) -> int:
    return int(rows(database, "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL")[0][0])


async def until_handled(api: FakeBotApi, database: Path | PostgresUrl, timeout: float = 15.0,
                        quiet: float = 0.5) -> None:
    """Every pushed update stored, handled (the inbox has nothing pending), and the bot quiet for a moment.

    Quiet alone is not enough: the fake server counts an update delivered once the bot stored it,
    and a bot that has not yet handled it is quiet too."""
    deadline = time.monotonic() + timeout
    await api.wait_for(lambda: api.acknowledged >= api._last_update_id(), timeout)
    while pending_inbox(database):
        if time.monotonic() > deadline:
            raise AssertionError("the bot did not handle every update in time")
        await asyncio.sleep(0.1)
    await api.settle(quiet=quiet, timeout=timeout)


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
            await until_handled(self.api, self.config.database, quiet=1.0)
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
        await until_handled(self.api, self.config.database, quiet=1.0)
        return [c.params for c in self.api.calls[before:] if c.method in SENDING_METHODS]

    def calls(self, method: str, since: int = 0) -> list[dict[str, Any]]:
        return [c.params for c in self.api.calls[since:] if c.method == method]

    def rows(self, sql: str, *args: Any) -> list[Any]:
        return rows(self.config.database, sql, *args)

    def reports(self) -> list[Any]:
        return self.rows("SELECT * FROM reports ORDER BY id")

    def group_mode(self, chat: dict[str, Any]) -> str | None:
        rows = self.rows("SELECT mode FROM group_settings WHERE platform = 'telegram' AND chat_id = ?",
                          str(chat["id"]))
        return str(rows[0]["mode"]) if rows else None


@contextlib.asynccontextmanager
async def bot_serving(api: FakeBotApi, config: Config) -> AsyncIterator[RunningBot]:
    """The real bot (handlers.runner.serve) in this process, polling `api`; stopped on exit."""
    from handlers.runner import serve

    config = replace(config, telegram=TelegramConfig(token=api.token, base_url=api.base_url,
                                                   base_file_url=api.base_file_url, poll_timeout=1))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(config, stop, handle_signals=False))
    await api.wait_for(lambda: any(c.method == "setMyCommands" for c in api.calls) or task.done())
    if task.done():
        task.result()  # raise the start-up error
    try:
        yield RunningBot(api, config)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@pytest.fixture
def no_rate_limit() -> Iterator[None]:
    """The bot's rate limiter without Telegram's limits, for tests that send hundreds of updates."""
    from tests.malformed_updates import unlimited_rate

    with unlimited_rate():
        yield


@pytest.fixture
async def running_bot(fake_api: FakeBotApi, config: Config) -> AsyncIterator[RunningBot]:
    async with bot_serving(fake_api, config) as bot:
        yield bot
