"""Every start-up failure tried, as `kiemchung run` prints it: one line, the right exit status, no
traceback, and never a token or its secret part anywhere in the output (README: "When it does not start").

Each case runs the real command as a process against the local fake APIs, with real files.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.store.storage import Storage
from tests.conftest import CATALOGUE, REPO
from tests.fake_bot_api import FakeBotApi
from tests.fake_zalo_api import FakeZaloApi
from tests.handlers.test_cli import environment, kiemchung
from tests.local_server import running
from tests.updates import VNEID_RUMOR

TELEGRAM = FakeBotApi().token
ZALO = FakeZaloApi().token
OTHER_TOKEN = "987654321:AAE-revoked_or_mistyped-token-xyz"  # well formed, unknown to the fake API
SECRETS = (TELEGRAM, ZALO, OTHER_TOKEN, "webhook-secret_0123456789")


@dataclass
class Outcome:
    returncode: int
    stderr: str
    stdout: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def problems(self) -> list[str]:
        """What it printed besides its INFO log lines (the start-up's progress)."""
        return [line for line in self.lines if not re.match(r"\S+ \S+ INFO ", line)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(folder: Path, **values: object) -> Path:
    data: dict[str, object] = {"database": str(folder / "kc.db"), "catalogue": str(CATALOGUE), **values}
    path = folder / "cfg.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


async def kiemchung_run(config: Path, *, prefix: tuple[str, ...] = (), stop_when: Callable[[str], bool] | None = None,
                        timeout: float = 30, **env: str) -> Outcome:
    """`kiemchung run`; with `stop_when`, SIGTERM once stderr satisfies it (a bot that waits)."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "handlers.cli", "run", "--config", str(config), cwd=config.parent,
        env=environment(PYTHONPATH=str(REPO), **env), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None and process.stdout is not None
    seen = ""
    if stop_when is not None:
        while not stop_when(seen):
            line = await asyncio.wait_for(process.stderr.readline(), timeout)
            if not line:
                break
            seen += line.decode()
        process.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    return Outcome(int(process.returncode or 0), seen + stderr.decode(), stdout.decode(), time.monotonic() - started)


def assert_clean(outcome: Outcome) -> None:
    output = outcome.stdout + outcome.stderr
    assert "Traceback" not in output, output
    for secret in SECRETS:
        assert secret not in output
        assert secret.split(":")[-1] not in output  # the secret part alone is as good as the token


async def one_line(config: Path, expected: str, status: int, **env: str) -> Outcome:
    outcome = await kiemchung_run(config, **env)
    assert_clean(outcome)
    assert outcome.problems == [expected], outcome.stderr
    assert outcome.lines[-1] == expected
    assert outcome.returncode == status
    return outcome


async def test_telegram_refusing_the_token(tmp_path: Path) -> None:
    async with running(FakeBotApi()) as api:
        config = write_config(tmp_path, telegram={"base_url": api.base_url})
        await one_line(config, "Telegram refused the token (401): check TELEGRAM_BOT_TOKEN", 1,
                       TELEGRAM_BOT_TOKEN=OTHER_TOKEN)


async def test_zalo_refusing_the_token(tmp_path: Path) -> None:
    async with running(FakeZaloApi()) as api:
        config = write_config(tmp_path, zalo={"base_url": api.base_url})
        await one_line(config, "Zalo refused the token (401): check ZALO_BOT_TOKEN", 1,
                       ZALO_BOT_TOKEN=OTHER_TOKEN)


@pytest.mark.parametrize("token", [TELEGRAM.replace(":", ""), f"{TELEGRAM}\\n", TELEGRAM[:-12], f"bot{TELEGRAM}"])
async def test_a_token_of_the_wrong_form(tmp_path: Path, token: str) -> None:
    await one_line(write_config(tmp_path), "config error: built-in defaults: telegram.token: (or TELEGRAM_BOT_TOKEN) "
                   "is not a bot token of the form <digits>:<letters> that BotFather gives".replace(
                       "built-in defaults", str(tmp_path / "cfg.yaml")), 2, TELEGRAM_BOT_TOKEN=token)


async def test_a_zalo_base_url_without_bot(tmp_path: Path) -> None:
    config = write_config(tmp_path, zalo={"base_url": "https://bot-api.zaloplatforms.com"})
    await one_line(config, f"config error: {config}: zalo.base_url: must end with /bot (the token is appended to "
                   "it), got 'https://bot-api.zaloplatforms.com'", 2, ZALO_BOT_TOKEN=ZALO)


async def test_an_unreachable_api_is_retried_with_one_warning_a_try(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    config = write_config(tmp_path, telegram={"base_url": f"http://127.0.0.1:{closed}/bot"})
    outcome = await kiemchung_run(config, stop_when=lambda seen: seen.count("WARNING") >= 2,
                                  TELEGRAM_BOT_TOKEN=TELEGRAM)
    assert_clean(outcome)
    warnings = [line for line in outcome.lines if " WARNING " in line]
    assert len(warnings) >= 2 and all("the Telegram Bot API cannot be reached" in line for line in warnings)
    assert "trying again in 2 s" in warnings[0] and "trying again in 4 s" in warnings[1]  # backing off
    assert [line for line in outcome.problems if " WARNING " not in line] == []
    assert outcome.returncode == 0  # stopped by SIGTERM while waiting, as a service manager would


async def a_real_database(path: Path) -> bytes:
    """The bytes of a database the bot made and used (its schema, 400 updates in its inbox), in one file."""
    storage = await Storage.open(path)
    await storage.inbox.store("telegram", [(str(i), json.dumps({"update_id": i, "text": VNEID_RUMOR}))
                                           for i in range(400)])
    await storage.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    content = path.read_bytes()
    path.unlink()
    return content


def damaged(content: bytes, kind: str) -> bytes:
    if kind == "text":
        return ("Đây không phải là một cơ sở dữ liệu SQLite.\n" * 50).encode()
    if kind == "random bytes":
        return random.Random(17).randbytes(64 * 1024)
    if kind == "truncated":
        return content[:len(content) // 2]
    if kind == "header only":
        return content[:100]
    assert kind == "a damaged page"  # the header and the schema sound, a page of data overwritten
    page = 4096
    return content[:3 * page] + random.Random(17).randbytes(page) + content[4 * page:]


CANNOT_BE_READ = "(restore a copy made by kiemchung backup, or move the file aside to start with a new database)"


@pytest.mark.parametrize(("kind", "reason"), [
    ("text", "file is not a database"), ("random bytes", "file is not a database"),
    ("truncated", "database disk image is malformed"), ("header only", "database disk image is malformed"),
    ("a damaged page", "malformed (Page "),
])
async def test_a_database_that_is_not_a_database_or_is_damaged(tmp_path: Path, kind: str, reason: str) -> None:
    database = tmp_path / "kc.db"
    database.write_bytes(damaged(await a_real_database(database), kind))
    outcome = await kiemchung_run(write_config(tmp_path), timeout=30, TELEGRAM_BOT_TOKEN=TELEGRAM)
    assert_clean(outcome)
    [line] = outcome.problems
    assert line.startswith(f"database {database} cannot be read: {reason}"), outcome.stderr
    assert line.endswith(CANNOT_BE_READ)
    assert outcome.lines[-1] == line
    assert outcome.returncode == 1  # never a hang: the timeout of kiemchung_run would fail it first


async def test_a_database_folder_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the folder should be", encoding="utf-8")
    database = tmp_path / "data" / "kc.db"
    await one_line(write_config(tmp_path, database=str(database)), f"database {database} cannot be opened or "
                   "written: File exists (check the file, its folder, their owner and permissions)", 1,
                   TELEGRAM_BOT_TOKEN=TELEGRAM)


def unprivileged() -> tuple[str, ...] | None:
    """How to run the bot as a user the folder's mode applies to: as it is, or (as root, who ignores
    modes, like CI) through setpriv as nobody; None when neither can be done."""
    if os.geteuid() != 0:
        return ()
    setpriv = "/usr/bin/setpriv"
    return (setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups") if os.path.exists(setpriv) else None


@pytest.mark.parametrize("case", ["new", "existing", "read-only file"])
async def test_a_database_in_a_read_only_folder(request: pytest.FixtureRequest, case: str) -> None:
    """A new database in a read-only folder, an existing one whose folder became read-only, and a
    read-only database file in a folder the bot may write (which SQLite opens read-only, silently)."""
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: a folder's mode cannot be tested")
    # pytest's own folders are closed to other users: this test's lives directly in the system's temp folder
    base = Path(tempfile.mkdtemp(prefix="kiemchung-readonly-"))
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    os.chmod(base, 0o755)
    for path in (Path(sys.executable).parent, REPO, *REPO.parents):
        if path.stat().st_mode & 0o005 != 0o005:
            pytest.skip(f"{path} is not open to other users, who run the bot here")
    folder = base / "readonly"
    folder.mkdir()
    if case != "new":  # a database the bot made, then its folder (or the file) became read-only
        outcome = await kiemchung_run(write_config(base, database=str(folder / "kc.db")))  # the local console
        assert outcome.returncode == 0, outcome.stderr
    for item in folder.iterdir():
        os.chmod(item, 0o444)
    os.chmod(folder, 0o777 if case == "read-only file" else 0o555)
    request.addfinalizer(lambda: os.chmod(folder, 0o755))
    config = write_config(base, database=str(folder / "kc.db"))
    os.chmod(config, 0o644)
    outcome = await kiemchung_run(config, prefix=prefix, timeout=20, TELEGRAM_BOT_TOKEN=TELEGRAM)
    assert_clean(outcome)
    [line] = outcome.problems
    why = "unable to open database file" if case == "new" else "attempt to write a readonly database"
    assert line == (f"database {folder / 'kc.db'} cannot be opened or written: {why} "
                    "(check the file, its folder, their owner and permissions)"), outcome.stderr
    assert outcome.returncode == 1


def unshared_mounts() -> bool:
    """Whether this user may mount in a namespace of its own (root, or user namespaces enabled)."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True)
    return probe.returncode == 0


READ_ONLY_FILESYSTEM = """
set -e
mount -t tmpfs tmpfs "$1"
printf 'database: %s/kc.db\\ncatalogue: %s\\ntelegram: {base_url: "%s"}\\n' "$1" "$2" "$4" > "$1/cfg.yaml"
env -u TELEGRAM_BOT_TOKEN "$3" -m handlers.cli run --config "$1/cfg.yaml" < /dev/null > /dev/null 2>&1  # the console
mount -o remount,ro "$1"
exec "$3" -m handlers.cli run --config "$1/cfg.yaml" < /dev/null
"""


async def test_a_database_on_a_read_only_filesystem(tmp_path: Path) -> None:
    """The file system remounted read-only under an existing database (a disk error does that)."""
    if not unshared_mounts():
        pytest.skip("cannot mount in a namespace of its own here: a read-only file system cannot be made")
    mount = tmp_path / "mnt"
    mount.mkdir()
    process = await asyncio.create_subprocess_exec(
        "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", READ_ONLY_FILESYSTEM, "sh", str(mount),
        str(CATALOGUE), sys.executable, f"http://127.0.0.1:{free_port()}/bot",  # nothing listens: never the network
        cwd=REPO, env=environment(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=TELEGRAM),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    outcome = Outcome(int(process.returncode or 0), stderr.decode(), stdout.decode(), 0.0)
    assert_clean(outcome)
    assert outcome.problems == [f"database {mount / 'kc.db'} cannot be opened or written: Read-only file system "
                                "(check the file, its folder, their owner and permissions)"], outcome.stderr
    assert outcome.returncode == 1


async def occupied(port: int, test: Callable[[], Awaitable[None]]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        await test()


async def test_a_webhook_address_in_use(tmp_path: Path) -> None:
    port = free_port()
    async with running(FakeBotApi()) as api:
        config = write_config(tmp_path, telegram={"base_url": api.base_url, "mode": "webhook",
                                                  "webhook_url": "https://bot.congan.example/tg",
                                                  "secret_token": "webhook-secret_0123456789",
                                                  "listen": f"127.0.0.1:{port}"})
        await occupied(port, lambda: one_line(
            config, f"telegram.listen: cannot listen on http://127.0.0.1:{port}: error while attempting to bind on "
            f"address ('127.0.0.1', {port}): address already in use", 1, TELEGRAM_BOT_TOKEN=TELEGRAM))


async def test_a_catalogue_without_a_published_entry_is_a_warning_at_start(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("schema: 1\nrumors: []\n", encoding="utf-8")
    async with running(FakeBotApi()) as api:
        config = write_config(tmp_path, catalogue=str(empty), telegram={"base_url": api.base_url, "poll_timeout": 1})
        outcome = await kiemchung_run(config, stop_when=lambda seen: "polling as" in seen, TELEGRAM_BOT_TOKEN=TELEGRAM)
    assert_clean(outcome)
    assert [line.split(" ", 2)[2] for line in outcome.problems] == [
        "WARNING handlers.runner: "
        f"catalogue {empty} has no published entry: every message will be answered as unknown"]
    assert outcome.returncode == 0
    validate = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "handlers.cli", "validate", str(empty), env=environment(PYTHONPATH=str(REPO)),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await validate.communicate()
    assert validate.returncode == 2 and "no published entry" in stderr.decode()


async def test_a_second_bot_on_the_same_database_is_refused_and_a_killed_one_leaves_no_lock(tmp_path: Path) -> None:
    """One bot per database (bot/store/owner.py); the console, export, reports and backup run beside it."""
    async with running(FakeBotApi()) as api:
        config = write_config(tmp_path, telegram={"base_url": api.base_url, "poll_timeout": 1})
        first = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "handlers.cli", "run", "--config", str(config), cwd=tmp_path,
            env=environment(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=TELEGRAM), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        assert first.stderr is not None
        while b"polling as" not in await asyncio.wait_for(first.stderr.readline(), 30):
            pass
        database = tmp_path / "kc.db"
        await one_line(config, f"database {database} is used by another kiemchung process (pid {first.pid}): one bot "
                       "per database, since each replays the updates it finds unfinished (stop the other one, or give "
                       "this one its own database)", 1, TELEGRAM_BOT_TOKEN=TELEGRAM)
        beside = [("console",), ("export",), ("reports",), ("backup", str(tmp_path / "copy.db"))]
        for args in beside:
            done = await asyncio.to_thread(kiemchung, args[0], "--config", str(config), *args[1:],
                                           stdin=f"{VNEID_RUMOR}\n\n", cwd=tmp_path)
            assert done.returncode == 0, (args, done.stderr)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        again = await kiemchung_run(config, stop_when=lambda seen: "polling as" in seen, TELEGRAM_BOT_TOKEN=TELEGRAM)
    assert_clean(again)
    assert again.returncode == 0 and again.problems == []
    with contextlib.closing(sqlite3.connect(database)) as db:  # the console's check was recorded beside the bot
        assert db.execute("SELECT COUNT(*) FROM reports WHERE platform = 'console'").fetchone()[0] == 1
