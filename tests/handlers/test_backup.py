"""`kiemchung backup FILE` while the bot is busy: a sound copy holding every report answered before it began."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import yaml

from bot.config import Config
from tests.conftest import CATALOGUE, REPO, bot_serving
from tests.fake_bot_api import FakeBotApi
from tests.handlers.test_cli import environment, kiemchung
from tests.updates import ORDINARY_MESSAGES, VNEID_RUMOR, forwarded_from_channel, text_update


def answered_messages(api: FakeBotApi) -> set[int]:
    return {int(p["reply_parameters"]["message_id"]) for p in api.sent() if isinstance(p.get("reply_parameters"), dict)}


async def test_backup_during_a_load_holds_every_acknowledged_report(fake_api: FakeBotApi, config: Config,
                                                                   tmp_path: Path, no_rate_limit: None) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump({"database": str(config.database), "catalogue": str(CATALOGUE)}), encoding="utf-8")
    copy = tmp_path / "backups" / "kc-copy.db"
    copy.parent.mkdir()
    updates = []
    for i in range(300):  # one person each: the flood limit must not decide what is recorded
        user = {"id": 400_000 + i, "is_bot": False, "first_name": "Dân"}
        text = f"{VNEID_RUMOR} #{i}" if i % 2 else f"{ORDINARY_MESSAGES[i % len(ORDINARY_MESSAGES)]} (tin {i})"
        updates.append(forwarded_from_channel(text, user) if i % 2 else text_update(text, user))
    async with bot_serving(fake_api, config):
        feeding = asyncio.create_task(push_slowly(fake_api, updates))
        await fake_api.wait_for(lambda: len(fake_api.sent()) >= 60, timeout=60)
        acknowledged = answered_messages(fake_api)  # each answer is sent after its report was committed
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "handlers.cli", "backup", str(copy), "--config", str(path),
            env=environment(PYTHONPATH=str(REPO)), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        still_answering = len(fake_api.sent())
        await feeding
    assert process.returncode == 0, stderr.decode()
    assert "integrity ok" in stdout.decode()
    assert still_answering < len(updates)  # the backup ran while the bot was still working
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        in_copy = {int(row[0]) for row in db.execute("SELECT message_id FROM reports")}
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert len(acknowledged) >= 60
    assert acknowledged <= in_copy
    assert not list(copy.parent.glob(".*partial"))


async def push_slowly(api: FakeBotApi, updates: list[dict[str, object]]) -> None:
    for update in updates:
        await api.push(update)
        await asyncio.sleep(0.01)


def test_backup_of_a_missing_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump({"database": str(tmp_path / "none.db")}), encoding="utf-8")
    done = kiemchung("backup", str(tmp_path / "copy.db"), "--config", str(path))
    assert done.returncode == 1
    assert done.stderr.strip() == (f"database {tmp_path / 'none.db'} cannot be opened or written: no such file "
                                   "(check the file, its folder, their owner and permissions)")
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "copy.db").exists()
