"""Groups: the watch mode admins chose, the warnings sent (for the cooldown), migrations, titles."""

from __future__ import annotations

import datetime as dt

from bot.store.connection import Store, operation
from bot.store.values import utc_text, utcnow


class GroupSettingsStore(Store):
    @operation
    async def mode(self, platform: str, chat_id: str) -> str | None:
        """The mode an admin chose for the group (a watch mode's value), None when none did."""
        mode = await self.db.fetch_value(
            "SELECT mode FROM group_settings WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        )
        return str(mode) if mode else None

    @operation
    async def set_mode(self, platform: str, chat_id: str, mode: str, changed_by: str | None) -> None:
        await self.db.execute(
            """INSERT INTO group_settings (platform, chat_id, mode, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (platform, chat_id) DO UPDATE
               SET mode = excluded.mode, changed_at = excluded.changed_at, changed_by = excluded.changed_by""",
            (platform, chat_id, str(mode), utcnow().isoformat(), changed_by),
        )

    @operation
    async def last_warning(self, platform: str, chat_id: str, rumor_id: str) -> dt.datetime | None:
        last = await self.db.fetch_value(
            "SELECT MAX(warned_at) FROM group_warnings WHERE platform = ? AND chat_id = ? AND rumor_id = ?",
            (platform, chat_id, rumor_id),
        )
        return dt.datetime.fromisoformat(last) if last else None

    @operation
    async def record_warning(self, platform: str, chat_id: str, rumor_id: str, message_id: str | None,
                             at: dt.datetime) -> None:
        await self.db.execute(
            "INSERT INTO group_warnings (platform, chat_id, rumor_id, message_id, warned_at) VALUES (?, ?, ?, ?, ?)",
            (platform, chat_id, rumor_id, message_id, utc_text(at)),
        )

    @operation
    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str, at: dt.datetime) -> None:
        """A group became a supergroup with a new id: its settings and warnings follow it.

        Telegram announces it twice (in the old chat and in the new one); the second call changes
        nothing. Settings already chosen in the new chat win over the old ones. The report log
        keeps the id each report was made under.
        """
        await self.db.execute(
            """UPDATE group_settings SET chat_id = ? WHERE platform = ? AND chat_id = ?
               AND NOT EXISTS (SELECT 1 FROM group_settings WHERE platform = ? AND chat_id = ?)""",
            (new_chat_id, platform, old_chat_id, platform, new_chat_id),
        )
        await self.db.execute("DELETE FROM group_settings WHERE platform = ? AND chat_id = ?",
                              (platform, old_chat_id))
        await self.db.execute("UPDATE group_warnings SET chat_id = ? WHERE platform = ? AND chat_id = ?",
                              (new_chat_id, platform, old_chat_id))
        await self.db.execute(
            """INSERT INTO chat_migrations (platform, old_chat_id, new_chat_id, migrated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (platform, old_chat_id) DO NOTHING""",
            (platform, old_chat_id, new_chat_id, utc_text(at)),
        )

    @operation
    async def migrated_into_since(self, platform: str, chat_id: str, since: dt.datetime) -> bool:
        return await self.db.fetch_value(
            "SELECT 1 FROM chat_migrations WHERE platform = ? AND new_chat_id = ? AND migrated_at >= ?",
            (platform, chat_id, utc_text(since)),
        ) is not None

    @operation
    async def titles(self) -> dict[tuple[str, str], str]:
        rows = await self.db.fetch_all("SELECT platform, chat_id, title FROM chat_titles")
        return {(str(row[0]), str(row[1])): str(row[2]) for row in rows}

    @operation
    async def set_title(self, platform: str, chat_id: str, title: str) -> None:
        await self.db.execute(
            """INSERT INTO chat_titles (platform, chat_id, title, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (platform, chat_id)
               DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at""",
            (platform, chat_id, title, utcnow().isoformat()),
        )
