"""Reading the text of a screenshot with Tesseract (through tesserocr) and its Vietnamese model.

Screenshots need a little preparation (measured on ../shared/eval/images-dev, bench/images_bench.py):
dark mode is inverted to dark text on light, small images are enlarged so body text reaches the height
the LSTM model reads best. The text is then read region by region, and what is the app's chrome rather
than the message — names, times, buttons, "Thích · Bình luận", the input bar — is left out, so it does
not drown the message in the matcher.

Nothing is downloaded: the model is Debian's `tesseract-ocr-vie` (or TESSDATA_PREFIX). Without it the
engine reports itself unavailable and the bot says it cannot read images on this server.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from bot.matching.normalize import folded

LANGUAGE = "vie"
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
# A grey level (0-255) under which the image's median is dark mode: light text on a dark background.
# Dark-mode screenshots of the dev set have medians of 18-40, light ones 200-255, photos 60-180.
DARK_MEDIAN = 90
# Body text is enlarged towards this width (px), at most UPSCALE_MAX times: the dev set's low-res
# screenshots (12-14 px body text at 330-480 px wide) read far better at twice their size.
TARGET_WIDTH = 1000
UPSCALE_MAX = 2.5
# Text printed over a photo (white letters with a dark outline, the meme style) is lost in the photo's
# greys; a second pass keeps only near-white pixels as ink. Taken when the first pass read fewer message
# words than this: on the dev set's 12 text-on-photo images it recovers 3 whose first pass read nothing.
WHITE_TEXT_LEVEL = 225
SECOND_PASS_WORDS = 15
# Lines Tesseract is less sure of than this (0-100) are mostly the noise of photos, stickers and stamps.
MIN_LINE_CONFIDENCE = 45.0
# A region (Tesseract's block) of fewer words is chrome: a name, a time, a button row, a status bar.
MIN_REGION_WORDS = 3

# The words of an app's chrome and of an official document's fixed heading, folded (no diacritics, lower
# case): a short line made mostly of them, of numbers and of stray marks is chrome, not the message.
CHROME_LINES = (
    "thich binh luan chia se tra loi chuyen tiep nhap tin nhan viet xem them theo doi da gui luot phu hop nhat",
    "thanh vien truy cap vua xong gio phut giay ngay tuan thang nam hom qua nay bai cua bao cao rac danh sach",
    "lien he ban trong khong co imessage sms messages message like comment share reply send seen online hoat",
    "dong cong hoa xa hoi chu nghia viet doc lap tu do hanh phuc so kinh v/v ve viec",
)
CHROME_WORDS = frozenset(word for line in CHROME_LINES for word in line.split())
CHROME_MAX_WORDS = 8
# A link or a phone number is what a scam hangs on: its line is never chrome.
KEEP = re.compile(r"\w\.\w{2,}|\d{4}[ .]?\d{3}")
CLOCK = re.compile(r"\b\d{1,2}[:.;]\d{2}\b|\d+\s*%")


class OcrUnavailable(RuntimeError):
    """No OCR on this server: tesserocr or the Vietnamese model is missing."""


@dataclass(frozen=True)
class Line:
    text: str
    confidence: float


@dataclass(frozen=True)
class Region:
    lines: tuple[Line, ...]

    @property
    def words(self) -> int:
        return sum(len(line.text.split()) for line in self.lines)


@dataclass(frozen=True)
class OcrReading:
    """What was read: the message's text (chrome left out), every region as read, and how long it took."""

    text: str
    regions: tuple[Region, ...] = ()
    seconds: float = 0.0
    timed_out: bool = False
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def raw_text(self) -> str:
        """Everything read, chrome included: what a naive pipeline would match."""
        return "\n".join(line.text for region in self.regions for line in region.lines)

    @property
    def readable(self) -> bool:
        return sum(ch.isalpha() for ch in self.text) >= 8


def tessdata_dir() -> str | None:
    """Where the Vietnamese model is: TESSDATA_PREFIX first, then where Debian and others put it."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS]
    for directory in candidates:
        if directory and (Path(directory) / f"{LANGUAGE}.traineddata").is_file():
            return directory
    return None


def ocr_problem() -> str | None:
    """Why OCR cannot run here, in one line; None when it can."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return "the tesserocr package is not installed (pip install tesserocr)"
    if tessdata_dir() is None:
        return "the Vietnamese Tesseract model is missing (apt-get install tesseract-ocr tesseract-ocr-vie)"
    return None


def enlarged(grey: Image.Image) -> Image.Image:
    if grey.width >= TARGET_WIDTH:
        return grey
    factor = min(UPSCALE_MAX, TARGET_WIDTH / grey.width)
    return grey.resize((round(grey.width * factor), round(grey.height * factor)), Image.Resampling.LANCZOS)


def white_text(image: Image.Image) -> Image.Image:
    """Near-white pixels as black ink on white: the letters of meme text, without the photo under them."""
    return enlarged(ImageOps.grayscale(image).point(lambda v: 0 if v >= WHITE_TEXT_LEVEL else 255))


def prepared(image: Image.Image) -> Image.Image:
    """Grey, dark text on light, body text large enough."""
    grey = ImageOps.grayscale(image)
    histogram = grey.histogram()
    half, seen, median = grey.width * grey.height / 2, 0, 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= half:
            median = level
            break
    if median < DARK_MEDIAN:
        grey = ImageOps.invert(grey)
    return enlarged(grey)


def is_chrome(line: str) -> bool:
    """A short line of chrome words, numbers and stray marks (a clock or a battery level counts double)."""
    words = folded(line).split()
    if len(words) > CHROME_MAX_WORDS or KEEP.search(line):
        return False
    noise = sum(1 for word in words if word in CHROME_WORDS or not any(ch.isalpha() for ch in word))
    noise += 2 * len(CLOCK.findall(line))
    return noise * 2 >= len(words)


def message_lines(regions: tuple[Region, ...]) -> list[list[Line]]:
    """The regions' lines without the chrome: small regions dropped, chrome lines and unsure lines too."""
    kept: list[list[Line]] = []
    for region in regions:
        if region.words < MIN_REGION_WORDS:
            continue
        lines = [line for line in region.lines
                 if line.confidence >= MIN_LINE_CONFIDENCE and not is_chrome(line.text)]
        if lines:
            kept.append(lines)
    return kept


def message_text(regions: tuple[Region, ...]) -> str:
    return "\n".join(" ".join(line.text for line in lines) for lines in message_lines(regions))


def weight(regions: tuple[Region, ...]) -> float:
    """How much message a pass read: its kept words, each counted by Tesseract's confidence."""
    return sum(len(line.text.split()) * line.confidence for lines in message_lines(regions) for line in lines)


class TesseractOcr:
    """One Tesseract engine per thread (its API is not thread-safe), created on first use there."""

    def __init__(self, timeout: float = 8.0) -> None:
        problem = ocr_problem()
        if problem is not None:
            raise OcrUnavailable(problem)
        self.timeout = timeout
        self.path = tessdata_dir()
        self._local = threading.local()

    def _api(self) -> Any:
        api = getattr(self._local, "api", None)
        if api is None:
            import tesserocr

            api = tesserocr.PyTessBaseAPI(path=self.path, lang=LANGUAGE, psm=tesserocr.PSM.AUTO,
                                          oem=tesserocr.OEM.LSTM_ONLY)
            self._local.api = api
        return api

    def read(self, image: Image.Image) -> OcrReading:
        """The text of `image`, read region by region; blocking (call it in a worker)."""
        import tesserocr

        started = time.perf_counter()
        deadline = started + self.timeout
        regions, finished = self._pass(prepared(image), deadline, tesserocr)
        first = time.perf_counter()
        stages = {"first_pass": first - started}
        words = sum(len(line.text.split()) for lines in message_lines(regions) for line in lines)
        if finished and words < SECOND_PASS_WORDS and time.perf_counter() < deadline:
            other, finished = self._pass(white_text(image), deadline, tesserocr)
            if weight(other) > weight(regions):
                regions = other
            stages["second_pass"] = time.perf_counter() - first
        done = time.perf_counter()
        return OcrReading(message_text(regions), regions, done - started, timed_out=not finished, stages=stages)

    def _pass(self, grey: Image.Image, deadline: float, tesserocr: Any) -> tuple[tuple[Region, ...], bool]:
        api = self._api()
        api.SetImage(grey)
        finished = bool(api.Recognize(timeout=max(1, int((deadline - time.perf_counter()) * 1000))))
        regions = tuple(self._regions(api, tesserocr)) if finished else ()
        api.Clear()
        return regions, finished

    @staticmethod
    def _regions(api: Any, tesserocr: Any) -> Iterator[Region]:
        iterator = api.GetIterator()
        if iterator is None:
            return
        level_block, level_line = tesserocr.RIL.BLOCK, tesserocr.RIL.TEXTLINE
        lines: list[Line] = []
        while True:
            try:
                text = (iterator.GetUTF8Text(level_line) or "").strip()
            except RuntimeError:  # an empty element: Tesseract found a region without letters
                text = ""
            if text:
                lines.append(Line(" ".join(text.split()), float(iterator.Confidence(level_line))))
            if iterator.IsAtFinalElement(level_block, level_line):
                if lines:
                    yield Region(tuple(lines))
                lines = []
            if not iterator.Next(level_line):
                break
        if lines:
            yield Region(tuple(lines))
