"""The report log: every message checked, what the bot answered, and what privacy leaves of it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.checking import CheckRequest
from bot.matching.claims import NotAClaim
from bot.matching.matcher import MatchResult
from bot.matching.normalize import folded
from bot.store.connection import Row, Store, columns, operation
from bot.store.values import utc_text, utcnow

# The entry a report is about: the one an officer linked it to, else the one the bot matched.
# (A `possible` answer names candidates, not an entry.) Queries using it join report_reviews as v.
REPORT_ENTRY = """COALESCE(CASE WHEN v.status = 'linked' THEN v.rumor_id END,
                           CASE WHEN r.band = 'match' THEN r.rumor_id END)"""
# Forward origins that name a person: blanked with the text when a report is purged.
PERSONAL_ORIGINS = ("user", "hidden_user")
PURGED_TEXT = ""


@dataclass(frozen=True)
class ReportRow:
    id: int
    created_at: dt.datetime
    platform: str
    chat_id: str
    chat_type: str
    user_id: str | None
    message_id: str | None
    kind: str
    text: str
    origin_kind: str | None
    origin_name: str | None
    origin_id: str | None
    origin_date: str | None
    rumor_id: str | None
    score: float
    band: str
    text_key: str | None = None
    purged_at: str | None = None
    not_a_claim: str | None = None  # why it is not a claim (bot/matching/claims.py), None for a claim


@dataclass(frozen=True)
class LoggedReport:
    """A report with what became of it: its review and the votes on its answer."""

    report: ReportRow
    review_status: str | None
    review_rumor: str | None
    votes_up: int
    votes_down: int


def report_from(row: Row | dict[str, Any]) -> ReportRow:
    values = row if isinstance(row, dict) else columns(row)
    return ReportRow(**{**values, "created_at": dt.datetime.fromisoformat(values["created_at"])})


def report_and(row: Row, *extra: str) -> tuple[ReportRow, dict[str, Any]]:
    """A report row selected with more columns: the report, and those columns by name."""
    values = columns(row)
    more = {name: values.pop(name) for name in extra}
    return report_from(values), more


def text_key(text: str) -> str:
    """What makes two reports "the same text": their folded views (case, accents, spacing, emoji and
    forwarding boilerplate aside), hashed so the key says nothing once the text is purged."""
    return hashlib.sha256(folded(text).encode()).hexdigest()[:32]


class ReportStore(Store):
    @operation
    async def record(self, request: CheckRequest, result: MatchResult, not_a_claim: NotAClaim | None = None) -> int:
        """Log a check, with why it is not a claim if it is not; return its report id. The same platform
        message, or the same person sending the same text again the same day, is one report: the id
        of the first is returned."""
        origin = request.origin
        rumor = result.rumor if result.band.value != "none" else None
        now = utcnow().isoformat()
        key = text_key(request.text) if request.user_id is not None else None
        values = (
            now, request.platform, request.chat_id, request.chat_type.value,
            request.user_id, request.message_id, request.kind.value, request.text,
            origin.kind if origin else None, origin.name if origin else None,
            origin.id if origin else None,
            origin.date.isoformat() if origin and origin.date else None,
            rumor.id if rumor else None, result.score, result.band.value, key,
            not_a_claim.value if not_a_claim is not None else None,
        )
        created = await self.db.fetch_value(
            """INSERT INTO reports (created_at, platform, chat_id, chat_type, user_id, message_id, kind,
                   text, origin_kind, origin_name, origin_id, origin_date, rumor_id, score, band, text_key,
                   not_a_claim)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING RETURNING id""",
            values,
        )
        if created is not None:
            return int(created)
        existing = await self.db.fetch_value(
            """SELECT id FROM reports WHERE platform = ? AND chat_id = ? AND message_id = ? AND kind = ?
               UNION ALL
               SELECT id FROM reports WHERE platform = ? AND user_id = ? AND kind = ? AND text_key = ?
                   AND substr(created_at, 1, 10) = ?
               LIMIT 1""",
            (request.platform, request.chat_id, request.message_id, request.kind.value,
             request.platform, request.user_id, request.kind.value, key, now[:10]),
        )
        assert existing is not None, "conflict without an existing row"
        return int(existing)

    @operation
    async def recent(self, limit: int = 100) -> list[ReportRow]:
        rows = await self.db.fetch_all("SELECT * FROM reports ORDER BY id DESC LIMIT ?", (limit,))
        return [report_from(row) for row in rows]

    @operation
    async def get(self, report_id: int) -> ReportRow | None:
        row = await self.db.fetch_one("SELECT * FROM reports WHERE id = ?", (report_id,))
        return report_from(row) if row is not None else None

    @operation
    async def count(self) -> int:
        return int(await self.db.fetch_value("SELECT COUNT(*) FROM reports"))

    @operation
    async def entry_of(self, report_id: int) -> str | None:
        """The entry a report is about (linked by an officer, else matched by the bot), or None."""
        entry = await self.db.fetch_value(
            f"""SELECT {REPORT_ENTRY} FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE r.id = ?""",
            (report_id,),
        )
        return str(entry) if entry else None

    @operation
    async def about_entry(self, rumor_id: str, limit: int = 50) -> list[ReportRow]:
        """The newest reports about an entry: matched to it by the bot, or linked to it by an officer."""
        rows = await self.db.fetch_all(
            f"""SELECT r.* FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE {REPORT_ENTRY} = ? ORDER BY r.id DESC LIMIT ?""",
            (rumor_id, limit),
        )
        return [report_from(row) for row in rows]

    @operation
    async def log(self, since: dt.datetime | None = None) -> list[LoggedReport]:
        """Every report since `since` (all without), oldest first, with its review and its votes."""
        rows = await self.db.fetch_all(
            """SELECT r.*, v.status AS review_status, v.rumor_id AS review_rumor,
                      (SELECT COUNT(*) FROM feedback f WHERE f.report_id = r.id AND f.vote = 'up') AS votes_up,
                      (SELECT COUNT(*) FROM feedback f WHERE f.report_id = r.id AND f.vote = 'down') AS votes_down
               FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
               WHERE r.created_at >= ? ORDER BY r.id""",
            (utc_text(since or dt.datetime.min.replace(tzinfo=dt.UTC)),),
        )
        logged = []
        for row in rows:
            report, extra = report_and(row, "review_status", "review_rumor", "votes_up", "votes_down")
            logged.append(LoggedReport(report, extra["review_status"], extra["review_rumor"],
                                       int(extra["votes_up"]), int(extra["votes_down"])))
        return logged

    # -- privacy ----------------------------------------------------------------------------------

    async def _purge(self, where: str, args: Sequence[Any]) -> int:
        """Blank the texts (and the names of people they were forwarded from) of the reports `where`
        selects; the rows, their entry, band, score, chat and time stay, so every count stays."""
        return await self.db.execute(
            f"""UPDATE reports SET text = ?, text_key = NULL, purged_at = ?,
                   origin_name = CASE WHEN origin_kind IN {PERSONAL_ORIGINS} THEN NULL ELSE origin_name END,
                   origin_id = CASE WHEN origin_kind IN {PERSONAL_ORIGINS} THEN NULL ELSE origin_id END
                WHERE purged_at IS NULL AND ({where})""",
            (PURGED_TEXT, utcnow().isoformat(), *args),
        )

    @operation
    async def purge_before(self, before: dt.datetime) -> int:
        """The retention rule: blank the texts of reports made before `before`; how many were blanked."""
        return await self._purge("created_at < ?", (utc_text(before),))

    @operation
    async def kept_of(self, platform: str, user_id: str) -> int:
        """How many reports of this person still hold their text."""
        return int(await self.db.fetch_value(
            "SELECT COUNT(*) FROM reports WHERE platform = ? AND user_id = ? AND purged_at IS NULL",
            (platform, user_id),
        ))

    @operation
    async def forget_user(self, platform: str, user_id: str, inbox_paths: Sequence[str]) -> tuple[int, int]:
        """/quen: blank this person's report texts, and the stored updates they sent that are handled
        (found by the JSON paths of the sender's id in `inbox_paths`). Returns (reports, updates)."""
        reports = await self._purge("platform = ? AND user_id = ?", (platform, user_id))
        sender = " OR ".join(f"{self.db.dialect.json_field('payload', path)} = ?" for path in inbox_paths) or "FALSE"
        updates = await self.db.execute(
            f"""UPDATE inbox SET payload = '{{}}' WHERE platform = ? AND done_at IS NOT NULL AND payload != '{{}}'
                AND ({sender})""",
            (platform, *[user_id for _ in inbox_paths]),
        )
        return reports, updates
