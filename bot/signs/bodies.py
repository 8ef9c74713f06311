"""The bodies scam messages claim to come from: their names, their official domains, the words of
theirs that a look-alike host borrows.

Two shipped files: data/official_domains.yaml (bodies with sourced domains) and
data/impersonated_bodies.yaml (bodies named in scams whose domains we could not source). A body
is named in a message when one of its names stands there as whole words, with the marks it was
written with or none at all (see `_same_word`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.matching.normalize import Normalized, normalize, read_data

DATA_PACKAGE = "bot.signs"
# Bodies of this kind are where a scam *sends* people ("kết bạn Zalo"), not who it claims to be:
# their domains are checked, their names are not an impersonation (research notes, section 5).
CHANNEL_KIND = "platform"
# A brand word this short also begins or ends ordinary words ("vib" in "vibes"): inside a longer
# part of a host it counts only when the message names the body.
SHORT_BRAND = 4


@dataclass(frozen=True)
class Body:
    id: str
    name: str
    kind: str
    names: tuple[str, ...]
    domains: tuple[str, ...] = ()  # registered domains
    host_patterns: tuple[str, ...] = ()  # official host names, shell-style ("congan.*.gov.vn")
    related: tuple[str, ...] = ()  # bodies whose domains count as this one's
    brand_words: tuple[str, ...] = ()
    incomplete: bool = False  # official domains surely missing: a foreign link is a weaker sign
    source: str = ""  # the URL the entry rests on

    @property
    def is_channel(self) -> bool:
        return self.kind == CHANNEL_KIND


@dataclass(frozen=True, slots=True)
class NamedBody:
    body: Body
    written: str  # the words as they stand in the message
    word: int  # index of the first word in the normalised message


def _words(text: str) -> tuple[tuple[str, str], ...]:
    norm = normalize(text)
    return tuple(zip(norm.accented, norm.folded, strict=True))


def _same_word(name: tuple[str, str], text: tuple[str, str]) -> bool:
    """A name's word with marks matches the same word with them or typed without any ("công" ~
    "cong", not "cộng"); a name's word without marks matches only a word without marks."""
    name_accented, name_folded = name
    text_accented, text_folded = text
    return text_folded == name_folded and text_accented in (text_folded, name_accented)


def _body(entry: dict[str, Any]) -> Body:
    source = entry.get("source") or {}
    return Body(
        id=str(entry["id"]),
        name=str(entry["name"]),
        kind=str(entry.get("kind", "")),
        names=tuple(str(n) for n in entry.get("names", ())),
        domains=tuple(str(d).lower() for d in entry.get("domains", ())),
        host_patterns=tuple(str(p).lower() for p in entry.get("host_patterns", ())),
        related=tuple(str(r) for r in entry.get("related", ())),
        brand_words=tuple(str(w).lower() for w in entry.get("brand_words", ())),
        incomplete=bool(entry.get("incomplete", False)),
        source=str(source.get("url", "")) if isinstance(source, dict) else "",
    )


class BodyDirectory:
    """Every known body, indexed for finding their names in a message and their domains in a link."""

    def __init__(self, bodies: Sequence[Body]) -> None:
        self.bodies = tuple(bodies)
        self._by_id = {b.id: b for b in self.bodies}
        missing = sorted({r for b in self.bodies for r in b.related} - set(self._by_id))
        if missing:
            raise ValueError(f"related bodies not defined: {', '.join(missing)}")
        # first folded word -> (the name's words, the body), longest names first
        self._names: dict[str, list[tuple[tuple[tuple[str, str], ...], Body]]] = {}
        for body in self.bodies:
            if body.is_channel:
                continue
            for name in body.names:
                words = _words(name)
                if words:
                    self._names.setdefault(words[0][1], []).append((words, body))
        for candidates in self._names.values():
            candidates.sort(key=lambda item: len(item[0]), reverse=True)
        self.official_domains = frozenset(d for b in self.bodies for d in b.domains)
        self._host_patterns = tuple(p for b in self.bodies for p in b.host_patterns)
        # (brand word, body): a body's own brand words and the labels of its registered domains
        self.brand_words = tuple(sorted(
            {(w, b.id) for b in self.bodies for w in (*b.brand_words, *(d.split(".", 1)[0] for d in b.domains))},
            key=lambda item: (-len(item[0]), item)))

    def get(self, body_id: str) -> Body:
        return self._by_id[body_id]

    def named_in(self, norm: Normalized) -> list[NamedBody]:
        """Bodies named in a normalised message, in order, longest name first where names overlap."""
        words = tuple(zip(norm.accented, norm.folded, strict=True))
        found: list[NamedBody] = []
        i = 0
        while i < len(words):
            for name, body in self._names.get(words[i][1], ()):
                piece = words[i:i + len(name)]
                if len(piece) == len(name) and all(_same_word(n, t) for n, t in zip(name, piece, strict=True)):
                    found.append(NamedBody(body, " ".join(w[0] for w in words[i:i + len(name)]), i))
                    i += len(name)
                    break
            else:
                i += 1
        return found

    def official_for(self, body_ids: Iterable[str]) -> frozenset[str]:
        """The registered domains that count as official for these bodies (their related ones included)."""
        out: set[str] = set()
        for body_id in body_ids:
            body = self._by_id[body_id]
            out.update(body.domains)
            for related in body.related:
                out.update(self._by_id[related].domains)
        return frozenset(out)

    def is_official(self, host: str, registered: str) -> bool:
        """The host belongs to a known body: its registered domain, or one of the official host patterns."""
        return registered in self.official_domains or any(fnmatch.fnmatchcase(host, p) for p in self._host_patterns)


@cache
def shipped_bodies() -> BodyDirectory:
    """The bodies of both shipped files."""
    return BodyDirectory([_body(e) for name in ("official_domains.yaml", "impersonated_bodies.yaml")
                          for e in read_data(name, DATA_PACKAGE)["bodies"]])
