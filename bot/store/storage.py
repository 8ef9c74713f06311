"""The database of one deployment: one connection, migrated at open, and a store per concern over it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from bot.store.audit import AuditStore
from bot.store.connection import Database, DatabaseUnavailable, Engine
from bot.store.coordination import CoordinationStore
from bot.store.entries import EntryStore, RightsStore
from bot.store.feedback import FeedbackStore
from bot.store.followups import FollowUpStore
from bot.store.groups import GroupSettingsStore
from bot.store.images import ImageStore
from bot.store.inbox import InboxStore
from bot.store.migrations import migrate
from bot.store.outbox import OutboxStore
from bot.store.postgres import DatabaseUnreachable, PostgresDatabase, PostgresUrl, is_postgres_url
from bot.store.quota import QuotaStore
from bot.store.reports import ReportStore
from bot.store.reviews import ReviewStore
from bot.store.sessions import WebSessionStore
from bot.store.statistics import StatisticsStore


class Storage:
    """Every table carries the platform and the chat id; every store shares the one `Database`, so an
    operation of one store and an operation of another are each atomic and take turns."""

    def __init__(self, db: Engine) -> None:
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
        self.coordination = CoordinationStore(db)
        self.web = WebSessionStore(db)

    @classmethod
    async def open(cls, target: Path | str | PostgresUrl) -> Storage:
        """An SQLite file, or a PostgreSQL database by its URL; migrated."""
        if isinstance(target, str) and is_postgres_url(target):
            target = PostgresUrl(target)
        db: Engine
        if isinstance(target, PostgresUrl):
            db = await PostgresDatabase.open(target)
        else:
            db = await Database.open(Path(target))
        try:
            await migrate(db)
        except sqlite3.Error as exc:  # a file that is no database of ours, or a disk that refuses the write
            await db.close()
            raise DatabaseUnavailable(Path(db.path), exc) from None
        except psycopg.Error as exc:  # a server that refuses the schema (rights, a full disk)
            await db.close()
            raise DatabaseUnreachable(str(db.path), exc) from None
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    async def close(self) -> None:
        await self.db.close()
