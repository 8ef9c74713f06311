"""One section of the configuration file as typed values: each wrong key is one line naming it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """One line naming the key that is wrong and why."""


class SectionReader:
    """The keys of one section (`prefix` names it in errors) of the file `origin`."""

    def __init__(self, data: Mapping[str, Any], prefix: str, origin: str) -> None:
        self.data = data
        self.prefix = prefix
        self.origin = origin

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, message: str) -> ConfigError:
        return ConfigError(f"{self.origin}: {self.key(name)}: {message}")

    def check_known(self, known: set[str]) -> None:
        for name in sorted(set(map(str, self.data)) - known):
            raise self.fail(name, f"unknown key (known: {', '.join(sorted(known))})")

    def text(self, name: str, default: str) -> str:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail(name, f"must be text, got {value!r}")
        return value.strip()

    def number(self, name: str, default: float, low: float, high: float) -> float:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise self.fail(name, f"must be a number from {low:g} to {high:g}, got {value!r}")
        return float(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def ids(self, name: str) -> tuple[int, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise self.fail(name, f"must be a list of numeric user ids, got {value!r}")
        return tuple(value)

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
            raise self.fail(name, f"must be a list of ids, got {value!r}")
        return tuple(str(v) for v in value)

    def listen(self, name: str, default: tuple[str, int]) -> tuple[str, int]:
        value = self.data.get(name)
        if value is None:
            return default
        host, _, port = str(value).rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise self.fail(name, f"must be host:port, e.g. 127.0.0.1:8443, got {value!r}")
        return host, int(port)

    def optional_id(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"must be a numeric chat id or null, got {value!r}")
        return value

    def path(self, name: str, default: Path, base: Path) -> Path:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"must be a file path, got {value!r}")
        path = Path(value.strip()).expanduser()
        return path if path.is_absolute() else base / path

    def paths(self, name: str, base: Path) -> tuple[Path, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, f"must be a list of file paths, got {value!r}")
        paths = (Path(v.strip()).expanduser() for v in value)
        return tuple(p if p.is_absolute() else base / p for p in paths)

    def base_url(self, name: str, default: str) -> str:
        """A Bot API base URL: the token is appended to it, so it must end with /bot."""
        url = self.text(name, default)
        if not url.startswith(("http://", "https://")):
            raise self.fail(name, f"must start with http:// or https://, got {url!r}")
        if not url.endswith("/bot"):
            raise self.fail(name, f"must end with /bot (the token is appended to it), got {url!r}")
        return url

    def section(self, name: str) -> SectionReader:
        value = self.data.get(name) or {}
        if not isinstance(value, Mapping):
            raise self.fail(name, "must be a mapping of keys")
        return SectionReader(value, f"{self.key(name)}.", self.origin)
