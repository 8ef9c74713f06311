"""Signing in and out of the web desk, and its language.

The link from /web opens a confirmation page, and only its button (a POST) uses the link: a link
preview or a mail scanner that fetches the URL cannot use it up, and the session cookie, SameSite=Strict,
is set by a page of the desk itself.
"""

from __future__ import annotations

import time

from aiohttp import web

from bot.groups.limiter import Admission
from handlers.web.keys import CORE, DESK, LOGIN_TRIES, state
from handlers.web.render import message_page, page, see_other, tr
from handlers.web.security import LANGUAGE_COOKIE, clear_session_cookie, set_session_cookie

LOGIN_TRIES_PER_MINUTE = 10  # login links opened from one address a minute: an officer needs one


def admitted(request: web.Request) -> bool:
    """Whether this client may try a login link now (a guessing run meets a wall, not the database)."""
    return request.app[LOGIN_TRIES].admit(request.remote or "?", time.monotonic()) is Admission.ALLOW


def refused(request: web.Request, message_key: str, status: int) -> web.Response:
    return message_page(request, status, tr(request, "web.login.title"), tr(request, message_key),
                        tr(request, "web.login.again"))


async def home(request: web.Request) -> web.StreamResponse:
    if state().session is not None:
        return see_other("/queue")
    return message_page(request, 200, tr(request, "web.needed.title"), tr(request, "web.needed.body"))


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /login/<token>: says whether the link still works, and offers the button that uses it."""
    if not admitted(request):
        return refused(request, "web.login.slow", 429)
    token = request.match_info["token"]
    problem = await request.app[DESK].logins.check_link(token)
    if problem:
        return refused(request, problem, 410 if problem != "web.login.unknown" else 404)
    return page(request, "login.html", token=token)


async def login_confirm(request: web.Request) -> web.StreamResponse:
    """POST /login: the link is used, the session starts, the queue opens."""
    if not admitted(request):
        return refused(request, "web.login.slow", 429)
    token = (await request.post()).get("token")
    session, problem = await request.app[DESK].logins.open_session(token if isinstance(token, str) else "")
    if session is None:
        return refused(request, problem, 403)
    response = see_other("/queue")
    set_session_cookie(response, request.app[CORE].config.web, session)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    current = state()
    await request.app[DESK].logins.close(current.token)
    current.session, current.token = None, ""
    response = message_page(request, 200, tr(request, "web.logged_out"), tr(request, "web.logged_out"),
                            tr(request, "web.login.again"))
    clear_session_cookie(response, request.app[CORE].config.web)
    return response


async def language(request: web.Request) -> web.StreamResponse:
    """GET /lang/<vi|en>?next=<path on this site>: the language of every page from now on."""
    code = request.match_info["code"]
    target = request.query.get("next", "/queue")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:  # never off the site
        target = "/queue"
    response = see_other(target)
    if code in ("vi", "en"):
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, path="/", httponly=True, samesite="Lax",
                            secure=request.app[CORE].config.web.secure)
    return response
