"""deploy/kiemchung.service: what it promises, and systemd-analyze verify where systemd is installed."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

UNIT = REPO / "deploy" / "kiemchung.service"


def service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None, empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser["Service"]


def test_the_unit_runs_as_its_own_user_sandboxed_writing_only_the_data_folder() -> None:
    unit = service()
    assert unit["User"] == "kiemchung" and unit["EnvironmentFile"] == "/etc/kiemchung/env"
    assert unit["Restart"] == "on-failure" and unit["RestartPreventExitStatus"] == "2"
    assert unit["ProtectSystem"] == "strict" and unit["NoNewPrivileges"] == "yes"
    assert unit["ReadWritePaths"] == unit["WorkingDirectory"] == "/var/lib/kiemchung"
    assert "run --config /etc/kiemchung/config.yaml" in unit["ExecStart"]
    assert "TOKEN" not in unit.get("Environment", "")  # tokens only through the EnvironmentFile


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # ExecStart must name an executable that exists where it is verified: this Python stands in for
    # /opt/kiemchung/.venv/bin/kiemchung; everything else is checked as shipped.
    text = UNIT.read_text(encoding="utf-8").replace("/opt/kiemchung/.venv/bin/kiemchung", sys.executable)
    copy = tmp_path / "kiemchung.service"
    copy.write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    problems = [line for line in (done.stdout + done.stderr).splitlines() if "kiemchung.service" in line]
    assert done.returncode == 0 and problems == [], done.stdout + done.stderr
