"""The flood gate: in a private chat, a person's messages are answered up to a limit a minute.

Runs before every other handler (group -1 in `register_handlers`). Past the limit the person gets
one polite notice, then silence until the minute has passed; the messages in between are neither
checked nor logged (a flood's copies are not evidence, and checking them would cost every other
user time). Button presses are not limited: each needs its answer, and they change nothing a
person is not allowed to change. Groups have their own limit on questions (bot/groups/limiter.py).
"""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.checking import notice
from bot.groups.limiter import Admission, CheckLimiter
from bot.locale import Locale
from handlers.telegram.messages import PLATFORM, Context, send_reply

log = logging.getLogger(__name__)


class PrivateFloodGate:
    def __init__(self, per_minute: int, locale: Locale) -> None:
        self.limiter = CheckLimiter(per_minute)
        self.locale = locale

    async def check(self, update: Update, context: Context) -> None:
        message, chat = update.effective_message, update.effective_chat
        if update.callback_query is not None or message is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        who = update.effective_user.id if update.effective_user else chat.id
        admission = self.limiter.admit(f"{PLATFORM}:{who}", time.monotonic())
        if admission is Admission.ALLOW:
            return
        if admission is Admission.NOTICE:
            log.info("private chat %s: over %d messages a minute; silent until the minute has passed",
                     who, self.limiter.per_window)
            await send_reply(message, notice(self.locale, "abuse.flood"))
        raise ApplicationHandlerStop
