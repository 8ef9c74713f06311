"""HTML of the web desk: Jinja2 templates (package data, autoescape on, every value escaped unless it is
already Markup we made), the locale of the request, and the core's plain replies as HTML."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.catalogue import Verdict
from bot.checking import verdict_label
from bot.desk.clock import local_time
from bot.locale import Locale, get_locale
from bot.replies import Reply, Style
from handlers.web.keys import CORE, FLASHES, state

# A link the page may make clickable: an http(s) address (the loader allows no other for sources).
# Anything else a report or an entry holds (javascript:, data:, a scam's bare domain) stays text.
SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)

MAX_FLASHES = 1000

TEMPLATES = Environment(
    loader=PackageLoader("handlers.web", "templates"),
    autoescape=True,  # every template, whatever its name: report texts are chosen by whoever writes to the bot
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def text_html(text: str) -> Markup:
    """Plain text as HTML: escaped, its line breaks kept."""
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))


def reply_html(reply: Reply) -> Markup:
    """A plain reply of the core (what the chat shows) as HTML paragraphs."""
    paragraphs = []
    for paragraph in reply.paragraphs:
        parts = []
        for span in paragraph.spans:
            piece = text_html(span.text)
            if span.url and SAFE_URL.match(span.url):
                piece = Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(span.url, piece)
            if span.style is Style.BOLD:
                piece = Markup("<strong>{}</strong>").format(piece)
            elif span.style is Style.ITALIC:
                piece = Markup("<em>{}</em>").format(piece)
            parts.append(piece)
        paragraphs.append(Markup("<p>{}</p>").format(Markup("").join(parts)))
    return Markup("\n").join(paragraphs)


def safe_url(url: str) -> str | None:
    return url if SAFE_URL.match(url) else None


def helpers(locale: Locale) -> dict[str, Any]:
    """What every template may call."""
    def verdict(value: Verdict | str) -> str:
        return verdict_label(Verdict(value), locale)

    def when(moment: dt.datetime | str) -> str:
        return local_time(dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment)

    return {"t": locale.t, "lang": locale.language, "verdict": verdict, "when": when, "safe_url": safe_url,
            "text_html": text_html}


def flash(request: web.Request, text: str) -> None:
    """A short message for the next page this session opens (after the redirect that ends a POST)."""
    token = state().token
    flashes = request.app[FLASHES]
    if token:
        if len(flashes) > MAX_FLASHES:  # messages of sessions that never opened another page
            flashes.clear()
        flashes[token] = text


def locale_of(request: web.Request) -> Locale:
    return state().locale or get_locale(request.app[CORE].config.language)


def tr(request: web.Request, key: str, **values: Any) -> str:
    """A sentence of the locale in the request's language."""
    return locale_of(request).t(key, **values)


def message_page(request: web.Request, status: int, title: str, text: str, more: str = "") -> web.Response:
    """A page that only says something: a refusal, a link that no longer works, an error."""
    return page(request, "message.html", status=status, title=title, message=text, more=more)


def page(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    locale = locale_of(request)
    session, token = state().session, state().token
    # only a page that answers a click shows the message (an error page the browser asked for by itself,
    # such as a missing icon, must not swallow it)
    shows = token and session is not None and status == 200
    message = request.app[FLASHES].pop(token, "") if shows else ""
    html = TEMPLATES.get_template(template).render(
        **helpers(locale), session=session, csrf=session.csrf if session else "", flash=message,
        path=request.path_qs, **context)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


def see_other(location: str) -> web.Response:
    """The end of every POST: the browser loads the page anew (a reload does not repeat the action)."""
    return web.Response(status=303, headers={"Location": location})
