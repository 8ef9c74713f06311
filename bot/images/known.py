"""The known rumor images: those of the catalogue file's `images:` and those officers attached in the chat,
each with its hashes and the text read in it, looked up by hash distance."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from bot.catalogue import Rumor
from bot.images.hashes import ImageHashes, hashes_of
from bot.images.loading import ImageRefused, open_image
from bot.images.ocr import TesseractOcr
from bot.matching.normalize import folded
from bot.store.images import StoredImage

logger = logging.getLogger(__name__)

# Hash distances (bits of 64) within which a known image is a candidate; both must hold. Re-posts of the
# dev set (JPEG 35-90, resized to 50 %, cropped by up to 6 %, bordered, with a sticker) reach 14 pHash and
# 18 dHash bits from their original, but a text-heavy white screenshot moves more (a 70 % JPEG re-post
# of a test chat card: 16 and 18), so the bound is loose and the text agreement decides. Of the 1,500
# (dev image, known image) pairs, 67 that are not a re-post of it sit within 24/24; the highest text
# agreement among them is 83, under TEXT_AGREEMENT (bot/images/check.py).
PHASH_NEAR = 22
DHASH_NEAR = 24


@dataclass(frozen=True)
class KnownImage:
    """An image of a catalogue entry: from the catalogue file's `images:` or attached by an officer."""

    rumor_id: str
    hashes: ImageHashes
    text: str


def agreement(a: str, b: str) -> float:
    fa, fb = folded(a), folded(b)
    return fuzz.ratio(fa, fb) if fa and fb else 0.0


class ImageIndex:
    """The known images, looked up by hash distance (a linear scan: a catalogue has hundreds, not millions)."""

    def __init__(self, images: Sequence[KnownImage] = ()) -> None:
        self.images: list[KnownImage] = list(images)

    def add(self, image: KnownImage) -> None:
        self.images.append(image)

    def near(self, hashes: ImageHashes) -> list[tuple[KnownImage, tuple[int, int]]]:
        found = [(image, hashes.distance(image.hashes)) for image in self.images]
        return sorted(((i, d) for i, d in found if d[0] <= PHASH_NEAR and d[1] <= DHASH_NEAR),
                      key=lambda item: sum(item[1]))



def file_images(rumors: Sequence[Rumor], base: Path, ocr: TesseractOcr | None) -> list[KnownImage]:
    """The images named by entries' `images:` (paths relative to the catalogue file), hashed and read."""
    out = []
    for rumor in rumors:
        for name in rumor.images:
            try:
                image = open_image((base / name).read_bytes())
            except (OSError, ImageRefused) as exc:
                logger.warning("entry %s: image %s cannot be read (%s); left out", rumor.id, name, exc)
                continue
            text = ocr.read(image).text if ocr is not None else ""
            out.append(KnownImage(rumor.id, hashes_of(image), text))
    return out


def stored_images(stored: Sequence[StoredImage]) -> list[KnownImage]:
    return [KnownImage(s.rumor_id, ImageHashes.from_text(s.hashes), s.text) for s in stored]
