"""The schema, as versioned migrations, and the step that brings a database up to date."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.connection import Engine

# Each migration runs once, in order, in one transaction; the database records the last one's number
# (SQLite: PRAGMA user_version; PostgreSQL: the schema_version table). They are written in SQLite's
# DDL; PostgreSQL reads them through its dialect's `schema` (the id columns, WITHOUT ROWID, REAL).
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
    # 8: a message that is not a claim (a greeting, a bare "có thật không?") is logged with the reason
    # and kept out of the review queue; reports logged before stay claims
    """
    ALTER TABLE reports ADD COLUMN not_a_claim TEXT;  -- greeting | thanks | chatter | bare_question |
                                                      -- command | no_claim; NULL for a claim
    """,
    # 9: images officers attached to entries in the chat: their perceptual hashes and the text read in them
    """
    CREATE TABLE entry_images (
        id           INTEGER PRIMARY KEY,
        rumor_id     TEXT NOT NULL,
        hashes       TEXT NOT NULL,            -- pHash:dHash, 16 hex digits each (bot/images/hashes.py)
        text         TEXT NOT NULL,            -- what OCR read in it, for the text agreement of a re-post
        platform     TEXT NOT NULL,
        chat_id      TEXT,
        added_by     TEXT NOT NULL,
        added_at     TEXT NOT NULL,
        UNIQUE (rumor_id, hashes)
    );
    """,
    # 10: the outbox — every message the bot owes someone, written with the decision that owes it and
    # sent by the platform's sender (bot/delivery); a chat's messages leave in id order
    """
    CREATE TABLE outbox (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        platform     TEXT NOT NULL,
        chat_id      TEXT NOT NULL,
        kind         TEXT NOT NULL,            -- answer | warning | notification | follow_up | digest | notice
        payload      TEXT NOT NULL,            -- JSON: the message as the platform's sender sends it
        ref          TEXT,                     -- JSON: what its delivery settles (a follow-up's reports)
        owed_at      TEXT NOT NULL,
        not_before   TEXT NOT NULL,            -- no attempt before: Telegram's retry_after, the back-off
        attempts     INTEGER NOT NULL DEFAULT 0,
        status       TEXT NOT NULL DEFAULT 'pending',  -- pending | sending | sent | refused | dead
        claimed_until TEXT,                    -- while sending: a claim older than this was a crashed sender's
        last_error   TEXT,
        done_at      TEXT
    );
    CREATE INDEX outbox_open ON outbox (platform, chat_id, id) WHERE status IN ('pending', 'sending');
    CREATE INDEX outbox_done ON outbox (status, done_at);
    """,
    # 11: the officers' web desk — one-time login links and browser sessions, both kept as hashes only
    """
    CREATE TABLE web_logins (
        token_hash   TEXT PRIMARY KEY,         -- SHA-256 of the one-time token sent in the chat
        platform     TEXT NOT NULL,            -- the officer's platform and user id
        user_id      TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        expires_at   TEXT NOT NULL,
        used_at      TEXT                      -- NULL until the link is opened (it works once)
    ) WITHOUT ROWID;
    CREATE INDEX web_logins_user ON web_logins (platform, user_id, created_at);
    CREATE TABLE web_sessions (
        session_hash TEXT PRIMARY KEY,         -- SHA-256 of the session cookie's value
        platform     TEXT NOT NULL,
        user_id      TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        expires_at   TEXT NOT NULL,
        ended_at     TEXT                      -- logout, or the officer's rights revoked
    ) WITHOUT ROWID;
    CREATE INDEX web_sessions_user ON web_sessions (platform, user_id);
    """,
    # 12: several processes on one database (PostgreSQL): the inbox as a shared queue claimed by chat,
    # and the catalogue's version (an officer's edit in one process is matched by the others)
    """
    ALTER TABLE inbox ADD COLUMN chat_key TEXT;       -- the chat of the update: handled one at a time, in order
    ALTER TABLE inbox ADD COLUMN claimed_until TEXT;  -- while a process handles it; past this, a dead one's
    UPDATE inbox SET chat_key = 'update:' || update_id WHERE chat_key IS NULL;
    CREATE INDEX inbox_chat ON inbox (platform, chat_key, seq) WHERE done_at IS NULL;
    CREATE TABLE catalogue_version (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        version      INTEGER NOT NULL          -- raised by every write to entries
    );
    INSERT INTO catalogue_version (id, version) VALUES (1, 0);
    """,
    # 13: several processes, continued: a job of a period (the weekly digest, the daily purge) run by one
    # of them, and Telegram's rates counted for all of them (bot/store/coordination.py)
    """
    CREATE TABLE job_runs (
        name         TEXT NOT NULL,            -- digest | purge
        period       TEXT NOT NULL,            -- 2026-W49, 2026-12-02: the run it is
        process      TEXT NOT NULL,            -- host:pid of the process that took it
        started_at   TEXT NOT NULL,
        PRIMARY KEY (name, period)
    );
    CREATE TABLE send_windows (
        platform     TEXT NOT NULL,
        scope        TEXT NOT NULL,            -- bot (every send) | chat:<id> (a group's)
        window_start INTEGER NOT NULL,         -- epoch seconds at which the window began
        sends        INTEGER NOT NULL,
        PRIMARY KEY (platform, scope, window_start)
    );
    """,
)


async def migrate(db: Engine) -> int:
    """Apply the migrations this database lacks; return the schema version it now has."""
    version = await db.schema_version()
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"{db.path} has schema version {version}, newer than this program knows "
            f"({len(MIGRATIONS)}); upgrade kiemchung"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        await db.apply_migration(number, db.dialect.schema(script))
    return len(MIGRATIONS)
