"""Plain text (console, Zalo): a core Reply with styles dropped and links as bare URLs, cut to fit."""

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


def split_plain(text: str, limit: int) -> list[str]:
    """Cut `text` into messages of at most `limit` characters: between paragraphs where possible,
    else between lines, else between words, else anywhere."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    for separator in ("\n\n", "\n", " "):
        cut = text.rfind(separator, 0, limit + 1)
        if cut > 0:
            return [text[:cut].rstrip(), *split_plain(text[cut + len(separator):], limit)]
    return [text[:limit], *split_plain(text[limit:], limit)]
