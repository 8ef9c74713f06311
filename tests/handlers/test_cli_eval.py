from pathlib import Path

import pytest

from handlers.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
DEV = ROOT.parent / "shared" / "eval" / "dev"


def test_eval_prints_ours_and_baseline(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./config.yaml: built-in defaults
    code = main(["eval", "--rumors", str(DEV / "catalogue.yaml"), "--cases", str(FIXTURES / "heldout_cases.yaml")])
    out = capsys.readouterr().out
    assert code == 0
    assert "ours match" in out and "baseline match" in out
    assert "related_warning" in out
    assert "targets:" in out


def test_eval_names_a_broken_cases_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    broken = tmp_path / "cases.yaml"
    broken.write_text("cases: 3\n", encoding="utf-8")
    code = main(["eval", "--rumors", str(FIXTURES / "matcher_catalogue.yaml"), "--cases", str(broken)])
    assert code == 2
    assert "cases error" in capsys.readouterr().err


def test_check_jsonl_uses_the_new_matcher(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import json

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"id": "a", "text": "Số 0948214289 gọi cho mẹ em"}) + "\n"))
    assert main(["check", "--rumors", str(FIXTURES / "matcher_catalogue.yaml"), "--jsonl"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line == {"id": "a", "match": "vneid-cai-app-gia-mao", "score": 95.0, "band": "match"}
