"""Screenshots drawn for tests: a chat card with a name, a time, the message wrapped in a bubble and the
reaction bar, in Vietnamese, with the DejaVu Sans that matplotlib bundles (it has every Vietnamese letter)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import matplotlib
import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.images.ocr import ocr_problem

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
needs_ocr = pytest.mark.skipif(ocr_problem() is not None, reason=f"no OCR here: {ocr_problem()}")


def screenshot(text: str, *, name: str = "Nguyễn Thị Hoa", width: int = 900, dark: bool = False,
               fmt: str = "PNG", scale: float = 1.0, border: int = 0) -> bytes:
    font, small = ImageFont.truetype(str(FONT), 34), ImageFont.truetype(str(FONT), 26)
    lines = textwrap.wrap(text, 44)
    height = 260 + 48 * len(lines)
    ink, paper, bubble = ((235, 235, 235), (24, 25, 26), (58, 59, 60)) if dark else \
        ((20, 20, 20), (255, 255, 255), (232, 236, 242))
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    draw.text((30, 20), "10:45", font=small, fill=ink)
    draw.text((width - 120, 20), "87%", font=small, fill=ink)
    draw.text((30, 70), name, font=font, fill=ink)
    draw.text((30, 112), "2 giờ", font=small, fill=ink)
    draw.rounded_rectangle((20, 150, width - 20, 170 + 48 * len(lines)), 24, fill=bubble)
    for number, line in enumerate(lines):
        draw.text((40, 160 + 48 * number), line, font=font, fill=ink)
    draw.text((30, height - 60), "Thích    Bình luận    Chia sẻ", font=small, fill=ink)
    if scale != 1.0:
        image = image.resize((round(width * scale), round(height * scale)), Image.Resampling.LANCZOS)
    if border:
        framed = Image.new("RGB", (image.width + 2 * border, image.height + 2 * border), (0, 0, 0))
        framed.paste(image, (border, border))
        image = framed
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 60} if fmt == "JPEG" else {}))
    return out.getvalue()
