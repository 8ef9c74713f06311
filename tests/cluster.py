"""Several bot processes on one database, behind a "load balancer": the harness of the multi-process
test (tests/handlers/test_processes.py) and of bench/processes.py.

Each process is a real `kiemchung run` in webhook mode, on its own port, against the fake Bot API
of the calling process; updates are POSTed to a process chosen at random, and to another when the
chosen one does not answer 200 (Telegram retries what got no 200; a load balancer sends it on).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from tests.conftest import CATALOGUE, REPO
from tests.fake_bot_api import FakeBotApi
from tests.handlers.test_cli import environment
from tests.postgres_server import free_port

SECRET = "cluster-secret_0123456789"
PATH = "/telegram/hook"
USERS = 200


@dataclass
class Process:
    port: int
    popen: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def kill(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)


@dataclass
class Cluster:
    api: FakeBotApi
    database: str  # a file path or a postgresql:// URL
    processes: list[Process] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(19))
    posted: dict[int, float] = field(default_factory=dict)  # message id -> when its update was accepted

    async def post(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        """POST to a random live process; to the others in turn when it does not take it."""
        order = self.rng.sample(self.processes, len(self.processes))
        for _ in range(50):
            for process in order:
                if process.popen.poll() is not None:
                    continue
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.post(process.url, json=update, headers={
                            "X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=aiohttp.ClientTimeout(10)) as answer:
                        if answer.status == 200:
                            self.posted[update["message"]["message_id"]] = time.monotonic()
                            return
            await asyncio.sleep(0.2)
        raise AssertionError(f"no process took update {update['update_id']}")


    async def post_all(self, session: aiohttp.ClientSession, updates: list[dict[str, Any]]) -> None:
        """Every update, chats side by side, a chat's one after the other (the next once the previous got
        its 200): the inbox keeps a chat's updates in the order they arrived, as Telegram sends them."""
        chats: dict[int, list[dict[str, Any]]] = {}
        for update in updates:
            chats.setdefault(update["message"]["chat"]["id"], []).append(update)

        async def one_chat(queue: list[dict[str, Any]]) -> None:
            for update in queue:
                await self.post(session, update)

        await asyncio.gather(*(one_chat(queue) for queue in chats.values()))


def config_file(folder: Path, api: FakeBotApi, database: str, port: int, lease_seconds: float) -> Path:
    path = folder / f"bot-{port}.yaml"
    path.write_text(yaml.safe_dump({
        "database": database, "catalogue": str(CATALOGUE), "private_messages_per_minute": 1000,
        "digest": False, "delivery": {"lease_seconds": lease_seconds},
        "telegram": {"token": api.token, "base_url": api.base_url, "mode": "webhook", "secret_token": SECRET,
                     "webhook_url": f"https://bot.congan.example{PATH}", "listen": f"127.0.0.1:{port}"},
    }), encoding="utf-8")
    return path


async def until_listening(process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(f"the bot on port {process.port} exited with {process.popen.returncode}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", process.port)
            writer.close()
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the bot on port {process.port} did not listen in time")


@contextlib.asynccontextmanager
async def cluster(api: FakeBotApi, database: str, count: int, folder: Path,
                  lease_seconds: float = 3.0) -> AsyncIterator[Cluster]:
    """`count` bot processes on `database`, listening; stopped (SIGTERM) on exit."""
    running = Cluster(api, database)
    try:
        for _ in range(count):
            port = free_port()
            path = config_file(folder, api, database, port, lease_seconds)
            popen = subprocess.Popen([sys.executable, "-m", "handlers.cli", "run", "--config", str(path)],
                                     cwd=folder, env=environment(PYTHONPATH=str(REPO)),
                                     stdout=subprocess.DEVNULL, stderr=open(folder / f"bot-{port}.log", "wb"))  # noqa: SIM115
            running.processes.append(Process(port, popen))
        for process in running.processes:
            await until_listening(process)
        yield running
    finally:
        for process in running.processes:
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in running.processes:
            try:
                process.popen.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def conversations(users: int = USERS, each: int = 2, first_update: int = 1) -> list[dict[str, Any]]:
    """`each` messages from each of `users` people in private, shuffled across people but in order
    within each person's chat (as Telegram delivers them); real-looking rumors and ordinary talk."""
    from tests.updates import ORDINARY_MESSAGES, VNEID_RUMOR, text_update

    rng = random.Random(7)
    queues = []
    for i in range(users):
        user = {"id": 600_000 + i, "is_bot": False, "first_name": "Dân"}
        texts = [f"{VNEID_RUMOR} ({i}.{n})" if (i + n) % 2 else f"{ORDINARY_MESSAGES[(i + n) % len(ORDINARY_MESSAGES)]}"
                 f" ({i}.{n})" for n in range(each)]
        queues.append([text_update(text, user) for text in texts])
    updates = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        updates.append(queue.pop(0))
    for number, update in enumerate(updates, start=first_update):
        update["update_id"] = number
    return updates


def answers_by_chat(api: FakeBotApi) -> dict[int, list[int]]:
    """Chat id -> the message ids the bot answered there, in the order the answers reached the API."""
    found: dict[int, list[int]] = {}
    for call in api.calls:
        if call.method == "sendMessage" and isinstance(call.params.get("reply_parameters"), dict):
            found.setdefault(int(call.params["chat_id"]), []).append(int(call.params["reply_parameters"]["message_id"]))
    return found
