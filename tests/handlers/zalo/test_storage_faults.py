"""Zalo beside a database another process locks: each message waits for it, none is lost or answered twice."""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
from dataclasses import replace

import pytest

from bot.config import Config, ZaloConfig
from handlers.runner import serve
from tests.database_lock import locked_by_another_process
from tests.fake_zalo_api import FakeZaloApi, text_event
from tests.local_server import running
from tests.updates import ORDINARY_MESSAGES, VNEID_RUMOR


async def test_a_database_locked_for_10_s_is_waited_for(config: Config, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with running(FakeZaloApi()) as api:
        config = replace(config, zalo=ZaloConfig(token=api.token, base_url=api.base_url, poll_timeout=1))
        stop = asyncio.Event()
        task = asyncio.create_task(serve(config, stop, handle_signals=False))
        try:
            await api.wait_for(lambda: len(api.polls()) >= 1)
            people = [f"a1b2c3d4e5f6071829{i:02d}" for i in range(6)]
            holder = await locked_by_another_process(config.database, 10.0)
            for i, person in enumerate(people):
                text = VNEID_RUMOR if i % 2 else f"{ORDINARY_MESSAGES[i % len(ORDINARY_MESSAGES)]} (tin số {i})"
                await api.push(text_event(text, user_id=person))
            assert await holder.wait() == 0
            await api.wait_for(lambda: all(api.sent(person) for person in people), 60)
            await api.drained(quiet=1.5)
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
    gc.collect()
    assert [len(api.sent(person)) for person in people] == [1] * len(people)
    with sqlite3.connect(config.database) as db:
        assert db.execute("SELECT COUNT(*) FROM reports WHERE platform = 'zalo'").fetchone()[0] == len(people)
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert any("is free again after" in r.getMessage() for r in caplog.records)
