"""Perceptual hashes of an image (pHash and dHash, 64 bits each, through `imagehash`): a re-post of a known
rumor image — recompressed, resized, slightly cropped, bordered, with a sticker — keeps them a few bits
apart. Screenshots of one app look alike to a hash too, so a hash never decides a match on its own
(bot/images/check.py)."""

from __future__ import annotations

from dataclasses import dataclass

import imagehash
from PIL import Image, ImageChops

# A border of one flat colour (added by a re-poster, or a viewer's frame) shifts every bit of a hash;
# it is cut off first, when it differs from the picture by more than this grey level.
BORDER_TOLERANCE = 24


@dataclass(frozen=True)
class ImageHashes:
    phash: int
    dhash: int

    def distance(self, other: ImageHashes) -> tuple[int, int]:
        return (self.phash ^ other.phash).bit_count(), (self.dhash ^ other.dhash).bit_count()

    def to_text(self) -> str:
        return f"{self.phash:016x}:{self.dhash:016x}"

    @classmethod
    def from_text(cls, text: str) -> ImageHashes:
        phash, dhash = text.split(":")
        return cls(int(phash, 16), int(dhash, 16))


def trimmed(image: Image.Image) -> Image.Image:
    """The image without a flat border of the corner pixel's colour."""
    grey = image.convert("L")
    background = Image.new("L", grey.size, grey.getpixel((0, 0)))
    box = ImageChops.difference(grey, background).point(lambda v: 255 if v > BORDER_TOLERANCE else 0).getbbox()
    if box is None or (box[2] - box[0]) * (box[3] - box[1]) < 0.5 * grey.width * grey.height:
        return image
    return image.crop(box)


def hashes_of(image: Image.Image) -> ImageHashes:
    picture = trimmed(image)
    return ImageHashes(int(str(imagehash.phash(picture)), 16), int(str(imagehash.dhash(picture)), 16))
