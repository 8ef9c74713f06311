"""What several processes on one store share: a period's job run once, and send windows (both engines)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store.storage import Storage


async def test_a_periods_job_is_run_by_the_first_process_that_asks(target: Path | str) -> None:
    first, second = await Storage.open(target), await Storage.open(target)  # two processes, one store
    try:
        taken = await asyncio.gather(first.coordination.claim_run("digest", "2026-W49", "may-1:101"),
                                     second.coordination.claim_run("digest", "2026-W49", "may-2:202"))
        assert sorted(taken) == [False, True]  # one of them, whichever came first
        assert not await first.coordination.claim_run("digest", "2026-W49", "may-1:101")  # and only once
        assert await second.coordination.claim_run("digest", "2026-W50", "may-2:202")  # the next week is new
        assert await first.coordination.claim_run("purge", "2026-12-02", "may-1:101")  # another job, apart
    finally:
        await first.close()
        await second.close()


async def test_sends_are_counted_per_window_whatever_process_makes_them(target: Path | str) -> None:
    first, second = await Storage.open(target), await Storage.open(target)
    try:
        counts = await asyncio.gather(*(store.coordination.count_send("telegram", "bot", 1_764_680_000)
                                        for store in (first, second) * 5))
        assert sorted(counts) == list(range(1, 11))  # ten sends, each counted once, none lost in a race
        assert await first.coordination.count_send("telegram", "bot", 1_764_680_001) == 1  # a new window
        assert await first.coordination.count_send("telegram", "chat:-1001", 1_764_680_000) == 1  # a group's own
    finally:
        await first.close()
        await second.close()
