"""What can go wrong while the bot starts, as one line each (the README's table lists them all).

A known condition raises `StartupError` with the line to print; `kiemchung` prints it and exits 1
(configuration mistakes are `ConfigError`, exit 2). An API that cannot be reached is not an error:
the bot waits for the network, one WARNING line per try, until it answers or the bot is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web

log = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_RETRY = 2.0  # seconds before the second try; doubled each time up to MAX_RETRY
MAX_RETRY = 60.0  # a server that lost its network for an hour tries again within a minute of it coming back


def back_off(first: float, most: float, failures: int) -> float:
    """The wait after the `failures`-th failure in a row: `first`, doubled each time, at most `most`."""
    return min(most, first * 2.0 ** (failures - 1))


class StartupError(RuntimeError):
    """A known reason the bot cannot start, already worded as the one line to print."""


class Stopped(Exception):
    """The bot was asked to stop before the API could be reached."""


async def until_reachable(connect: Callable[[], Awaitable[T]], unreachable: tuple[type[BaseException], ...],
                          what: str, stop: asyncio.Event) -> T:
    """`connect()` until it does not raise `unreachable`, waiting longer after each failure."""
    delay = FIRST_RETRY
    while True:
        try:
            return await connect()
        except unreachable as exc:
            log.warning("%s cannot be reached (%s); trying again in %.0f s", what, exc or type(exc).__name__, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            raise Stopped(what)
        delay = min(MAX_RETRY, delay * 2)


async def listen(site: web.TCPSite, key: str) -> None:
    """Start a local server; an address in use or not allowed is one line naming the config key."""
    try:
        await site.start()
    except OSError as exc:
        raise StartupError(f"{key}: cannot listen on {site.name}: {exc.strerror or exc}") from None
