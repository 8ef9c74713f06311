"""Follow-ups: which askers were told, and how it went, once an officer answered their question."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.connection import Store, operation
from bot.store.reports import ReportRow, report_and
from bot.store.values import utcnow


class FollowUpStore(Store):
    @operation
    async def unfollowed(self, platform: str) -> list[tuple[ReportRow, str]]:
        """Questions asked on `platform` that an officer linked to an entry, with that entry, whose
        follow-up was not decided yet; oldest first."""
        rows = await self.db.fetch_all(
            """SELECT r.*, v.rumor_id AS linked_rumor FROM reports r
               JOIN report_reviews v ON v.report_id = r.id AND v.status = 'linked' AND v.rumor_id IS NOT NULL
               LEFT JOIN follow_ups u ON u.report_id = r.id
               WHERE u.report_id IS NULL AND r.kind = 'asked' AND r.platform = ?
               ORDER BY r.id""",
            (platform,),
        )
        return [(report, str(extra["linked_rumor"])) for report, extra in
                (report_and(row, "linked_rumor") for row in rows)]

    @operation
    async def sent_before(self, platform: str, chat_id: str, rumor_id: str) -> bool:
        """Whether this chat was already sent (or is owed) a follow-up about this entry."""
        return await self.db.fetch_value(
            "SELECT 1 FROM follow_ups WHERE platform = ? AND chat_id = ? AND rumor_id = ? "
            "AND outcome IN ('sent', 'queued')",
            (platform, chat_id, rumor_id),
        ) is not None

    @operation
    async def record(self, report_ids: Sequence[int], platform: str, chat_id: str, rumor_id: str,
                     outcome: str) -> None:
        now = utcnow().isoformat()
        await self.db.execute_many(
            """INSERT INTO follow_ups (report_id, platform, chat_id, rumor_id, outcome, decided_at)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING""",
            [(report_id, platform, chat_id, rumor_id, outcome, now) for report_id in report_ids],
        )

    @operation
    async def settle(self, report_ids: Sequence[int], outcome: str) -> None:
        """A queued follow-up's delivery ended: `sent`, `blocked` or `failed`."""
        await self.db.execute_many(
            "UPDATE follow_ups SET outcome = ?, decided_at = ? WHERE report_id = ? AND outcome = 'queued'",
            [(outcome, utcnow().isoformat(), report_id) for report_id in report_ids],
        )
