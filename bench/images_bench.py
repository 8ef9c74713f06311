"""Images: per-stage timings and accuracy of the whole image check on a cases file of screenshots.

    OMP_THREAD_LIMIT=1 python bench/images_bench.py [--cases ../shared/eval/images-dev/cases.yaml]
        [--rumors ../shared/eval/images-dev/catalogue.yaml]

One core (OMP_THREAD_LIMIT=1 keeps Tesseract on one). Prints the seconds per stage (open within limits,
hashes, OCR passes, decision), then the figures the image issue asks for: right entry named, match band,
match precision, negatives in match / possible, re-posts, same-layout images.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from PIL import Image

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.catalogue import load_catalogue
from bot.checking import Checker
from bot.config import Config
from bot.core import build_matcher
from bot.images.check import ImageReading, open_image_checker
from bot.images.hashes import hashes_of
from bot.images.loading import open_image
from bot.images.ocr import OcrReading
from bot.matching.evaluation import load_cases
from bot.matching.matcher import Band
from bot.signs.reader import SignReader

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "images-dev"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=Path, default=SHARED / "cases.yaml")
    parser.add_argument("--rumors", type=Path, default=SHARED / "catalogue.yaml")
    args = parser.parse_args()
    config = Config()
    catalogue = load_catalogue(args.rumors)
    checker = Checker(build_matcher(catalogue.published, config.thresholds), None, "vi",
                      SignReader.open(config.indicators.scam_domain_lists, config.signs.threshold))
    images = asyncio.run(open_image_checker(checker, lambda: catalogue, args.rumors.parent))
    if images.ocr is None:
        print("no OCR here: apt-get install tesseract-ocr tesseract-ocr-vie")
        return 1
    stages: dict[str, list[float]] = defaultdict(list)
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # cases, in match (right), in any / possible
    right = wrong = 0
    for case in load_cases(args.cases):
        assert case.image is not None
        started = time.perf_counter()
        data = case.image.read_bytes()
        image = open_image(data)
        opened = time.perf_counter()
        hashes_of(image)
        hashed = time.perf_counter()
        reading = images.ocr.read(image)
        read = time.perf_counter()
        result = images.decide(_reading(image, reading), case.text)[0]
        decided = time.perf_counter()
        stages["open"].append(opened - started)
        stages["hashes"].append(hashed - opened)
        for name, seconds in reading.stages.items():
            stages[f"ocr {name}"].append(seconds)
        stages["ocr"].append(read - hashed)
        stages["decide"].append(decided - read)
        stages["whole check"].append(decided - started)
        row = kinds[case.kind]
        row[0] += 1
        top = result.rumor.id if result.rumor is not None and result.band is not Band.NONE else None
        if case.expect is None:
            row[1] += result.band is Band.MATCH
            row[2] += result.band is Band.POSSIBLE
            wrong += result.band is Band.MATCH
        else:
            ok = result.band is Band.MATCH and top == case.expect
            row[1] += ok
            row[2] += case.expect in {c.rumor.id for c in result.candidates} and result.band is not Band.NONE
            right += ok
            wrong += result.band is Band.MATCH and not ok
    images.close()
    print(f"{args.cases}: {sum(r[0] for r in kinds.values())} images, one core\n")
    print(f"{'stage':22} {'mean s':>8} {'p95 s':>8} {'max s':>8}  (n)")
    for name, values in stages.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"{name:22} {statistics.fmean(values):8.3f} {p95:8.3f} {max(values):8.3f}  ({len(values)})")
    print(f"\n{'kind':18} {'n':>4} {'match':>7} {'any/poss':>9}")
    positives = [0, 0, 0]
    negatives = [0, 0, 0]
    for kind, row in sorted(kinds.items()):
        print(f"{kind:18} {row[0]:4d} {row[1]:7d} {row[2]:9d}")
        total = negatives if kind.startswith("neg_") else positives
        for i in range(3):
            total[i] += row[i]
    print(f"\npositives: right entry named {positives[2]}/{positives[0]} ({100 * positives[2] / positives[0]:.1f} %), "
          f"in the match band {positives[1]}/{positives[0]} ({100 * positives[1] / positives[0]:.1f} %)")
    print(f"match precision {right / (right + wrong) if right + wrong else 1:.3f}; negatives: "
          f"{negatives[1]}/{negatives[0]} in match, {negatives[2]}/{negatives[0]} possible")
    return 0


def _reading(image: Image.Image, ocr: OcrReading) -> ImageReading:
    return ImageReading(hashes_of(image), ocr)


if __name__ == "__main__":
    raise SystemExit(main())
