"""Feedback on answers: one 👍 or 👎 per person per answer, and the disputes they raise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.connection import Store, operation
from bot.store.values import utcnow

# A report is disputed while someone's current vote on its answer is 👎 and no officer reviewed it since.
# Queries using it name the report r and join report_reviews as v.
DISPUTED = """EXISTS (SELECT 1 FROM feedback f WHERE f.report_id = r.id AND f.vote = 'down'
                      AND (v.reviewed_at IS NULL OR f.voted_at > v.reviewed_at))"""


@dataclass(frozen=True)
class VoteRecord:
    """A person's 👍 or 👎 on one answer."""

    report_id: int
    platform: str
    chat_id: str
    user_id: str
    vote: str  # up | down
    rumor_id: str | None


@dataclass(frozen=True)
class Dispute:
    """👎 votes on an answer since an officer last reviewed it, and the entry that answer showed."""

    votes: int
    rumor_id: str | None


class FeedbackStore(Store):
    @operation
    async def record_vote(self, vote: VoteRecord) -> str | None:
        """Store a person's vote on an answer; return their previous vote (None for a first vote).
        The same vote again changes nothing, not even its time."""
        stored = await self.db.fetch_value(
            "SELECT vote FROM feedback WHERE report_id = ? AND user_id = ?", (vote.report_id, vote.user_id)
        )
        previous = str(stored) if stored is not None else None
        if previous != vote.vote:
            await self.db.execute(
                """INSERT INTO feedback (report_id, platform, chat_id, user_id, vote, rumor_id, voted_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, user_id)
                   DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at""",
                (vote.report_id, vote.platform, vote.chat_id, vote.user_id, vote.vote, vote.rumor_id,
                 utcnow().isoformat()),
            )
        return previous

    @operation
    async def vote_counts(self, report_id: int) -> tuple[int, int]:
        """👍 and 👎 on one answer."""
        row = await self.db.fetch_one(
            """SELECT COALESCE(SUM(CASE WHEN vote = 'up' THEN 1 ELSE 0 END), 0),
                      COALESCE(SUM(CASE WHEN vote = 'down' THEN 1 ELSE 0 END), 0)
               FROM feedback WHERE report_id = ?""",
            (report_id,),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    @operation
    async def disputes(self, report_ids: Sequence[int]) -> dict[int, Dispute]:
        """The disputed reports among `report_ids`: 👎 votes cast since the last review, and the entry shown."""
        if not report_ids:
            return {}
        marks = ", ".join("?" * len(report_ids))
        rows = await self.db.fetch_all(
            f"""SELECT r.id, COUNT(*), MAX(f.rumor_id) FROM reports r
                JOIN feedback f ON f.report_id = r.id AND f.vote = 'down'
                LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE r.id IN ({marks}) AND (v.reviewed_at IS NULL OR f.voted_at > v.reviewed_at)
                GROUP BY r.id""",
            tuple(report_ids),
        )
        return {int(row[0]): Dispute(int(row[1]), row[2]) for row in rows}
