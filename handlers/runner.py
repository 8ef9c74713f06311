"""One process, every configured platform: Telegram and Zalo share one core and one database."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.core import Core
from bot.privacy import Privacy
from bot.store.owner import own
from handlers.http.metrics import METRICS
from handlers.startup import StartupError, back_off

log = logging.getLogger(__name__)
CUT_OFF_SHARE = 0.9  # of delivery.shutdown_seconds: what is left closes the database and exits
PURGE_EVERY = 24 * 3600.0  # seconds between two runs of the privacy purge


async def purge(privacy: Privacy) -> None:
    """The privacy purge (retention_days, the inbox's handled updates); a failure waits for the next.
    On a store several processes share, one of them makes a day's purge."""
    storage = privacy.storage
    try:
        if storage.db.shared and not await storage.coordination.claim_run("purge", dt.date.today().isoformat()):
            log.info("today's privacy purge is made by another process")
            return
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


# A platform that failed is started again after a back-off, the other one serving meanwhile. A refused
# token (a StartupError) waits long: it rarely comes back by itself, one call an hour costs nothing, and
# a restart to retry it would interrupt the platform that works. Any other failure is retried sooner.
REFUSED_FIRST = 600.0  # seconds; doubled each time up to REFUSED_MAX
REFUSED_MAX = 3600.0
FAILED_FIRST = 5.0
FAILED_MAX = 300.0
HEALTHY_RUN = 600.0  # a platform that served this long before failing starts its back-off afresh

PlatformRun = Callable[[Core, asyncio.Event], Awaitable[None]]


def duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


async def keep_serving(name: str, run: PlatformRun, core: Core, stop: asyncio.Event, others: Sequence[str],
                       refused: set[str]) -> None:
    """Run one platform until `stop`, starting it again after a back-off whenever it fails, so that the
    others keep serving; one line per failure (a traceback only for an unknown one). A known failure
    (StartupError: a refused token) is raised when no other platform serves, alone as before: one
    line, exit status 1. `refused` is shared by the platforms: those waiting to retry a refusal."""
    refusals = failures = 0
    while not stop.is_set():
        started = asyncio.get_running_loop().time()
        try:
            await run(core, stop)
        except StartupError as exc:
            serving = [other for other in others if other not in refused]
            if not serving:
                raise
            refusals += 1
            delay = back_off(REFUSED_FIRST, REFUSED_MAX, refusals)
            log.error("%s; %s keep%s serving; %s is tried again in %s", exc, " and ".join(serving),
                      "s" if len(serving) == 1 else "", name, duration(delay))
            refused.add(name)
        except Exception:  # unknown: its traceback, then the same platform again, the others untouched
            failures += 1
            delay = back_off(FAILED_FIRST, FAILED_MAX, failures)
            log.exception("%s stopped on an unexpected error; starting it again in %s", name, duration(delay))
        else:
            if stop.is_set():
                return
            failures += 1
            delay = back_off(FAILED_FIRST, FAILED_MAX, failures)
            log.warning("%s stopped by itself; starting it again in %s", name, duration(delay))
        if asyncio.get_running_loop().time() - started >= HEALTHY_RUN:
            refusals = failures = 0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        refused.discard(name)


def platforms_of(config: Config) -> dict[str, PlatformRun]:
    """Every platform with a token, by the name its log lines use."""
    platforms: dict[str, PlatformRun] = {}
    if config.telegram.token:
        from handlers.telegram.app import run_telegram

        platforms["Telegram"] = run_telegram
    if config.zalo.token:
        from handlers.zalo.run import run_zalo

        platforms["Zalo"] = run_zalo
    return platforms


async def serve(config: Config, stop: asyncio.Event | None = None, *, handle_signals: bool = True) -> None:
    """Run every platform that has a token until SIGINT/SIGTERM (or `stop` is set), owning an SQLite
    database for as long (a second bot on it is refused: bot/store/owner.py)."""
    stop = stop or asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
    if not isinstance(config.database, Path):  # PostgreSQL: a store for several processes (README)
        await serve_owned(config, stop)
        return
    ownership = own(config.database)  # SQLite: the inbox and the outbox have one owner
    try:
        await serve_owned(config, stop)
    finally:
        ownership.release()


async def serve_owned(config: Config, stop: asyncio.Event) -> None:
    core = await Core.open(config)
    log.info("catalogue %s: %d published entries; database %s",
             config.catalogue, len(core.catalogue.published), config.database)
    if not core.catalogue.published:
        log.warning("catalogue %s has no published entry: every message will be answered as unknown",
                    config.catalogue)
    core.checker.observers.append(METRICS.observe_check)
    if core.outbox is not None:
        core.outbox.listeners.append(METRICS.observe_delivery)
    runs: list[Coroutine[Any, Any, None]] = []
    if config.http.listen is not None:
        from handlers.http.server import serve_http

        runs.append(serve_http(core, stop))
    if config.web.listen is not None and core.officers is not None:
        from handlers.web.app import serve_web

        runs.append(serve_web(core, stop))
    platforms, refused = platforms_of(config), set[str]()
    for name, run in platforms.items():
        runs.append(keep_serving(name, run, core, stop, [other for other in platforms if other != name], refused))
    if platforms and core.officers is not None and core.storage is not None and core.storage.db.shared:
        runs.append(core.officers.entries.follow(stop))  # edits made by the other processes
    if runs and core.privacy is not None:
        await purge(core.privacy)
        runs.append(purge_daily(core.privacy, stop))
    tasks = [asyncio.create_task(r) for r in runs]
    watchdog = asyncio.create_task(cut_off(tasks, stop, config.delivery.shutdown_seconds))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if not task.cancelled() and task.exception() is not None:  # the health server, or the only
                stop.set()  # platform: stop, then report
                await asyncio.gather(*tasks, return_exceptions=True)
                task.result()
    finally:
        watchdog.cancel()
        await core.close()


async def cut_off(tasks: list[asyncio.Task[None]], stop: asyncio.Event, budget: float) -> None:
    """The shutdown deadline's last guard: each step keeps to its share (handlers/shutdown.py), but a
    platform that still runs when the budget is nearly spent is cancelled, so that the database is
    closed and the process exits within it. What it had not finished stays in the inbox and the outbox."""
    await stop.wait()
    await asyncio.sleep(budget * CUT_OFF_SHARE)
    late = [task for task in tasks if not task.done()]
    if late:
        log.warning("shutdown: %d task(s) still running after %.1f s are cancelled", len(late), budget * CUT_OFF_SHARE)
    for task in late:
        task.cancel()
