"""What a matcher answers, and the one interface every matcher implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.catalogue import Rumor


class Band(StrEnum):
    MATCH = "match"  # answer (and, in watch mode, warn)
    POSSIBLE = "possible"  # show as "có thể liên quan"; suggest to officers
    NONE = "none"
    # Never given by a matcher: the checker's verdict when no entry is close enough but the message
    # carries strong signs of a scam (bot/signs). It names no entry and never says "false".
    SUSPICIOUS = "suspicious"


@dataclass(frozen=True)
class Evidence:
    """One signal behind a score, shown to officers: 'token_sort 82.0/75.0'."""

    name: str
    value: float
    threshold: float | None = None
    detail: str = ""

    def __str__(self) -> str:
        limit = f"/{self.threshold:g}" if self.threshold is not None else ""
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.name} {self.value:.1f}{limit}{extra}"


@dataclass(frozen=True)
class Candidate:
    rumor: Rumor
    score: float
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    band: Band
    candidates: tuple[Candidate, ...] = field(default=())

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def rumor(self) -> Rumor | None:
        return self.candidates[0].rumor if self.candidates else None

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0


# When the second entry scores within this many points of the first, the two are near siblings ("lấy
# lại tiền bị lừa" through a fake expert or through a fake ministry page): both are shown as possible,
# neither is answered as the match. Measured on the dev, realistic-forms, blind and shipped sets
# (bench/README.md, "Real forms"): where a wrong entry ranks first, the right one trails it by 3.0 to
# 8.6 points in 6 of 7 cases (14.5 in the last); a right match leads the second entry by at least 10.6
# points (realistic set; 22.5 shipped, 35.4 dev, 42.3 blind). 10 costs no right match on any set;
# 12 costs one on the realistic set, 20 two.
SIBLING_MARGIN = 10.0


@dataclass(frozen=True)
class Thresholds:
    """Scores (0-100) at which a message enters each band, and the margin within which two entries are
    too close to call; set in config."""

    match: float
    possible: float
    sibling_margin: float = SIBLING_MARGIN


class Matcher(Protocol):
    def match(self, text: str) -> MatchResult: ...

    def replace(self, rumors: Sequence[Rumor]) -> None:
        """Swap in a new set of entries (officers' edits take effect without a restart)."""
        ...
