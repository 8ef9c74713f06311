"""The check of an image: OCR text joined with the caption through the same Checker as typed text, and a
re-post of a known rumor image recognised by its perceptual hashes when its text agrees.

The rule, measured on ../shared/eval/images-dev (bench/images_bench.py, figures in bench/README.md):
screenshots of one app sit a few bits apart whatever they say (a same-layout negative was 8 pHash bits and
0 dHash bits from its entry's image; a warning document 4 and 3), so a hash is only ever a candidate. It
becomes a match when the text read in the image agrees with the text read in the known image; an image
with no text to compare is at most shown as possible.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from bot.catalogue import Catalogue
from bot.checking import Answer, Checker, CheckRequest, notice
from bot.groups.limiter import Admission, CheckLimiter
from bot.images.hashes import ImageHashes, hashes_of
from bot.images.known import PHASH_NEAR, ImageIndex, KnownImage, agreement, file_images, stored_images
from bot.images.loading import ImageRefused, Limits, open_image
from bot.images.ocr import OcrReading, OcrUnavailable, TesseractOcr
from bot.locale import Locale
from bot.matching.matcher import Band, Candidate, Evidence, MatchResult
from bot.replies import Paragraph, Reply, italic, shorten
from bot.signs.reader import SignReading
from bot.store.images import ImageStore, StoredImage

logger = logging.getLogger(__name__)

# A candidate is a match when the text read in the image agrees with the text read in the known one
# (rapidfuzz ratio of the folded texts, 0-100). Dev re-posts: 81 to 100, 19 of 20 at 91 or more; images of
# the same layout with other text, and warnings about the same rumor: 29 to 83. 88 sits between.
TEXT_AGREEMENT = 88.0
# With no text on either side, a near copy is only shown as possible: a photo without words is too easy
# to confuse with another photo of the same scene. 4 pHash bits: the closest dev re-posts are 0 to 2.
PHOTO_NEAR = 4
PREVIEW = 140  # characters of what was read quoted back, so a person can see a misreading
# A person sends at most this many images a minute: each costs up to a second of a core.
IMAGES_PER_MINUTE = 6
TIMEOUT_SECONDS = 8.0  # per image, OCR included; a screenshot takes 0.1-0.5 s on one core


@dataclass(frozen=True)
class ImageReading:
    hashes: ImageHashes
    ocr: OcrReading | None  # None: no OCR on this server
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return self.ocr.text if self.ocr is not None else ""


class ImageChecker:
    """Reads images in one worker thread (Tesseract uses a core; the event loop never waits on it)."""

    def __init__(self, checker: Checker, catalogue: Callable[[], Catalogue], index: ImageIndex,
                 ocr: TesseractOcr | None, limits: Limits | None = None, timeout: float = TIMEOUT_SECONDS,
                 per_minute: int = IMAGES_PER_MINUTE) -> None:
        self.checker = checker
        self.catalogue = catalogue
        self.index = index
        self.ocr = ocr
        self.limits = limits or Limits()
        self.timeout = timeout
        self.limiter = CheckLimiter(per_minute)
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr")

    @property
    def can_read(self) -> bool:
        return self.ocr is not None

    # -- blocking steps (in the worker) ---------------------------------------------------------------

    def read_image(self, image: Image.Image) -> ImageReading:
        started = time.perf_counter()
        hashes = hashes_of(image)
        ocr = self.ocr.read(image) if self.ocr is not None else None
        return ImageReading(hashes, ocr, time.perf_counter() - started)

    def read(self, data: bytes) -> ImageReading:
        """Open (within the limits), hash and read an image; ImageRefused when it is no image we read."""
        return self.read_image(open_image(data, self.limits))

    def decide(self, reading: ImageReading, caption: str = "") -> tuple[MatchResult, SignReading | None]:
        """The same decision as for typed text, on the text read joined with the caption; then the hash
        of a known image may confirm an entry, when the texts agree."""
        text = joined(reading.text, caption)
        result, signs = (self.checker.decide(text) if any(ch.isalnum() for ch in text)
                         else (MatchResult(Band.NONE), None))
        for known, distance in self.index.near(reading.hashes):
            rumor = self.catalogue().get(known.rumor_id)
            if rumor is None or not rumor.is_published:
                continue
            agreed = agreement(reading.text, known.text)
            hash_evidence = Evidence("phash", distance[0], PHASH_NEAR, f"dhash {distance[1]}")
            if agreed >= TEXT_AGREEMENT:
                if result.band is Band.MATCH and result.rumor is not None and result.rumor.id == rumor.id:
                    best = result.candidates[0]
                    lifted = replace(best, evidence=(*best.evidence, hash_evidence))
                    return replace(result, candidates=(lifted, *result.candidates[1:])), signs
                evidence = (hash_evidence, Evidence("text_agreement", agreed, TEXT_AGREEMENT))
                return MatchResult(Band.MATCH, (Candidate(rumor, round(agreed, 1), evidence),)), signs
            if not reading.text.strip() and not known.text.strip() and distance[0] <= PHOTO_NEAR \
                    and result.band is Band.NONE:
                return MatchResult(Band.POSSIBLE, (Candidate(rumor, 0.0, (hash_evidence,)),)), signs
        return result, signs

    def check_blocking(self, data: bytes, caption: str) -> tuple[ImageReading, tuple[MatchResult, SignReading | None]]:
        reading = self.read(data)
        return reading, self.decide(reading, caption)

    # -- the use case -----------------------------------------------------------------------------

    def admit(self, request: CheckRequest) -> Admission:
        return self.limiter.admit(f"{request.platform}:{request.user_id or request.chat_id}", time.monotonic())

    async def check(self, request: CheckRequest, data: bytes | None, failure: str | None = None) -> Answer:
        """Check an image sent with `request` (whose text is the caption). `data` None means the platform
        could not give the file: `failure` names why (a locale key under image.*)."""
        locale = self.checker.locale_for(request)
        if data is None:
            return await self.without_image(request, f"image.{failure or 'download_failed'}")
        if self.ocr is None:
            return await self.without_image(request, "image.unavailable")
        loop = asyncio.get_running_loop()
        try:
            reading, decision = await asyncio.wait_for(
                loop.run_in_executor(self.worker, self.check_blocking, data, request.text),
                self.timeout + 2.0)
        except ImageRefused as exc:
            logger.info("image refused: %s", exc)
            key = "too_big" if exc.reason in ("too_big", "too_many_pixels") else "not_image"
            return await self.without_image(request, f"image.{key}")
        except TimeoutError:
            return await self.without_image(request, "image.timeout")
        if reading.ocr is not None and reading.ocr.timed_out and decision[0].band is Band.NONE:
            return await self.without_image(request, "image.timeout")
        text = joined(reading.text, request.text)
        if decision[0].band is Band.NONE and not (reading.ocr is not None and reading.ocr.readable) \
                and not request.text.strip():
            return self.refusal(notice(locale, "image.unreadable"))
        answer = await self.checker.check(replace(request, text=text, has_media=True), decision)
        best = decision[0].best
        looked_alike = best is not None and any(e.name == "phash" for e in best.evidence)
        return replace(answer, reply=with_preface(answer.reply, reading, locale, looked_alike))

    async def attach(self, rumor_id: str, data: bytes | None, store: ImageStore, platform: str,
                     chat_id: str | None, added_by: str) -> str:
        """An officer attaches an image to an entry: hashed, read, stored and known from the next message
        on. Returns the locale key of the outcome (desk.image.*)."""
        if data is None:
            return "image.download_failed"
        try:
            reading = await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(self.worker, self.read, data), self.timeout + 2.0)
        except ImageRefused:
            return "image.not_image"
        except TimeoutError:
            return "image.timeout"
        stored = StoredImage(rumor_id, reading.hashes.to_text(), reading.text)
        if not await store.add(stored, platform, chat_id, added_by):
            return "desk.image.known"
        self.index.add(KnownImage(rumor_id, reading.hashes, reading.text))
        return "desk.image.attached"

    async def decision(self, data: bytes, caption: str) -> tuple[ImageReading, MatchResult] | None:
        """Read and decide in the worker, for watch mode: None when the image cannot be read (no OCR,
        no image, too slow), which watch mode passes over in silence."""
        if self.ocr is None:
            return None
        try:
            reading, (result, _) = await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(self.worker, self.check_blocking, data, caption),
                self.timeout + 2.0)
        except (ImageRefused, TimeoutError):
            return None
        return reading, result

    async def without_image(self, request: CheckRequest, key: str) -> Answer:
        """The image could not be read: say why, and check the caption when there is one."""
        locale = self.checker.locale_for(request)
        if not any(ch.isalnum() for ch in request.text):
            return self.refusal(notice(locale, key))
        answer = await self.checker.check(request)
        return replace(answer, reply=Reply((Paragraph.of(italic(locale.t(key))), *answer.reply.paragraphs),
                                           answer.reply.buttons))

    @staticmethod
    def refusal(reply: Reply) -> Answer:
        return Answer(MatchResult(Band.NONE), reply)

    def close(self) -> None:
        self.worker.shutdown(wait=False, cancel_futures=True)


def joined(read: str, caption: str) -> str:
    return "\n".join(part for part in (caption.strip(), read.strip()) if part)


def with_preface(reply: Reply, reading: ImageReading, locale: Locale, looked_alike: bool) -> Reply:
    """The answer, opened by what was read in the image (or that it looks like a known one)."""
    if reading.ocr is not None and reading.ocr.readable:
        preface = Paragraph.of(italic(locale.t("image.read", start=shorten(reading.text, PREVIEW))))
    elif looked_alike:
        preface = Paragraph.of(italic(locale.t("image.looks_like")))
    else:
        return reply
    return Reply((preface, *reply.paragraphs), reply.buttons)


async def open_image_checker(checker: Checker, catalogue: Callable[[], Catalogue], base: Path,
                             stored: Sequence[StoredImage] = ()) -> ImageChecker:
    """The image check, with the known images of the catalogue file and the database. Without OCR on this
    server it still opens: it answers that images cannot be read here."""
    try:
        ocr: TesseractOcr | None = TesseractOcr()
    except OcrUnavailable as exc:
        logger.warning("images cannot be read on this server: %s", exc)
        ocr = None
    known = await asyncio.to_thread(file_images, catalogue().rumors, base, ocr)
    return ImageChecker(checker, catalogue, ImageIndex([*known, *stored_images(stored)]), ocr)
