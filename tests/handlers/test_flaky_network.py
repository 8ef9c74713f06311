"""Delivery over a flaky network, run small (bench/flaky_network.py): owed against delivered."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def figures_of(*args: str) -> dict[str, str]:
    """Run a scenario; every owed message delivered, nothing left open, and (but after a SIGKILL) none twice."""
    done = subprocess.run([sys.executable, str(REPO / "bench" / "flaky_network.py"), *args],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = {line[:38].strip(): line[38:].strip() for line in done.stdout.splitlines() if len(line) > 38}
    assert figures["undelivered"] == "0" and figures["still open"] == "0"
    if args[0] != "sigkill":
        assert figures["duplicates"] == "0"
        assert int(figures["owed"]) == int(figures["delivered"]) > 0
    return figures


def test_every_answer_follow_up_and_notification_arrives_once_the_faults_stop() -> None:
    # slow answers of 6-8 s: beyond the library's 5 s default, within the sends' 25 s
    figures = figures_of("flaky", "--users", "18", "--zalo-users", "4", "--links", "3", "--slow", "6", "8",
                         "--fault-seconds", "3")
    assert figures["sent before retry_after ended"] == "0"
    assert figures["tracebacks in the log"] == "0"  # every fault is a known one: one line each
    assert int(figures["owed telegram notification"]) > 0 and int(figures["owed telegram follow_up"]) > 0
    assert int(figures["owed zalo answer"]) == 4
    injected = figures["faults injected"]
    for fault in ("'429'", "'500'", "'reset'", "'slow'"):
        assert fault in injected, injected


def test_sigkill_with_messages_owed_delivers_all_of_them_after_the_restart_none_twice() -> None:
    figures = figures_of("sigkill", "--users", "16")
    assert int(figures["owed and unsent at SIGKILL"]) > 0
    # a message sent twice only if its send was under way when the process was killed
    assert figures["sent twice beyond those"] == "0" and figures["early beyond those"] == "0"
    assert int(figures["duplicates"]) <= int(figures["sends under way at SIGKILL"])


def test_sigterm_under_load_exits_within_the_deadline_and_owes_nothing_lost() -> None:
    figures = figures_of("sigterm", "--users", "60", "--shutdown-seconds", "6")
    assert figures["exit status"] == "0"
    assert float(figures["exit after SIGTERM"].removesuffix(" s")) <= 6.0
    assert figures["people answered in the end"] == "60 of 60"
