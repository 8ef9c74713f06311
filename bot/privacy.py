"""Privacy: report texts kept no longer than configured, and a person's own texts forgotten on request.

Reports are evidence for officers, and counts of them are the statistics: purging blanks a report's
text (and the name of a person it was forwarded from) but keeps the row — entry, band, score,
chat and time — so every count stays the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.checking import notice
from bot.locale import Locale, get_locale
from bot.replies import Button, Paragraph, Reply
from bot.store.storage import Storage
from bot.store.values import utcnow

# Handled updates stay in the durable inbox this long: long enough to recognise a redelivery
# (Telegram redelivers only what was not acknowledged, within seconds), short enough that the raw
# messages it holds do not outlive the reports made of them.
INBOX_KEPT = dt.timedelta(days=1)
OUTBOX_KEPT = dt.timedelta(days=8)  # a week of figures, and the day the digest runs
FORGET_PREFIX = "v1:quen:"
FORGET_PATTERN = r"^v\d+:quen:"  # every /quen payload, current or stale, goes to its handler


@dataclass(frozen=True)
class Purged:
    reports: int  # report texts blanked
    updates: int  # handled updates removed from the inbox


def forget_payload(confirm: bool) -> str:
    return f"{FORGET_PREFIX}{'yes' if confirm else 'no'}"


def parse_forget_payload(data: str) -> bool | None:
    """True to forget, False to keep; None for a stale or forged payload."""
    return {forget_payload(True): True, forget_payload(False): False}.get(data)


class Privacy:
    def __init__(self, storage: Storage, retention_days: int | None, language: str = "vi") -> None:
        self.storage = storage
        self.retention = dt.timedelta(days=retention_days) if retention_days is not None else None
        self.locale: Locale = get_locale(language)

    async def purge(self, now: dt.datetime | None = None) -> Purged:
        """The daily job: report texts past the retention period, handled updates past a day."""
        now = now or utcnow()
        reports = await self.storage.reports.purge_before(now - self.retention) if self.retention else 0
        updates = await self.storage.inbox.purge(now - INBOX_KEPT)
        # settled messages are kept for the weekly figures (/thongke counts the undeliverable ones)
        await self.storage.outbox.purge(now - OUTBOX_KEPT)
        await self.storage.coordination.purge(now - OUTBOX_KEPT)
        return Purged(reports, updates)

    async def ask_forget(self, platform: str, user_id: str) -> Reply:
        """/quen: how many texts would be forgotten, with a button to confirm."""
        count = await self.storage.reports.kept_of(platform, user_id)
        if not count:
            return notice(self.locale, "privacy.forget.none")
        t = self.locale.t
        return Reply((Paragraph.of(t("privacy.forget.ask", count=count)),), ((
            Button(t("privacy.forget.button.yes"), forget_payload(True)),
            Button(t("privacy.forget.button.no"), forget_payload(False)),
        ),))

    async def forget(self, platform: str, user_id: str, inbox_paths: Sequence[str]) -> tuple[Reply, int]:
        """Blank the texts of this person's reports and the handled updates they sent, and forget what
        the bot sent to their private chat (whose id is theirs); the reply and how many reports were blanked."""
        reports, _ = await self.storage.reports.forget_user(platform, user_id, inbox_paths)
        await self.storage.outbox.forget_chat(platform, user_id)
        return notice(self.locale, "privacy.forget.done", count=str(reports)), reports

    def kept(self) -> Reply:
        return notice(self.locale, "privacy.forget.kept")
