"""Group settings: the words after /caidat, the buttons' payloads, the replies in both languages."""

from __future__ import annotations

import pytest

from bot.groups.policy import WatchMode
from bot.groups.settings import (
    join_reply,
    mode_changed_reply,
    mode_payload,
    parse_mode,
    parse_mode_payload,
    settings_reply,
)
from bot.locale import get_locale
from tests.bot.groups.conftest import POLICY


@pytest.mark.parametrize(("word", "mode"), [
    ("warn", WatchMode.WARN), ("ON", WatchMode.WARN), ("bật", WatchMode.WARN), ("observe", WatchMode.OBSERVE),
    ("theo-dõi", WatchMode.OBSERVE), ("off", WatchMode.OFF), ("Tắt", WatchMode.OFF), ("max", None), ("", None),
])
def test_mode_words(word: str, mode: WatchMode | None) -> None:
    assert parse_mode(word) is mode


def test_button_payloads_are_versioned_and_validated() -> None:
    for mode in WatchMode:
        payload = mode_payload(mode)
        assert len(payload.encode()) <= 64 and parse_mode_payload(payload) is mode
    for forged in ("v0:grp:mode:warn", "v1:grp:mode:all", "v1:grp:mode:", "v1:other:mode:warn", ""):
        assert parse_mode_payload(forged) is None


def test_every_settings_sentence_exists_in_both_languages() -> None:
    for language in ("vi", "en"):
        locale = get_locale(language)
        for mode in WatchMode:
            for reads_all in (True, False):
                for reply in (settings_reply(mode, reads_all, POLICY, locale),
                              mode_changed_reply(mode, reads_all, POLICY, locale),
                              join_reply(mode, reads_all, POLICY, locale)):
                    assert "{" not in reply.plain
