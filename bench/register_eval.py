"""Every case set, each measured by a register model that was not trained on it.

The shipped register model (bot/matching/register.py) learnt from the files in TRAINED_ON of
bench/register_train.py; measured on one of them it would flatter itself. For each set this script
trains the model again without that set (or uses the shipped one for sets it never saw: the shared
dev set, tests/fixtures/heldout_cases.yaml), builds the checker of the default configuration (lexical
matcher, scam signs) and prints, on one line per set: positives with the right entry named (match or
possible) and in `match`, positives matched to a wrong entry, innocent negatives in `match`, in
`possible` and called `suspicious`, and scams helped (a scam with its entry named, or `suspicious`;
unknown scams count when `suspicious`). Paraphrases are counted apart (the semantic signal's job).

    .venv/bin/python bench/register_eval.py [--possible 35] [--match 60] [--no-register] [--misses] [--kinds]

With --kinds, per kind of case: for positives the share with the right entry named and in `match`;
for negatives the share shown (`possible` or `match`) and in `match`.

Needs scikit-learn, like bench/register_train.py.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import register_train  # noqa: E402

from bot.catalogue import Rumor, Verdict, load_catalogue  # noqa: E402
from bot.checking import Checker  # noqa: E402
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD  # noqa: E402
from bot.matching.lexical import LexicalMatcher  # noqa: E402
from bot.matching.matcher import Band, Thresholds  # noqa: E402
from bot.matching.register import RegisterModel, shipped_model  # noqa: E402
from bot.signs.reader import SignReader  # noqa: E402

DEV = REPO.parent / "shared" / "eval" / "dev"
SHIPPED = REPO / "data" / "known_rumors.yaml"
SETS = (
    ("dev", DEV / "catalogue.yaml", DEV / "cases.yaml"),
    ("held-out", DEV / "catalogue.yaml", REPO / "tests" / "fixtures" / "heldout_cases.yaml"),
    ("blind dev", DEV / "catalogue.yaml", REPO / "tests" / "fixtures" / "blind_dev_cases.yaml"),
    ("shipped", SHIPPED, REPO / "tests" / "fixtures" / "shipped_cases.yaml"),
    ("realistic", SHIPPED, REPO / "tests" / "fixtures" / "real_forms_cases.yaml"),
    ("realistic blind", SHIPPED, REPO / "tests" / "fixtures" / "real_forms_blind_cases.yaml"),
)
PARAPHRASE = "paraphrase"
UNKNOWN_SCAM = "unknown_scam"


class NoRegister(RegisterModel):
    """A model that reads nothing as a notice: the matcher as it was before the register signal."""

    def notice_probability(self, text: str) -> float:
        return 0.0


def model_without(cases: Path) -> RegisterModel:
    """The register model trained on every file of TRAINED_ON but `cases` (the shipped one if `cases`
    is not among them)."""
    name = str(cases.resolve().relative_to(REPO)) if cases.resolve().is_relative_to(REPO) else ""
    if name not in register_train.TRAINED_ON:
        return shipped_model()
    texts = register_train.training_texts(without=name)
    return register_train.train(texts)


@dataclass
class Figures:
    positives: int = 0
    named: int = 0
    matched: int = 0
    wrong_match: int = 0
    innocent: int = 0
    innocent_match: int = 0
    innocent_possible: int = 0
    innocent_suspicious: int = 0
    scams: int = 0
    scams_helped: int = 0
    paraphrases: int = 0
    paraphrases_named: int = 0
    # per kind: cases, right entry named (positives) or shown as possible or matched (negatives), in match
    kinds: dict[str, list[int]] = field(default_factory=dict)

    def kind_lines(self) -> list[str]:
        lines = [f"    {'kind':16} {'n':>4}  named/shown  in match"]
        for kind in sorted(self.kinds):
            n, shown, matched = self.kinds[kind]
            lines.append(f"    {kind:16} {n:4}  {shown / n:10.1%}  {matched / n:8.1%}")
        return lines

    def line(self, name: str) -> str:
        def pct(a: int, b: int) -> str:
            return f"{a / b:6.1%}" if b else "     -"

        para = f" | paraphrases {self.paraphrases_named}/{self.paraphrases}" if self.paraphrases else ""
        return (f"{name:16} {self.positives:4} named {pct(self.named, self.positives)} match "
                f"{pct(self.matched, self.positives)} wrong {self.wrong_match} | innocent {self.innocent:3} "
                f"match {self.innocent_match} possible {self.innocent_possible:2} "
                f"({pct(self.innocent_possible, self.innocent)}) suspicious {self.innocent_suspicious} | "
                f"scams helped {self.scams_helped}/{self.scams} ({pct(self.scams_helped, self.scams)}){para}")


def measure(rumors: tuple[Rumor, ...], cases: list[dict[str, object]], checker: Checker,
            misses: bool) -> Figures:
    verdicts = {r.id: r.verdict for r in rumors}
    out = Figures()
    for case in cases:
        if "text" not in case:
            continue
        result, _ = checker.decide(str(case["text"]))
        named_id = result.rumor.id if result.band in (Band.MATCH, Band.POSSIBLE) and result.rumor else None
        expect, kind = case.get("expect"), case.get("kind")
        row = out.kinds.setdefault(str(kind), [0, 0, 0])
        row[0] += 1
        if expect:
            row[1] += named_id == expect
            row[2] += result.band is Band.MATCH and named_id == expect
        else:
            row[1] += result.band in (Band.MATCH, Band.POSSIBLE)
            row[2] += result.band is Band.MATCH
        if expect and kind == PARAPHRASE:
            out.paraphrases += 1
            out.paraphrases_named += named_id == expect
        elif expect:
            out.positives += 1
            out.named += named_id == expect
            out.matched += result.band is Band.MATCH and named_id == expect
            out.wrong_match += result.band is Band.MATCH and named_id != expect
            if verdicts.get(str(expect)) is Verdict.SCAM:
                out.scams += 1
                out.scams_helped += named_id == expect or result.band is Band.SUSPICIOUS
        elif kind == UNKNOWN_SCAM:
            out.scams += 1
            out.scams_helped += result.band is Band.SUSPICIOUS
        else:
            out.innocent += 1
            out.innocent_match += result.band is Band.MATCH
            out.innocent_possible += result.band is Band.POSSIBLE
            out.innocent_suspicious += result.band is Band.SUSPICIOUS
            if misses and result.band is not Band.NONE:
                print(f"    {case['id']} [{kind}] {result.band} {named_id} {result.score}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--possible", type=float, default=DEFAULT_POSSIBLE_THRESHOLD)
    parser.add_argument("--match", type=float, default=DEFAULT_MATCH_THRESHOLD)
    parser.add_argument("--no-register", action="store_true", help="the matcher without the register signal")
    parser.add_argument("--misses", action="store_true", help="also list the innocent texts not answered `none`")
    parser.add_argument("--kinds", action="store_true", help="also print the figures per kind of case")
    args = parser.parse_args()
    thresholds = Thresholds(args.match, args.possible)
    signs = SignReader.open()
    print(f"thresholds match {args.match:g} / possible {args.possible:g}, register "
          f"{'off' if args.no_register else 'on, each set measured by a model not trained on it'}")
    for name, catalogue, cases_file in SETS:
        rumors = tuple(load_catalogue(catalogue).published)
        model = NoRegister({}, {}, 0.0) if args.no_register else model_without(cases_file)
        checker = Checker(LexicalMatcher(rumors, thresholds, model), None, signs=signs)
        cases = yaml.safe_load(cases_file.read_text(encoding="utf-8"))["cases"]
        figures = measure(rumors, cases, checker, args.misses)
        print(figures.line(name))
        if args.kinds:
            print("\n".join(figures.kind_lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
