"""GET /healthz and GET /metrics on `http.listen`, for the operator's monitoring (off by default).

/healthz answers 200 when the database answers and every polling platform reached its API lately,
503 otherwise, with JSON a person can read: the database, each platform's last successful contact
and the inbox backlog. A webhook platform is only contacted when people write, so its age is shown
but never makes the bot unhealthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.core import Core
from handlers.http.metrics import METRICS, Metrics
from handlers.startup import listen

log = logging.getLogger(__name__)

# A polling platform contacts its API at least once per poll_timeout (at most 60 s) while it is well;
# five minutes without one is several failed polls in a row, not a slow network.
STALE_AFTER = 300.0
DATABASE_TIMEOUT = 5.0  # seconds: a database that does not answer in this time is not healthy


def polling_platforms(core: Core) -> list[str]:
    config = core.config
    platforms = []
    if config.telegram.token and config.telegram.mode == "polling":
        platforms.append("telegram")
    if config.zalo.token and config.zalo.mode == "polling":
        platforms.append("zalo")
    return platforms


def configured_platforms(core: Core) -> list[str]:
    return [name for name, token in (("telegram", core.config.telegram.token), ("zalo", core.config.zalo.token))
            if token]


async def health(core: Core, metrics: Metrics, started: float) -> tuple[dict[str, Any], bool]:
    """The health report and whether the bot is healthy."""
    report: dict[str, Any] = {"database": {"path": str(core.config.database)}, "platforms": {}}
    healthy = True
    assert core.storage is not None
    try:
        backlog = await asyncio.wait_for(core.storage.inbox.backlog(), DATABASE_TIMEOUT)
    except Exception as exc:  # reported, not raised: this is what the check is for
        report["database"].update(ok=False, error=type(exc).__name__)
        backlog = {}
        healthy = False
    else:
        report["database"]["ok"] = True
    now = time.time()
    polling = polling_platforms(core)
    for platform in configured_platforms(core):
        last = metrics.contacts.get(platform)
        age = now - (last if last is not None else started)
        stale = platform in polling and age > STALE_AFTER
        healthy = healthy and not stale
        report["platforms"][platform] = {
            "last_contact": dt.datetime.fromtimestamp(last, dt.UTC).isoformat() if last is not None else None,
            "seconds_since": round(now - last, 1) if last is not None else None,
            "ok": not stale,
        }
    report["inbox_backlog"] = backlog
    report["ok"] = healthy
    return report, healthy


def health_app(core: Core, metrics: Metrics = METRICS) -> web.Application:
    started = time.time()

    async def healthz(request: web.Request) -> web.Response:
        report, healthy = await health(core, metrics, started)
        return web.json_response(report, status=200 if healthy else 503)

    async def metrics_text(request: web.Request) -> web.Response:
        assert core.storage is not None
        with contextlib.suppress(Exception):  # a gauge left as it was beats a scrape that fails
            counts = dict.fromkeys(configured_platforms(core), 0) | await core.storage.inbox.backlog()
            for platform, count in counts.items():
                metrics.inbox_backlog.labels(platform).set(count)
            metrics.reports_pending.set(await core.storage.reviews.pending_count())
            outbox = await core.storage.outbox.counts(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
            for status in ("pending", "sending", "dead"):
                metrics.outbox.labels(status).set(outbox.get(status, 0))
        return web.Response(body=metrics.text(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_text)
    return app


async def serve_http(core: Core, stop: asyncio.Event, metrics: Metrics = METRICS) -> None:
    """Serve /healthz and /metrics on `http.listen` until `stop` is set."""
    assert core.config.http.listen is not None
    host, port = core.config.http.listen
    runner = web.AppRunner(health_app(core, metrics), access_log=None)
    await runner.setup()
    try:
        await listen(web.TCPSite(runner, host, port), "http.listen")
        log.info("health and metrics on http://%s:%d/healthz and /metrics", host, port)
        await stop.wait()
    finally:
        await runner.cleanup()
