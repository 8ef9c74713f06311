"""The rumor catalogue: its entries and the strict loader for ../shared/catalogue-format.md."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

SCHEMA_VERSION = 1
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class Verdict(StrEnum):
    FALSE = "false"
    MISLEADING = "misleading"
    SCAM = "scam"
    TRUE = "true"


class Status(StrEnum):
    PUBLISHED = "published"
    RETIRED = "retired"


@dataclass(frozen=True)
class Source:
    url: str
    publisher: str = ""
    title: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class Rumor:
    id: str
    claim: str
    verdict: Verdict
    summary: str
    sources: tuple[Source, ...]
    variants: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    published: dt.date | None = None
    first_seen: dt.date | None = None
    region: str = ""
    tags: tuple[str, ...] = ()
    status: Status = Status.PUBLISHED
    images: tuple[str, ...] = ()  # images of the rumor as it circulates, relative to the catalogue file

    @property
    def texts(self) -> tuple[str, ...]:
        """Every wording the matcher compares against: the claim first, then the variants."""
        return (self.claim, *self.variants)

    @property
    def is_published(self) -> bool:
        return self.status is Status.PUBLISHED


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalogue: which entry, which field, what."""

    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.entry}: {self.field}" if self.field else self.entry
        return f"{where}: {self.message}"


class CatalogueError(ValueError):
    def __init__(self, origin: str, problems: Sequence[Problem]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{origin}: {len(self.problems)} problem(s)\n{lines}")


@dataclass(frozen=True)
class Catalogue:
    rumors: tuple[Rumor, ...]
    by_id: Mapping[str, Rumor] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {r.id: r for r in self.rumors})

    @property
    def published(self) -> tuple[Rumor, ...]:
        return tuple(r for r in self.rumors if r.is_published)

    def get(self, rumor_id: str) -> Rumor | None:
        return self.by_id.get(rumor_id)


ENTRY_KEYS = frozenset(
    {"id", "claim", "verdict", "summary", "variants", "urls", "phones", "sources",
     "published", "first_seen", "region", "tags", "status", "images"}
)
SOURCE_KEYS = frozenset({"publisher", "title", "url", "date"})


class _EntryReader:
    """Reads one raw entry, collecting every problem instead of stopping at the first."""

    def __init__(self, raw: Mapping[str, Any], label: str, problems: list[Problem]) -> None:
        self.raw = raw
        self.label = label
        self.problems = problems

    def fail(self, field_name: str, message: str) -> None:
        self.problems.append(Problem(self.label, field_name, message))

    def text(self, key: str, *, required: bool) -> str:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.fail(key, "is missing")
            return ""
        if not isinstance(value, str):
            self.fail(key, f"must be text, not {type(value).__name__}")
            return ""
        value = value.strip()
        if required and not value:
            self.fail(key, "is empty")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, "must be a list of texts")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, int | float) and not isinstance(item, bool):
                item = str(item)  # an unquoted phone number
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{key}[{i}]", "must be non-empty text")
                continue
            out.append(item.strip())
        return tuple(out)

    def date(self, key: str, value: Any = None, *, use_raw: bool = True) -> dt.date | None:
        if use_raw:
            value = self.raw.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(key, f"must be an ISO date (YYYY-MM-DD), got {value!r}")
        return None

    def verdict(self) -> Verdict:
        value = self.raw.get("verdict")
        if isinstance(value, bool):  # YAML reads a bare false/true as a boolean
            value = "true" if value else "false"
        if value is None:
            self.fail("verdict", "is missing")
            return Verdict.FALSE
        try:
            return Verdict(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(v.value for v in Verdict)
            self.fail("verdict", f"must be one of {allowed}, got {value!r}")
            return Verdict.FALSE

    def status(self) -> Status:
        value = self.raw.get("status", Status.PUBLISHED.value)
        try:
            return Status(str(value).strip().lower())
        except ValueError:
            self.fail("status", f"must be published or retired, got {value!r}")
            return Status.PUBLISHED

    def sources(self) -> tuple[Source, ...]:
        value = self.raw.get("sources")
        if not isinstance(value, list) or not value:
            self.fail("sources", "needs at least one source with an http(s) url")
            return ()
        out: list[Source] = []
        for i, item in enumerate(value):
            where = f"sources[{i}]"
            if not isinstance(item, Mapping):
                self.fail(where, "must be a mapping with url, publisher, title, date")
                continue
            for key in sorted(set(item) - SOURCE_KEYS):
                self.fail(f"{where}.{key}", "unknown key")
            url = item.get("url")
            if not isinstance(url, str) or not HTTP_URL.match(url.strip()):
                self.fail(f"{where}.url", f"must be an http(s) URL, got {url!r}")
                continue
            publisher = item.get("publisher") or ""
            title = item.get("title") or ""
            if not isinstance(publisher, str) or not isinstance(title, str):
                self.fail(where, "publisher and title must be text")
                continue
            date = self.date(f"{where}.date", item.get("date"), use_raw=False)
            out.append(Source(url=url.strip(), publisher=publisher.strip(), title=title.strip(), date=date))
        return tuple(out)


def parse_entry(raw: Any, label: str, problems: list[Problem]) -> Rumor | None:
    """Build one entry from its raw mapping, appending every problem found to `problems`."""
    if not isinstance(raw, Mapping):
        problems.append(Problem(label, "", "must be a mapping of keys to values"))
        return None
    before = len(problems)
    reader = _EntryReader(raw, label, problems)
    for key in sorted(set(map(str, raw)) - ENTRY_KEYS):
        reader.fail(key, "unknown key")
    rumor_id = reader.text("id", required=True)
    if rumor_id and not SLUG.match(rumor_id):
        reader.fail("id", f"must be a slug of a-z, 0-9 and '-', got {rumor_id!r}")
    rumor = Rumor(
        id=rumor_id,
        claim=reader.text("claim", required=True),
        verdict=reader.verdict(),
        summary=reader.text("summary", required=True),
        sources=reader.sources(),
        variants=reader.texts("variants"),
        urls=reader.texts("urls"),
        phones=reader.texts("phones"),
        published=reader.date("published"),
        first_seen=reader.date("first_seen"),
        region=reader.text("region", required=False),
        tags=reader.texts("tags"),
        status=reader.status(),
        images=reader.texts("images"),
    )
    for index, image in enumerate(rumor.images):
        if Path(image).is_absolute() or ".." in Path(image).parts:
            reader.fail(f"images[{index}]", f"must be a path relative to the catalogue file, got {image!r}")
    return rumor if len(problems) == before else None


def parse_catalogue(data: Any, origin: str, base: Path | None = None) -> Catalogue:
    """Validate a parsed YAML document; raise CatalogueError naming every problem."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise CatalogueError(origin, [Problem("catalogue", "", "must be a mapping with 'schema' and 'rumors'")])
    for key in sorted(set(map(str, data)) - {"schema", "rumors"}):
        problems.append(Problem("catalogue", key, "unknown key"))
    if data.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
        problems.append(Problem("catalogue", "schema", f"must be {SCHEMA_VERSION}, got {data.get('schema')!r}"))
    raw_rumors = data.get("rumors")
    if not isinstance(raw_rumors, list):
        problems.append(Problem("catalogue", "rumors", "must be a list of entries"))
        raise CatalogueError(origin, problems)
    rumors: list[Rumor] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_rumors):
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        label = f"entry {raw_id!r}" if isinstance(raw_id, str) and raw_id else f"entry #{index + 1}"
        rumor = parse_entry(raw, label, problems)
        if isinstance(raw_id, str) and raw_id:
            if raw_id in seen:
                problems.append(Problem(label, "id", f"duplicate id (also entry #{seen[raw_id] + 1})"))
            else:
                seen[raw_id] = index
        if rumor is not None and base is not None:
            for i, image in enumerate(rumor.images):
                if not (base / image).is_file():
                    problems.append(Problem(label, f"images[{i}]", f"no such file {image!r} beside the catalogue"))
        if rumor is not None:
            rumors.append(rumor)
    if problems:
        raise CatalogueError(origin, problems)
    return Catalogue(tuple(rumors))


def read_catalogue_text(text: str, origin: str, base: Path | None = None) -> Catalogue:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "unknown place"
        reason = getattr(exc, "problem", None) or str(exc)
        raise CatalogueError(origin, [Problem("file", "", f"YAML error at {where}: {reason}")]) from exc
    return parse_catalogue(data, origin, base)


def load_catalogue(path: Path) -> Catalogue:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(str(path), [Problem("file", "", f"cannot be read: {exc.strerror}")]) from exc
    return read_catalogue_text(text, str(path), path.parent)


def rumor_to_dict(rumor: Rumor) -> dict[str, Any]:
    """The catalogue-format mapping of one entry (optional fields only when set)."""
    out: dict[str, Any] = {"id": rumor.id, "claim": rumor.claim, "verdict": rumor.verdict.value,
                           "summary": rumor.summary}
    if rumor.variants:
        out["variants"] = list(rumor.variants)
    if rumor.urls:
        out["urls"] = list(rumor.urls)
    if rumor.phones:
        out["phones"] = list(rumor.phones)
    out["sources"] = [
        {k: v for k, v in (("publisher", s.publisher), ("title", s.title), ("url", s.url), ("date", s.date)) if v}
        for s in rumor.sources
    ]
    for key, value in (("published", rumor.published), ("first_seen", rumor.first_seen), ("region", rumor.region)):
        if value:
            out[key] = value
    if rumor.tags:
        out["tags"] = list(rumor.tags)
    if rumor.images:
        out["images"] = list(rumor.images)
    if rumor.status is not Status.PUBLISHED:
        out["status"] = rumor.status.value
    return out


def merge_catalogues(base: Iterable[Rumor], overrides: Iterable[Rumor]) -> Catalogue:
    """Entries from `overrides` replace those of `base` with the same id; new ones are appended."""
    merged = {r.id: r for r in base}
    merged.update((r.id, r) for r in overrides)
    return Catalogue(tuple(merged.values()))
