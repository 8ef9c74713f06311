"""Telegram's webhook mode: each POST stored in the durable inbox before it is answered 200.

The same inbox and the same handler path as long polling (handlers/telegram/polling.py): a POST's
update is written to SQLite (one fsync'd transaction) and only then acknowledged, so a process
killed after the 200 handles it at the next start; Telegram retries what got no 200, and the inbox
ignores an update id it already holds. A missing secret header is 401, a wrong one 403, and neither
stores anything; a body over MAX_BODY is refused (413) before it is read.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.config import TelegramConfig
from bot.store.connection import DatabaseUnavailable
from bot.store.inbox import stored_form
from handlers.http.metrics import METRICS
from handlers.startup import listen
from handlers.telegram.polling import PLATFORM, DurablePoller, update_id_of

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small: a 4096-character message with its entities, a forwarded post's
# origin and a reply's quoted message stay far below 100 KB; a megabyte leaves room and stops a flood.
MAX_BODY = 1024 * 1024


def refusal(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)


def webhook_app(handler: DurablePoller, settings: TelegramConfig) -> web.Application:
    expected = settings.secret_token.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return refusal(401, "missing secret token")
        if not hmac.compare_digest(given.encode(), expected):  # constant time: the secret is not guessed
            return refusal(403, "wrong secret token")
        try:
            update: Any = json.loads(await request.read())
        except ValueError:
            return refusal(400, "body is not JSON")
        update_id = update_id_of(update)
        if update_id is None:
            return refusal(400, "not an update: no update_id")
        try:  # stored, then handled by whichever process claims it (handlers/telegram/polling.py)
            await handler.store([(str(update_id), stored_form(update))])
        except Exception as exc:  # not stored, so not acknowledged: Telegram posts it again
            if isinstance(exc, DatabaseUnavailable):  # known (locked for too long, read-only): one line
                log.warning("could not store update %s (%s); Telegram will post it again", update_id, exc)
            else:
                log.exception("could not store update %s; Telegram will post it again", update_id)
            return refusal(503, "could not store the update")
        METRICS.contact(PLATFORM)
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(settings.webhook_path, receive)
    return app


async def serve_webhook(application: Application[Any, Any, Any, Any, Any, Any], handler: DurablePoller,
                        settings: TelegramConfig, allowed_updates: Sequence[str], stop: asyncio.Event,
                        drain_seconds: float = 30) -> None:
    """Listen, register the webhook with Telegram, then take POSTs until `stop` is set."""
    await handler.start_taking()
    runner = web.AppRunner(webhook_app(handler, settings), access_log=None)
    await runner.setup()
    try:
        host, port = settings.listen
        await listen(web.TCPSite(runner, host, port), "telegram.listen")
        await application.bot.set_webhook(settings.webhook_url, allowed_updates=list(allowed_updates),
                                          max_connections=settings.max_connections,
                                          secret_token=settings.secret_token)
        METRICS.contact(PLATFORM)
        log.info("Telegram: webhook as @%s, listening on %s:%d%s", application.bot.username, host, port,
                 settings.webhook_path)
        await stop.wait()
    finally:
        await runner.cleanup()  # no new POST is taken; the ones stored are handled below or at the next start
        await handler.drain(drain_seconds)
