"""The web desk's rules for every request: security headers, the session, the officer's current rights,
and the CSRF token of every POST.

- The session cookie is HttpOnly and SameSite=Strict, Secure (and __Host-) when `web.public_url` is
  https; it holds a random token whose hash is all the database keeps.
- Every page but the login pages needs a live session, and every session is checked against the
  officer's rights as they are now (bot/desk/logins.py): a revoked officer's next click ends it.
- Every POST carries the session's CSRF token and, when the browser says where it comes from, comes
  from the desk's own origin; a refused POST changes nothing and is audited.
- The pages hold no script at all, so the Content-Security-Policy allows none.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import WebConfig
from bot.desk.logins import SESSION_HOURS, csrf_matches
from bot.locale import LANGUAGES, get_locale
from handlers.web.keys import CORE, CURRENT, DESK, RequestState
from handlers.web.render import message_page, tr

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # no Referer to other sites (a login link's token never leaves); "no-referrer" would make the browser send
    # "Origin: null" with the desk's own forms, and the origin check needs the real one
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
LANGUAGE_COOKIE = "kiemchung_lang"
# Routes open without a session: the login link and its confirmation, the style sheet, the language.
PUBLIC_ROUTES = frozenset({"login", "login_confirm", "static", "language", "home", "icon"})


def session_cookie(config: WebConfig) -> str:
    """__Host- makes the browser refuse the cookie unless it is Secure, for / and this host only."""
    return "__Host-kiemchung" if config.secure else "kiemchung_session"


def set_session_cookie(response: web.StreamResponse, config: WebConfig, token: str) -> None:
    response.set_cookie(session_cookie(config), token, max_age=SESSION_HOURS * 3600, path="/", httponly=True,
                        samesite="Strict", secure=config.secure)


def clear_session_cookie(response: web.StreamResponse, config: WebConfig) -> None:
    response.del_cookie(session_cookie(config), path="/", secure=config.secure, httponly=True, samesite="Strict")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The headers of every answer, error pages included; pages are never cached (they hold reports)."""
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = message_page(request, 404, tr(request, "web.not_found"), tr(request, "web.not_found"))
    except web.HTTPException as exc:
        response = exc
    except Exception:
        log.exception("web: error on %s %s", request.method, request.path)
        response = message_page(request, 500, tr(request, "web.error"), tr(request, "web.error"))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.app[CORE].config.web.secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.match_info.route.name != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def same_origin(request: web.Request) -> bool:
    """A POST whose browser names another origin (or a cross-site fetch) is not the desk's own form."""
    public = urlsplit(request.app[CORE].config.web.public_url)
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{public.scheme}://{public.netloc}":
        return False
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


@web.middleware
async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The locale, the session and its rights, and the CSRF token of a POST, before any page."""
    config = request.app[CORE].config
    language = request.cookies.get(LANGUAGE_COOKIE, config.language)
    current = RequestState(get_locale(language if language in LANGUAGES else config.language))
    CURRENT.set(current)
    logins = request.app[DESK].logins
    token = request.cookies.get(session_cookie(config.web), "")
    session = await logins.session(token) if token else None
    current.session, current.token = session, token if session is not None else ""
    target = f"{request.method} {request.path}"
    if request.method == "POST" and not same_origin(request):
        await logins.refuse(session, f"{target} (another origin)")
        return message_page(request, 403, tr(request, "web.refused.title"), tr(request, "web.refused.csrf"))
    route = request.match_info.route.name
    if route in PUBLIC_ROUTES or request.match_info.http_exception is not None:
        return await handler(request)
    if session is None:
        if request.method == "POST":
            await logins.refuse(None, f"{target} (no session)")
        response = message_page(request, 401, tr(request, "web.needed.title"), tr(request, "web.needed.body"))
        if token:  # ended, expired or revoked: the browser forgets it
            clear_session_cookie(response, config.web)
        return response
    if request.method == "POST":
        form = await request.post()
        given = form.get("csrf")
        if not isinstance(given, str) or not csrf_matches(token, given):
            await logins.refuse(session, f"{target} (CSRF token {'wrong' if given else 'missing'})")
            return message_page(request, 403, tr(request, "web.refused.title"), tr(request, "web.refused.csrf"))
    return await handler(request)
