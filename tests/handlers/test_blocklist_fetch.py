"""Downloading a scam-domain list: a list replaces the file atomically; anything else leaves it alone."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.signs.blocklist import parse_domain_list
from handlers.blocklist_fetch import FetchError, fetch_domain_list
from tests.list_server import CAP, LIST, ListServer
from tests.local_server import running

OLD = "old-scam.top\n"


@pytest.fixture
async def server() -> AsyncIterator[ListServer]:
    async with running(ListServer()) as started:
        yield started


async def fetch(url: str, output: Path, timeout: float = 5.0) -> int:
    fetched = await asyncio.to_thread(fetch_domain_list, url, output, timeout=timeout, max_bytes=CAP)
    return len(fetched.parsed.domains)


async def test_a_list_replaces_the_file(server: ListServer, tmp_path: Path) -> None:
    output = tmp_path / "vn.txt"
    output.write_text(OLD, encoding="utf-8")
    assert await fetch(f"{server.url}/list.txt", output) == 3
    assert output.read_text(encoding="utf-8") == LIST
    assert parse_domain_list(output.read_text(encoding="utf-8")).domains == {
        "dichvucong-gov.com", "evnnpcs.com", "agribanks.link"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vn.txt"]  # no temporary file left
    assert os.stat(output).st_mode & 0o777 == 0o644


async def test_a_new_file_is_readable_by_the_bot(server: ListServer, tmp_path: Path) -> None:
    output = tmp_path / "new.txt"
    await fetch(f"{server.url}/list.txt", output)
    assert os.stat(output).st_mode & 0o777 == 0o644


@pytest.mark.parametrize(("path", "reason"), [
    ("/big.txt", "more than the 4,096 bytes allowed"),
    ("/endless.txt", "more than the 4,096 bytes allowed"),
    ("/page.html", "is not a domain list: only 4% of its lines are domains"),
    ("/empty.txt", "is not a domain list: no line of it is a domain"),
    ("/binary", "is not UTF-8 text"),
    ("/missing.txt", "answered HTTP 404"),
])
async def test_anything_else_leaves_the_old_file(server: ListServer, tmp_path: Path, path: str, reason: str) -> None:
    output = tmp_path / "vn.txt"
    output.write_text(OLD, encoding="utf-8")
    with pytest.raises(FetchError, match=reason):
        await fetch(server.url + path, output)
    assert output.read_text(encoding="utf-8") == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vn.txt"]


async def test_a_timeout_leaves_the_old_file(server: ListServer, tmp_path: Path) -> None:
    output = tmp_path / "vn.txt"
    output.write_text(OLD, encoding="utf-8")
    with pytest.raises(FetchError, match=r"did not answer within 0\.3 s"):
        await fetch(f"{server.url}/slow.txt", output, timeout=0.3)
    assert output.read_text(encoding="utf-8") == OLD


def test_only_http_urls_and_writable_folders(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="not an http"):
        fetch_domain_list("file:///etc/hosts", tmp_path / "x.txt")
    with pytest.raises(FetchError, match="cannot download"):
        fetch_domain_list("http://127.0.0.1:9/list.txt", tmp_path / "x.txt", timeout=2)  # nothing listens on 9
