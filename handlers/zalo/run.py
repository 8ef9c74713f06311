"""Running the Zalo bot: long polling or the webhook, with the adapter and its follow-ups wired together."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import logging
from typing import Any

import httpx
from aiohttp import web

from bot.config import ZALO_TOKEN_ENV
from bot.core import Core
from bot.delivery.sender import Sender, policy_for
from handlers.http.metrics import METRICS
from handlers.shutdown import handlers_deadline, sends_deadline
from handlers.startup import StartupError, Stopped, listen, until_reachable
from handlers.zalo.adapter import ZaloAdapter
from handlers.zalo.client import ZaloApiError, ZaloClient
from handlers.zalo.delivery import ZaloTransport
from handlers.zalo.followups import ZaloFollowUps

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
POLL_GAP = 1.0  # seconds between polls, as Zalo asks
MAX_BACKOFF = 60.0
REFUSALS = (401, 403, 404)  # what Zalo answers a token it does not know; a glitch of its gateway too, at times
REFUSALS_IN_A_ROW = 5  # over a minute of back-off (2+4+8+16+32 s): a revoked token, not a passing glitch


class ZaloUnavailable(Exception):
    """Zalo answered getMe with a server error (5xx) or a rate limit: down for now, tried again."""


async def get_me(client: ZaloClient) -> dict[str, Any]:
    try:
        return await client.get_me()
    except ZaloApiError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise ZaloUnavailable(str(exc)) from None
        raise


async def poll(adapter: ZaloAdapter, stop: asyncio.Event) -> None:
    """Long polling: one update a call, 408 when idle, at least a second between polls. A refusal
    (401, 403, 404) is taken for a revoked token only REFUSALS_IN_A_ROW times in a row: raised then
    as a StartupError, which handlers/runner.py retries later (or exits on, when Zalo is alone)."""
    failures = refusals = 0
    while not stop.is_set():
        delay = POLL_GAP
        try:
            body = await adapter.client.get_update(adapter.settings.poll_timeout)
            METRICS.contact("zalo")
        except (ZaloApiError, httpx.HTTPError) as exc:
            failures += 1
            refusals = refusals + 1 if isinstance(exc, ZaloApiError) and exc.code in REFUSALS else 0
            if refusals >= REFUSALS_IN_A_ROW:
                raise StartupError(f"Zalo refused getUpdates {refusals} times in a row ({exc}): "
                                   f"check {ZALO_TOKEN_ENV}") from None
            delay = min(MAX_BACKOFF, POLL_GAP * 2**failures)
            log.warning("Zalo getUpdates failed (%s); retrying in %.0f s", exc, delay)
        else:
            failures = refusals = 0
            if body is not None:
                await adapter.handle_safely(body)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)


def webhook_app(adapter: ZaloAdapter) -> web.Application:
    """The webhook endpoint: secret checked in constant time, 200 at once, the work after."""
    expected = adapter.settings.secret_token.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.json_response({"ok": False, "description": "missing secret token"}, status=401)
        if not hmac.compare_digest(given.encode(), expected):
            return web.json_response({"ok": False, "description": "wrong secret token"}, status=403)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response({"ok": False, "description": "body is not JSON"}, status=400)
        METRICS.contact("zalo")
        try:  # stored; answered by whichever process claims it (adapter.taker)
            await adapter.take(body)
        except Exception:  # not stored: Zalo is told so (500) and delivers it again
            log.exception("could not store a Zalo update")
            return web.json_response({"ok": False, "description": "could not store the update"}, status=500)
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(adapter.settings.webhook_path, receive)
    return app


async def run_zalo(core: Core, stop: asyncio.Event, http: httpx.AsyncClient | None = None) -> None:
    settings = core.config.zalo
    client = ZaloClient(settings.token, settings.base_url, http)
    follow_ups: ZaloFollowUps | None = None
    adapter: ZaloAdapter | None = None
    sender: Sender | None = None
    try:
        try:
            me = await until_reachable(functools.partial(get_me, client), (httpx.TransportError, ZaloUnavailable),
                                       "the Zalo Bot API", stop)
        except Stopped:
            return
        except ZaloApiError as exc:
            if exc.code in (401, 403):
                raise StartupError(f"Zalo refused the token ({exc.code}): check {ZALO_TOKEN_ENV}") from None
            raise StartupError(f"Zalo getMe failed: {exc.description} ({exc.code})") from None
        adapter = ZaloAdapter(core, client, settings, str(me.get("account_name") or ""))
        assert core.outbox is not None, "the Zalo bot needs its database"
        sender = Sender(core.outbox, ZaloTransport(client, core.outbox, settings, adapter.locale),
                        policy_for(core.config.delivery))
        sender.start()
        follow_ups = ZaloFollowUps(core, adapter)
        await adapter.start_taking()  # updates a crash cut off, and those stored from now on
        await follow_ups.deliver()  # questions linked while the Zalo bot was not running
        log.info("Zalo bot %s (%s mode)", me.get("account_name", "?"), settings.mode)
        if settings.mode == "polling":
            with contextlib.suppress(ZaloApiError):  # 404 when none is set
                await client.delete_webhook()
            await poll(adapter, stop)
            return
        runner = web.AppRunner(webhook_app(adapter), access_log=None)
        await runner.setup()
        host, port = settings.listen
        await listen(web.TCPSite(runner, host, port), "zalo.listen")
        await client.set_webhook(settings.webhook_url, settings.secret_token)
        log.info("Zalo webhook listening on %s:%d%s", host, port, settings.webhook_path)
        await stop.wait()
        await runner.cleanup()
    finally:
        if adapter is not None:
            await adapter.drain(handlers_deadline(core.config))
        if follow_ups is not None:
            await follow_ups.close()
            if core.officers is not None:  # a restart (handlers/runner.py) registers its own
                core.officers.link_listeners.remove(follow_ups.linked)
        if sender is not None:
            await sender.stop(sends_deadline(core.config))
        await client.close()
