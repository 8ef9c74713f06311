"""The image core: limits, chrome, the catalogue's images, and the rule that a hash never decides alone."""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from bot.catalogue import CatalogueError, load_catalogue
from bot.checking import ChatType, Checker, CheckRequest
from bot.config import Config
from bot.core import build_matcher
from bot.images.check import ImageChecker, ImageIndex
from bot.images.hashes import ImageHashes, hashes_of
from bot.images.known import KnownImage
from bot.images.loading import ImageRefused, Limits, open_image
from bot.images.ocr import is_chrome
from bot.matching.matcher import Band
from tests.screenshots import needs_ocr, screenshot
from tests.updates import VNEID_RUMOR

CATALOGUE = Path(__file__).resolve().parents[2] / "fixtures" / "catalogue.yaml"
OTHER = ("Chiều nay 5 giờ họp tổ dân phố ở nhà văn hóa khối 3, bà con nhớ đi đầy đủ nhé, mang theo "
         "sổ hộ khẩu và giấy mời đã phát hôm thứ hai.")


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(ImageRefused) as refused:
        open_image(png_claiming(60_000, 60_000))
    assert refused.value.reason == "too_many_pixels"


@pytest.mark.parametrize(("data", "reason"), [(b"", "not_image"), (b"%PDF-1.4 not an image", "not_image"),
                                              (b"x" * 2048, "too_big")])
def test_what_is_no_image_or_too_big_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRefused) as refused:
        open_image(data, Limits(max_bytes=1024))
    assert refused.value.reason == reason


def test_a_real_image_opens_in_rgb() -> None:
    out = io.BytesIO()
    Image.new("L", (40, 30), 200).save(out, "PNG")
    assert open_image(out.getvalue()).mode == "RGB"


@pytest.mark.parametrize("line", ["10:45 87%", "Thích Bình luận Chia sẻ", "2 giờ", "264 bình luận 491 lượt chia sẻ"])
def test_chrome_lines_are_recognised(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize("line", ["Chia sẻ bài viết này để nhận thêm quà cho cả nhà nhé",
                                  "xác thực ngay tại vcb-xacthuc.top", "gọi 0948 214 289"])
def test_message_lines_are_kept(line: str) -> None:
    assert not is_chrome(line)


def test_catalogue_images_must_exist_beside_the_file(tmp_path: Path) -> None:
    tags = "    tags: [lua-dao, mao-danh, vneid]"
    text = CATALOGUE.read_text(encoding="utf-8").replace(tags, tags + "\n    images: [media/a.png]", 1)
    (tmp_path / "catalogue.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"images\[0\]"):
        load_catalogue(tmp_path / "catalogue.yaml")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.png").write_bytes(screenshot(VNEID_RUMOR))
    assert load_catalogue(tmp_path / "catalogue.yaml").get("vneid-link-cai-dat-gia").images == ("media/a.png",)  # type: ignore[union-attr]


def test_hashes_round_trip_as_text() -> None:
    hashes = hashes_of(open_image(screenshot(OTHER)))
    assert ImageHashes.from_text(hashes.to_text()) == hashes


def image_checker(index: ImageIndex, with_ocr: bool = True) -> ImageChecker:
    from bot.images.ocr import TesseractOcr

    catalogue = load_catalogue(CATALOGUE)
    checker = Checker(build_matcher(catalogue.published, Config().thresholds), None)
    return ImageChecker(checker, lambda: catalogue, index, TesseractOcr() if with_ocr else None)


def request(caption: str = "") -> CheckRequest:
    return CheckRequest("tests", "1", ChatType.PRIVATE, caption, user_id="5001", has_media=True)


def test_without_ocr_the_answer_says_images_cannot_be_read_here() -> None:
    images = image_checker(ImageIndex(), with_ocr=False)
    answer = asyncio.run(images.check(request(), screenshot(OTHER)))
    assert "chưa cài được bộ đọc chữ" in answer.reply.plain
    images.close()


@needs_ocr
def test_a_hash_alone_never_matches_an_image_of_the_same_layout_with_other_text() -> None:
    images = image_checker(ImageIndex())
    known = images.read(screenshot(VNEID_RUMOR))
    same_layout = images.read(screenshot(OTHER))
    # The worst case: the known image's hashes are those of the new one, bit for bit.
    images.index.add(KnownImage("vneid-link-cai-dat-gia", same_layout.hashes, known.text))
    assert images.index.near(same_layout.hashes)  # the hash sees a look-alike...
    result, _ = images.decide(same_layout)
    assert result.band is Band.NONE  # ...and the text decides: no match
    agreeing, _ = images.decide(replace(same_layout, ocr=known.ocr))
    assert (agreeing.band, agreeing.rumor.id if agreeing.rumor else None) == (Band.MATCH, "vneid-link-cai-dat-gia")
    images.close()


@needs_ocr
def test_an_unreadable_image_gets_a_clear_answer() -> None:
    images = image_checker(ImageIndex())
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (90, 140, 200)).save(out, "JPEG")
    answer = asyncio.run(images.check(request(), out.getvalue()))
    assert "không đọc được chữ nào" in answer.reply.plain
    images.close()
