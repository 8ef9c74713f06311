"""The web desk's application: every route in one place, the security middlewares around them, and the
server on `web.listen` in the bot's process (the same core, database and follow-up listeners as the chat)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from importlib import resources
from pathlib import Path

from aiohttp import web

from bot.core import Core
from bot.desk.logins import LINK_MINUTES
from bot.groups.limiter import CheckLimiter
from bot.images.loading import MAX_BYTES
from bot.store.values import utcnow
from handlers.startup import listen
from handlers.web import catalogue, figures, login, queue
from handlers.web.keys import CORE, DESK, FLASHES, LOGIN_TRIES
from handlers.web.login import LOGIN_TRIES_PER_MINUTE
from handlers.web.security import security_headers, sessions

log = logging.getLogger(__name__)

STATIC = Path(str(resources.files("handlers.web").joinpath("static")))
REPORT = "/reports/{report_id:[0-9]{1,12}}"
ENTRY = "/entries/{rumor_id:[a-z0-9-]{1,100}}"
FORGET_EVERY = 24 * 3600.0  # seconds between two passes over expired links and sessions


async def no_icon(request: web.Request) -> web.StreamResponse:
    """Browsers ask for an icon by themselves: none, quickly."""
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    """Every page and action of the desk; POSTs change something, GETs never do."""
    routes = app.router
    routes.add_get("/", login.home, name="home")
    routes.add_get("/login/{token:[A-Za-z0-9_-]{1,100}}", login.login_page, name="login")
    routes.add_post("/login", login.login_confirm, name="login_confirm")
    routes.add_post("/logout", login.logout)
    routes.add_get("/lang/{code}", login.language, name="language")
    routes.add_static("/static", STATIC, name="static")
    routes.add_get("/favicon.ico", no_icon, name="icon")
    routes.add_get("/queue", queue.queue)
    routes.add_get(REPORT, queue.report)
    routes.add_post(REPORT + "/link", queue.link)
    routes.add_post(REPORT + "/dismiss", queue.dismiss)
    routes.add_get(REPORT + "/new", catalogue.new_from_report)
    routes.add_get("/entries", catalogue.entries)
    routes.add_get("/entries/new", catalogue.new_entry)
    routes.add_post("/entries/new", catalogue.create)
    routes.add_get(ENTRY, catalogue.entry)
    routes.add_get(ENTRY + "/edit", catalogue.edit_page)
    routes.add_post(ENTRY + "/edit", catalogue.edit)
    routes.add_post(ENTRY + "/retire", catalogue.retire)
    routes.add_post(ENTRY + "/restore", catalogue.restore)
    routes.add_post(ENTRY + "/images", catalogue.attach_image)
    routes.add_get("/figures", figures.figures)
    routes.add_get("/figures/chart.png", figures.chart)
    routes.add_get("/audit", figures.audit)
    routes.add_get("/exports", figures.exports)
    routes.add_get("/exports/catalogue.{format}", figures.export_file)
    routes.add_get("/exports/reports.csv", figures.export_reports)


async def forget_expired(core: Core) -> None:
    """Links and sessions that expired a day ago are deleted: they open nothing, and say who came when."""
    assert core.storage is not None
    try:
        await core.storage.web.forget_before(utcnow() - dt.timedelta(days=1))
    except Exception:  # the desk keeps serving; the next pass tries again
        log.exception("could not forget expired web sessions")


def web_app(core: Core) -> web.Application:
    assert core.officers is not None, "the web desk needs the database"
    # an image upload is the largest body a form sends: the image limit, and room for the form around it
    app = web.Application(middlewares=[security_headers, sessions], client_max_size=MAX_BYTES + 1024 * 1024)
    app[CORE] = core
    app[DESK] = core.officers
    app[FLASHES] = {}
    app[LOGIN_TRIES] = CheckLimiter(LOGIN_TRIES_PER_MINUTE)
    add_routes(app)
    return app


async def serve_web(core: Core, stop: asyncio.Event) -> None:
    """Serve the desk on `web.listen` until `stop` is set."""
    settings = core.config.web
    assert settings.listen is not None
    host, port = settings.listen
    runner = web.AppRunner(web_app(core), access_log=None)  # an access log would hold login links
    await runner.setup()
    try:
        await listen(web.TCPSite(runner, host, port), "web.listen")
        log.info("officers' web desk on http://%s:%d, opened at %s (links from /web, valid %d minutes)",
                 host, port, settings.public_url, LINK_MINUTES)
        while not stop.is_set():
            await forget_expired(core)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FORGET_EVERY)
    finally:
        await runner.cleanup()
