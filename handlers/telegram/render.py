"""Render a core Reply as Telegram HTML, every string escaped, split into messages that fit."""

from __future__ import annotations

import html

from bot.replies import Reply, Span, Style

MESSAGE_LIMIT = 4096  # Telegram's limit for a text message
CAPTION_LIMIT = 1024
PARAGRAPH_GAP = "\n\n"
TAGS = {Style.BOLD: ("<b>", "</b>"), Style.ITALIC: ("<i>", "</i>"), Style.PLAIN: ("", "")}


def render_span(span: Span, text: str | None = None) -> str:
    body = html.escape(span.text if text is None else text, quote=False)
    opening, closing = TAGS[span.style]
    body = f"{opening}{body}{closing}"
    if span.url:
        body = f'<a href="{html.escape(span.url, quote=True)}">{body}</a>'
    return body


def split_span(span: Span, limit: int) -> list[str]:
    """Render one over-long span as several pieces, each at most `limit` characters, cut at spaces."""
    pieces: list[str] = []
    words = span.text.split(" ")
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if len(render_span(span, candidate)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(render_span(span, current))
        current = word
        while len(render_span(span, current)) > limit:  # one "word" longer than a message
            cut = len(current)
            while len(render_span(span, current[:cut])) > limit:
                cut = cut * 3 // 4
            pieces.append(render_span(span, current[:cut]))
            current = current[cut:]
    if current:
        pieces.append(render_span(span, current))
    return pieces


def render_html(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The reply as HTML messages of at most `limit` characters (markup included)."""
    messages: list[str] = []
    current = ""

    def add(piece: str, gap: str) -> None:
        nonlocal current
        if current and len(current) + len(gap) + len(piece) > limit:
            messages.append(current)
            current = ""
        current = f"{current}{gap}{piece}" if current else piece

    for paragraph in reply.paragraphs:
        gap = PARAGRAPH_GAP
        for span in paragraph.spans:
            for piece in split_span(span, limit) if len(render_span(span)) > limit else [render_span(span)]:
                add(piece, gap)
                gap = ""
    if current:
        messages.append(current)
    return messages
