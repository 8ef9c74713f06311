"""One bot per database: the lock beside the file, refused to a second owner, let go at exit or death."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.owner import DatabaseInUse, lock_path, own

HOLD = "import sys, time; from pathlib import Path; from bot.store.owner import own; own(Path(sys.argv[1])); " \
       "print('held', flush=True); time.sleep(60)"


def test_a_second_owner_is_refused_with_the_holders_pid_until_the_first_lets_go(tmp_path: Path) -> None:
    database = tmp_path / "data" / "kc.db"  # its folder made, as the database's would be
    first = own(database)
    with pytest.raises(DatabaseInUse) as refused:
        own(database)
    assert str(refused.value) == (
        f"database {database} is used by another kiemchung process (pid {os.getpid()}): one bot per database, "
        "since each replays the updates it finds unfinished (stop the other one, or give this one its own database)")
    first.release()
    first.release()  # twice is harmless
    own(database).release()
    assert lock_path(database).read_text() == f"{os.getpid()}\n"


def test_a_lock_left_by_a_killed_process_does_not_block(tmp_path: Path) -> None:
    database = tmp_path / "kc.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(database)], stdout=subprocess.PIPE,
                              cwd=Path(__file__).resolve().parents[3])
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    with pytest.raises(DatabaseInUse, match=f"pid {holder.pid}"):
        own(database)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert lock_path(database).exists()  # the file stays; the kernel let go of the lock
    own(database).release()


def test_an_in_memory_database_has_no_lock() -> None:
    own(Path(":memory:")).release()
