"""Wording: every sentence a user reads comes from bot/locales/<language>.yaml."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


class Locale:
    def __init__(self, language: str, strings: dict[str, str], fallback: Locale | None = None) -> None:
        self.language = language
        self._strings = strings
        self._fallback = fallback

    def t(self, key: str, **values: Any) -> str:
        template = self._strings.get(key)
        if template is None:
            if self._fallback is None:
                raise KeyError(f"no wording for {key!r}")
            return self._fallback.t(key, **values)
        return template.format(**values) if values else template

    def raw(self, key: str) -> str:
        """The template itself, placeholders unfilled."""
        return self._strings[key]

    def keys(self) -> frozenset[str]:
        return frozenset(self._strings)


def _read(language: str) -> dict[str, str]:
    text = resources.files("bot").joinpath("locales", f"{language}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {str(k): str(v) for k, v in data.items()}


@cache
def get_locale(language: str = DEFAULT_LANGUAGE) -> Locale:
    """The locale for `language`, falling back to Vietnamese for any missing key."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    base = Locale(DEFAULT_LANGUAGE, _read(DEFAULT_LANGUAGE))
    return base if language == DEFAULT_LANGUAGE else Locale(language, _read(language), fallback=base)
