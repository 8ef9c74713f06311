"""The first matcher: folded text compared with rapidfuzz, every entry scanned.

Kept deliberately small; the matcher issue replaces it behind the same `Matcher` interface.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from bot.catalogue import Rumor
from bot.matching import Band, Candidate, Evidence, MatchResult, Thresholds
from bot.normalize import folded

# partial_ratio gives 100 to any short message found inside a claim: only trust it on messages
# with at least this many words (chosen on ../shared/eval/dev, `short` and `chat` negatives).
MIN_WORDS_FOR_PARTIAL = 8
MAX_CANDIDATES = 3


class FuzzyMatcher:
    def __init__(self, rumors: Sequence[Rumor], thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self._texts: list[tuple[Rumor, str, frozenset[str]]] = []
        self.replace(rumors)

    def replace(self, rumors: Sequence[Rumor]) -> None:
        texts = []
        for rumor in rumors:
            if not rumor.is_published:
                continue
            for text in rumor.texts:
                view = folded(text)
                texts.append((rumor, view, frozenset(view.split())))
        self._texts = texts


    def match(self, text: str) -> MatchResult:
        message = folded(text)
        words = frozenset(message.split())
        if not words:
            return MatchResult(Band.NONE)
        best: dict[str, Candidate] = {}
        for rumor, view, view_words in self._texts:
            shared = len(words & view_words)
            coverage = shared / min(len(words), len(view_words))
            sort_score = fuzz.token_sort_ratio(message, view)
            score = sort_score
            evidence = [Evidence("token_sort", sort_score)]
            if len(message.split()) >= MIN_WORDS_FOR_PARTIAL:
                shorter, longer = sorted((message, view), key=len)
                partial = fuzz.partial_ratio(shorter, longer) * coverage
                evidence.append(Evidence("partial×coverage", partial, detail=f"coverage {coverage:.2f}"))
                score = max(score, partial)
            current = best.get(rumor.id)
            if current is None or score > current.score:
                best[rumor.id] = Candidate(rumor, round(score, 1), tuple(evidence))
        ranked = sorted(best.values(), key=lambda c: c.score, reverse=True)
        top = ranked[0]
        if top.score >= self.thresholds.match:
            band = Band.MATCH
        elif top.score >= self.thresholds.possible:
            band = Band.POSSIBLE
        else:
            return MatchResult(Band.NONE, tuple(ranked[:1]))
        kept = tuple(c for c in ranked[:MAX_CANDIDATES] if c.score >= self.thresholds.possible)
        return MatchResult(band, kept)
