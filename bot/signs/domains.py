"""What a link's host says: official, on a scam list, or imitating a body.

Hosts are judged by their registered domain (the public suffix list bundled with tldextract, so
`gov.vn`, `com.vn` and `vercel.app` are suffixes) and by the parts of the host split at dots and
hyphens, never by how the host begins: `dichvucong.nfgov.com` is not dichvucong.gov.vn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import OSA

from bot.matching.indicators import LinkParts
from bot.matching.normalize import read_data
from bot.signs.blocklist import ScamDomainLists
from bot.signs.bodies import DATA_PACKAGE, SHORT_BRAND, BodyDirectory

# A look-alike differs from an official label by one edit (OSA: insert, delete, substitute, swap
# two letters), two from a label of 10 letters or more; labels shorter than 6 are left out: one
# edit from "vneid" or "vpbank" is too often another word. The press-named look-alikes are one or
# two edits away (vietcommbank, dichvucongg, evnnpcs, vcbdaigibink; scam_domains.txt).
LOOKALIKE_MIN_LENGTH = 6
LONG_LABEL = 10
# "gov" ending a part of a host outside .gov.vn: nfgov.com, lgovn.cc, dichvucong-gov.com, gdtgov.cfd.
GOV_IMITATION = re.compile(r"gov(?:vn|n)?$")


def host_parts(link: LinkParts) -> tuple[str, ...]:
    """The host without its suffix, split at dots and hyphens: ('dichvucong', 'nfgov')."""
    bare = link.host[:-len(link.suffix) - 1]
    return tuple(p for p in re.split(r"[.-]", bare) if p)


def registered_label(link: LinkParts) -> str:
    """The registered domain without its suffix: 'vietcombank-xacthuc'."""
    return link.registered[:-len(link.suffix) - 1]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found in a message (here: what a host shows), before the reader weighs it into a sign."""

    name: str  # a sign name: listed_scam_domain, lookalike_domain, … (bot/signs/reader.py, WEIGHTS)
    detail: str
    body: str | None = None
    weak: bool = False  # about a body whose official domains are incomplete


@dataclass(frozen=True)
class DomainRules:
    state_suffixes: tuple[str, ...]
    risky_tlds: frozenset[str]
    lookalike_characters: tuple[tuple[str, str], ...]


@cache
def shipped_rules() -> DomainRules:
    data = read_data("domain_rules.yaml", DATA_PACKAGE)
    return DomainRules(
        state_suffixes=tuple(str(s) for s in data["state_suffixes"]),
        risky_tlds=frozenset(str(t) for t in data["risky_tlds"]),
        lookalike_characters=tuple((str(k), str(v)) for k, v in data["lookalike_characters"].items()),
    )


class LinkJudge:
    def __init__(self, bodies: BodyDirectory, lists: ScamDomainLists | None, rules: DomainRules) -> None:
        self.bodies = bodies
        self.lists = lists
        self.rules = rules
        self._labels = tuple((w, b) for w, b in bodies.brand_words if len(w) >= LOOKALIKE_MIN_LENGTH)

    def is_trusted(self, host: LinkParts) -> bool:
        """A state body's domain or a known body's official one: never a sign, and no ask to click."""
        return any(host.registered.endswith("." + s) for s in self.rules.state_suffixes) \
            or self.bodies.is_official(host.host, host.registered)

    def judge(self, host: LinkParts, named: frozenset[str]) -> list[Finding]:
        """Everything the link shows, for a message naming the bodies `named` (ids)."""
        if self.is_trusted(host):
            return []
        found: list[Finding] = []
        listing = self.lists.match(host.host) if self.lists is not None else None
        if listing is not None:
            found.append(Finding("listed_scam_domain", f"{host.host} (list: {listing.source})"))
        if host.path.lower().endswith(".apk"):
            found.append(Finding("apk_link", f"{host.host}/{host.path}"))
        if host.shared:
            return found  # anyone can publish there: the host says nothing about who is behind it
        found.extend(self._imitations(host, named))
        if any(GOV_IMITATION.search(p) for p in host_parts(host)) and not self._foreign_government(host):
            found.append(Finding("fake_gov_domain", f"{host.host} is not under .gov.vn"))
        if host.suffix.rsplit(".", 1)[-1] in self.rules.risky_tlds:
            found.append(Finding("risky_tld", f".{host.suffix}"))
        return found

    @staticmethod
    def _foreign_government(host: LinkParts) -> bool:
        return any(GOV_IMITATION.fullmatch(p) for p in host.suffix.split("."))  # gov.uk, usa.gov

    def _imitations(self, host: LinkParts, named: frozenset[str]) -> list[Finding]:
        """Brand words inside the host, and near misses of official labels: at most one of each."""
        found: list[Finding] = []
        parts = host_parts(host)
        for word, body_id in self.bodies.brand_words:
            body = self.bodies.get(body_id)
            if self._borrows(host, parts, word, body_id in named):
                official = ", ".join(self.bodies.official_for([body_id])) or "none sourced"
                found.append(Finding("brand_in_foreign_domain", f"'{word}' in {host.host} (official: {official})",
                                         body_id, body.incomplete))
                break
        candidates = {*parts, registered_label(host).replace("-", "")}
        for label, body_id in self._labels:
            near = next((c for c in candidates if self._near_miss(c, label)), None)
            if near is not None:
                body = self.bodies.get(body_id)
                found.append(Finding("lookalike_domain", f"{host.host} ~ {label} ({body.name.split(' (')[0]})",
                                         body_id, body.incomplete))
                break
        return found

    @staticmethod
    def _borrows(host: LinkParts, parts: tuple[str, ...], word: str, named: bool) -> bool:
        if len(word) <= SHORT_BRAND:
            return word in parts or (named and any(p.startswith(word) or p.endswith(word) for p in parts))
        label = registered_label(host)
        if not any(word in p for p in parts) and word not in label.replace("-", ""):
            return False
        # A body's own word as the whole name under a Vietnamese suffix (congan.com.vn, a newspaper)
        # is someone's site, not a disguise; the same word under .cc or .top, or with more to it, is.
        return not (label == word and host.host == host.registered and host.suffix.endswith("vn"))

    def _near_miss(self, candidate: str, label: str) -> bool:
        if candidate == label or abs(len(candidate) - len(label)) > 2 or label in candidate:
            return False
        plain = candidate
        for written, meant in self.rules.lookalike_characters:
            plain = plain.replace(written, meant)
        if plain == label:
            return True
        allowed = 2 if len(label) >= LONG_LABEL else 1
        return OSA.distance(candidate, label, score_cutoff=allowed) <= allowed
