"""The officers' desk, whatever the platform: its parts composed, and the text commands that reach them.

- rights.py: who may do what; every refusal in the audit;
- entries.py: the catalogue officers edit in the chat;
- grouping.py: pending reports grouped by question;
- queue.py: the review queue, its cards and buttons (payloads.py: what a button carries);
- logins.py: /web's one-time links and the web desk's sessions.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.catalogue import Catalogue
from bot.config import Config
from bot.desk.entries import EntryDesk
from bot.desk.grouping import PendingReports
from bot.desk.logins import WebLogins
from bot.desk.queue import ReviewQueue
from bot.desk.rights import Actor, Rights
from bot.locale import get_locale
from bot.matching.matcher import Matcher
from bot.replies import Reply
from bot.store.storage import Storage

# Officers' text commands, Vietnamese and English, and the use case each runs. Telegram adds
# buttons and the guided /them on top; a platform without buttons (Zalo) has only these.
COMMAND_ACTIONS = {
    "them": "add", "add": "add", "sua": "edit", "edit": "edit", "xoa": "retire", "retire": "retire",
    "khoiphuc": "restore", "restore": "restore", "xem": "show", "show": "show", "tim": "find", "find": "find",
    "lichsu": "history", "history": "history", "baocao": "queue", "reports": "queue", "gan": "link",
    "link": "link", "boqua": "dismiss", "dismiss": "dismiss", "capquyen": "grant", "grant": "grant",
    "thuhoi": "revoke", "revoke": "revoke", "web": "web", "trang": "web",
}


COMMAND = re.compile(r"^/(\w+)(?:@\w+)?")


class OfficerDesk:
    """Everything officers do: the parts share one storage, one locale and the live catalogue."""

    def __init__(self, config: Config, shipped: Catalogue, catalogue: Catalogue, storage: Storage,
                 matcher: Matcher, publish: Callable[[Catalogue], None]) -> None:
        locale = get_locale(config.language)
        self.config = config
        self.rights = Rights(config, storage, locale)
        self.pending = PendingReports(storage)
        self.entries = EntryDesk(shipped, catalogue, storage, publish, self.rights, self.pending, locale)
        self.reviews = ReviewQueue(config, storage, matcher, self.rights, self.pending, self.entries, locale)
        self.logins = WebLogins(config, storage, self.rights, locale)
        self.link_listeners = self.entries.link_listeners
        # What the adapters and the other desks call, each where it is done.
        self.guard = self.rights.guard
        self.set_right = self.rights.set_right
        self.draft = self.entries.draft
        self.add_from_form = self.entries.add_from_form
        self.create = self.entries.create
        self.edit = self.entries.edit
        self.set_status = self.entries.set_status
        self.entry_reply = self.entries.entry_reply
        self.problems_reply = self.entries.problems_reply
        self.pending_groups = self.pending.groups
        self.pending_group = self.pending.group_of
        self.report_card = self.reviews.report_card
        self.notification_for = self.reviews.notification_for
        self.link = self.reviews.link
        self.press = self.reviews.press
        self.report_claim = self.reviews.report_claim

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue every check uses: the shipped one with the officers' entries over it."""
        return self.entries.catalogue

    async def run_command(self, actor: Actor, text: str) -> Reply | None:
        """A typed officers' command ("/baocao 2", "/gan 12 vneid-link") run without buttons, or None
        when `text` is not one."""
        command = COMMAND.match(text.strip())
        action = COMMAND_ACTIONS.get(command.group(1).lower()) if command else None
        if command is None or action is None:
            return None
        rest = text.strip()[command.end():].strip()
        return await self.use_case(action, buttons=False)(actor, f"/{command.group(1).lower()}", rest)

    def use_case(self, action: str, *, buttons: bool = True) -> Callable[[Actor, str, str], Awaitable[Reply]]:
        """The use case behind a text command: (actor, command as typed, text after it) -> reply."""
        entries, reviews = self.entries, self.reviews
        cases: dict[str, Callable[[Actor, str, str], Awaitable[Reply]]] = {
            "add": entries.add_from_form,
            "edit": entries.edit,
            "retire": lambda a, n, t: entries.set_status(a, n, t, retire=True),
            "restore": lambda a, n, t: entries.set_status(a, n, t, retire=False),
            "show": entries.show,
            "find": entries.find,
            "history": entries.history,
            "link": reviews.link_command,
            "dismiss": reviews.dismiss_command,
            "queue": lambda a, n, t: reviews.queue(a, n, int(t) if t.strip().isdigit() else 1, buttons=buttons),
            "grant": lambda a, n, t: self.rights.set_right(a, n, t, granted=True),
            "revoke": lambda a, n, t: self.rights.set_right(a, n, t, granted=False),
            "web": self.logins.issue,
        }
        return cases[action]
