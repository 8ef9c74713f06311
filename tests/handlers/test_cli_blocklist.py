"""`kiemchung blocklist fetch` as cron runs it: one line of output, exit status, the old file kept."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.handlers.test_cli import kiemchung
from tests.list_server import LIST, ListServer
from tests.local_server import running


@pytest.fixture
async def server() -> AsyncIterator[ListServer]:
    async with running(ListServer()) as started:
        yield started


async def run(*args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(kiemchung, "blocklist", "fetch", *args)


async def test_fetch_writes_the_list_and_says_so_in_one_line(server: ListServer, tmp_path: Path) -> None:
    output = tmp_path / "vn.txt"
    done = await run(f"{server.url}/list.txt", "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote 3 domains to {output}\n"
    assert output.read_text(encoding="utf-8") == LIST


@pytest.mark.parametrize("path", ["/missing.txt", "/page.html", "/big.txt"])
async def test_a_failed_fetch_is_one_line_exit_1_and_the_old_file_kept(server: ListServer, tmp_path: Path,
                                                                      path: str) -> None:
    output = tmp_path / "vn.txt"
    output.write_text("old-scam.top\n", encoding="utf-8")
    done = await run(server.url + path, "-o", str(output), "--max-bytes", "4096")
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("blocklist fetch: ")
    assert f"{output} left as it was" in done.stderr and "Traceback" not in done.stderr
    assert output.read_text(encoding="utf-8") == "old-scam.top\n"


async def test_a_timeout_is_one_line_too(server: ListServer, tmp_path: Path) -> None:
    done = await run(f"{server.url}/slow.txt", "-o", str(tmp_path / "vn.txt"), "--timeout", "0.5")
    assert done.returncode == 1 and "did not answer within 0.5 s" in done.stderr
    assert not (tmp_path / "vn.txt").exists()
