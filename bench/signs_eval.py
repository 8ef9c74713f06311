"""How often the scam-sign reader calls a message suspicious, per kind of case.

    .venv/bin/python bench/signs_eval.py --cases ../staging/rf_for_matcher.yaml \
        --cases ../shared/eval/dev/cases.yaml [--catalogue ../shared/eval/dev/catalogue.yaml] \
        [--threshold 0.7] [--sweep] [--show KIND]

A cases file is the shared format (`cases: [{id, text, kind, expect}]`). Kinds whose cases are
innocent (genuine notices, news, warnings, chat) must almost never be flagged; `unknown_scam` (scams
no catalogue entry describes) should be. With --catalogue, the cases of that file whose entry has
the verdict `scam` are also counted as one more group, `scam entries`. --sweep prints the shares
at other thresholds (the reading is computed once; only the comparison changes); --show lists the
cases of one kind with their explanation.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import yaml

from bot.signs import SignReader, SignReading
from bot.signs.reader import DEFAULT_THRESHOLD

INNOCENT = ("genuine_notice", "news", "official_warning", "chat", "related_true", "related_warning", "short")
SCAM = "unknown_scam"
TARGETS = {"innocent": ("<=", 0.05), SCAM: (">=", 0.70)}


def load(path: Path) -> list[dict[str, object]]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return [dict(c, file=path.parent.name + "/" + path.name) for c in cases]


def scam_ids(catalogue: Path | None) -> set[str]:
    if catalogue is None:
        return set()
    data = yaml.safe_load(catalogue.read_text(encoding="utf-8"))
    return {str(r["id"]) for r in data.get("rumors", []) if r.get("verdict") == "scam"}


def groups(case: dict[str, object], scams: set[str]) -> list[str]:
    kind = str(case["kind"])
    out = [f"{case['file']}: {kind}"]
    if kind in INNOCENT:
        out.append("innocent")
    if kind == SCAM:
        out.append(SCAM)
    if case.get("expect") in scams:
        out.append("scam entries")
    return out


def table(readings: list[tuple[dict[str, object], SignReading]], scams: set[str], threshold: float) -> list[str]:
    flagged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, reading in readings:
        hit = reading.warning is None and reading.score >= threshold
        for group in groups(case, scams):
            flagged[group][0] += hit
            flagged[group][1] += 1
    lines = [f"{'kind':44} {'cases':>5} {'flagged':>7} {'share':>6}"]
    ordered = sorted(k for k in flagged if ":" in k) + [k for k in ("innocent", SCAM, "scam entries") if k in flagged]
    for group in ordered:
        hit, total = flagged[group]
        target = TARGETS.get(group)
        note = ""
        if target is not None:
            op, limit = target
            met = hit / total <= limit if op == "<=" else hit / total >= limit
            note = f"  target {op} {limit:.0%}: {'met' if met else 'MISSED'}"
        lines.append(f"{group:44} {total:5} {hit:7} {hit / total:6.0%}{note}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, action="append", required=True)
    parser.add_argument("--catalogue", type=Path, help="the catalogue of the last --cases file, to count scam entries")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--sweep", action="store_true", help="also the shares at thresholds 0.50 to 0.90")
    parser.add_argument("--show", help="list the cases of this kind with their explanation")
    args = parser.parse_args()

    reader = SignReader(threshold=args.threshold)
    cases = [c for path in args.cases for c in load(path)]
    readings = [(c, reader.read(str(c["text"]))) for c in cases]  # warms the caches of the normaliser
    timings = []
    for case in cases:
        started = time.perf_counter()
        reader.read(str(case["text"]))
        timings.append((time.perf_counter() - started) * 1000)
    scams = scam_ids(args.catalogue)
    print(f"{len(cases)} cases, threshold {args.threshold:.2f}, {statistics.median(timings):.2f} ms a message "
          f"(median; p99 {statistics.quantiles(timings, n=100)[98]:.2f} ms)\n")
    print("\n".join(table(readings, scams, args.threshold)))
    if args.sweep:
        print(f"\n{'threshold':>9} {'innocent':>9} {SCAM:>13} {'sms':>6}")
        for step in range(50, 95, 5):
            threshold = step / 100
            shares = []
            for wanted in ("innocent", SCAM, "sms"):
                picked = [r for c, r in readings if wanted in groups(c, scams) or c["kind"] == wanted]
                hits = sum(r.warning is None and r.score >= threshold for r in picked)
                shares.append(f"{hits}/{len(picked)}")
            print(f"{threshold:9.2f} {shares[0]:>9} {shares[1]:>13} {shares[2]:>6}")
    if args.show:
        for case, reading in readings:
            if case["kind"] == args.show:
                shown = replace(reading, suspicious=reading.warning is None and reading.score >= args.threshold)
                print(f"\n{case['id']} {shown.explain()}\n    {case['text']}")


if __name__ == "__main__":
    main()
