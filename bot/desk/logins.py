"""Officers open the web desk without a password: /web (/trang) in a private chat with the bot gives a
one-time link valid LINK_MINUTES, and opening it starts a browser session of SESSION_HOURS.

Links and sessions are random tokens kept only as SHA-256 hashes. Every use of a session checks the
officer's current rights, so an officer whose rights are revoked loses the desk at the next click.
Refusals are audited like the chat desk's: a member's /web, an expired or reused link, a revoked
officer's session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.checking import notice
from bot.config import Config
from bot.desk.rights import Actor, Rights, Role
from bot.groups.limiter import Admission, CheckLimiter
from bot.locale import Locale
from bot.replies import Paragraph, Reply, bold, italic, link
from bot.store.audit import AuditRecord
from bot.store.sessions import Redeemed
from bot.store.storage import Storage
from bot.store.values import utcnow

log = logging.getLogger(__name__)

LINK_MINUTES = 10
SESSION_HOURS = 8  # a working day; then a new /web
# Links one officer may ask for in an hour: a forgotten tab or two, not a stream of live links.
LINKS_PER_HOUR = 5
WEB_CHAT = "web"  # where an action was done, in the audit, for everything done at the web desk
TOKEN_BYTES = 32  # 256 bits of randomness: no guessing a link or a cookie
ANONYMOUS = "anonymous"  # the user of a refused POST that came without a session
ANONYMOUS_REFUSALS_PER_MINUTE = 30


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    """A live session: who, in what role, the CSRF token its forms carry, and when it ends."""

    actor: Actor
    role: Role
    csrf: str
    expires_at: dt.datetime


class WebLogins:
    def __init__(self, config: Config, storage: Storage, rights: Rights, locale: Locale,
                 now: Callable[[], dt.datetime] = utcnow) -> None:
        self.config = config
        self.storage = storage
        self.rights = rights
        self.locale = locale
        self.now = now
        self.anonymous = CheckLimiter(ANONYMOUS_REFUSALS_PER_MINUTE)

    async def issue(self, actor: Actor, command: str, text: str = "") -> Reply:
        """/web: a one-time login link for an officer, in a private chat only (a link in a group would
        open the desk to everyone in it)."""
        refusal = await self.rights.guard(actor, command, text)
        if refusal is not None:
            return refusal
        public_url = self.config.web.public_url
        if not public_url:
            return notice(self.locale, "web.off")
        if actor.chat_id not in (None, actor.user_id):
            return notice(self.locale, "web.private_only", command=command)
        now = self.now()
        if await self.storage.web.logins_since(actor.platform, actor.user_id, now - dt.timedelta(hours=1)) \
                >= LINKS_PER_HOUR:
            return notice(self.locale, "web.too_many")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        await self.storage.web.add_login(digest(token), actor.platform, actor.user_id, now,
                                         now + dt.timedelta(minutes=LINK_MINUTES))
        url = f"{public_url}/login/{token}"
        t = self.locale.t
        return Reply((Paragraph.of(bold(t("web.link.title"))), Paragraph.of(link(url, url)),
                      Paragraph.of(italic(t("web.link.note", minutes=LINK_MINUTES, hours=SESSION_HOURS)))))

    async def check_link(self, token: str) -> str:
        """Whether a login link would open now, without using it: "" when it would, else the locale key of
        why not (the confirmation page opens no session, so a link preview cannot use up the link)."""
        state = await self.storage.web.link_state(digest(token), self.now())
        return "" if state is Redeemed.OK else f"web.login.{state.value}"

    async def open_session(self, token: str) -> tuple[str | None, str]:
        """Use a login link: the new session's token (for the cookie), or None and the locale key of why
        not. An expired or reused link is audited against its officer."""
        token_hash = digest(token)
        owner = await self.storage.web.login_owner(token_hash)
        if owner is None:  # nobody to audit against: a mistyped or made-up link
            log.info("web: an unknown login link was opened")
            return None, "web.login.unknown"
        actor = Actor(owner[0], owner[1], WEB_CHAT)
        refusal = await self.rights.guard(actor, "web login")  # revoked between the link and its use
        if refusal is not None:
            return None, "web.login.refused"
        now = self.now()
        session = secrets.token_urlsafe(TOKEN_BYTES)
        outcome = await self.storage.web.redeem(
            token_hash, digest(session), now, now + dt.timedelta(hours=SESSION_HOURS),
            AuditRecord(actor.platform, actor.user_id, "web_login", chat_id=WEB_CHAT, target="web"))
        if outcome is Redeemed.OK:
            log.info("web: session opened for %s", actor.label)
            return session, ""
        await self.storage.audit.record_refusal(actor.platform, WEB_CHAT, actor.user_id, f"web login ({outcome.value})")
        return None, f"web.login.{outcome.value}"

    async def session(self, token: str) -> WebSession | None:
        """The live session of a cookie, with the officer's rights as they are now; a session whose
        officer lost the rights ends here, audited."""
        if not token:
            return None
        token_hash = digest(token)
        now = self.now()
        owner = await self.storage.web.session(token_hash, now)
        if owner is None:
            return None
        actor = Actor(owner.platform, owner.user_id, WEB_CHAT)
        role = await self.rights.role_of(actor)
        if role is Role.MEMBER:
            await self.storage.web.end(token_hash, now, AuditRecord(
                actor.platform, actor.user_id, "refused", chat_id=WEB_CHAT, target="web session (rights revoked)"))
            log.info("web: ended the session of %s, whose rights were revoked", actor.label)
            return None
        return WebSession(actor, role, csrf_token(token), owner.expires_at)

    async def refuse(self, session: WebSession | None, target: str) -> None:
        """A POST refused before it reached a use case (no session, no or a wrong CSRF token): audited
        against the session's officer, or as `web:anonymous` without one — at most
        ANONYMOUS_REFUSALS_PER_MINUTE of those, so nobody can fill the audit from outside."""
        if session is not None:
            await self.storage.audit.record_refusal(session.actor.platform, WEB_CHAT, session.actor.user_id, target)
        elif self.anonymous.admit("anonymous", time.monotonic()) is Admission.ALLOW:
            await self.storage.audit.record_refusal(WEB_CHAT, WEB_CHAT, ANONYMOUS, target)
        else:
            log.info("web: refused %s without a session (not audited: too many)", target)

    async def close(self, token: str) -> None:
        """Log out: the session ends at once (the cookie is worth nothing after)."""
        session = await self.session(token)
        if session is None:
            return
        actor = session.actor
        await self.storage.web.end(digest(token), self.now(), AuditRecord(
            actor.platform, actor.user_id, "web_logout", chat_id=WEB_CHAT, target="web"))


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session's forms: derived from the cookie's secret, which a page of another
    site can neither read nor send with a form (SameSite=Strict), so it needs no storage of its own."""
    return hmac.new(session_token.encode(), b"kiemchung web desk csrf", hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(session_token), given)
