"""Scam-domain lists: files of one domain a line, loaded at start and reloaded when they change.

A list is a plain domain list (`evil.top`), a hosts file (`0.0.0.0 evil.top`, `127.0.0.1 evil.top`)
or a mix, with `#` comments; a line that is none of these is skipped and counted, and a file that
cannot be read is one WARNING line naming it, never a crash. An entry flags its host and every host
under it: `evil.top` flags `a.evil.top`. The shipped list (data/scam_domains.txt, press-named
domains with their sources) is always loaded first.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

log = logging.getLogger("kiemchung.signs")

SHIPPED_LIST = "scam_domains.txt"
# Seconds between two looks at the files' modification times, on a read. A look is one stat() a
# file; a list changed by `kiemchung blocklist fetch` from cron is in use within this time.
RELOAD_CHECK_SECONDS = 30.0
# The address column of a hosts file.
HOSTS_ADDRESSES = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1", "0", "::0"})
# Names every hosts file maps to itself; not entries, and not bad lines either.
HOSTS_BOILERPLATE = frozenset({
    "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost", "ip6-loopback",
    "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
})
DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def list_entry(token: str) -> str | None:
    """A list's domain in the form links are compared in (lower case, ASCII), or None if it is none."""
    name = token.strip().lower().rstrip(".")
    name = name.removeprefix("*.").removeprefix("www.")
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return name if DOMAIN.match(name) else None


@dataclass(frozen=True)
class ParsedList:
    domains: frozenset[str]
    entries: int  # lines that are neither blank nor comments nor hosts-file boilerplate
    bad_lines: int  # of those, the ones that hold no domain
    first_bad: int | None = None  # line number of the first bad line

    @property
    def valid_share(self) -> float:
        return 1 - self.bad_lines / self.entries if self.entries else 0.0


def parse_domain_list(text: str) -> ParsedList:
    domains: set[str] = set()
    entries = bad = 0
    first_bad: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        names = tokens[1:] if tokens[0] in HOSTS_ADDRESSES and len(tokens) > 1 else tokens
        names = [n for n in names if n.lower() not in HOSTS_BOILERPLATE]
        if not names:
            continue
        entries += 1
        found = [d for d in map(list_entry, names) if d is not None]
        if len(found) == len(names) and (len(names) == 1 or tokens[0] in HOSTS_ADDRESSES):
            domains.update(found)
        else:
            bad += 1
            first_bad = first_bad or number
    return ParsedList(frozenset(domains), entries, bad, first_bad)


@dataclass(frozen=True, slots=True)
class Listing:
    entry: str  # the list's line that matched (the host or one of its parents)
    source: str  # the file it came from, or "shipped"


@dataclass
class _File:
    path: Path
    stamp: tuple[int, int] | None = None  # (mtime_ns, size) of what is loaded
    domains: frozenset[str] = frozenset()
    problem: str = ""  # the last problem logged, so a file that stays broken is logged once


class ScamDomainLists:
    """The shipped list and the configured files, each reloaded when its mtime or size changes."""

    def __init__(self, files: Sequence[Path] = (), *, shipped: bool = True,
                 check_every: float = RELOAD_CHECK_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._shipped: frozenset[str] = frozenset()
        if shipped:
            text = resources.files("bot.signs").joinpath("data", SHIPPED_LIST).read_text(encoding="utf-8")
            self._shipped = parse_domain_list(text).domains
        self._files = [_File(Path(p)) for p in files]
        self._check_every = check_every
        self._clock = clock
        self._checked = clock()
        self._index: dict[str, str] = {}
        for f in self._files:
            self._load(f)
        self._rebuild()

    def __len__(self) -> int:
        return len(self._index)

    def match(self, host: str) -> Listing | None:
        """The entry flagging `host` (the host itself or a parent of it), if any."""
        if self._clock() - self._checked >= self._check_every:
            self.refresh()
        name = list_entry(host) or host.lower()  # the ASCII form lists are kept in
        labels = name.split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            source = self._index.get(candidate)
            if source is not None:
                return Listing(candidate, source)
        return None

    def refresh(self) -> None:
        """Reload every file whose modification time or size changed since it was loaded."""
        self._checked = self._clock()
        if any([self._load(f) for f in self._files]):
            self._rebuild()

    def _load(self, f: _File) -> bool:
        """Read `f` again if it changed; True when its domains did. A file that cannot be read keeps
        what was loaded from it before."""
        try:
            stat = f.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp == f.stamp:
                return False
            text = f.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            self._problem(f, f"cannot be read ({reason}); keeping {len(f.domains)} domains loaded before")
            return False
        parsed = parse_domain_list(text)
        f.stamp = stamp
        changed = parsed.domains != f.domains
        f.domains = parsed.domains
        if parsed.bad_lines:
            self._problem(f, f"{parsed.bad_lines} bad lines skipped (first: line {parsed.first_bad}); "
                             f"{len(parsed.domains)} domains loaded")
        else:
            f.problem = ""
            log.info("scam-domain list %s: %d domains loaded", f.path, len(parsed.domains))
        return changed

    @staticmethod
    def _problem(f: _File, message: str) -> None:
        if message != f.problem:
            log.warning("scam-domain list %s: %s", f.path, message)
            f.problem = message

    def _rebuild(self) -> None:
        index = dict.fromkeys(self._shipped, "shipped")
        for f in self._files:
            index.update(dict.fromkeys(f.domains, str(f.path)))
        self._index = index
