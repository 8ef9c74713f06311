"""Matcher benchmark: latency per message, index build time and peak memory at 1k, 10k, 100k entries.

Run with `make bench` (or `.venv/bin/python bench/matcher_bench.py --sizes 1000 10000 100000`).
Each size runs in its own process pinned to one CPU, so the peak RSS is that size's alone.

Entries are generated: sentences from a word-bigram chain trained on the Vietnamese texts of
../shared/eval/dev (claims, variants, summaries and cases), mixed with invented syllables drawn
from a Zipf law (names, places, brand-like words), a third of the scam-like entries carrying a
made-up domain and phone number. Messages are fragments of random entries, re-typed without
marks or in teencode for some, plus the dev set's own messages (chat, news, questions). The
reference is brute force: rapidfuzz token_set_ratio of the message against every claim, timed
in the same run (on a sample of messages at the larger sizes: it takes seconds each).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import unicodedata
from itertools import pairwise
from pathlib import Path

import yaml
from rapidfuzz import fuzz, utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.catalogue import Rumor, Source, Verdict  # noqa: E402
from bot.matching.lexical import LexicalMatcher  # noqa: E402
from bot.matching.matcher import Thresholds  # noqa: E402
from bot.matching.normalize import fold  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev"
ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t",
          "th", "tr", "v", "x"]
RHYMES = ["a", "an", "anh", "ao", "at", "ai", "am", "ang", "ac", "ăn", "ăng", "âm", "ân", "âu", "e", "em", "en",
          "eo", "ê", "ên", "ênh", "i", "im", "in", "inh", "iêu", "o", "oa", "oan", "oi", "om", "on", "ong", "ô",
          "ôi", "ông", "ơ", "ơi", "ơn", "u", "ui", "um", "un", "ung", "ư", "ưa", "ương", "ươi", "uy", "uyên"]
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
TEENCODE = {"không": "ko", "được": "dc", "mọi": "mn", "với": "vs", "gì": "j", "người": "ng", "rồi": "r"}
THRESHOLDS = Thresholds(60, 35)


def dev_texts() -> tuple[list[str], list[str]]:
    """Training texts for the word chain, and real messages (the dev cases) when available."""
    if not (DEV / "catalogue.yaml").exists():
        fallback = ["Mọi người ơi chia sẻ gấp cho người thân biết tin này nhé",
                    "Ngân hàng thông báo tài khoản của quý khách bị tạm khóa vui lòng truy cập đường link"]
        return fallback, fallback
    catalogue = yaml.safe_load((DEV / "catalogue.yaml").read_text(encoding="utf-8"))
    cases = yaml.safe_load((DEV / "cases.yaml").read_text(encoding="utf-8"))["cases"]
    texts = []
    for entry in catalogue["rumors"]:
        texts += [entry["claim"], entry["summary"], *(entry.get("variants") or [])]
    messages = [c["text"] for c in cases]
    return texts + messages, messages


class Generator:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        training, self.messages = dev_texts()
        self.chain: dict[str, list[str]] = {}
        self.starts: list[str] = []
        for text in training:
            words = text.split()
            if words:
                self.starts.append(words[0])
            for a, b in pairwise(words):
                self.chain.setdefault(a, []).append(b)
        syllables = {unicodedata.normalize("NFC", o + r + t) for o in ONSETS for r in RHYMES for t in TONES}
        self.syllables = sorted(syllables)
        self.random.shuffle(self.syllables)

    def invented(self) -> str:
        # Zipf-like: a few invented words are frequent, most are rare
        rank = int(self.random.paretovariate(1.1)) - 1
        return self.syllables[rank % len(self.syllables)]

    def sentence(self, length: int) -> str:
        words = [self.random.choice(self.starts)]
        while len(words) < length:
            if self.random.random() < 0.3:
                words.append(self.invented())
                continue
            nexts = self.chain.get(words[-1])
            words.append(self.random.choice(nexts) if nexts else self.random.choice(self.starts))
        return " ".join(words)

    def rumor(self, number: int) -> Rumor:
        scam = self.random.random() < 0.35
        claim = self.sentence(self.random.randint(25, 60))
        variants = tuple(self.sentence(self.random.randint(12, 30)) for _ in range(self.random.randint(0, 2)))
        urls: tuple[str, ...] = ()
        phones: tuple[str, ...] = ()
        if scam:
            urls = (f"{fold(self.invented())}-{fold(self.invented())}{number}.top",)
            phones = (f"09{self.random.randint(10_000_000, 99_999_999)}",)
        return Rumor(id=f"e{number}", claim=claim, verdict=Verdict.SCAM if scam else Verdict.FALSE,
                     summary="Sai sự thật.", sources=(Source(url="https://example.example/x"),),
                     variants=variants, urls=urls, phones=phones)

    def message(self, rumors: list[Rumor]) -> str:
        roll = self.random.random()
        if roll < 0.4:
            return self.random.choice(self.messages)
        words = self.random.choice(rumors).claim.split()
        start = self.random.randint(0, max(0, len(words) - 12))
        piece = words[start:start + self.random.randint(8, 30)]
        if roll < 0.55:
            return fold(" ".join(piece).lower())
        if roll < 0.7:
            return " ".join(TEENCODE.get(w, w) for w in piece)
        return "Mọi người ơi có thật không: " + " ".join(piece)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(size: int, messages: int, brute_sample: int, seed: int) -> dict[str, float]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    generator = Generator(seed)
    rumors = [generator.rumor(i) for i in range(size)]
    texts = [generator.message(rumors) for _ in range(messages)]
    gc.collect()
    start = time.perf_counter()
    matcher = LexicalMatcher(rumors, THRESHOLDS)
    build = time.perf_counter() - start
    for text in texts[:20]:  # warm the caches
        matcher.match(text)
    latencies = []
    for text in texts:
        start = time.perf_counter()
        matcher.match(text)
        latencies.append(time.perf_counter() - start)
    claims = [utils.default_process(r.claim) for r in rumors]
    brute = []
    for text in texts[:brute_sample]:
        start = time.perf_counter()
        message = utils.default_process(text)
        max(fuzz.token_set_ratio(message, claim) for claim in claims)
        brute.append(time.perf_counter() - start)
    return {
        "entries": size,
        "wordings": sum(len(r.texts) for r in rumors),
        "build_s": build,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "per_second": len(latencies) / sum(latencies),
        "brute_p50_ms": 1000 * statistics.median(brute),
        "brute_messages": len(brute),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = parser.parse_args()
    if args.one:
        brute_sample = max(5, min(args.messages, 200_000 // args.one))
        print(json.dumps(measure(args.one, args.messages, brute_sample, args.seed)))
        return 0
    header = (f"{'entries':>8} {'wordings':>9} {'build s':>8} {'p50 ms':>7} {'p99 ms':>7} {'msg/s':>7} "
              f"{'brute p50 ms':>13} {'(n)':>5} {'speed-up':>9} {'peak RSS MB':>12}")
    print(header)
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size), "--messages", str(args.messages),
                              "--seed", str(args.seed)], check=True, capture_output=True, text=True).stdout
        r = json.loads(out)
        print(f"{r['entries']:>8} {r['wordings']:>9} {r['build_s']:>8.1f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} "
              f"{r['per_second']:>7.0f} {r['brute_p50_ms']:>13.1f} {r['brute_messages']:>5} "
              f"{r['brute_p50_ms'] / r['p50_ms']:>8.0f}x {r['peak_rss_mb']:>12.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
