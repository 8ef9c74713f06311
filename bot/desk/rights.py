"""Who may do what at the officers' desk: owners and officers from the configuration, rights granted in
the chat, and every refusal in the audit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.checking import notice
from bot.config import Config
from bot.locale import Locale
from bot.replies import Reply, shorten
from bot.store.audit import AuditRecord
from bot.store.storage import Storage

log = logging.getLogger(__name__)

# Config lists Telegram user ids; rights granted in the chat are stored per platform.
CONFIG_PLATFORM = "telegram"
# The person at the server's shell (`kiemchung import`, `kiemchung console --officer`): an owner, since
# whoever can run kiemchung there can open the database file anyway.
LOCAL_PLATFORM = "cli"


class Role(StrEnum):
    OWNER = "owner"
    OFFICER = "officer"
    MEMBER = "member"


@dataclass(frozen=True)
class Actor:
    """Who asks: the platform's user and chat ids."""

    platform: str
    user_id: str
    chat_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.user_id}"


class Rights:
    """Roles and the guard every officer's use case passes first."""

    def __init__(self, config: Config, storage: Storage, locale: Locale) -> None:
        self.config = config
        self.storage = storage
        self.locale = locale

    async def role_of(self, actor: Actor) -> Role:
        if actor.platform == LOCAL_PLATFORM:
            return Role.OWNER
        from_config = actor.platform == CONFIG_PLATFORM and actor.user_id.lstrip("-").isdigit()
        if from_config and int(actor.user_id) in self.config.owners:
            return Role.OWNER
        rights = await self.storage.rights.all(actor.platform)
        if actor.user_id in rights:
            return Role.OFFICER if rights[actor.user_id] else Role.MEMBER
        if from_config and int(actor.user_id) in self.config.officers:
            return Role.OFFICER
        if actor.platform == "zalo" and actor.user_id in self.config.zalo.officers:
            return Role.OFFICER
        return Role.MEMBER

    async def guard(self, actor: Actor, command: str, text: str = "", *, owners_only: bool = False) -> Reply | None:
        """None when `actor` may run `command`; else the refusal, with the attempt in the audit."""
        role = await self.role_of(actor)
        if role is Role.OWNER or (role is Role.OFFICER and not owners_only):
            return None
        await self.storage.audit.record(AuditRecord(
            actor.platform, actor.user_id, "refused", chat_id=actor.chat_id, target=command,
            after={"text": shorten(text, 300)} if text else None,
        ))
        log.info("refused %s to %s", command, actor.label)
        return notice(self.locale, "officers.refused.owner" if owners_only else "officers.refused")

    async def set_right(self, actor: Actor, command: str, target: str, granted: bool) -> Reply:
        """/capquyen and /thuhoi: an owner grants or revokes officer rights."""
        refusal = await self.guard(actor, command, target, owners_only=True)
        if refusal is not None:
            return refusal
        target = target.strip()
        if not target.lstrip("-").isdigit():
            return notice(self.locale, "officers.rights.usage", command=command)
        subject = Actor(actor.platform, target)
        before = await self.role_of(subject)
        if before is Role.OWNER:
            return notice(self.locale, "officers.rights.owner", user=target)
        await self.storage.rights.set(target, granted, AuditRecord(
            actor.platform, actor.user_id, "grant" if granted else "revoke", chat_id=actor.chat_id,
            target=target, before={"officer": before is Role.OFFICER}, after={"officer": granted},
        ))
        return notice(self.locale, "officers.rights.granted" if granted else "officers.rights.revoked", user=target)
