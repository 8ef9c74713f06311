from __future__ import annotations

import re

import pytest

from bot.locale import LANGUAGES, Locale, get_locale


def placeholders(locale: Locale, key: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", locale.raw(key)))


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    vi = get_locale("vi")
    for language in LANGUAGES:
        other = get_locale(language)
        assert other.keys() == vi.keys(), language
        for key in vi.keys():  # noqa: SIM118 - Locale is not a dict
            assert placeholders(other, key) == placeholders(vi, key), (language, key)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        get_locale("fr")
