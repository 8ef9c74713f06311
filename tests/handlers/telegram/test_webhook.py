"""Webhook mode end to end: the real bot behind its aiohttp endpoint, the fake Bot API for what it sends."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.config import Config, TelegramConfig
from handlers.telegram.app import ALLOWED_UPDATES
from handlers.telegram.webhook import MAX_BODY, SECRET_HEADER
from tests.conftest import REPO, SENDING_METHODS, RunningBot, bot_serving
from tests.fake_bot_api import FakeBotApi
from tests.handlers.test_cli import environment
from tests.updates import ORDINARY_MESSAGES, VNEID_RUMOR, command_update, forwarded_from_channel, text_update

SECRET = "webhook-secret_0123456789"
PATH = "/telegram/hook"
_update_ids = itertools.count(9_000_001)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(api: FakeBotApi, port: int) -> TelegramConfig:
    return TelegramConfig(token=api.token, base_url=api.base_url, mode="webhook",
                          webhook_url=f"https://bot.congan.example{PATH}", secret_token=SECRET,
                          listen=("127.0.0.1", port), max_connections=5)


class Poster:
    """Telegram's side of a webhook: POST one update, with or without the secret."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}{PATH}"
        self.session = aiohttp.ClientSession()

    async def post(self, update: dict[str, Any], secret: str | None = SECRET, body: bytes | None = None) -> int:
        update = {"update_id": next(_update_ids), **update}
        headers = {"Content-Type": "application/json"} | ({SECRET_HEADER: secret} if secret is not None else {})
        async with self.session.post(self.url, json=None if body else update, data=body, headers=headers) as response:
            return response.status


@contextlib.asynccontextmanager
async def webhook_bot(api: FakeBotApi, config: Config) -> AsyncIterator[tuple[RunningBot, Poster]]:
    from handlers.runner import serve

    port = free_port()
    config = replace(config, telegram=webhook_settings(api, port))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(config, stop, handle_signals=False))
    await api.wait_for(lambda: any(c.method == "setWebhook" for c in api.calls) or task.done())
    if task.done():
        task.result()
    poster = Poster(port)
    try:
        yield RunningBot(api, config), poster
    finally:
        await poster.session.close()
        stop.set()
        await asyncio.wait_for(task, 30)


def conversation() -> list[dict[str, Any]]:
    return [command_update("/start"), forwarded_from_channel(VNEID_RUMOR), text_update(ORDINARY_MESSAGES[0]),
            text_update("Có thật là từ mai phải cài VNeID qua link mới không?")]


async def answers_to(api: FakeBotApi, before: int, count: int) -> list[str]:
    await api.wait_for(lambda: len([c for c in api.calls[before:] if c.method in SENDING_METHODS]) >= count)
    await api.settle()
    return [str(c.params["text"]) for c in api.calls[before:] if c.method == "sendMessage"]


async def test_webhook_answers_as_polling_does_and_registers_the_secret(fake_api: FakeBotApi, config: Config,
                                                                        tmp_path: Path) -> None:
    updates = conversation()
    async with bot_serving(fake_api, replace(config, database=tmp_path / "polling.db")) as polling:
        polled = [text for update in updates for text in
                  [p["text"] for p in await polling.send(update)]]
    assert any(c.method == "deleteWebhook" for c in fake_api.calls)  # polling mode leaves no webhook behind
    before = len(fake_api.calls)
    async with webhook_bot(fake_api, replace(config, database=tmp_path / "webhook.db")) as (bot, poster):
        [registered] = [c.params for c in fake_api.calls if c.method == "setWebhook"]
        assert registered["url"] == f"https://bot.congan.example{PATH}"
        assert registered["secret_token"] == SECRET
        assert registered["allowed_updates"] == list(ALLOWED_UPDATES)
        assert int(registered["max_connections"]) == 5
        hooked: list[str] = []
        for update in updates:
            start = len(fake_api.calls)
            assert await poster.post(update) == 200
            hooked += await answers_to(fake_api, start, 1)
        assert not any(c.method == "getUpdates" for c in fake_api.calls[before:])
        stored = bot.rows("SELECT COUNT(*) AS n, SUM(done_at IS NOT NULL) AS done FROM inbox")[0]
    # vote buttons carry report ids, which differ between the two databases; the texts do not
    assert hooked == polled and len(hooked) == len(updates)
    assert (stored["n"], stored["done"]) == (len(updates), len(updates))


async def test_a_missing_or_wrong_secret_or_a_huge_body_stores_nothing(fake_api: FakeBotApi, config: Config) -> None:
    async with webhook_bot(fake_api, config) as (bot, poster):
        update = forwarded_from_channel(VNEID_RUMOR)
        assert await poster.post(update, secret=None) == 401
        assert await poster.post(update, secret="webhook-secret_0123456780") == 403
        assert await poster.post(update, secret="") == 403
        assert await poster.post({}, body=b"{" + b" " * MAX_BODY + b"}") == 413
        assert await poster.post({}, body=b"not json") == 400
        await asyncio.sleep(0.5)
        assert bot.rows("SELECT COUNT(*) FROM inbox")[0][0] == 0
        assert bot.reports() == []
        assert fake_api.sent() == []
        assert await poster.post(update) == 200  # the same update with the secret is taken
        await fake_api.wait_sent(1)


def run_process(config: Path, token: str) -> asyncio.Future[asyncio.subprocess.Process]:
    return asyncio.ensure_future(asyncio.create_subprocess_exec(
        sys.executable, "-m", "handlers.cli", "run", "--config", str(config),
        env=environment(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=token),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    ))


async def test_sigkill_right_after_the_200s_loses_none_of_the_batch(fake_api: FakeBotApi, tmp_path: Path) -> None:
    port = free_port()
    path = tmp_path / "cfg.yaml"
    database = tmp_path / "kc.db"
    path.write_text(yaml.safe_dump({"database": str(database), "catalogue": str(REPO / "tests/fixtures/catalogue.yaml"),
                                    "log_level": "WARNING", "telegram": {
                                        "base_url": fake_api.base_url, "mode": "webhook", "secret_token": SECRET,
                                        "webhook_url": f"https://bot.congan.example{PATH}",
                                        "listen": f"127.0.0.1:{port}"}}), encoding="utf-8")
    # one person per message, so the flood limit does not decide what is answered
    batch = [forwarded_from_channel(f"{VNEID_RUMOR} #{i}", {"id": 300_000 + i, "is_bot": False, "first_name": "Dân"})
             for i in range(40)]
    first = await run_process(path, fake_api.token)
    poster = Poster(port)
    try:
        await fake_api.wait_for(lambda: any(c.method == "setWebhook" for c in fake_api.calls), timeout=60)
        statuses = await asyncio.gather(*(poster.post(update) for update in batch))
        first.send_signal(signal.SIGKILL)  # at once after the last 200: most are not handled yet
        await first.wait()
        answered_before = len(fake_api.sent())
        with sqlite3.connect(database) as db:
            stored = db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
        second = await run_process(path, fake_api.token)
        await fake_api.wait_for(lambda: len(fake_api.sent()) >= len(batch), timeout=120)
        await fake_api.settle(quiet=1.0)
        second.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(second.communicate(), 30)
    finally:
        await poster.session.close()
    assert statuses == [200] * len(batch)
    assert stored == len(batch)  # every 200 was given after the update was in the inbox
    assert answered_before < len(batch)  # the kill did land before the work was done
    with sqlite3.connect(database) as db:
        reports = db.execute("SELECT COUNT(DISTINCT message_id), COUNT(*) FROM reports").fetchone()
        pending = db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
    assert reports == (len(batch), len(batch))  # each handled once, none lost
    assert pending == 0
    assert second.returncode == 0, stderr.decode()
