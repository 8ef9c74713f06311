"""The review queue's records: officers' decisions on reports, and the notifications sent to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.store.audit import AuditRecord, insert_audit
from bot.store.connection import Engine, Store, operation
from bot.store.feedback import DISPUTED
from bot.store.reports import ReportRow, report_from
from bot.store.values import utcnow

# The review queue: see ReviewStore.pending.
PENDING = f"""FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
    WHERE ((v.report_id IS NULL AND r.kind = 'asked' AND r.band IN ('none', 'possible', 'suspicious')
            AND r.not_a_claim IS NULL)
           OR {DISPUTED})
      AND r.purged_at IS NULL"""


@dataclass(frozen=True)
class ReviewRow:
    report_id: int
    status: str
    rumor_id: str | None
    reviewed_by: str
    reviewed_at: dt.datetime


async def insert_reviews(db: Engine, report_ids: Iterable[int], status: str, rumor_id: str | None,
                         by: str) -> None:
    """Record officers' decisions inside the operation that made them."""
    # A report is reviewed again only when its answer was disputed (👎) since: it was in the queue.
    now = utcnow().isoformat()
    await db.execute_many(
        """INSERT INTO report_reviews (report_id, status, rumor_id, reviewed_by, reviewed_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (report_id) DO UPDATE SET status = excluded.status,
               rumor_id = excluded.rumor_id, reviewed_by = excluded.reviewed_by,
               reviewed_at = excluded.reviewed_at""",
        [(report_id, status, rumor_id, by, now) for report_id in report_ids],
    )


class ReviewStore(Store):
    @operation
    async def review(self, report_ids: Sequence[int], status: str, rumor_id: str | None,
                     audit: AuditRecord) -> None:
        """Mark reports linked to an entry or dismissed, with the audit row, in one transaction."""
        await insert_reviews(self.db, report_ids, status, rumor_id, f"{audit.platform}:{audit.user_id}")
        await insert_audit(self.db, audit)

    @operation
    async def of(self, report_id: int) -> ReviewRow | None:
        row = await self.db.fetch_one("SELECT * FROM report_reviews WHERE report_id = ?", (report_id,))
        if row is None:
            return None
        return ReviewRow(row["report_id"], row["status"], row["rumor_id"], row["reviewed_by"],
                         dt.datetime.fromisoformat(row["reviewed_at"]))

    @operation
    async def pending(self, limit: int = 1000) -> list[ReportRow]:
        """Claims people asked about that the catalogue did not answer (or answered only with scam signs)
        and no officer handled, and answers someone disputed (👎) since an officer last reviewed them;
        newest first. A message that is not a claim ("chào bot", a bare "có thật không?") stays in the
        log, not here."""
        rows = await self.db.fetch_all(f"SELECT r.* {PENDING} ORDER BY r.id DESC LIMIT ?", (limit,))
        return [report_from(row) for row in rows]

    @operation
    async def pending_count(self) -> int:
        """How many reports `pending` would list without its limit (the metrics' gauge)."""
        return int(await self.db.fetch_value(f"SELECT COUNT(*) {PENDING}"))

    @operation
    async def record_notification(self, report_id: int, platform: str, chat_id: str) -> None:
        await self.db.execute(
            "INSERT INTO officer_notifications (report_id, platform, chat_id, sent_at) VALUES (?, ?, ?, ?)",
            (report_id, platform, chat_id, utcnow().isoformat()),
        )

    @operation
    async def notified_texts_since(self, since: dt.datetime) -> list[str]:
        """The texts of the reports posted to officers since `since`."""
        rows = await self.db.fetch_all(
            """SELECT r.text FROM officer_notifications n JOIN reports r ON r.id = n.report_id
               WHERE n.sent_at >= ? ORDER BY n.id DESC""",
            (since.isoformat(),),
        )
        return [row["text"] for row in rows]
