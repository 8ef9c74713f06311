"""Send rates shared by several processes on one store: Telegram counts a bot's sends, not a process's.

Each process's AIORateLimiter keeps Telegram's limits for its own sends; with several processes on one
PostgreSQL database their sum could pass them. Before each send the sender counts it in the store's
window of every rate that applies (fixed windows: 30 a second for the bot, 20 a minute for a group)
and, when a window is full, waits for the next. One process alone (SQLite) needs none of it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.store.coordination import CoordinationStore


@dataclass(frozen=True)
class Rate:
    scope: str  # "bot" for every send, "chat:<id>" for one chat's
    seconds: int
    limit: int


class SharedRates:
    def __init__(self, store: CoordinationStore, platform: str, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.store = store
        self.platform = platform
        self.clock = clock
        self.sleep = sleep

    async def acquire(self, rates: Sequence[Rate]) -> None:
        """Return once one more send fits in every one of `rates`, counted in the store."""
        for rate in rates:
            while True:
                now = self.clock()
                window = int(now // rate.seconds) * rate.seconds
                if await self.store.count_send(self.platform, rate.scope, window) <= rate.limit:
                    break
                await self.sleep(window + rate.seconds - now)
