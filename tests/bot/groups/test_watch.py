"""The group use case over a real SQLite file, and the warning it sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalogue import Rumor
from bot.core import build_matcher
from bot.groups.policy import WatchAction, WatchMode
from bot.groups.watch import GroupWatch, warning_reply
from bot.locale import get_locale
from bot.matching.matcher import Thresholds
from bot.store.storage import Storage
from handlers.plain_text import render_plain
from tests.bot.groups.conftest import GROUP, NOW, POLICY, result, sighting


def test_the_warning_exists_in_both_languages(rumors: dict[str, Rumor]) -> None:
    for language in ("vi", "en"):
        locale = get_locale(language)
        warning = render_plain(warning_reply(result(rumors["vneid-link-cai-dat-gia"]), locale))
        assert "https://congan.example/canh-bao-vneid-link-gia" in warning


# -- the use case over a real SQLite file --------------------------------------------------------------

@pytest.fixture
async def watch(tmp_path: Path, rumors: dict[str, Rumor]) -> AsyncIterator[GroupWatch]:
    storage = await Storage.open(tmp_path / "kc.db")
    yield GroupWatch(build_matcher(list(rumors.values()), Thresholds(80, 62)), storage, POLICY)
    await storage.close()


async def test_watch_warns_once_per_cooldown_and_logs_each_sighting(watch: GroupWatch) -> None:
    await watch.set_mode("telegram", GROUP, WatchMode.WARN, "5003")
    first = await watch.watch(sighting(), NOW)
    assert first.decision.action is WatchAction.WARN and first.reply is not None
    again = await watch.watch(replace(sighting(), request=replace(sighting().request, message_id="89")),
                              NOW + dt.timedelta(hours=1))
    assert again.decision.action is WatchAction.RECORD and again.reply is None
    later = await watch.watch(replace(sighting(), request=replace(sighting().request, message_id="90"),
                                      sent_at=NOW + dt.timedelta(hours=7)), NOW + dt.timedelta(hours=7))
    assert later.decision.action is WatchAction.WARN
    assert isinstance(watch.store, Storage)
    rows = await watch.store.reports.recent()
    assert [(r.kind, r.user_id) for r in rows] == [("seen", None)] * 3


async def test_default_mode_applies_until_an_admin_chooses(watch: GroupWatch) -> None:
    assert await watch.mode("telegram", GROUP) is WatchMode.OBSERVE
    outcome = await watch.watch(sighting(), NOW)
    assert outcome.decision.action is WatchAction.RECORD and outcome.reply is None


async def test_migration_moves_settings_and_cooldowns_and_skips_the_second_introduction(watch: GroupWatch) -> None:
    old, new = "-4700000002", "-1001700000002"
    await watch.set_mode("telegram", old, WatchMode.WARN, "5003")
    await watch.store.groups.record_warning("telegram", old, "vneid-link-cai-dat-gia", "12", NOW)
    await watch.migrated("telegram", old, new, NOW)
    await watch.migrated("telegram", old, new, NOW)  # announced in both chats: the second changes nothing
    assert await watch.store.groups.mode("telegram", old) is None
    assert await watch.mode("telegram", new) is WatchMode.WARN
    assert await watch.store.groups.last_warning("telegram", new, "vneid-link-cai-dat-gia") == NOW
    assert await watch.joined("telegram", new, True, NOW + dt.timedelta(minutes=1)) is None
    assert await watch.joined("telegram", new, True, NOW + dt.timedelta(hours=1)) is not None  # re-added later


async def test_settings_chosen_in_the_new_chat_win_over_the_old(watch: GroupWatch) -> None:
    old, new = "-4700000002", "-1001700000002"
    await watch.set_mode("telegram", old, WatchMode.WARN, "5003")
    await watch.set_mode("telegram", new, WatchMode.OFF, "5003")
    await watch.migrated("telegram", old, new, NOW)
    assert await watch.mode("telegram", new) is WatchMode.OFF
    assert await watch.store.groups.mode("telegram", old) is None
