"""The command line on images: check --image, image lines of check --jsonl, eval --cases on image cases."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from handlers.cli import main
from tests.screenshots import needs_ocr, screenshot
from tests.updates import VNEID_RUMOR

pytestmark = needs_ocr
CATALOGUE = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue.yaml"
ORDINARY = "Chiều nay 5 giờ họp tổ dân phố ở nhà văn hóa khối 3, bà con nhớ đi đầy đủ nhé, mang theo sổ hộ khẩu."


@pytest.fixture
def shots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no ./config.yaml: built-in defaults
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "rumor.png").write_bytes(screenshot(VNEID_RUMOR))
    (tmp_path / "images" / "ordinary.jpg").write_bytes(screenshot(ORDINARY, fmt="JPEG", dark=True))
    (tmp_path / "images" / "broken.jpg").write_bytes(b"not an image")
    return tmp_path


def test_check_image_prints_what_was_read_and_the_verdict(shots: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--rumors", str(CATALOGUE), "--image", str(shots / "images" / "rumor.png")]) == 0
    out, err = capsys.readouterr()
    assert "đọc chữ trong ảnh" in out and "LỪA ĐẢO" in out
    assert "[match] vneid-link-cai-dat-gia" in err


def test_check_jsonl_reads_image_lines(shots: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [{"id": "a", "image": "images/rumor.png"},
             {"id": "b", "image": "images/ordinary.jpg", "text": "thật không?"},
             {"id": "c", "image": "images/broken.jpg"}, {"id": "d", "text": VNEID_RUMOR}]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(line) for line in lines)))
    assert main(["check", "--rumors", str(CATALOGUE), "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(o["id"], o["band"], o["match"]) for o in out] == [
        ("a", "match", "vneid-link-cai-dat-gia"), ("b", "none", None), ("c", "none", None),
        ("d", "match", "vneid-link-cai-dat-gia")]
    assert "họp tổ dân phố" in out[1]["read"]
    assert "error" in out[2]


def test_eval_works_on_image_cases(shots: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shots / "cases.yaml").write_text(
        "cases:\n"
        "  - {id: i1, image: images/rumor.png, expect: vneid-link-cai-dat-gia, kind: zalo_chat}\n"
        "  - {id: i2, image: images/ordinary.jpg, caption: 'có thật không?', expect: null, kind: neg_text}\n",
        encoding="utf-8")
    assert main(["eval", "--rumors", str(CATALOGUE), "--cases", str(shots / "cases.yaml")]) == 0
    out = capsys.readouterr().out
    assert "zalo_chat" in out and "neg_text" in out
    assert "ours: match-band precision 1.000, wrong id 0, false match on negatives 0/1" in out
