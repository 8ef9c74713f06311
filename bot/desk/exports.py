"""Open formats out, a catalogue file in.

- YAML: the merged catalogue (shipped entries with the officers' over them, retired ones kept with
  their status) in the very format of data/known_rumors.yaml, so it loads back with the same loader.
- CSV: one row per entry for spreadsheets (UTF-8 with a BOM, which Excel needs to read Vietnamese).
- ClaimReview: schema.org JSON-LD, one object per published entry, mapped as in
  ../shared/catalogue-format.md, for search engines and fact-check aggregators.
- The report log as CSV, without user ids: an export leaves the building; people stay in the database.
- Import: a catalogue file validated whole by the loader, then merged into the officers' entries.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml

from bot.catalogue import SCHEMA_VERSION, Catalogue, Rumor, Verdict, rumor_to_dict
from bot.desk.entries import entry_data
from bot.store.audit import AuditRecord
from bot.store.reports import LoggedReport
from bot.store.storage import Storage

# ClaimReview ratings (../shared/catalogue-format.md): 1 is the worst (false, scam), 5 the best (true).
RATING_VALUE = {Verdict.FALSE: 1, Verdict.SCAM: 1, Verdict.MISLEADING: 2, Verdict.TRUE: 5}
RATING_NAME = {Verdict.FALSE: "Sai sự thật", Verdict.MISLEADING: "Gây hiểu lầm", Verdict.SCAM: "Lừa đảo",
               Verdict.TRUE: "Đúng sự thật"}
LIST_SEPARATOR = "\n"  # between the items of a list in one CSV cell (a variant may hold ';' or ',')
CATALOGUE_COLUMNS = ("id", "status", "verdict", "claim", "summary", "variants", "urls", "phones",
                     "source_url", "source_publisher", "source_title", "source_date", "other_sources",
                     "published", "first_seen", "region", "tags")
REPORT_COLUMNS = ("id", "created_at", "platform", "chat_id", "chat_type", "kind", "text", "origin_kind",
                  "origin_name", "origin_date", "rumor_id", "score", "band", "not_a_claim", "review_status",
                  "review_rumor_id", "votes_up", "votes_down")
# Forward origins that name a person: their name stays out of an export.
PERSONAL_ORIGINS = frozenset({"user", "hidden_user"})


class ExportFormat(StrEnum):
    YAML = "yaml"
    CSV = "csv"
    CLAIMREVIEW = "claimreview"

    @property
    def suffix(self) -> str:
        return {"yaml": "yaml", "csv": "csv", "claimreview": "jsonld"}[self.value]


class _CatalogueDumper(yaml.SafeDumper):
    """Long texts as folded blocks, as in the shipped file; lists of ids stay readable."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if len(value) > 80 and "\n" not in value and value == value.strip():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_CatalogueDumper.add_representer(str, _text)


def catalogue_yaml(catalogue: Catalogue) -> str:
    """The catalogue in the shipped file's format (schema 1); `verdict: 'false'` stays quoted."""
    document = {"schema": SCHEMA_VERSION, "rumors": [rumor_to_dict(r) for r in catalogue.rumors]}
    text = yaml.dump(document, Dumper=_CatalogueDumper, allow_unicode=True, sort_keys=False, width=110)
    return "# Kiểm Chứng catalogue, exported " + dt.date.today().isoformat() + "\n" + text


def catalogue_csv(catalogue: Catalogue) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CATALOGUE_COLUMNS)
    for rumor in catalogue.rumors:
        first, *others = rumor.sources
        writer.writerow((
            rumor.id, rumor.status.value, rumor.verdict.value, rumor.claim, rumor.summary,
            LIST_SEPARATOR.join(rumor.variants), LIST_SEPARATOR.join(rumor.urls), LIST_SEPARATOR.join(rumor.phones),
            first.url, first.publisher, first.title, _iso(first.date),
            LIST_SEPARATOR.join(s.url for s in others),
            _iso(rumor.published), _iso(rumor.first_seen), rumor.region, LIST_SEPARATOR.join(rumor.tags),
        ))
    return "\ufeff" + out.getvalue()


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def claim_review(rumor: Rumor) -> dict[str, Any]:
    """One entry as a schema.org ClaimReview (mapping: ../shared/catalogue-format.md)."""
    source = rumor.sources[0]
    published = rumor.published or source.date
    claim: dict[str, Any] = {"@type": "Claim"}
    if rumor.first_seen:
        claim["firstAppearance"] = {"@type": "CreativeWork", "datePublished": rumor.first_seen.isoformat()}
    if rumor.urls:
        claim["appearance"] = [_appearance(url) for url in rumor.urls]
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "identifier": rumor.id,
        "inLanguage": "vi",
        "claimReviewed": rumor.claim,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING_VALUE[rumor.verdict],
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": RATING_NAME[rumor.verdict],
            "ratingExplanation": rumor.summary,
        },
        "url": source.url,
        "author": {"@type": "Organization", "name": source.publisher or source.title or source.url},
        "itemReviewed": claim,
    }
    if published:
        review["datePublished"] = published.isoformat()
    return review


def _appearance(url: str) -> dict[str, str]:
    """A scam link as a place the claim appeared; a bare domain is named, not turned into a URL we made up."""
    if url.lower().startswith(("http://", "https://")):
        return {"@type": "CreativeWork", "url": url}
    return {"@type": "CreativeWork", "name": url}


def claimreview_json(catalogue: Catalogue) -> str:
    """A JSON array of ClaimReview objects, one per published entry: a retired entry is withdrawn,
    and publishing it as a fact check would say the opposite of what officers decided."""
    reviews = [claim_review(r) for r in catalogue.published]
    return json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"


def export_catalogue(catalogue: Catalogue, form: ExportFormat) -> str:
    if form is ExportFormat.YAML:
        return catalogue_yaml(catalogue)
    if form is ExportFormat.CSV:
        return catalogue_csv(catalogue)
    return claimreview_json(catalogue)


def reports_csv(reports: Sequence[LoggedReport]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for logged in reports:
        r = logged.report
        personal = r.origin_kind in PERSONAL_ORIGINS
        chat = "" if r.chat_type == "private" else r.chat_id  # a private chat's id is the person's user id
        writer.writerow((
            r.id, r.created_at.isoformat(), r.platform, chat, r.chat_type, r.kind, r.text, r.origin_kind or "",
            "" if personal else (r.origin_name or ""), r.origin_date or "", r.rumor_id or "", f"{r.score:.1f}",
            r.band, r.not_a_claim or "", logged.review_status or "", logged.review_rumor or "", logged.votes_up,
            logged.votes_down,
        ))
    return "\ufeff" + out.getvalue()


@dataclass
class ImportPlan:
    """What importing a file changes: entries new to the catalogue, entries changed, entries identical."""

    new: list[Rumor] = field(default_factory=list)
    changed: list[Rumor] = field(default_factory=list)
    unchanged: list[Rumor] = field(default_factory=list)


def plan_import(current: Catalogue, incoming: Catalogue) -> ImportPlan:
    plan = ImportPlan()
    for rumor in incoming.rumors:
        known = current.get(rumor.id)
        if known is None:
            plan.new.append(rumor)
        elif known != rumor:
            plan.changed.append(rumor)
        else:
            plan.unchanged.append(rumor)
    return plan


async def import_catalogue(storage: Storage, current: Catalogue, incoming: Catalogue, platform: str,
                           user_id: str, origin: str) -> ImportPlan:
    """Merge a validated catalogue into the officers' entries: new and changed entries are stored
    (over the shipped ones by id), each with an audit row, in one transaction; nothing is deleted."""
    plan = plan_import(current, incoming)
    rows = []
    for rumor in (*plan.new, *plan.changed):
        known = current.get(rumor.id)
        data = entry_data(rumor)
        rows.append((rumor.id, data, AuditRecord(
            platform, user_id, "import", entry_id=rumor.id, target=origin,
            before=entry_data(known) if known is not None else None, after=data,
        )))
    await storage.entries.import_many(rows)
    return plan
