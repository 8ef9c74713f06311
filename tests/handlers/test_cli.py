"""The command line as a person runs it: real processes, real files."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.signs.reader import SIGN_NAMES
from tests.conftest import CATALOGUE, REPO
from tests.fake_bot_api import FakeBotApi
from tests.updates import VNEID_RUMOR, forwarded_from_channel, photo_update, text_update

DEV = REPO.parent / "shared" / "eval" / "dev"


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(extra)
    return env


def kiemchung(*args: str, stdin: str = "", cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handlers.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=environment(PYTHONPATH=str(REPO), **env), timeout=120)


def write_config(tmp_path: Path, **values: object) -> Path:
    data: dict[str, object] = {"database": str(tmp_path / "kc.db"), "catalogue": str(CATALOGUE), **values}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.skipif(not DEV.exists(), reason="../shared/eval/dev is not beside the checkout")
def test_check_jsonl_on_the_dev_set_prints_one_line_per_case(tmp_path: Path) -> None:
    cases = yaml.safe_load((DEV / "cases.yaml").read_text(encoding="utf-8"))["cases"]
    stdin = "".join(json.dumps({"id": c["id"], "text": c["text"]}, ensure_ascii=False) + "\n" for c in cases)
    args = ("check", "--config", str(write_config(tmp_path)), "--rumors", str(DEV / "catalogue.yaml"), "--jsonl")
    done = kiemchung(*args, stdin=stdin, PYTHONHASHSEED="1")
    assert done.returncode == 0, done.stderr
    # the same answers whatever order Python's sets iterate in (it once chose among typo repairs)
    assert kiemchung(*args, stdin=stdin, PYTHONHASHSEED="2").stdout == done.stdout
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["id"] for line in lines] == [c["id"] for c in cases]
    ids = {r["id"] for r in yaml.safe_load((DEV / "catalogue.yaml").read_text(encoding="utf-8"))["rumors"]}
    for line in lines:
        assert set(line) == {"id", "match", "score", "band", "signs"}
        assert line["band"] in {"match", "possible", "none", "suspicious"}
        assert 0 <= line["score"] <= 100
        assert (line["match"] is None) == (line["band"] in {"none", "suspicious"})
        assert set(line["signs"]) <= set(SIGN_NAMES)
        assert line["match"] is None or line["match"] in ids
    assert not (tmp_path / "kc.db").exists()  # measuring logs nothing


def test_check_jsonl_rejects_bad_lines_clearly(tmp_path: Path) -> None:
    done = kiemchung("check", "--config", str(write_config(tmp_path)), "--jsonl", stdin='{"id": 1}\n')
    assert done.returncode == 2
    assert "stdin line 1" in done.stderr and "Traceback" not in done.stderr


def test_check_one_text_prints_the_answer(tmp_path: Path) -> None:
    done = kiemchung("check", "--config", str(write_config(tmp_path)), VNEID_RUMOR)
    assert done.returncode == 0, done.stderr
    assert "LỪA ĐẢO" in done.stdout
    assert "https://congan.example/canh-bao-vneid-link-gia" in done.stdout


def test_validate_reports_every_problem_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema: 1\nrumors:\n  - id: Tin Gia\n    claim: x\n    verdict: maybe\n", encoding="utf-8")
    done = kiemchung("validate", str(broken))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for expected in ("id: must be a slug", "verdict: must be one of", "summary: is missing", "sources"):
        assert expected in done.stderr
    ok = kiemchung("validate", str(CATALOGUE))
    assert ok.returncode == 0 and "4 published" in ok.stdout


def test_config_error_is_one_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, databse="typo.db")
    done = kiemchung("check", "--config", str(path), "xin chào")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "databse: unknown key" in done.stderr


def test_run_without_token_is_a_local_console(tmp_path: Path) -> None:
    stdin = f"{VNEID_RUMOR}\n\nHôm nay trời đẹp quá,\nđi biển Cửa Đại không mọi người?\n"
    done = kiemchung("run", "--config", str(write_config(tmp_path)), stdin=stdin, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "local console" in done.stderr
    first, second = done.stdout.split("─" * 40)
    assert "https://congan.example/canh-bao-vneid-link-gia" in first
    assert "chưa có trong danh mục" in second and "http" not in second
    with sqlite3.connect(tmp_path / "kc.db") as db:
        texts = [row[0] for row in db.execute("SELECT text FROM reports WHERE platform = 'console' ORDER BY id")]
    assert texts == [VNEID_RUMOR, "Hôm nay trời đẹp quá,\nđi biển Cửa Đại không mọi người?"]


async def test_run_with_a_token_serves_the_fake_bot_api(tmp_path: Path, fake_api: FakeBotApi) -> None:
    path = write_config(tmp_path, telegram={"base_url": fake_api.base_url, "poll_timeout": 1}, log_level="DEBUG")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "handlers.cli", "run", "--config", str(path), cwd=tmp_path,
        env=environment(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=fake_api.token),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake_api.wait_for(lambda: any(c.method == "setMyCommands" for c in fake_api.calls), timeout=60)
        inputs = [
            forwarded_from_channel(VNEID_RUMOR),
            text_update("Chiều nay họp phụ huynh lớp 3A lúc 4 giờ nha các mẹ."),
            text_update("🙏😂🔥"),
            text_update("<b>HOT</b> & <i>khuyến mãi</i> <script>x</script>"),
            text_update("Chia sẻ gấp & nhanh! " * 200),
            photo_update(),
        ]
        for update in inputs:
            await fake_api.push(update)
        await fake_api.wait_for(lambda: len(fake_api.sent()) >= len(inputs), timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    answers = {int(p["reply_parameters"]["message_id"]) if isinstance(p.get("reply_parameters"), dict) else 0: p["text"]
               for p in fake_api.sent()}
    rumor_answer = answers[inputs[0]["message"]["message_id"]]
    ordinary_answer = answers[inputs[1]["message"]["message_id"]]
    assert "https://congan.example/canh-bao-vneid-link-gia" in rumor_answer
    assert "http" not in ordinary_answer
    with sqlite3.connect(tmp_path / "kc.db") as db:
        logged = [row[0] for row in db.execute("SELECT text FROM reports ORDER BY id")]
    # the emoji-only message gets a hint, not a report (updates of different chats are handled
    # concurrently, so the log's order is the order their checks finished in)
    assert sorted(logged) == sorted(u["message"]["text"] for u in inputs[:5] if u is not inputs[2])
    assert fake_api.token not in stderr.decode()
    assert fake_api.token.split(":")[1] not in stderr.decode()
