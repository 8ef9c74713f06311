"""The officers' clock: times as they read them."""

from __future__ import annotations

import datetime as dt

# Vietnam keeps UTC+7 all year; officers read times in it.
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def local_time(moment: dt.datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")
