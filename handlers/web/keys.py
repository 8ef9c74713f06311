"""What the web desk's application and each request carry, by typed key."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import web

from bot.core import Core
from bot.desk.logins import WebSession
from bot.desk.officers import OfficerDesk
from bot.groups.limiter import CheckLimiter
from bot.locale import Locale

CORE = web.AppKey("core", Core)
DESK = web.AppKey("desk", OfficerDesk)
FLASHES = web.AppKey("flashes", dict[str, str])  # session token -> the message of its next page
LOGIN_TRIES = web.AppKey("login_tries", CheckLimiter)  # login links opened, per client address



@dataclass
class RequestState:
    """What the sessions middleware found out about the request being handled."""

    locale: Locale | None = None
    session: WebSession | None = None  # the live session, with the officer's current rights
    token: str = ""  # the session cookie's value, when its session is live


# Each request is handled in its own task (one after another on a keep-alive connection), so a context
# variable holds its state, typed, whatever the version of aiohttp.
CURRENT: ContextVar[RequestState] = ContextVar("kiemchung_web_request")


def state() -> RequestState:
    """The state of the request being handled (empty outside one, or before the middleware ran)."""
    current = CURRENT.get(None)
    if current is None:
        current = RequestState()
        CURRENT.set(current)
    return current
