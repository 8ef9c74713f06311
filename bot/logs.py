"""Logging set-up that keeps secrets and personal data out.

Bot tokens sit in Bot API URLs: redacted from every line. Message texts and people's names sit in
the requests and responses that python-telegram-bot, httpx and aiosqlite log at DEBUG (every
update as received, every SQL statement with its values): those libraries are held at INFO or
above whatever `log_level` says, so even at DEBUG the log holds ids, never contents
(tests/handlers/test_log_privacy.py greps the log of end-to-end runs for them).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TextIO

# Any Telegram-style token (digits:secret) in a URL path, even one we were not told about.
TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
# A token-shaped string anywhere else, inside longer words too ("token=123456:AAE…", "bot123456:AAE…"):
# a bot id of 6+ digits and a secret of 20+ token characters, the shapes Telegram and Zalo hand out.
TOKEN_ANYWHERE = re.compile(r"\d{6,}:[A-Za-z0-9_-]{20,}")


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted line, tracebacks included (an httpx error carries the URL)."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        secrets = [s for s in secrets if s]
        # a token's secret part alone (after "<bot id>:") is as good as the token
        parts = [s.split(":", 1)[1] for s in secrets if ":" in s and len(s.split(":", 1)[1]) >= 8]
        self.secrets = tuple(sorted({*secrets, *parts}, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return TOKEN_ANYWHERE.sub("<redacted>", TOKEN_IN_URL.sub("/bot<redacted>", text))

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


# Libraries whose DEBUG (or INFO) lines carry URLs with the token, message texts or names.
QUIET_LIBRARIES = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO,
                   "aiosqlite": logging.INFO, "aiohttp": logging.INFO,
                   # with max_retries=0 it logs each 429 it hands on as an ERROR with a traceback; the
                   # sender (bot/delivery/sender.py) says that 429 in one line, with the chat and the wait
                   "telegram.ext.AIORateLimiter": logging.CRITICAL}


def setup_logging(level: str, secrets: Iterable[str], stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL holds the token; the others dump contents at DEBUG.
    for name, floor in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
