"""Logging set-up that keeps secrets out: bot tokens sit in Bot API URLs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Any Telegram-style token (digits:secret) in a URL path, even one we were not told about.
TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted line, tracebacks included (an httpx error carries the URL)."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return TOKEN_IN_URL.sub("/bot<redacted>", text)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
