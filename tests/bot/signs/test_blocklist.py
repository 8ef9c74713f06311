"""Scam-domain lists: the formats read, bad lines and files, parents, reloading on change."""

from __future__ import annotations

import logging
import os
import re
from importlib import resources
from pathlib import Path

import pytest

from bot.signs.blocklist import ScamDomainLists, list_entry, parse_domain_list

HOSTS_LIST = """\
# Title: a hosts file as public lists publish it
127.0.0.1 localhost
::1 localhost ip6-localhost
0.0.0.0 0.0.0.0
0.0.0.0 dichvucong-gov.com
127.0.0.1 baohiemxahoi.vnagov.com   # inline comment
dichvucong.agov.net
*.evnnpcs.com
Faceb00k.com.vn.
"""


def test_domains_hosts_lines_and_comments_are_read() -> None:
    parsed = parse_domain_list(HOSTS_LIST)
    assert parsed.domains == {"dichvucong-gov.com", "baohiemxahoi.vnagov.com", "dichvucong.agov.net", "evnnpcs.com",
                              "faceb00k.com.vn"}
    assert parsed.bad_lines == 0 and parsed.entries == 5  # localhost lines are neither entries nor bad


def test_bad_lines_are_skipped_and_counted() -> None:
    parsed = parse_domain_list("evnnpcs.com\n<html><body>\n1.2.3.4\nnot a domain\n||ads.example^\nagribanks.link\n")
    assert parsed.domains == {"evnnpcs.com", "agribanks.link"}
    assert (parsed.bad_lines, parsed.first_bad, parsed.entries) == (4, 2, 6)
    assert parsed.valid_share == pytest.approx(2 / 6)


def test_international_names_are_compared_in_their_ascii_form(tmp_path: Path) -> None:
    entry = list_entry("điệnlực-evn.com")
    assert entry is not None and entry.startswith("xn--") and entry.endswith(".com") and entry.isascii()
    assert list_entry("bad_label.com") is None
    assert list_entry("localhost") is None
    path = tmp_path / "idn.txt"
    path.write_text("điệnlực-evn.com\n", encoding="utf-8")
    lists = ScamDomainLists([path], shipped=False)
    assert lists.match("cskh.điệnlực-evn.com") is not None  # a link written in Unicode
    assert lists.match("cskh." + entry) is not None


def test_an_entry_flags_its_host_and_every_host_under_it(tmp_path: Path) -> None:
    path = tmp_path / "vn.txt"
    path.write_text("evil-bank.top\n", encoding="utf-8")
    lists = ScamDomainLists([path], shipped=False)
    assert lists.match("evil-bank.top") is not None
    listing = lists.match("Login.Evil-Bank.top")
    assert listing is not None and listing.entry == "evil-bank.top" and listing.source == str(path)
    assert lists.match("notevil-bank.top") is None
    assert lists.match("top") is None


def test_the_shipped_list_is_loaded_and_every_domain_has_a_source() -> None:
    text = resources.files("bot.signs").joinpath("data", "scam_domains.txt").read_text(encoding="utf-8")
    source_seen = False
    for line in text.splitlines():
        if line.startswith("# source: "):
            assert re.match(r"# source: https?://\S+$", line), line
            source_seen = True
        elif line and not line.startswith("#"):
            assert source_seen, f"{line} has no source above it"
            assert list_entry(line) == line
    assert ScamDomainLists().match("a.dichvucongs.top") is not None
    assert len(ScamDomainLists()) == len(parse_domain_list(text).domains) >= 50


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def touch_later(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a later mtime even on a coarse filesystem clock


def test_a_changed_file_is_reloaded_at_most_every_n_seconds(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("old-scam.top\n", encoding="utf-8")
    clock = Clock()
    lists = ScamDomainLists([path], shipped=False, check_every=30, clock=clock)
    assert lists.match("old-scam.top") is not None
    touch_later(path, "new-scam.top\n")
    clock.now += 10
    assert lists.match("new-scam.top") is None  # not looked at yet: cheap on every read
    clock.now += 25
    assert lists.match("new-scam.top") is not None
    assert lists.match("old-scam.top") is None


def test_a_broken_or_missing_file_is_one_warning_and_never_a_crash(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="kiemchung.signs")
    good, bad, missing = tmp_path / "good.txt", tmp_path / "bad.txt", tmp_path / "missing.txt"
    good.write_text("evil-bank.top\n", encoding="utf-8")
    bad.write_bytes(b"\xff\xfe\x00binary\x00junk")
    clock = Clock()
    lists = ScamDomainLists([good, bad, missing], shipped=False, check_every=1, clock=clock)
    assert lists.match("evil-bank.top") is not None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert any(str(bad) in w and "cannot be read" in w for w in warnings)
    assert any(str(missing) in w and "cannot be read" in w for w in warnings)
    clock.now += 5
    lists.match("evil-bank.top")
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2  # still broken: not said again
    touch_later(missing, "late-scam.top\nnot a domain line\n")
    clock.now += 5
    assert lists.match("late-scam.top") is not None  # a file that appears later is picked up
    last = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING][-1]
    assert str(missing) in last and "1 bad lines skipped (first: line 2); 1 domains loaded" in last


def test_a_file_that_breaks_keeps_what_was_loaded_from_it(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("evil-bank.top\n", encoding="utf-8")
    clock = Clock()
    lists = ScamDomainLists([path], shipped=False, check_every=1, clock=clock)
    path.unlink()
    path.mkdir()  # changed, and cannot be read as a file
    clock.now += 5
    assert lists.match("evil-bank.top") is not None
