"""Images officers attached to entries: hashes and text, read back at start-up into the image index."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.audit import AuditRecord, insert_audit
from bot.store.connection import Store, operation
from bot.store.values import utcnow


@dataclass(frozen=True)
class StoredImage:
    rumor_id: str
    hashes: str
    text: str


class ImageStore(Store):
    @operation
    async def add(self, image: StoredImage, platform: str, chat_id: str | None, added_by: str) -> bool:
        """Attach an image to an entry (audited); False when the entry already has this image."""
        known = await self.db.fetch_value(
            "SELECT 1 FROM entry_images WHERE rumor_id = ? AND hashes = ?", (image.rumor_id, image.hashes))
        if known:
            return False
        await self.db.execute(
            """INSERT INTO entry_images (rumor_id, hashes, text, platform, chat_id, added_by, added_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (image.rumor_id, image.hashes, image.text, platform, chat_id, added_by, utcnow().isoformat()))
        await insert_audit(self.db, AuditRecord(platform, added_by, "attach_image", chat_id, image.rumor_id,
                                                after={"hashes": image.hashes}))
        return True

    @operation
    async def all(self) -> list[StoredImage]:
        rows = await self.db.fetch_all("SELECT rumor_id, hashes, text FROM entry_images ORDER BY id")
        return [StoredImage(str(r[0]), str(r[1]), str(r[2])) for r in rows]
