"""The per-user limit on checks in groups: a sliding window, one polite notice, then silence."""

from __future__ import annotations

from collections import deque
from enum import StrEnum


class Admission(StrEnum):
    ALLOW = "allow"
    NOTICE = "notice"  # over the limit: one polite notice...
    SILENT = "silent"  # ...then silence until the window frees up


class CheckLimiter:
    """At most `per_window` checks per user in any `window` seconds (a sliding window)."""

    def __init__(self, per_window: int, window: float = 60.0) -> None:
        self.per_window = per_window
        self.window = window
        self._times: dict[str, deque[float]] = {}
        self._noticed: set[str] = set()

    def admit(self, key: str, now: float) -> Admission:
        times = self._times.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.per_window:
            times.append(now)
            self._noticed.discard(key)
            if len(self._times) > 10_000:
                self._forget(now)
            return Admission.ALLOW
        if key in self._noticed:
            return Admission.SILENT
        self._noticed.add(key)
        return Admission.NOTICE

    def _forget(self, now: float) -> None:
        for key in [k for k, times in self._times.items() if not times or now - times[-1] >= self.window]:
            del self._times[key]
            self._noticed.discard(key)
