"""Measuring a matcher on a cases file (../shared/catalogue-format.md, "Cases format").

`kiemchung eval` runs the bot's matcher and the naive baseline of the matcher issue on the same
cases and prints both, per kind of case. The figures:

- positives (a case naming an entry): recall in the `match` band (the entry is the top answer),
  and in any band (the entry is among the candidates of a `match` or `possible` answer);
- negatives (a case naming none): the share answered `match` (a false warning) and the share
  landing in `possible` (shown to people, so it must not be noise);
- wrong id: positives answered `match` with another entry;
- match-band precision: of all `match` answers, the share naming the right entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, utils

from bot.catalogue import Rumor
from bot.matching.matcher import Band, Candidate, Matcher, MatchResult, Thresholds

PARAPHRASE = "paraphrase"
SHORT = "short"

# The naive reference of the matcher issue: token_set_ratio of the raw text against every claim.
BASELINE_THRESHOLDS = Thresholds(match=80, possible=60)


class CasesError(ValueError):
    pass


@dataclass(frozen=True)
class Case:
    id: str
    text: str  # the message; for an image case, the caption sent with it (may be empty)
    expect: str | None
    kind: str
    image: Path | None = None  # an image case: the image, resolved against the cases file


def parse_cases(data: Any, origin: str, base: Path | None = None) -> list[Case]:
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise CasesError(f"{origin}: expected a mapping with a 'cases' list")
    out = []
    for i, raw in enumerate(data["cases"]):
        image = raw.get("image") if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or not (isinstance(raw.get("text"), str) or isinstance(image, str)):
            raise CasesError(f"{origin}: cases[{i}] needs a 'text' or an 'image'")
        expect = raw.get("expect")
        if expect is not None and not isinstance(expect, str):
            raise CasesError(f"{origin}: cases[{i}].expect must be an entry id or null")
        text = str(raw["text"]) if isinstance(raw.get("text"), str) else str(raw.get("caption") or "")
        out.append(Case(str(raw.get("id", f"case{i + 1}")), text, expect, str(raw.get("kind", "unknown")),
                        (base or Path(".")) / image if isinstance(image, str) else None))
    return out


def load_cases(path: Path) -> list[Case]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CasesError(f"{path}: cannot be read: {exc}") from exc
    return parse_cases(data, str(path), path.parent)


class BaselineMatcher:
    """Brute force: rapidfuzz token_set_ratio (default processing) of the message against every claim."""

    def __init__(self, rumors: Sequence[Rumor], thresholds: Thresholds = BASELINE_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self._claims: list[tuple[Rumor, str]] = []
        self.replace(rumors)

    def replace(self, rumors: Sequence[Rumor]) -> None:
        self._claims = [(r, utils.default_process(r.claim)) for r in rumors if r.is_published]

    def match(self, text: str) -> MatchResult:
        message = utils.default_process(text)
        scored = sorted(((fuzz.token_set_ratio(message, claim), rumor) for rumor, claim in self._claims),
                        key=lambda item: item[0], reverse=True)
        found = tuple(Candidate(rumor, round(value, 1)) for value, rumor in scored[:3]
                      if value >= self.thresholds.possible)
        if not found:
            return MatchResult(Band.NONE)
        band = Band.MATCH if found[0].score >= self.thresholds.match else Band.POSSIBLE
        return MatchResult(band, found)


@dataclass
class KindFigures:
    kind: str
    cases: int = 0
    in_match: int = 0  # positives: right entry answered `match`; negatives: answered `match`
    in_any: int = 0  # positives: right entry among the candidates; negatives: answered `possible`
    wrong_id: int = 0  # positives answered `match` with another entry

    def share(self, count: int) -> float:
        return count / self.cases if self.cases else 0.0


@dataclass
class Report:
    positives: dict[str, KindFigures] = field(default_factory=dict)
    negatives: dict[str, KindFigures] = field(default_factory=dict)
    misses: list[tuple[Case, MatchResult]] = field(default_factory=list)  # for debugging a matcher

    def _sum(self, rows: Iterable[KindFigures], kind: str) -> KindFigures:
        total = KindFigures(kind)
        for row in rows:
            total.cases += row.cases
            total.in_match += row.in_match
            total.in_any += row.in_any
            total.wrong_id += row.wrong_id
        return total

    @property
    def lexical_kinds(self) -> KindFigures:
        """Every positive kind but paraphrase: what lexical matching is expected to find."""
        return self._sum((r for k, r in self.positives.items() if k != PARAPHRASE), "all but paraphrase")

    @property
    def all_positives(self) -> KindFigures:
        return self._sum(self.positives.values(), "all positives")

    @property
    def all_negatives(self) -> KindFigures:
        return self._sum(self.negatives.values(), "all negatives")

    @property
    def match_precision(self) -> float:
        right = self.all_positives.in_match
        answered = right + self.all_positives.wrong_id + self.all_negatives.in_match
        return right / answered if answered else 1.0


def evaluate(matcher: Matcher, cases: Sequence[Case],
             decide: Callable[[Case], MatchResult] | None = None) -> Report:
    """The figures of `matcher` on `cases`; `decide` gives the result of a case instead (image cases)."""
    report = Report()
    for case in cases:
        result = decide(case) if decide is not None else matcher.match(case.text)
        table = report.negatives if case.expect is None else report.positives
        row = table.setdefault(case.kind, KindFigures(case.kind))
        row.cases += 1
        top = result.rumor.id if result.rumor is not None and result.band is not Band.NONE else None
        if case.expect is None:
            row.in_match += result.band is Band.MATCH
            row.in_any += result.band is Band.POSSIBLE
            if result.band is not Band.NONE:
                report.misses.append((case, result))
            continue
        ids = {c.rumor.id for c in result.candidates} if result.band is not Band.NONE else set()
        right_match = result.band is Band.MATCH and top == case.expect
        row.in_match += right_match
        row.in_any += case.expect in ids
        row.wrong_id += result.band is Band.MATCH and top != case.expect
        if not right_match:
            report.misses.append((case, result))
    return report


# The targets of the matcher issue on ../shared/eval/dev.
TARGET_PRECISION = 0.99
TARGET_FALSE_MATCH = 0.01
TARGET_NEGATIVES_POSSIBLE = 0.10
TARGET_RECALL_ANY = 0.97
TARGET_RECALL_MATCH = 0.85
TARGET_PARAPHRASE_ANY = 0.85


def shortfalls(report: Report) -> list[str]:
    """The targets a report misses, one line each (empty when all are met)."""
    out = []
    negatives = report.all_negatives
    lexical = report.lexical_kinds
    if report.match_precision < TARGET_PRECISION:
        out.append(f"match-band precision {report.match_precision:.3f} < {TARGET_PRECISION}")
    if negatives.share(negatives.in_match) > TARGET_FALSE_MATCH:  # share() is 0 without negatives
        out.append(f"false match on negatives {negatives.share(negatives.in_match):.3f} > {TARGET_FALSE_MATCH}")
    short = report.negatives.get(SHORT)
    if short is not None and short.in_match:
        out.append(f"{short.in_match} short message(s) answered as a match")
    if negatives.share(negatives.in_any) > TARGET_NEGATIVES_POSSIBLE:
        out.append(f"negatives in possible {negatives.share(negatives.in_any):.3f} > {TARGET_NEGATIVES_POSSIBLE}")
    if lexical.cases and lexical.share(lexical.in_any) < TARGET_RECALL_ANY:
        out.append(f"recall (any band, all but paraphrase) {lexical.share(lexical.in_any):.3f} < {TARGET_RECALL_ANY}")
    if lexical.cases and lexical.share(lexical.in_match) < TARGET_RECALL_MATCH:
        out.append(f"recall (match, all but paraphrase) {lexical.share(lexical.in_match):.3f} < {TARGET_RECALL_MATCH}")
    paraphrase = report.positives.get(PARAPHRASE)
    if paraphrase is not None and paraphrase.share(paraphrase.in_any) < TARGET_PARAPHRASE_ANY:
        out.append(f"paraphrase recall (any band) {paraphrase.share(paraphrase.in_any):.3f} < {TARGET_PARAPHRASE_ANY}")
    return out


def _pct(row: KindFigures, count: int) -> str:
    return f"{100 * row.share(count):5.1f}%"


def format_reports(ours: Report, baseline: Report, names: tuple[str, str] = ("ours", "baseline")) -> str:
    """Both reports side by side, as a plain-text table."""
    a, b = names
    lines = [
        f"{'POSITIVES':22} {'n':>4} | {a + ' match':>11} {a + ' any':>9} | {b + ' match':>15} {b + ' any':>13}",
    ]

    def row_line(row: KindFigures, other: KindFigures) -> str:
        return (f"{row.kind:22} {row.cases:4d} | {_pct(row, row.in_match):>11} {_pct(row, row.in_any):>9} | "
                f"{_pct(other, other.in_match):>15} {_pct(other, other.in_any):>13}")

    for kind in sorted(ours.positives):
        lines.append(row_line(ours.positives[kind], baseline.positives.get(kind, KindFigures(kind))))
    lines.append(row_line(ours.lexical_kinds, baseline.lexical_kinds))
    lines.append(row_line(ours.all_positives, baseline.all_positives))
    lines.append("")
    lines.append(f"{'NEGATIVES':22} {'n':>4} | {a + ' match':>11} {a + ' poss':>9} | "
                 f"{b + ' match':>15} {b + ' poss':>13}")
    for kind in sorted(ours.negatives):
        lines.append(row_line(ours.negatives[kind], baseline.negatives.get(kind, KindFigures(kind))))
    lines.append(row_line(ours.all_negatives, baseline.all_negatives))
    lines.append("")
    for name, report in ((a, ours), (b, baseline)):
        positives = report.all_positives
        lines.append(
            f"{name}: match-band precision {report.match_precision:.3f}, wrong id {positives.wrong_id}, "
            f"false match on negatives {report.all_negatives.in_match}/{report.all_negatives.cases}, "
            f"negatives in possible {report.all_negatives.in_any}/{report.all_negatives.cases}"
        )
    return "\n".join(lines)


def describe_misses(report: Report) -> str:
    """One line per case the matcher got wrong or only half right, for tuning without peeking at code."""
    lines = []
    for case, result in report.misses:
        best: Candidate | None = result.best
        got = f"{best.rumor.id} {best.score:.1f}" if best else "-"
        lines.append(f"{case.id} [{case.kind}] expect={case.expect} got={result.band.value}:{got} | {case.text[:90]!r}")
    return "\n".join(lines)
