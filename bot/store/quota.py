"""Outbound message counts per platform and month (Zalo's plans allow so many messages a month)."""

from __future__ import annotations

from bot.store.connection import Store, operation
from bot.store.values import utcnow


class QuotaStore(Store):
    @operation
    async def count_outbound(self, platform: str, messages: int = 1, month: str | None = None) -> int:
        """Add `messages` to this month's outbound count and return the new total."""
        month = month or utcnow().strftime("%Y-%m")
        total = await self.db.fetch_value(
            "INSERT INTO outbound_counts (platform, month, count) VALUES (?, ?, ?) "
            "ON CONFLICT (platform, month) DO UPDATE SET count = outbound_counts.count + excluded.count "
            "RETURNING count",
            (platform, month, messages),
        )
        assert total is not None
        return int(total)
