"""Real-forms figures of the whole check (matcher and scam signs), as `kiemchung check --jsonl` answers.

Prints, per kind of case: the right entry named (match or possible), in the match band, `suspicious`,
and for scam cases "helped" (the right entry named, or `suspicious`); for innocent kinds how many
were shown as possible, matched to an entry, or called `suspicious`. Usage:

    .venv/bin/python bench/real_forms_eval.py [--cases tests/fixtures/real_forms_cases.yaml] [--rumors FILE]
                                              [--config FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=REPO / "tests" / "fixtures" / "real_forms_cases.yaml")
    parser.add_argument("--rumors", type=Path, default=REPO / "data" / "known_rumors.yaml")
    parser.add_argument("--config", type=Path, help="a config file (thresholds); default: the built-in defaults")
    args = parser.parse_args()
    cases = yaml.safe_load(args.cases.read_text(encoding="utf-8"))["cases"]
    verdicts = {r["id"]: str(r["verdict"]).lower()
                for r in yaml.safe_load(args.rumors.read_text(encoding="utf-8"))["rumors"]}
    stdin = "".join(json.dumps({"id": c["id"], "text": c["text"]}, ensure_ascii=False) + "\n" for c in cases)
    config = ["--config", str(args.config)] if args.config else []
    command = [sys.executable, "-m", "handlers.cli", "check", *config, "--rumors", str(args.rumors), "--jsonl"]
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=REPO, check=True)
    answers = {line["id"]: line for line in map(json.loads, done.stdout.splitlines())}
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # n, named, match, suspicious, helped
    for case in cases:
        answer, expect = answers[case["id"]], case["expect"]
        row = rows[case["kind"]]
        row[0] += 1
        named = expect is not None and answer["match"] == expect
        row[1] += named
        row[2] += answer["band"] == "match" and (named if expect else True)
        row[3] += answer["band"] == "suspicious"
        row[4] += named or answer["band"] == "suspicious"
        if expect:
            group = "scam" if verdicts.get(expect) == "scam" else "rumor or true"
        else:
            group = "unknown scam" if case["kind"] == "unknown_scam" else "innocent"
        total = rows[f"all: {group}"]
        total[0] += 1
        total[1] += named
        total[2] += answer["band"] == "match" and (named if expect else True)
        total[3] += answer["band"] == "suspicious"
        total[4] += named or answer["band"] == "suspicious"
    print(f"{len(cases)} cases of {args.cases.name}, catalogue {args.rumors.name} ({len(verdicts)} entries)\n")
    print(f"{'kind':22} {'n':>4} | {'right named':>11} {'in match':>9} {'suspicious':>10} {'helped':>7}")
    for kind in sorted(rows, key=lambda k: (k.startswith("all"), k)):
        n, named, match, suspicious, helped = rows[kind]
        print(f"{kind:22} {n:4d} | {named / n:11.1%} {match / n:9.1%} {suspicious / n:10.1%} {helped / n:7.1%}")
    print("\n(innocent rows: 'in match' = any entry matched; 'right named' is empty for them; the share shown "
          "as possible is in `kiemchung eval`)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
