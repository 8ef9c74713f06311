"""/quen (/forget): a person deletes the texts of their own reports, after confirming with a button.

The core (bot/privacy.py) does the forgetting; this module knows where Telegram puts the sender's
id in a stored update, so the durable inbox forgets the raw messages too.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode

from bot.checking import notice
from bot.privacy import Privacy, parse_forget_payload
from handlers.telegram.messages import NO_PREVIEW, PLATFORM, Context, keyboard, send_reply
from handlers.telegram.render import render_html

log = logging.getLogger(__name__)

# Where a stored Telegram update names its sender (the types in ALLOWED_UPDATES).
SENDER_PATHS = ("$.message.from.id", "$.edited_message.from.id", "$.callback_query.from.id",
                "$.my_chat_member.from.id")


class PrivacyHandlers:
    def __init__(self, privacy: Privacy) -> None:
        self.privacy = privacy

    async def forget(self, update: Update, context: Context) -> None:
        """/quen: in private, how many texts would be forgotten, with the buttons to confirm."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        if message.chat.type != ChatType.PRIVATE:
            await send_reply(message, notice(self.privacy.locale, "privacy.forget.private_only"))
            return
        await send_reply(message, await self.privacy.ask_forget(PLATFORM, str(user.id)))

    async def confirm(self, update: Update, context: Context) -> None:
        """A press on /quen's buttons: it forgets the presser's own texts, whoever's chat it is in."""
        query = update.callback_query
        if query is None:
            return
        choice = parse_forget_payload(query.data or "")
        if choice is None:
            await query.answer(self.privacy.locale.t("privacy.forget.stale"), show_alert=True)
            return
        if choice:
            reply, count = await self.privacy.forget(PLATFORM, str(query.from_user.id), SENDER_PATHS)
            log.info("user %s had the texts of %d report(s) forgotten", query.from_user.id, count)
        else:
            reply = self.privacy.kept()
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(render_html(reply)[0], parse_mode=ParseMode.HTML,
                                          link_preview_options=NO_PREVIEW, reply_markup=keyboard(reply))
