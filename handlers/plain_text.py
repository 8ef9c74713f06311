"""Render a core Reply as plain text (console, Zalo): styles dropped, links as bare URLs."""

from __future__ import annotations

from bot.replies import Reply


def render_plain(reply: Reply) -> str:
    paragraphs = []
    for paragraph in reply.paragraphs:
        parts = []
        for span in paragraph.spans:
            if span.url and span.url != span.text:
                parts.append(f"{span.text}: {span.url}")
            else:
                parts.append(span.text)
        paragraphs.append("".join(parts))
    return "\n\n".join(paragraphs)
