"""Fuzzing the real Application: 1,500 random and malformed updates (bench/fuzz_updates.py runs 10,000)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import Config
from tests.conftest import RunningBot
from tests.malformed_updates import fuzz, malformed_updates
from tests.updates import HUNG, LAN, OFFICERS_CHAT, THU, VNEID_RUMOR, text_update

# hundreds of updates at once: Telegram's limits (20 messages a minute in a group) are not the subject
pytestmark = pytest.mark.usefixtures("no_rate_limit")


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, owners=(HUNG["id"],), officers=(THU["id"],), officers_chat=OFFICERS_CHAT["id"])


async def test_malformed_updates_raise_nothing_and_the_bot_still_answers(running_bot: RunningBot) -> None:
    figures = await fuzz(running_bot.api, running_bot.config.database, malformed_updates(1500, seed=8))
    assert figures.errors == []
    assert figures.sent > 300 and figures.toasts > 50  # it answered what could be answered
    assert 0 < figures.unparseable < figures.pushed // 2
    [answer] = await running_bot.send(text_update(VNEID_RUMOR, LAN))
    assert "LỪA ĐẢO" in answer["text"]
    assert running_bot.reports()[-1]["text"] == VNEID_RUMOR
