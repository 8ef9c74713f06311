"""End to end with the optional semantic signal on: a retelling the lexical matcher misses is shown
as possible, through the real Application and the real packaged model; group watch stays lexical."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Config, SemanticConfig
from tests.conftest import DEV, RunningBot, bot_serving
from tests.fake_bot_api import FakeBotApi
from tests.updates import DEV_RETELLING as RETELLING
from tests.updates import DEV_RETELLING_ENTRY as ENTRY
from tests.updates import forwarded_from_channel, group_message


@pytest.fixture
async def semantic_bot(fake_api: FakeBotApi, config: Config, semantic_cache: Path) -> AsyncIterator[RunningBot]:
    config = replace(config, catalogue=DEV / "catalogue.yaml",
                     semantic=SemanticConfig(enabled=True, cache=semantic_cache))
    async with bot_serving(fake_api, config) as bot:
        yield bot


async def test_a_retelling_is_shown_as_possibly_related(semantic_bot: RunningBot) -> None:
    sent = await semantic_bot.send(forwarded_from_channel(RETELLING))
    assert len(sent) == 1
    text = sent[0]["text"]
    assert "có thể liên quan" in text
    assert "đóng cửa" in text  # the entry's claim, shortened
    assert "href=" in text  # its official source
    [report] = semantic_bot.reports()
    assert (report["band"], report["rumor_id"]) == ("possible", ENTRY)
    assert 35 <= report["score"] < 60


async def test_group_watch_does_not_use_the_semantic_signal(semantic_bot: RunningBot) -> None:
    sent = await semantic_bot.send_all([group_message(RETELLING)])
    assert sent == []
    assert semantic_bot.reports() == []  # observe mode logs sightings of what lexical matching finds
