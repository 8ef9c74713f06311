"""The per-user check limit: a sliding window, one notice, then silence."""

from __future__ import annotations

from bot.groups.limiter import Admission, CheckLimiter


def test_check_limiter_allows_then_one_notice_then_silence() -> None:
    limiter = CheckLimiter(per_window=5, window=60.0)
    assert [limiter.admit("lan", t) for t in range(5)] == [Admission.ALLOW] * 5
    assert limiter.admit("lan", 10.0) is Admission.NOTICE
    assert limiter.admit("lan", 11.0) is Admission.SILENT
    assert limiter.admit("minh", 11.0) is Admission.ALLOW  # per user
    assert limiter.admit("lan", 60.0) is Admission.ALLOW  # the first check left the window
    assert limiter.admit("lan", 60.5) is Admission.NOTICE  # a new burst gets its own notice
