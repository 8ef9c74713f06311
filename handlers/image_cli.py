"""The command line's image side: `check --image FILE`, image lines of `check --jsonl`, image cases of
`eval --cases`. Each reads the image with the same ImageChecker the bot uses."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.catalogue import Catalogue
from bot.checking import ChatType, Checker, CheckRequest
from bot.images.check import ImageChecker, open_image_checker
from bot.images.loading import ImageRefused
from bot.matching.evaluation import BaselineMatcher, Case
from bot.matching.matcher import Band, MatchResult
from handlers.plain_text import render_plain


def image_checker(checker: Checker, catalogue: Catalogue, catalogue_file: Path) -> ImageChecker:
    return asyncio.run(open_image_checker(checker, lambda: catalogue, catalogue_file.parent))


def jsonl_image_line(images: ImageChecker, item: dict[str, Any]) -> dict[str, Any]:
    """One output line for an {"id", "image"[, "text"]} input line."""
    out: dict[str, Any] = {"id": item.get("id")}
    try:
        reading = images.read(Path(str(item["image"])).read_bytes())
    except (OSError, ImageRefused) as exc:
        return {**out, "match": None, "score": 0.0, "band": Band.NONE.value, "error": str(exc)}
    result, signs = images.decide(reading, str(item.get("text") or ""))
    rumor = result.rumor if result.band in (Band.MATCH, Band.POSSIBLE) else None
    return {**out, "match": rumor.id if rumor else None, "score": round(result.score, 1), "band": result.band.value,
            "signs": list(signs.names) if signs is not None else [], "read": reading.text,
            "seconds": round(reading.seconds, 3)}


def print_jsonl_image(images: ImageChecker, item: dict[str, Any]) -> None:
    print(json.dumps(jsonl_image_line(images, item), ensure_ascii=False), flush=True)


async def check_image_file(images: ImageChecker, path: Path, caption: str) -> int:
    """`kiemchung check --image FILE [caption]`: the answer the bot would send, the decision on stderr."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot be read: {exc.strerror}", file=sys.stderr)
        return 1
    request = CheckRequest(platform="cli", chat_id="cli", chat_type=ChatType.PRIVATE, text=caption, has_media=True)
    answer = await images.check(request, data)
    print(render_plain(answer.reply))
    best = answer.result.best
    if best is not None:
        evidence = "; ".join(str(e) for e in best.evidence)
        print(f"\n[{answer.band.value}] {best.rumor.id} {best.score:.1f} — {evidence}", file=sys.stderr)
    return 0


class ImageCases:
    """`eval --cases` on image cases: ours through the ImageChecker, the naive baseline as the issue
    describes it (everything Tesseract read, chrome included, fuzzy-matched against the claims)."""

    def __init__(self, images: ImageChecker, baseline: BaselineMatcher) -> None:
        self.images = images
        self.baseline = baseline
        self._raw: dict[str, str] = {}

    def ours(self, case: Case) -> MatchResult:
        if case.image is None:
            return self.images.checker.decide(case.text)[0]
        try:
            reading = self.images.read(case.image.read_bytes())
        except (OSError, ImageRefused):
            return MatchResult(Band.NONE)
        self._raw[case.id] = reading.ocr.raw_text if reading.ocr is not None else ""
        return self.images.decide(reading, case.text)[0]

    def naive(self, case: Case) -> MatchResult:
        text = "\n".join(part for part in (case.text, self._raw.get(case.id, "")) if part)
        return self.baseline.match(text) if text.strip() else MatchResult(Band.NONE)
