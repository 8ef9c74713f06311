"""The durable poller beside another instance on the same token: 409 Conflict is one line and a long
back-off, not a traceback nor a line a second; polling resumes, answering, once the other one stops."""

from __future__ import annotations

import asyncio
import logging

import pytest

from handlers.telegram import polling
from tests.conftest import RunningBot
from tests.updates import VNEID_RUMOR, text_update

CONFLICT_LINE = ("Telegram: another instance is polling this token, or a webhook is set (409: Conflict: terminated "
                 "by other getUpdates request; make sure that only one bot instance is running); polling again in ")


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_conflict_is_one_line_then_a_long_wait(running_bot: RunningBot,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    await running_bot.send(text_update(VNEID_RUMOR))
    running_bot.api.conflict = True
    await running_bot.api.wait_for(lambda: running_bot.api.conflicts >= 1)
    await asyncio.sleep(2.5)  # a poller that retried at its usual pace would have polled twice meanwhile
    assert running_bot.api.conflicts == 1
    assert warnings(caplog) == [CONFLICT_LINE + "30 s"]
    assert not any(r.exc_info for r in caplog.records)
    # stopping does not wait for the back-off to end (the fixture's stop would time out)


async def test_polling_resumes_after_the_other_instance_stops(running_bot: RunningBot, caplog: pytest.LogCaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(polling, "CONFLICT_FIRST", 0.1)
    monkeypatch.setattr(polling, "CONFLICT_MAX", 0.1)
    running_bot.api.conflict = True
    await running_bot.api.wait_for(lambda: running_bot.api.conflicts >= 3)
    running_bot.api.conflict = False
    [answer] = await running_bot.send(text_update(VNEID_RUMOR))
    assert "LỪA ĐẢO" in answer["text"]
    conflicts = running_bot.api.conflicts
    assert warnings(caplog) == [CONFLICT_LINE + "0 s"] * conflicts  # one line a conflict, each after a back-off
    assert f"Telegram: polling again after {conflicts} conflict(s): the other instance stopped" in caplog.messages
    assert not any(r.exc_info for r in caplog.records)
