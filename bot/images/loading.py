"""Opening an image someone sent, within limits: a size cap on the bytes and a pixel cap read from the
header before anything is decoded, so a decompression bomb is refused without being expanded."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# A phone screenshot is 0.2-3 MB; a scanned document photographed at 48 Mpx can reach 15 MB. 20 MB is
# Telegram's own cap on files a bot may download, so nothing a bot can fetch is refused for its size.
MAX_BYTES = 20 * 1024 * 1024
# 50 Mpx is above any phone camera's default output (48 Mpx modes save 12 Mpx) and a tenth of what a
# PNG bomb of a few kilobytes claims; decoding it takes about 150 MB of memory, which is affordable.
MAX_PIXELS = 50_000_000
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"})


class ImageRefused(ValueError):
    """The bytes are no image we read: `reason` is a short key (too_big, not_image, too_many_pixels)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_pixels: int = MAX_PIXELS


def open_image(data: bytes, limits: Limits = Limits()) -> Image.Image:
    """The decoded image, in RGB; ImageRefused when the bytes are too many, no image, or too many pixels."""
    if len(data) > limits.max_bytes:
        raise ImageRefused("too_big", f"{len(data)} bytes > {limits.max_bytes}")
    if not data:
        raise ImageRefused("not_image", "empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format not in FORMATS:
                raise ImageRefused("not_image", f"format {image.format}")
            width, height = image.size
            if width * height > limits.max_pixels or width <= 0 or height <= 0:
                raise ImageRefused("too_many_pixels", f"{width}x{height}")
            image.seek(0)  # an animation: its first frame
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("too_many_pixels", type(exc).__name__) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRefused("not_image", type(exc).__name__) from exc
    return image.convert("RGB")
