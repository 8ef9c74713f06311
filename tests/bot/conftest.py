"""Fixtures of the core's tests: the core over a temporary database, with an owner and an officer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.config import Config
from bot.core import Core

OWNER, OFFICER, MEMBER = "7000", "7001", "5001"


@pytest.fixture
async def core(config: Config) -> AsyncIterator[Core]:
    config = replace(config, owners=(int(OWNER),), officers=(int(OFFICER),), officers_chat=-1009876543210)
    core = await Core.open(config)
    try:
        yield core
    finally:
        await core.close()
