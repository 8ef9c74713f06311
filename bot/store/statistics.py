"""The figures officers read (/thongke, the digest): counts of reports by entry, day, chat and vote."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.store.connection import Store, operation
from bot.store.reports import REPORT_ENTRY
from bot.store.values import utc_text

# Vietnam keeps UTC+7 all year: statistics count days as officers live them.
VIETNAM_HOURS = 7
END_OF_TIME = dt.datetime.max.replace(tzinfo=dt.UTC)  # a period with no end: up to now


def bounds(since: dt.datetime, until: dt.datetime | None) -> tuple[str, str]:
    """A period as the ISO texts compared with the columns: from `since`, up to (not including) `until`."""
    return utc_text(since), utc_text(until or END_OF_TIME)


@dataclass(frozen=True)
class EntryDay:
    """How many reports of one kind were about one entry on one day (Vietnam time)."""

    rumor_id: str
    kind: str
    day: dt.date
    count: int


class StatisticsStore(Store):
    @operation
    async def report_totals(self, since: dt.datetime, until: dt.datetime | None = None) -> dict[tuple[str, str], int]:
        """(kind, band) -> reports of claims since `since` (what was not a claim is counted apart)."""
        rows = await self.db.fetch_all(
            "SELECT kind, band, COUNT(*) FROM reports WHERE created_at >= ? AND created_at < ? "
            "AND not_a_claim IS NULL GROUP BY kind, band",
            bounds(since, until),
        )
        return {(str(row[0]), str(row[1])): int(row[2]) for row in rows}

    @operation
    async def not_claims(self, since: dt.datetime, until: dt.datetime | None = None) -> int:
        """Messages since `since` that were not claims: answered with a hint, never queued."""
        return int(await self.db.fetch_value(
            "SELECT COUNT(*) FROM reports WHERE created_at >= ? AND created_at < ? AND not_a_claim IS NOT NULL",
            bounds(since, until),
        ))

    @operation
    async def entry_days(self, since: dt.datetime, until: dt.datetime | None = None) -> list[EntryDay]:
        """Per entry, kind and day (Vietnam time): how many reports were about it."""
        day = self.db.dialect.local_day("r.created_at", VIETNAM_HOURS)
        rows = await self.db.fetch_all(
            f"""SELECT {REPORT_ENTRY} AS entry, r.kind, {day} AS day, COUNT(*) AS n
                FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE r.created_at >= ? AND r.created_at < ? AND {REPORT_ENTRY} IS NOT NULL
                GROUP BY entry, r.kind, day ORDER BY day""",
            bounds(since, until),
        )
        return [EntryDay(str(row["entry"]), str(row["kind"]), dt.date.fromisoformat(row["day"]), int(row["n"]))
                for row in rows]

    @operation
    async def sightings_by_chat(self, since: dt.datetime,
                                until: dt.datetime | None = None) -> list[tuple[str, str, str, int]]:
        """(entry, platform, chat id, count) of the rumors seen in watched groups since `since`."""
        rows = await self.db.fetch_all(
            f"""SELECT {REPORT_ENTRY} AS entry, r.platform, r.chat_id, COUNT(*) AS n
                FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE r.created_at >= ? AND r.created_at < ? AND r.kind = 'seen' AND {REPORT_ENTRY} IS NOT NULL
                GROUP BY entry, r.platform, r.chat_id ORDER BY n DESC""",
            bounds(since, until),
        )
        return [(str(row[0]), str(row[1]), str(row[2]), int(row[3])) for row in rows]

    @operation
    async def feedback_by_entry(self, since: dt.datetime,
                                until: dt.datetime | None = None) -> dict[str, tuple[int, int]]:
        """Entry -> (👍, 👎) of the votes cast or changed since `since`."""
        rows = await self.db.fetch_all(
            """SELECT COALESCE(rumor_id, ''), SUM(CASE WHEN vote = 'up' THEN 1 ELSE 0 END),
                      SUM(CASE WHEN vote = 'down' THEN 1 ELSE 0 END)
               FROM feedback WHERE voted_at >= ? AND voted_at < ? GROUP BY rumor_id""",
            bounds(since, until),
        )
        return {str(row[0]): (int(row[1]), int(row[2])) for row in rows}

    @operation
    async def follow_up_outcomes(self, since: dt.datetime, until: dt.datetime | None = None) -> dict[str, int]:
        rows = await self.db.fetch_all(
            "SELECT outcome, COUNT(DISTINCT platform || ':' || chat_id || ':' || rumor_id) FROM follow_ups "
            "WHERE decided_at >= ? AND decided_at < ? GROUP BY outcome",
            bounds(since, until),
        )
        return {str(row[0]): int(row[1]) for row in rows}
