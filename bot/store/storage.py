"""All SQL lives here: an SQLite file through aiosqlite, WAL mode, versioned migrations.

Every table carries the platform and chat id from the start. A PostgreSQL backend would
implement the same public methods.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from bot.checking import CheckRequest
from bot.groups.policy import WatchMode
from bot.matching.matcher import MatchResult
from bot.matching.normalize import folded

# Each migration runs once, in order, in one transaction; PRAGMA user_version records the last.
# Never edit a released migration: append a new one.
MIGRATIONS: Sequence[str] = (
    # 1: the report log
    """
    CREATE TABLE reports (
        id           INTEGER PRIMARY KEY,
        created_at   TEXT NOT NULL,            -- ISO 8601, UTC
        platform     TEXT NOT NULL,            -- telegram | zalo | console
        chat_id      TEXT NOT NULL,
        chat_type    TEXT NOT NULL,            -- private | group | channel
        user_id      TEXT,
        message_id   TEXT,
        kind         TEXT NOT NULL,            -- asked | seen
        text         TEXT NOT NULL,
        origin_kind  TEXT,                     -- user | hidden_user | chat | channel
        origin_name  TEXT,
        origin_id    TEXT,
        origin_date  TEXT,
        rumor_id     TEXT,                     -- best entry in match/possible band, else NULL
        score        REAL NOT NULL,
        band         TEXT NOT NULL             -- match | possible | none
    );
    CREATE INDEX reports_created ON reports (created_at);
    CREATE INDEX reports_rumor ON reports (rumor_id, created_at);
    CREATE INDEX reports_chat ON reports (platform, chat_id, created_at);
    -- the same platform message is logged once, however often it is delivered
    CREATE UNIQUE INDEX reports_message ON reports (platform, chat_id, message_id, kind)
        WHERE message_id IS NOT NULL;
    """,
    # 2: platform updates already handled (platforms that redeliver), and outbound message counts
    """
    CREATE TABLE seen_updates (
        platform   TEXT NOT NULL,
        update_key TEXT NOT NULL,              -- the platform's id of the update or message
        seen_at    TEXT NOT NULL,
        PRIMARY KEY (platform, update_key)
    ) WITHOUT ROWID;
    CREATE TABLE outbound_counts (
        platform TEXT NOT NULL,
        month    TEXT NOT NULL,                -- YYYY-MM, UTC
        count    INTEGER NOT NULL,
        PRIMARY KEY (platform, month)
    ) WITHOUT ROWID;
    """,
    # 3: the durable inbox: updates written here before the platform is told they were received
    """
    CREATE TABLE inbox (
        seq         INTEGER PRIMARY KEY,       -- arrival order
        platform    TEXT NOT NULL,
        update_id   TEXT NOT NULL,
        payload     TEXT NOT NULL,             -- the update as the platform sent it (JSON)
        received_at TEXT NOT NULL,
        done_at     TEXT,                      -- NULL until every handler has run
        UNIQUE (platform, update_id)
    );
    CREATE INDEX inbox_pending ON inbox (platform, seq) WHERE done_at IS NULL;
    """,
    # 4: officers — rights granted in the chat, their catalogue entries, the review of reports, the audit
    """
    CREATE TABLE officer_rights (
        platform     TEXT NOT NULL,
        user_id      TEXT NOT NULL,
        granted      INTEGER NOT NULL,         -- 1 granted, 0 revoked (wins over the config's list)
        changed_by   TEXT NOT NULL,
        changed_at   TEXT NOT NULL,
        PRIMARY KEY (platform, user_id)
    );
    CREATE TABLE entries (
        id           TEXT PRIMARY KEY,         -- a catalogue id; wins over the shipped entry of that id
        data         TEXT NOT NULL,            -- the entry in catalogue format, as JSON
        created_at   TEXT NOT NULL,
        created_by   TEXT NOT NULL,            -- platform:user id
        updated_at   TEXT NOT NULL,
        updated_by   TEXT NOT NULL
    );
    CREATE TABLE report_reviews (
        report_id    INTEGER PRIMARY KEY REFERENCES reports (id),
        status       TEXT NOT NULL,            -- linked | dismissed
        rumor_id     TEXT,
        reviewed_by  TEXT NOT NULL,
        reviewed_at  TEXT NOT NULL
    );
    CREATE TABLE officer_notifications (
        id           INTEGER PRIMARY KEY,
        report_id    INTEGER NOT NULL REFERENCES reports (id),
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,            -- the officers' chat it was posted to
        sent_at      TEXT NOT NULL
    );
    CREATE INDEX officer_notifications_sent ON officer_notifications (sent_at);
    CREATE TABLE audit (
        id           INTEGER PRIMARY KEY,
        created_at   TEXT NOT NULL,
        platform     TEXT NOT NULL,
        chat_id      TEXT,
        user_id      TEXT NOT NULL,
        action       TEXT NOT NULL,            -- create | edit | retire | restore | link | dismiss |
                                               -- grant | revoke | refused
        entry_id     TEXT,
        report_id    INTEGER,
        target       TEXT,                     -- the user granted or revoked, the command refused
        before       TEXT,                     -- JSON
        after        TEXT                      -- JSON
    );
    CREATE INDEX audit_entry ON audit (entry_id, id);
    """,
    # 5: groups — watch mode chosen by admins, warnings sent (for the cooldown), chat migrations
    """
    CREATE TABLE group_settings (
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,
        mode         TEXT NOT NULL,            -- off | observe | warn
        changed_at   TEXT NOT NULL,            -- ISO 8601, UTC
        changed_by   TEXT,                     -- user id of the admin
        PRIMARY KEY (platform, chat_id)
    );
    CREATE TABLE group_warnings (
        id           INTEGER PRIMARY KEY,
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,
        rumor_id     TEXT NOT NULL,
        message_id   TEXT,                     -- the message warned about
        warned_at    TEXT NOT NULL
    );
    CREATE INDEX group_warnings_last ON group_warnings (platform, chat_id, rumor_id, warned_at);
    CREATE TABLE chat_migrations (
        platform     TEXT NOT NULL,
        old_chat_id  TEXT NOT NULL,
        new_chat_id  TEXT NOT NULL,
        migrated_at  TEXT NOT NULL,
        PRIMARY KEY (platform, old_chat_id)
    );
    CREATE INDEX chat_migrations_new ON chat_migrations (platform, new_chat_id, migrated_at);
    """,
    # 6: feedback on answers, follow-ups sent to askers once an officer answered, group titles
    """
    CREATE TABLE feedback (
        report_id    INTEGER NOT NULL REFERENCES reports (id),   -- the answer voted on
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,            -- where the answer (and its buttons) is
        user_id      TEXT NOT NULL,            -- who voted: one vote per person per answer
        vote         TEXT NOT NULL,            -- up | down
        rumor_id     TEXT,                     -- the entry the answer showed
        voted_at     TEXT NOT NULL,            -- the last change, ISO 8601 UTC
        PRIMARY KEY (report_id, user_id)
    );
    CREATE INDEX feedback_voted ON feedback (voted_at);
    CREATE TABLE follow_ups (
        report_id    INTEGER PRIMARY KEY REFERENCES reports (id),
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,            -- the private chat or group the question came from
        rumor_id     TEXT NOT NULL,            -- the entry the officer linked it to
        outcome      TEXT NOT NULL,            -- sent | blocked | failed | repeated | answered | expired | predates
        decided_at   TEXT NOT NULL
    );
    CREATE INDEX follow_ups_chat ON follow_ups (platform, chat_id, rumor_id, outcome);
    -- reports linked before follow-ups existed are not followed up now, months later
    INSERT INTO follow_ups (report_id, platform, chat_id, rumor_id, outcome, decided_at)
        SELECT r.id, r.platform, r.chat_id, v.rumor_id, 'predates', v.reviewed_at
        FROM report_reviews v JOIN reports r ON r.id = v.report_id
        WHERE v.status = 'linked' AND v.rumor_id IS NOT NULL;
    CREATE TABLE chat_titles (
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,
        title        TEXT NOT NULL,            -- the group's name, shown in statistics
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );
    """,
    # 7: hardening — one report per person, text and day; texts purged (retention, /quen) keep their counts
    """
    ALTER TABLE reports ADD COLUMN text_key TEXT;     -- hash of the folded text, NULL once purged
    ALTER TABLE reports ADD COLUMN purged_at TEXT;    -- when the text was blanked, NULL while kept
    -- a person sending the same text again the same (UTC) day is counted once
    CREATE UNIQUE INDEX reports_once_a_day ON reports (platform, user_id, kind, text_key, substr(created_at, 1, 10))
        WHERE user_id IS NOT NULL AND text_key IS NOT NULL;
    CREATE INDEX reports_user ON reports (platform, user_id) WHERE user_id IS NOT NULL;
    """,
)

# The entry a report is about: the one an officer linked it to, else the one the bot matched.
# (A `possible` answer names candidates, not an entry.)
REPORT_ENTRY = """COALESCE(CASE WHEN v.status = 'linked' THEN v.rumor_id END,
                           CASE WHEN r.band = 'match' THEN r.rumor_id END)"""
# Vietnam keeps UTC+7 all year: statistics count days as officers live them.
LOCAL_DAY = "date(r.created_at, '+7 hours')"
# A report is disputed while someone's current vote on its answer is 👎 and no officer reviewed it since.
DISPUTED = """EXISTS (SELECT 1 FROM feedback f WHERE f.report_id = r.id AND f.vote = 'down'
                      AND (v.reviewed_at IS NULL OR f.voted_at > v.reviewed_at))"""


@dataclass(frozen=True)
class ReportRow:
    id: int
    created_at: dt.datetime
    platform: str
    chat_id: str
    chat_type: str
    user_id: str | None
    message_id: str | None
    kind: str
    text: str
    origin_kind: str | None
    origin_name: str | None
    origin_id: str | None
    origin_date: str | None
    rumor_id: str | None
    score: float
    band: str
    text_key: str | None = None
    purged_at: str | None = None


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


@dataclass(frozen=True)
class EntryDay:
    """How many reports of one kind were about one entry on one day (Vietnam time)."""

    rumor_id: str
    kind: str
    day: dt.date
    count: int


@dataclass(frozen=True)
class LoggedReport:
    """A report with what became of it: its review and the votes on its answer."""

    report: ReportRow
    review_status: str | None
    review_rumor: str | None
    votes_up: int
    votes_down: int


P = ParamSpec("P")
R = TypeVar("R")


StorageMethod = Callable[Concatenate["Storage", P], Coroutine[Any, Any, R]]


def serialized(method: StorageMethod[P, R]) -> StorageMethod[P, R]:
    """Run a storage operation inside the shared write transaction and return once it is durable.

    Handlers run concurrently on one connection, so operations take turns (a cursor left open by
    one would break another's COMMIT). Each runs under a savepoint, so a failing one undoes only
    itself. Commits are grouped: one fsync'd COMMIT covers every operation that arrived while the
    previous one was running, which keeps synchronous=FULL affordable under load.
    """

    async def run(storage: Storage, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with storage._lock:
            if not storage._db.in_transaction:
                await storage._db.execute("BEGIN IMMEDIATE")
            await storage._db.execute("SAVEPOINT operation")
            try:
                result = await method(storage, *args, **kwargs)
            except BaseException:
                await storage._db.execute("ROLLBACK TO operation")
                await storage._db.execute("RELEASE operation")
                raise
            await storage._db.execute("RELEASE operation")
            committed = storage._commit_soon()
        await asyncio.shield(committed)
        return result

    functools.update_wrapper(run, method)
    return run


@dataclass(frozen=True)
class AuditRecord:
    """One officer action (or refused attempt): who, where, what, on which entry, before → after."""

    platform: str
    user_id: str
    action: str
    chat_id: str | None = None
    entry_id: str | None = None
    report_id: int | None = None
    target: str | None = None
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: dt.datetime
    record: AuditRecord


@dataclass(frozen=True)
class StoredEntry:
    id: str
    data: dict[str, Any]
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True)
class ReviewRow:
    report_id: int
    status: str
    rumor_id: str | None
    reviewed_by: str
    reviewed_at: dt.datetime


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _report(row: Any) -> ReportRow:
    return ReportRow(**{**dict(row), "created_at": dt.datetime.fromisoformat(row["created_at"])})


def _report_and(row: Any, *extra: str) -> tuple[ReportRow, dict[str, Any]]:
    """A report row selected with more columns: the report, and those columns by name."""
    values = dict(row)
    more = {name: values.pop(name) for name in extra}
    return _report(values), more


def text_key(text: str) -> str:
    """What makes two reports "the same text": their folded views (case, accents, spacing, emoji and
    forwarding boilerplate aside), hashed so the key says nothing once the text is purged."""
    return hashlib.sha256(folded(text).encode()).hexdigest()[:32]


# Forward origins that name a person: blanked with the text when a report is purged.
PERSONAL_ORIGINS = ("user", "hidden_user")
PURGED_TEXT = ""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Storage:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()
        self._commit: asyncio.Future[None] | None = None
        self._committer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode = WAL")
        # FULL: a report survives a power cut, not only a killed process; the cost is one fsync per check.
        await db.execute("PRAGMA synchronous = FULL")
        await db.execute("PRAGMA busy_timeout = 5000")
        await db.execute("PRAGMA foreign_keys = ON")
        storage = cls(db, path)
        try:
            await storage.migrate()
        except BaseException:
            await db.close()
            raise
        return storage

    async def close(self) -> None:
        if self._committer is not None:
            await asyncio.gather(self._committer, return_exceptions=True)
        await self._db.close()

    def _commit_soon(self) -> asyncio.Future[None]:
        """The commit that will cover what was just written (called with the lock held)."""
        if self._commit is None:
            self._commit = asyncio.get_running_loop().create_future()
            self._committer = asyncio.create_task(self._run_commit())
        return self._commit

    async def _run_commit(self) -> None:
        await asyncio.sleep(0)  # let operations that are ready now join this commit
        async with self._lock:
            done, self._commit = self._commit, None
            assert done is not None
            try:
                await self._db.execute("COMMIT")
            except Exception as exc:
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                done.set_exception(exc)
            else:
                done.set_result(None)

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        version = await self.schema_version()
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path} has schema version {version}, newer than this program knows "
                f"({len(MIGRATIONS)}); upgrade kiemchung"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        return len(MIGRATIONS)

    @serialized
    async def record_report(self, request: CheckRequest, result: MatchResult) -> int:
        """Log a check; return its report id. The same platform message, or the same person sending
        the same text again the same day, is one report: the id of the first is returned."""
        origin = request.origin
        rumor = result.rumor if result.band.value != "none" else None
        now = utcnow().isoformat()
        key = text_key(request.text) if request.user_id is not None else None
        values = (
            now, request.platform, request.chat_id, request.chat_type.value,
            request.user_id, request.message_id, request.kind.value, request.text,
            origin.kind if origin else None, origin.name if origin else None,
            origin.id if origin else None,
            origin.date.isoformat() if origin and origin.date else None,
            rumor.id if rumor else None, result.score, result.band.value, key,
        )
        async with self._db.execute(
            """INSERT INTO reports (created_at, platform, chat_id, chat_type, user_id, message_id, kind,
                   text, origin_kind, origin_name, origin_id, origin_date, rumor_id, score, band, text_key)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING RETURNING id""",
            values,
        ) as cur:
            row = await cur.fetchone()
        if row is not None:
            return int(row[0])
        async with self._db.execute(
            """SELECT id FROM reports WHERE platform = ? AND chat_id = ? AND message_id = ? AND kind = ?
               UNION ALL
               SELECT id FROM reports WHERE platform = ? AND user_id = ? AND kind = ? AND text_key = ?
                   AND substr(created_at, 1, 10) = ?
               LIMIT 1""",
            (request.platform, request.chat_id, request.message_id, request.kind.value,
             request.platform, request.user_id, request.kind.value, key, now[:10]),
        ) as cur:
            existing = await cur.fetchone()
        assert existing is not None, "conflict without an existing row"
        return int(existing[0])

    @serialized
    async def recent_reports(self, limit: int = 100) -> list[ReportRow]:
        async with self._db.execute("SELECT * FROM reports ORDER BY id DESC LIMIT ?", (limit,)) as cur:
            rows = await cur.fetchall()
        return [_report(row) for row in rows]

    @serialized
    async def mark_update_seen(self, platform: str, update_key: str) -> bool:
        """Record that an update was taken in; False when it had been already (a redelivery)."""
        async with self._db.execute(
            "INSERT INTO seen_updates (platform, update_key, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            (platform, update_key, utcnow().isoformat()),
        ) as cur:
            return await cur.fetchone() is not None

    @serialized
    async def count_outbound(self, platform: str, messages: int = 1, month: str | None = None) -> int:
        """Add `messages` to this month's outbound count and return the new total."""
        month = month or utcnow().strftime("%Y-%m")
        async with self._db.execute(
            "INSERT INTO outbound_counts (platform, month, count) VALUES (?, ?, ?) "
            "ON CONFLICT (platform, month) DO UPDATE SET count = count + excluded.count RETURNING count",
            (platform, month, messages),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    @serialized
    async def store_inbox(self, platform: str, updates: Sequence[tuple[str, str]]) -> list[str]:
        """Write a batch of (update id, JSON payload) at once, durably; return the ids
        not stored before (a redelivered update is neither stored nor handled twice)."""
        now = utcnow().isoformat()
        fresh: list[str] = []
        for update_id, payload in updates:
            async with self._db.execute(
                "INSERT INTO inbox (platform, update_id, payload, received_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING update_id",
                (platform, update_id, payload, now),
            ) as cur:
                if await cur.fetchone() is not None:
                    fresh.append(update_id)
        return fresh

    @serialized
    async def pending_inbox(self, platform: str) -> list[tuple[str, str]]:
        """Updates stored but not finished (the process stopped mid-way), oldest first."""
        async with self._db.execute(
            "SELECT update_id, payload FROM inbox WHERE platform = ? AND done_at IS NULL ORDER BY seq",
            (platform,),
        ) as cur:
            return [(str(row[0]), str(row[1])) for row in await cur.fetchall()]

    @serialized
    async def finish_inbox(self, platform: str, update_id: str) -> None:
        await self._db.execute(
            "UPDATE inbox SET done_at = ? WHERE platform = ? AND update_id = ?",
            (utcnow().isoformat(), platform, update_id),
        )

    @serialized
    async def purge_inbox(self, older_than: dt.datetime) -> int:
        """Forget finished updates received before `older_than` (their reports stay)."""
        async with self._db.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ?", (older_than.isoformat(),)
        ) as cur:
            return cur.rowcount

    # -- privacy ----------------------------------------------------------------------------------

    async def _purge_reports(self, where: str, args: Sequence[Any]) -> int:
        """Blank the texts (and the names of people they were forwarded from) of the reports `where`
        selects; the rows, their entry, band, score, chat and time stay, so every count stays."""
        async with self._db.execute(
            f"""UPDATE reports SET text = ?, text_key = NULL, purged_at = ?,
                   origin_name = CASE WHEN origin_kind IN {PERSONAL_ORIGINS} THEN NULL ELSE origin_name END,
                   origin_id = CASE WHEN origin_kind IN {PERSONAL_ORIGINS} THEN NULL ELSE origin_id END
                WHERE purged_at IS NULL AND ({where})""",
            (PURGED_TEXT, utcnow().isoformat(), *args),
        ) as cur:
            return cur.rowcount

    @serialized
    async def purge_reports_before(self, before: dt.datetime) -> int:
        """The retention rule: blank the texts of reports made before `before`; how many were blanked."""
        return await self._purge_reports("created_at < ?", (before.astimezone(dt.UTC).isoformat(),))

    @serialized
    async def kept_reports_of(self, platform: str, user_id: str) -> int:
        """How many reports of this person still hold their text."""
        async with self._db.execute(
            "SELECT COUNT(*) FROM reports WHERE platform = ? AND user_id = ? AND purged_at IS NULL",
            (platform, user_id),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @serialized
    async def forget_user(self, platform: str, user_id: str, inbox_paths: Sequence[str]) -> tuple[int, int]:
        """/quen: blank this person's report texts, and the stored updates they sent that are handled
        (found by the JSON paths of the sender's id in `inbox_paths`). Returns (reports, updates)."""
        reports = await self._purge_reports("platform = ? AND user_id = ?", (platform, user_id))
        sender = " OR ".join(f"json_extract(payload, '{path}') = ?" for path in inbox_paths) or "0"
        async with self._db.execute(
            f"""UPDATE inbox SET payload = '{{}}' WHERE platform = ? AND done_at IS NOT NULL AND payload != '{{}}'
                AND ({sender})""",
            (platform, *[int(user_id) if user_id.lstrip("-").isdigit() else user_id for _ in inbox_paths]),
        ) as cur:
            updates = cur.rowcount
        return reports, updates

    @serialized
    async def count_reports(self) -> int:
        async with self._db.execute("SELECT COUNT(*) FROM reports") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -- officers ------------------------------------------------------------------------------------
    async def _insert_audit(self, record: AuditRecord) -> None:
        await self._db.execute(
            """INSERT INTO audit (created_at, platform, chat_id, user_id, action, entry_id, report_id, target,
                   before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (utcnow().isoformat(), record.platform, record.chat_id, record.user_id, record.action,
             record.entry_id, record.report_id, record.target, _json(record.before), _json(record.after)),
        )

    @serialized
    async def record_audit(self, record: AuditRecord) -> None:
        await self._insert_audit(record)

    @serialized
    async def record_refusal(self, platform: str, chat_id: str | None, user_id: str, target: str,
                             detail: str = "") -> None:
        """A refused attempt outside the officers' desk (a group's settings, a stale button), in the audit."""
        await self._insert_audit(AuditRecord(platform, user_id, "refused", chat_id=chat_id, target=target,
                                             after={"detail": detail} if detail else None))

    @serialized
    async def audit_for_entry(self, entry_id: str) -> list[AuditRow]:
        async with self._db.execute("SELECT * FROM audit WHERE entry_id = ? ORDER BY id", (entry_id,)) as cur:
            rows = await cur.fetchall()
        return [
            AuditRow(row["id"], dt.datetime.fromisoformat(row["created_at"]), AuditRecord(
                platform=row["platform"], user_id=row["user_id"], action=row["action"], chat_id=row["chat_id"],
                entry_id=row["entry_id"], report_id=row["report_id"], target=row["target"],
                before=json.loads(row["before"]) if row["before"] else None,
                after=json.loads(row["after"]) if row["after"] else None,
            ))
            for row in rows
        ]

    @serialized
    async def officer_rights(self, platform: str) -> dict[str, bool]:
        """User id -> granted (True) or revoked (False), for every user an owner changed."""
        async with self._db.execute(
            "SELECT user_id, granted FROM officer_rights WHERE platform = ?", (platform,)
        ) as cur:
            rows = await cur.fetchall()
        return {row["user_id"]: bool(row["granted"]) for row in rows}

    @serialized
    async def set_officer_right(self, user_id: str, granted: bool, audit: AuditRecord) -> None:
        await self._db.execute(
            """INSERT INTO officer_rights (platform, user_id, granted, changed_by, changed_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (platform, user_id) DO UPDATE SET granted = excluded.granted,
                   changed_by = excluded.changed_by, changed_at = excluded.changed_at""",
            (audit.platform, user_id, int(granted), audit.user_id, utcnow().isoformat()),
        )
        await self._insert_audit(audit)

    @serialized
    async def stored_entries(self) -> list[StoredEntry]:
        async with self._db.execute("SELECT * FROM entries ORDER BY created_at, id") as cur:
            rows = await cur.fetchall()
        return [
            StoredEntry(row["id"], json.loads(row["data"]), dt.datetime.fromisoformat(row["updated_at"]),
                        row["updated_by"])
            for row in rows
        ]

    @serialized
    async def save_entry(self, entry_id: str, data: dict[str, Any], audit: AuditRecord,
                         *, link_reports: Iterable[int] = ()) -> None:
        """Store (or replace) an officer's entry with its audit row — and, for an entry made from a
        report, the link of that report's group — in one transaction."""
        await self._upsert_entry(entry_id, data, audit)
        await self._insert_reviews(link_reports, "linked", entry_id, f"{audit.platform}:{audit.user_id}",
                                   utcnow().isoformat())

    async def _upsert_entry(self, entry_id: str, data: dict[str, Any], audit: AuditRecord) -> None:
        by = f"{audit.platform}:{audit.user_id}"
        now = utcnow().isoformat()
        await self._db.execute(
            """INSERT INTO entries (id, data, created_at, created_by, updated_at, updated_by)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at,
                   updated_by = excluded.updated_by""",
            (entry_id, _json(data), now, by, now, by),
        )
        await self._insert_audit(audit)

    async def _insert_reviews(self, report_ids: Iterable[int], status: str, rumor_id: str | None,
                              by: str, now: str) -> None:
        # A report is reviewed again only when its answer was disputed (👎) since: it was in the queue.
        await self._db.executemany(
            """INSERT INTO report_reviews (report_id, status, rumor_id, reviewed_by, reviewed_at)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT (report_id) DO UPDATE SET status = excluded.status,
                   rumor_id = excluded.rumor_id, reviewed_by = excluded.reviewed_by,
                   reviewed_at = excluded.reviewed_at""",
            [(report_id, status, rumor_id, by, now) for report_id in report_ids],
        )

    @serialized
    async def review_reports(self, report_ids: Sequence[int], status: str, rumor_id: str | None,
                             audit: AuditRecord) -> None:
        """Mark reports linked to an entry or dismissed, with the audit row, in one transaction."""
        await self._insert_reviews(report_ids, status, rumor_id, f"{audit.platform}:{audit.user_id}",
                                   utcnow().isoformat())
        await self._insert_audit(audit)

    @serialized
    async def report(self, report_id: int) -> ReportRow | None:
        async with self._db.execute("SELECT * FROM reports WHERE id = ?", (report_id,)) as cur:
            row = await cur.fetchone()
        return _report(row) if row is not None else None

    @serialized
    async def review_of(self, report_id: int) -> ReviewRow | None:
        async with self._db.execute("SELECT * FROM report_reviews WHERE report_id = ?", (report_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return ReviewRow(row["report_id"], row["status"], row["rumor_id"], row["reviewed_by"],
                         dt.datetime.fromisoformat(row["reviewed_at"]))

    @serialized
    async def pending_reports(self, limit: int = 1000) -> list[ReportRow]:
        """Reports people asked about that the catalogue did not answer and no officer handled, and
        answers someone disputed (👎) since an officer last reviewed them; newest first."""
        async with self._db.execute(
            f"""SELECT r.* FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
               WHERE ((v.report_id IS NULL AND r.kind = 'asked' AND r.band IN ('none', 'possible'))
                      OR {DISPUTED})
                  AND r.purged_at IS NULL
               ORDER BY r.id DESC LIMIT ?""",
            (limit,),
        ) as cur:
            rows = await cur.fetchall()
        return [_report(row) for row in rows]

    @serialized
    async def record_notification(self, report_id: int, platform: str, chat_id: str) -> None:
        await self._db.execute(
            "INSERT INTO officer_notifications (report_id, platform, chat_id, sent_at) VALUES (?, ?, ?, ?)",
            (report_id, platform, chat_id, utcnow().isoformat()),
        )

    @serialized
    async def notified_texts_since(self, since: dt.datetime) -> list[str]:
        """The texts of the reports posted to officers since `since`."""
        async with self._db.execute(
            """SELECT r.text FROM officer_notifications n JOIN reports r ON r.id = n.report_id
               WHERE n.sent_at >= ? ORDER BY n.id DESC""",
            (since.isoformat(),),
        ) as cur:
            rows = await cur.fetchall()
        return [row["text"] for row in rows]

    # -- groups -------------------------------------------------------------------------------

    @serialized
    async def group_mode(self, platform: str, chat_id: str) -> WatchMode | None:
        """The mode an admin chose for the group, None when none did."""
        async with self._db.execute(
            "SELECT mode FROM group_settings WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        ) as cur:
            row = await cur.fetchone()
        return WatchMode(row[0]) if row else None

    @serialized
    async def set_group_mode(self, platform: str, chat_id: str, mode: WatchMode, changed_by: str | None) -> None:
        await self._db.execute(
            """INSERT INTO group_settings (platform, chat_id, mode, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (platform, chat_id) DO UPDATE
               SET mode = excluded.mode, changed_at = excluded.changed_at, changed_by = excluded.changed_by""",
            (platform, chat_id, mode.value, utcnow().isoformat(), changed_by),
        )

    @serialized
    async def last_warning(self, platform: str, chat_id: str, rumor_id: str) -> dt.datetime | None:
        async with self._db.execute(
            "SELECT MAX(warned_at) FROM group_warnings WHERE platform = ? AND chat_id = ? AND rumor_id = ?",
            (platform, chat_id, rumor_id),
        ) as cur:
            row = await cur.fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    @serialized
    async def record_warning(self, platform: str, chat_id: str, rumor_id: str, message_id: str | None,
                             at: dt.datetime) -> None:
        await self._db.execute(
            "INSERT INTO group_warnings (platform, chat_id, rumor_id, message_id, warned_at) VALUES (?, ?, ?, ?, ?)",
            (platform, chat_id, rumor_id, message_id, at.astimezone(dt.UTC).isoformat()),
        )

    @serialized
    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str, at: dt.datetime) -> None:
        """A group became a supergroup with a new id: its settings and warnings follow it.

        Telegram announces it twice (in the old chat and in the new one); the second call changes
        nothing. Settings already chosen in the new chat win over the old ones. The report log
        keeps the id each report was made under.
        """
        await self._db.execute(
            """UPDATE group_settings SET chat_id = ? WHERE platform = ? AND chat_id = ?
               AND NOT EXISTS (SELECT 1 FROM group_settings WHERE platform = ? AND chat_id = ?)""",
            (new_chat_id, platform, old_chat_id, platform, new_chat_id),
        )
        await self._db.execute("DELETE FROM group_settings WHERE platform = ? AND chat_id = ?",
                               (platform, old_chat_id))
        await self._db.execute("UPDATE group_warnings SET chat_id = ? WHERE platform = ? AND chat_id = ?",
                               (new_chat_id, platform, old_chat_id))
        await self._db.execute(
            """INSERT INTO chat_migrations (platform, old_chat_id, new_chat_id, migrated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (platform, old_chat_id) DO NOTHING""",
            (platform, old_chat_id, new_chat_id, at.astimezone(dt.UTC).isoformat()),
        )

    @serialized
    async def migrated_into_since(self, platform: str, chat_id: str, since: dt.datetime) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM chat_migrations WHERE platform = ? AND new_chat_id = ? AND migrated_at >= ?",
            (platform, chat_id, since.astimezone(dt.UTC).isoformat()),
        ) as cur:
            return await cur.fetchone() is not None

    # -- feedback -------------------------------------------------------------------------------------

    @serialized
    async def record_vote(self, vote: VoteRecord) -> str | None:
        """Store a person's vote on an answer; return their previous vote (None for a first vote).
        The same vote again changes nothing, not even its time."""
        async with self._db.execute(
            "SELECT vote FROM feedback WHERE report_id = ? AND user_id = ?", (vote.report_id, vote.user_id)
        ) as cur:
            row = await cur.fetchone()
        previous = str(row[0]) if row else None
        if previous != vote.vote:
            await self._db.execute(
                """INSERT INTO feedback (report_id, platform, chat_id, user_id, vote, rumor_id, voted_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, user_id)
                   DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at""",
                (vote.report_id, vote.platform, vote.chat_id, vote.user_id, vote.vote, vote.rumor_id,
                 utcnow().isoformat()),
            )
        return previous

    @serialized
    async def vote_counts(self, report_id: int) -> tuple[int, int]:
        """👍 and 👎 on one answer."""
        async with self._db.execute(
            """SELECT COALESCE(SUM(vote = 'up'), 0), COALESCE(SUM(vote = 'down'), 0)
               FROM feedback WHERE report_id = ?""",
            (report_id,),
        ) as cur:
            row = await cur.fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    @serialized
    async def disputes(self, report_ids: Sequence[int]) -> dict[int, Dispute]:
        """The disputed reports among `report_ids`: 👎 votes cast since the last review, and the entry shown."""
        if not report_ids:
            return {}
        marks = ", ".join("?" * len(report_ids))
        async with self._db.execute(
            f"""SELECT r.id, COUNT(*), MAX(f.rumor_id) FROM reports r
                JOIN feedback f ON f.report_id = r.id AND f.vote = 'down'
                LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE r.id IN ({marks}) AND (v.reviewed_at IS NULL OR f.voted_at > v.reviewed_at)
                GROUP BY r.id""",
            tuple(report_ids),
        ) as cur:
            return {int(row[0]): Dispute(int(row[1]), row[2]) for row in await cur.fetchall()}

    @serialized
    async def report_entry(self, report_id: int) -> str | None:
        """The entry a report is about (linked by an officer, else matched by the bot), or None."""
        async with self._db.execute(
            f"""SELECT {REPORT_ENTRY} FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE r.id = ?""",
            (report_id,),
        ) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row and row[0] else None

    # -- follow-ups -----------------------------------------------------------------------------------

    @serialized
    async def unfollowed_reports(self, platform: str) -> list[tuple[ReportRow, str]]:
        """Questions asked on `platform` that an officer linked to an entry, with that entry, whose
        follow-up was not decided yet; oldest first."""
        async with self._db.execute(
            """SELECT r.*, v.rumor_id AS linked_rumor FROM reports r
               JOIN report_reviews v ON v.report_id = r.id AND v.status = 'linked' AND v.rumor_id IS NOT NULL
               LEFT JOIN follow_ups u ON u.report_id = r.id
               WHERE u.report_id IS NULL AND r.kind = 'asked' AND r.platform = ?
               ORDER BY r.id""",
            (platform,),
        ) as cur:
            rows = await cur.fetchall()
        return [(report, str(extra["linked_rumor"])) for report, extra in
                (_report_and(row, "linked_rumor") for row in rows)]

    @serialized
    async def followed_up(self, platform: str, chat_id: str, rumor_id: str) -> bool:
        """Whether this chat was already sent a follow-up about this entry."""
        async with self._db.execute(
            "SELECT 1 FROM follow_ups WHERE platform = ? AND chat_id = ? AND rumor_id = ? AND outcome = 'sent'",
            (platform, chat_id, rumor_id),
        ) as cur:
            return await cur.fetchone() is not None

    @serialized
    async def record_follow_up(self, report_ids: Sequence[int], platform: str, chat_id: str, rumor_id: str,
                               outcome: str) -> None:
        now = utcnow().isoformat()
        await self._db.executemany(
            """INSERT INTO follow_ups (report_id, platform, chat_id, rumor_id, outcome, decided_at)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING""",
            [(report_id, platform, chat_id, rumor_id, outcome, now) for report_id in report_ids],
        )

    # -- statistics -----------------------------------------------------------------------------------

    @serialized
    async def report_totals(self, since: dt.datetime) -> dict[tuple[str, str], int]:
        """(kind, band) -> reports since `since`."""
        async with self._db.execute(
            "SELECT kind, band, COUNT(*) FROM reports WHERE created_at >= ? GROUP BY kind, band",
            (since.astimezone(dt.UTC).isoformat(),),
        ) as cur:
            return {(str(row[0]), str(row[1])): int(row[2]) for row in await cur.fetchall()}

    @serialized
    async def entry_days(self, since: dt.datetime) -> list[EntryDay]:
        """Per entry, kind and day (Vietnam time): how many reports were about it."""
        async with self._db.execute(
            f"""SELECT {REPORT_ENTRY} AS entry, r.kind, {LOCAL_DAY} AS day, COUNT(*) AS n
                FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE r.created_at >= ? AND entry IS NOT NULL
                GROUP BY entry, r.kind, day ORDER BY day""",
            (since.astimezone(dt.UTC).isoformat(),),
        ) as cur:
            return [EntryDay(str(row["entry"]), str(row["kind"]), dt.date.fromisoformat(row["day"]), int(row["n"]))
                    for row in await cur.fetchall()]

    @serialized
    async def sightings_by_chat(self, since: dt.datetime) -> list[tuple[str, str, str, int]]:
        """(entry, platform, chat id, count) of the rumors seen in watched groups since `since`."""
        async with self._db.execute(
            f"""SELECT {REPORT_ENTRY} AS entry, r.platform, r.chat_id, COUNT(*) AS n
                FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
                WHERE r.created_at >= ? AND r.kind = 'seen' AND entry IS NOT NULL
                GROUP BY entry, r.platform, r.chat_id ORDER BY n DESC""",
            (since.astimezone(dt.UTC).isoformat(),),
        ) as cur:
            return [(str(row[0]), str(row[1]), str(row[2]), int(row[3])) for row in await cur.fetchall()]

    @serialized
    async def feedback_by_entry(self, since: dt.datetime) -> dict[str, tuple[int, int]]:
        """Entry -> (👍, 👎) of the votes cast or changed since `since`."""
        async with self._db.execute(
            """SELECT COALESCE(rumor_id, ''), SUM(vote = 'up'), SUM(vote = 'down') FROM feedback
               WHERE voted_at >= ? GROUP BY rumor_id""",
            (since.astimezone(dt.UTC).isoformat(),),
        ) as cur:
            return {str(row[0]): (int(row[1]), int(row[2])) for row in await cur.fetchall()}

    @serialized
    async def follow_up_outcomes(self, since: dt.datetime) -> dict[str, int]:
        async with self._db.execute(
            "SELECT outcome, COUNT(DISTINCT platform || ':' || chat_id || ':' || rumor_id) FROM follow_ups "
            "WHERE decided_at >= ? GROUP BY outcome",
            (since.astimezone(dt.UTC).isoformat(),),
        ) as cur:
            return {str(row[0]): int(row[1]) for row in await cur.fetchall()}

    @serialized
    async def chat_titles(self) -> dict[tuple[str, str], str]:
        async with self._db.execute("SELECT platform, chat_id, title FROM chat_titles") as cur:
            return {(str(row[0]), str(row[1])): str(row[2]) for row in await cur.fetchall()}

    @serialized
    async def set_chat_title(self, platform: str, chat_id: str, title: str) -> None:
        await self._db.execute(
            """INSERT INTO chat_titles (platform, chat_id, title, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (platform, chat_id)
               DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at""",
            (platform, chat_id, title, utcnow().isoformat()),
        )

    # -- exports and imports ----------------------------------------------------------------------------

    @serialized
    async def report_log(self, since: dt.datetime | None = None) -> list[LoggedReport]:
        """Every report since `since` (all without), oldest first, with its review and its votes."""
        async with self._db.execute(
            """SELECT r.*, v.status AS review_status, v.rumor_id AS review_rumor,
                      (SELECT COUNT(*) FROM feedback f WHERE f.report_id = r.id AND f.vote = 'up') AS votes_up,
                      (SELECT COUNT(*) FROM feedback f WHERE f.report_id = r.id AND f.vote = 'down') AS votes_down
               FROM reports r LEFT JOIN report_reviews v ON v.report_id = r.id
               WHERE r.created_at >= ? ORDER BY r.id""",
            ((since or dt.datetime.min.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat(),),
        ) as cur:
            rows = await cur.fetchall()
        logged = []
        for row in rows:
            report, extra = _report_and(row, "review_status", "review_rumor", "votes_up", "votes_down")
            logged.append(LoggedReport(report, extra["review_status"], extra["review_rumor"],
                                       int(extra["votes_up"]), int(extra["votes_down"])))
        return logged

    @serialized
    async def import_entries(self, entries: Sequence[tuple[str, dict[str, Any], AuditRecord]]) -> None:
        """Store several entries with their audit rows in one transaction: all of them, or none."""
        for entry_id, data, audit in entries:
            await self._upsert_entry(entry_id, data, audit)
