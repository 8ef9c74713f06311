"""The matcher measured on the shared dev set and on this repository's held-out cases.

Accuracy is deterministic, so the targets of the matcher issue are tested here (speed is measured
in bench/). The dev set lives beside the repository, in ../shared/eval/dev, here and in CI.
"""

from pathlib import Path

import pytest

from bot.catalogue import load_catalogue
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD
from bot.evaluation import (
    PARAPHRASE,
    BaselineMatcher,
    Report,
    evaluate,
    format_reports,
    load_cases,
    shortfalls,
)
from bot.lexical_matcher import LexicalMatcher
from bot.matching import Band, Thresholds

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "eval" / "dev"
HELD_OUT = ROOT / "tests" / "fixtures" / "heldout_cases.yaml"
THRESHOLDS = Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD)
# The target for paraphrases (any band). Lexical matching does not reach it (0.26 on the dev
# set, see bench/README.md), and a small multilingual embedding model packaged on PyPI did not
# either without flooding the possible band with related warnings and news (see the closing note of
# the matcher issue): the target stays encoded below as a strict expected failure, so CI says so on
# every run and turns red the day it is met (then drop the xfail).
PARAPHRASE_TARGET = 0.85
# ... and this floor guards against losing what lexical matching does find today.
PARAPHRASE_FLOOR = 0.25


def run(cases_file: Path) -> Report:
    if not (DEV / "catalogue.yaml").exists():
        pytest.fail(f"the dev set is missing: expected {DEV} beside the repository")
    catalogue = load_catalogue(DEV / "catalogue.yaml")
    return evaluate(LexicalMatcher(catalogue.published, THRESHOLDS), load_cases(cases_file))


def lexical_shortfalls(report: Report) -> list[str]:
    return [line for line in shortfalls(report) if not line.startswith("paraphrase")]


def test_dev_set_meets_the_targets() -> None:
    report = run(DEV / "cases.yaml")
    assert lexical_shortfalls(report) == []
    paraphrase = report.positives[PARAPHRASE]
    assert paraphrase.share(paraphrase.in_any) >= PARAPHRASE_FLOOR


@pytest.mark.xfail(strict=True, reason="paraphrase recall 0.26 < 0.85: lexical matching runs out there")
def test_dev_set_paraphrase_target() -> None:
    paraphrase = run(DEV / "cases.yaml").positives[PARAPHRASE]
    assert paraphrase.share(paraphrase.in_any) >= PARAPHRASE_TARGET


def test_held_out_cases_meet_the_targets() -> None:
    assert lexical_shortfalls(run(HELD_OUT)) == []


def test_baseline_is_the_naive_token_set_ratio() -> None:
    catalogue = load_catalogue(DEV / "catalogue.yaml")
    baseline = BaselineMatcher(catalogue.published)
    claim = catalogue.published[0].claim
    assert baseline.match(claim).band is Band.MATCH
    # the subset pitfall of the issue: a few of the claim's words score 100
    assert baseline.match(" ".join(claim.split()[:3])).score == 100


def test_report_table_names_every_kind() -> None:
    report = run(HELD_OUT)
    table = format_reports(report, report)
    for kind in (*report.positives, *report.negatives):
        assert kind in table
    assert "match-band precision" in table
