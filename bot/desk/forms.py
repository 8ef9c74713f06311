"""What officers type to make or change an entry: the one-shot form, field names, verdict words, ids.

Pure functions: the form becomes a raw catalogue mapping, and the catalogue loader's own
`parse_entry` decides whether it is valid (bot/desk/entries.py), so an entry typed in the chat obeys
exactly the rules of one written in the YAML file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.catalogue import Verdict
from bot.matching.normalize import folded

# Officer ids stay short enough for a button payload ("v1:of:ln:<report>:<id>" ≤ 64 bytes).
MAX_ID_LENGTH = 40

# Form keys, as officers type them (compared folded: "Tóm tắt" = "tom tat"), to the form's field.
FIELD_ALIASES: Mapping[str, str] = {
    "id": "id", "ma": "id", "ma tin": "id",
    "claim": "claim", "noi dung": "claim", "tuyen bo": "claim", "tin": "claim", "tin don": "claim",
    "verdict": "verdict", "ket luan": "verdict", "danh gia": "verdict",
    "summary": "summary", "tom tat": "summary", "giai thich": "summary", "su that": "summary",
    "source": "source", "nguon": "source", "link nguon": "source",
    "publisher": "publisher", "don vi": "publisher", "co quan": "publisher", "noi dang": "publisher",
    "urls": "urls", "url": "urls", "duong link": "urls", "ten mien": "urls",
    "phones": "phones", "phone": "phones", "so dien thoai": "phones", "sdt": "phones",
    "variants": "variants", "bien the": "variants", "cach noi khac": "variants",
    "region": "region", "khu vuc": "region", "dia ban": "region",
    "tags": "tags", "the": "tags", "nhan": "tags",
    "published": "published", "ngay": "published", "ngay kiem chung": "published",
}
LIST_FIELDS = frozenset({"urls", "phones", "variants", "tags"})
OPTIONAL_FIELDS = frozenset({"publisher", "region", "published"})
# Fields /sua can change; id and status have their own commands (/xoa, /khoiphuc).
EDITABLE_FIELDS = ("claim", "verdict", "summary", "source", "publisher", "urls", "phones", "variants",
                   "region", "tags", "published")

VERDICT_ALIASES: Mapping[str, Verdict] = {
    "false": Verdict.FALSE, "sai": Verdict.FALSE, "sai su that": Verdict.FALSE, "tin gia": Verdict.FALSE,
    "misleading": Verdict.MISLEADING, "gay hieu lam": Verdict.MISLEADING, "sai lech": Verdict.MISLEADING,
    "scam": Verdict.SCAM, "lua dao": Verdict.SCAM,
    "true": Verdict.TRUE, "dung": Verdict.TRUE, "dung su that": Verdict.TRUE, "chinh xac": Verdict.TRUE,
}
FORM_LINE = re.compile(r"^\s*([^:]{1,40}?)\s*:\s*(.*)$")
LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")


@dataclass
class Form:
    """The fields of a typed form (canonical names) and the lines before any known key."""

    fields: dict[str, str] = field(default_factory=dict)
    stray_lines: list[str] = field(default_factory=list)


def field_name(key: str) -> str | None:
    """The canonical field for a key as typed ('Tóm tắt' -> 'summary'), or None."""
    return FIELD_ALIASES.get(folded(key))


def verdict_of(value: str) -> str:
    """The canonical verdict for a word as typed ('lừa đảo' -> 'scam'); unknown words pass through
    unchanged so the loader names them."""
    verdict = VERDICT_ALIASES.get(folded(value))
    return verdict.value if verdict is not None else value.strip()


def parse_form(text: str) -> Form:
    """Read `key: value` lines. Any other line continues the previous value (a long summary may hold
    "Lưu ý: …"); the answer shows the whole entry, so a mistyped key is seen, not lost."""
    form = Form()
    current: str | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        match = FORM_LINE.match(line)
        name = field_name(match.group(1)) if match else None
        if match and name is not None:
            current = name
            form.fields[name] = match.group(2).strip()
        elif current is not None:
            form.fields[current] = f"{form.fields[current]} {line.strip()}".strip()
        else:
            form.stray_lines.append(line.strip())
    return form


def split_list(value: str) -> list[str]:
    return [item for item in LIST_SEPARATOR.split(value.strip()) if item]


def raw_entry(fields: Mapping[str, str], today: dt.date) -> dict[str, Any]:
    """The catalogue mapping of a form's fields, dated today (the day it was debunked)."""
    raw: dict[str, Any] = {"published": today.isoformat()}
    for name, value in fields.items():
        if name in ("source", "publisher"):
            continue
        if name == "verdict":
            raw[name] = verdict_of(value)
        elif name in LIST_FIELDS:
            raw[name] = split_list(value)
        elif value:
            raw[name] = value
    source: dict[str, Any] = {"url": fields.get("source", "").strip() or None}
    if fields.get("publisher", "").strip():
        source["publisher"] = fields["publisher"].strip()
    raw["sources"] = [source] if source["url"] or "publisher" in source else []
    return raw


def apply_edit(raw: Mapping[str, Any], name: str, value: str) -> dict[str, Any]:
    """A copy of the catalogue mapping `raw` with one field changed as /sua asks."""
    out = dict(raw)
    if name in ("source", "publisher"):
        sources = [dict(s) for s in out.get("sources") or [{}]]
        sources[0]["url" if name == "source" else "publisher"] = value.strip()
        out["sources"] = sources
    elif name == "verdict":
        out["verdict"] = verdict_of(value)
    elif name in LIST_FIELDS:
        out[name] = split_list(value)
    else:
        out[name] = value.strip()
    return out


def apply_fields(raw: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """A copy of `raw` with every field of a whole form changed (the web desk's edit form): lists one
    item a line (a variant may hold commas), and an optional field left empty removed, not set empty."""
    out = dict(raw)
    for name, value in fields.items():
        value = value.strip()
        if name in LIST_FIELDS:
            items = [line.strip() for line in value.splitlines() if line.strip()]
            if name != "variants":  # links, phones and tags may also be typed on one line, as in the chat
                items = [item for line in items for item in split_list(line)]
            out[name] = items
            if not items:
                out.pop(name)
        elif name in OPTIONAL_FIELDS and not value:
            if name == "publisher":
                sources = [dict(s) for s in out.get("sources") or [{}]]
                sources[0].pop("publisher", None)
                out["sources"] = sources
            else:
                out.pop(name, None)
        else:
            out = apply_edit(out, name, value)
    return out


def make_slug(claim: str, taken: Container[str]) -> str:
    """An id from the claim's first words, folded ('Cắt nước phố cổ…' -> 'cat-nuoc-pho-co'), unique."""
    words = [re.sub(r"[^a-z0-9]", "", w) for w in folded(claim).lower().split()]
    base = ""
    for word in filter(None, words):
        candidate = f"{base}-{word}" if base else word
        if len(candidate) > MAX_ID_LENGTH - 3:  # room for a "-9" suffix
            break
        base = candidate
    base = base or "tin"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug
