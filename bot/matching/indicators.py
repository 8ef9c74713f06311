"""Indicators in a text: links, phone numbers and bank accounts, each reduced to one key.

A scam lure is often nothing but a domain or a number, so these are compared as keys, not as
words: links by registered domain ("https://vcb-xacthuc-otp247.top/login" -> "vcb-xacthuc-otp247.top"),
phone numbers in E.164 ("0868.117.979" -> "+84868117979"), account numbers as digits after
"STK / số tài khoản". A link on a shortener or a shared platform (bit.ly, facebook.com) keeps its
path: the domain alone says nothing about who is behind it.

No network: tldextract reads only the public suffix list bundled with it, and writes no cache.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache

import phonenumbers
import tldextract

from bot.matching.normalize import read_data

DEFAULT_REGION = "VN"
# A candidate link: optional scheme, dotted labels ending in letters, optional port and path.
LINK = re.compile(
    r"(?<![\w@.-])(?:https?://)?(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_][\w-]*(?::\d{2,5})?(?:/[^\s<>\"'()]*)?",
    re.IGNORECASE,
)
ACCOUNT = re.compile(
    r"\b(?:stk|số\s*tk|số\s*tài\s*khoản|tài\s*khoản|tk|account|acc)\s*(?:số)?\s*[:.#]?\s*"
    r"((?:\d[\s.-]?){5,18}\d)(?![\d.,]*\s*(?:đ|d|vnd|vnđ|k|tr|triệu|nghìn|ngàn|đồng|usd|%)\b)(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A link as written, and where it stands in `Indicators.rest` (the same offsets: blanking keeps lengths)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Indicators:
    """Keys such as 'domain:x.top', 'link:bit.ly/Ab1', 'phone:+84868117979', 'account:190366882025'."""

    keys: frozenset[str] = frozenset()
    # The text with every indicator blanked out: the words of a link or a number are not words
    # of the claim ("vietcombank-xacthuc.top" must not make a message look like a Vietcombank rumor).
    rest: str = field(default="", compare=False)
    # Every link blanked out of `rest`, in order: scam signs judge its host, which the key drops.
    links: tuple[FoundLink, ...] = field(default=(), compare=False)


@cache
def _extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() : never fetch the list; cache_dir=None : never write one.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@cache
def _shared_hosts() -> frozenset[str]:
    data = read_data("link_hosts.yaml")
    return frozenset(str(h).lower() for h in (*data["shorteners"], *data["platforms"]))


@dataclass(frozen=True, slots=True)
class LinkParts:
    """A link taken apart: host 'login.vcb-xacthuc.top', registered domain 'vcb-xacthuc.top',
    public suffix 'top', path 'dang-nhap' (query and fragment dropped)."""

    host: str
    registered: str
    suffix: str
    path: str

    @property
    def shared(self) -> bool:
        """On a shortener or a shared platform, where anyone can publish (bit.ly, facebook.com)."""
        return self.host in _shared_hosts() or self.registered in _shared_hosts()


@lru_cache(maxsize=1 << 12)
def link_parts(link: str) -> LinkParts | None:
    """The parts of a link, or None when its host has no known public suffix."""
    text = link.strip().rstrip(".,;:!?")
    bare = re.sub(r"^https?://", "", text, flags=re.IGNORECASE)
    host, _, path = bare.partition("/")
    host = host.split(":", 1)[0].lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    parts = _extractor()(host)
    if not parts.suffix or not parts.domain:
        return None
    path = path.split("?", 1)[0].split("#", 1)[0]
    return LinkParts(host, parts.top_domain_under_public_suffix, parts.suffix, path)


def link_key(link: str) -> str | None:
    """'domain:<registered domain>' or, on a shortener or platform, 'link:<host/path>'; None if no link."""
    parts = link_parts(link)
    if parts is None:
        return None
    if parts.shared:
        path = parts.path.rstrip("/")
        return f"link:{parts.host}/{path}" if path else None
    return f"domain:{parts.registered}"


def is_link(text: str) -> bool:
    """A web address, with or without a key (a bare 'facebook.com' is a link but names no one)."""
    if text.lower().startswith(("http://", "https://")):
        return True
    host = text.split("/", 1)[0].split(":", 1)[0]
    return bool(_extractor()(host).suffix)


def phone_key(number: str, region: str = DEFAULT_REGION) -> str | None:
    """'phone:+84...' for a number written any usual way, None when it is not a valid number."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return "phone:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def extract(text: str, region: str = DEFAULT_REGION) -> Indicators:
    """Every link, bank account and phone number in a message."""
    text = unicodedata.normalize("NFKC", text)
    keys: set[str] = set()
    links: list[FoundLink] = []

    def blank(start: int, end: int) -> None:
        nonlocal text
        text = text[:start] + " " * (end - start) + text[end:]

    for found in list(LINK.finditer(text)):
        key = link_key(found.group())
        if key is not None:
            keys.add(key)
        if key is not None or is_link(found.group()):
            links.append(FoundLink(found.group(), *found.span()))
            blank(*found.span())
    for found in list(ACCOUNT.finditer(text)):
        digits = re.sub(r"\D", "", found.group(1))
        keys.add(f"account:{digits}")
        blank(*found.span(1))
    for phone in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        keys.add("phone:" + phonenumbers.format_number(phone.number, phonenumbers.PhoneNumberFormat.E164))
        blank(phone.start, phone.end)
    return Indicators(frozenset(keys), text, tuple(links))


def listed(urls: tuple[str, ...], phones: tuple[str, ...], region: str = DEFAULT_REGION) -> frozenset[str]:
    """The keys of the links and numbers an entry lists."""
    keys = {link_key(u) for u in urls} | {phone_key(p, region) for p in phones}
    return frozenset(k for k in keys if k is not None)
