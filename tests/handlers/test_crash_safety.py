"""The crash-safety script, run small: SIGKILL mid-burst loses no acknowledged update."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_sigkill_mid_burst_loses_nothing_and_stores_nothing_twice() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "crash_safety.py"), "--messages", "90", "--kill-after", "15"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = dict(line.rsplit(None, 1) for line in done.stdout.splitlines() if line and ":" not in line[:30])
    assert figures["acknowledged but without a report"] == "0"
    assert figures["without a report at the end"] == "0"
    assert figures["reports stored twice"] == "0"
    assert "PRAGMA integrity_check                ok" in done.stdout
