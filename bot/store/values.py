"""How values are stored: moments as ISO 8601 UTC text, structures as JSON text."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def moment(value: dt.datetime) -> str:
    """Stored moments compared as text: one fixed width, so that text order is time order."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def from_json(text: str | None) -> Any:
    return json.loads(text) if text else None
