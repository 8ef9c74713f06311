"""One process, every configured platform: Telegram and Zalo share one core and one database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.config import Config
from bot.core import Core
from bot.privacy import Privacy
from handlers.http.metrics import METRICS

log = logging.getLogger(__name__)
PURGE_EVERY = 24 * 3600.0  # seconds between two runs of the privacy purge


async def purge(privacy: Privacy) -> None:
    """The privacy purge (retention_days, the inbox's handled updates); a failure waits for the next."""
    try:
        purged = await privacy.purge()
    except Exception:  # the bot keeps answering; the purge is retried at the next run
        log.exception("the privacy purge failed")
    else:
        log.info("privacy purge: %d report text(s) blanked, %d handled update(s) forgotten",
                 purged.reports, purged.updates)


async def purge_daily(privacy: Privacy, stop: asyncio.Event) -> None:
    """The purge once a day, until `stop` is set (it also ran at start-up, before any update)."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_EVERY)
        if stop.is_set():
            return
        await purge(privacy)


async def serve(config: Config, stop: asyncio.Event | None = None, *, handle_signals: bool = True) -> None:
    """Run every platform that has a token until SIGINT/SIGTERM (or `stop` is set)."""
    stop = stop or asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
    core = await Core.open(config)
    log.info("catalogue %s: %d published entries; database %s",
             config.catalogue, len(core.catalogue.published), config.database)
    if not core.catalogue.published:
        log.warning("catalogue %s has no published entry: every message will be answered as unknown",
                    config.catalogue)
    core.checker.observers.append(METRICS.observe_check)
    if core.outbox is not None:
        core.outbox.listeners.append(METRICS.observe_delivery)
    platforms = []
    if config.http.listen is not None:
        from handlers.http.server import serve_http

        platforms.append(serve_http(core, stop))
    if config.web.listen is not None and core.officers is not None:
        from handlers.web.app import serve_web

        platforms.append(serve_web(core, stop))
    if config.telegram.token:
        from handlers.telegram.app import run_telegram

        platforms.append(run_telegram(core, stop))
    if config.zalo.token:
        from handlers.zalo.run import run_zalo

        platforms.append(run_zalo(core, stop))
    if platforms and core.officers is not None and core.storage is not None and core.storage.db.shared:
        platforms.append(core.officers.entries.follow(stop))  # edits made by the other processes
    if platforms and core.privacy is not None:
        await purge(core.privacy)
        platforms.append(purge_daily(core.privacy, stop))
    try:
        tasks = [asyncio.create_task(p) for p in platforms]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:  # one platform failed: stop the others, then report
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)
                task.result()
    finally:
        await core.close()
