"""Outbound message counts."""

from __future__ import annotations

from pathlib import Path

from bot.store.storage import Storage


async def test_outbound_counts_are_per_platform_and_month(target: Path | str) -> None:
    storage = await Storage.open(target)
    assert await storage.quota.count_outbound("zalo", month="2026-11") == 1
    assert await storage.quota.count_outbound("zalo", 3, month="2026-11") == 4
    assert await storage.quota.count_outbound("zalo", month="2026-12") == 1
    assert await storage.quota.count_outbound("telegram", month="2026-11") == 1
    await storage.close()
