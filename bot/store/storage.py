"""The database of one deployment: one connection, migrated at open, and a store per concern over it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store.audit import AuditStore
from bot.store.connection import Database, DatabaseUnavailable
from bot.store.entries import EntryStore, RightsStore
from bot.store.feedback import FeedbackStore
from bot.store.followups import FollowUpStore
from bot.store.groups import GroupSettingsStore
from bot.store.images import ImageStore
from bot.store.inbox import InboxStore
from bot.store.migrations import migrate
from bot.store.outbox import OutboxStore
from bot.store.quota import QuotaStore
from bot.store.reports import ReportStore
from bot.store.reviews import ReviewStore
from bot.store.statistics import StatisticsStore


class Storage:
    """Every table carries the platform and the chat id; every store shares the one `Database`, so an
    operation of one store and an operation of another are each atomic and take turns."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.path = db.path
        self.reports = ReportStore(db)
        self.inbox = InboxStore(db)
        self.quota = QuotaStore(db)
        self.audit = AuditStore(db)
        self.entries = EntryStore(db)
        self.rights = RightsStore(db)
        self.reviews = ReviewStore(db)
        self.feedback = FeedbackStore(db)
        self.follow_ups = FollowUpStore(db)
        self.groups = GroupSettingsStore(db)
        self.statistics = StatisticsStore(db)
        self.images = ImageStore(db)
        self.outbox = OutboxStore(db)

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        db = await Database.open(Path(path))
        try:
            await migrate(db)
        except sqlite3.Error as exc:  # a file that is no database of ours, or a disk that refuses the write
            await db.close()
            raise DatabaseUnavailable(db.path, exc) from None
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    async def close(self) -> None:
        await self.db.close()
