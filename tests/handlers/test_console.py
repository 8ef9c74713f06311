"""The local console as a person uses it: commands explained, officers' commands rehearsed, Ctrl-C."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO
from tests.handlers.test_cli import environment, kiemchung, write_config
from tests.updates import VNEID_RUMOR

UNKNOWN_CLAIM = "Nghe nói từ tháng sau phải đổi bằng lái xe máy sang thẻ nhựa mới, không đổi bị phạt, thật không?"


def reports(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT text FROM reports ORDER BY id")]


def test_slash_commands_are_explained_and_not_logged(tmp_path: Path) -> None:
    done = kiemchung("console", "--config", str(write_config(tmp_path)), stdin=f"/start\n\n/baocao\n\n{VNEID_RUMOR}\n")
    assert done.returncode == 0, done.stderr
    first, second, third = done.stdout.split("─" * 40)
    assert "/start" in first and "kiemchung console --officer" in first
    assert "/baocao" in second
    assert "https://congan.example/canh-bao-vneid-link-gia" in third
    assert reports(tmp_path / "kc.db") == [VNEID_RUMOR]


def test_an_officer_rehearses_the_queue_on_the_same_database(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    asked = kiemchung("console", "--config", config, stdin=f"{UNKNOWN_CLAIM}\n")  # as a citizen would
    assert "chưa có trong danh mục" in asked.stdout
    [report_id] = [row for row in sqlite3.connect(tmp_path / "kc.db").execute("SELECT id FROM reports")]
    stdin = f"/baocao\n\n/xem vneid-link-cai-dat-gia\n\n/boqua {report_id[0]}\n\n/baocao\n\n/khongco\n"
    done = kiemchung("console", "--officer", "--config", config, stdin=stdin)
    assert done.returncode == 0, done.stderr
    queue, entry, dismissed, empty, unknown = done.stdout.split("─" * 40)
    assert "Báo cáo chờ xử lý" in queue and UNKNOWN_CLAIM[:40] in queue
    assert "vneid-link-cai-dat-gia" in entry
    assert "Đã bỏ qua 1 báo cáo" in dismissed
    assert "Không có báo cáo nào đang chờ xử lý" in empty  # the dismissal reached the same database
    assert "/khongco không phải lệnh cán bộ" in unknown
    assert reports(tmp_path / "kc.db") == [UNKNOWN_CLAIM]  # commands are not reports
    assert "<b>" not in done.stdout and "<a " not in done.stdout  # plain text, as in the console


def test_ctrl_c_leaves_the_console_at_once(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "handlers.cli", "console", "--config", str(write_config(tmp_path))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(PYTHONPATH=str(REPO)), cwd=tmp_path,
    )
    assert process.stdin is not None
    process.stdin.write("Tin thứ nhất đang gõ dở")  # waiting on a line, as a person typing would
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while not (tmp_path / "kc.db").exists() and time.monotonic() < deadline:  # started and waiting on input
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)  # stdin stays open: before the fix it waited for Enter forever
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert process.returncode == 130
    assert "Traceback" not in stderr


def test_check_records_nothing_and_does_not_say_it_did(tmp_path: Path) -> None:
    done = kiemchung("check", "--config", str(write_config(tmp_path)), UNKNOWN_CLAIM)
    assert done.returncode == 0, done.stderr
    assert "chưa có trong danh mục" in done.stdout
    assert "ghi lại" not in done.stdout and "cán bộ" not in done.stdout
    assert not (tmp_path / "kc.db").exists()
