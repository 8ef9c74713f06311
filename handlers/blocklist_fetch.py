"""Downloading a public scam-domain list into the file the bot reads (`kiemchung blocklist fetch`).

The old file stays as it was unless the new one is complete and looks like a domain list: the
download must finish within the timeout and the size cap, be UTF-8 text, and parse with at least
one domain and a sane share of valid lines. Then it replaces the file atomically (a temporary file
in the same folder, then os.replace), so the bot, which reloads the file when it changes, never
reads half of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.signs.blocklist import ParsedList, parse_domain_list

# The public Vietnamese lists named in README.md are a few MB at most (hosts formats of tens of
# thousands of lines); 20 MB leaves room to grow and stops a wrong URL that serves a large file.
MAX_BYTES = 20 * 1024 * 1024
TIMEOUT_SECONDS = 30.0
# Share of a list's non-comment lines that must be domains. The lists named in README.md are
# domains or hosts lines throughout (a few IP addresses at most); an HTML page or a JSON API answer
# that parses a few domain-shaped words falls far below.
MIN_VALID_SHARE = 0.5


class FetchError(Exception):
    """Why a list was not written, in one line."""


@dataclass(frozen=True)
class Fetched:
    path: Path
    parsed: ParsedList


def _download(url: str, timeout: float, max_bytes: int, transport: httpx.BaseTransport | None) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"not an http(s) URL: {url}")
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client, \
                client.stream("GET", url) as response:
            if response.status_code != 200:
                raise FetchError(f"{url} answered HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url} is {int(declared):,} bytes, more than the {max_bytes:,} bytes allowed")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{url} is more than the {max_bytes:,} bytes allowed")
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise FetchError(f"{url} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot download {url}: {exc}") from None
    return b"".join(chunks)


def fetch_domain_list(url: str, output: Path, *, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES,
                      transport: httpx.BaseTransport | None = None) -> Fetched:
    """Download `url`, check it is a domain list, and put it at `output`; raises FetchError, leaving
    `output` untouched, for every known failure."""
    body = _download(url, timeout, max_bytes, transport)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FetchError(f"{url} is not UTF-8 text") from None
    parsed = parse_domain_list(text)
    if not parsed.domains:
        raise FetchError(f"{url} is not a domain list: no line of it is a domain")
    if parsed.valid_share < MIN_VALID_SHARE:
        raise FetchError(f"{url} is not a domain list: only {parsed.valid_share:.0%} of its lines are domains "
                         f"(at least {MIN_VALID_SHARE:.0%} needed)")
    _replace(output, body)
    return Fetched(output, parsed)


def _replace(output: Path, body: bytes) -> None:
    folder = output.parent if str(output.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise FetchError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private; the list keeps the old file's mode, or is readable by all
        # (the bot may run as another user than cron)
        os.chmod(temporary, output.stat().st_mode & 0o777 if output.exists() else 0o644)
        os.replace(temporary, output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise FetchError(f"cannot write {output}: {exc.strerror}") from None
