"""Telegram callbacks of the officers' feature: their commands, the guided /them, buttons, notifications.

Each callback turns the update into a call of `OfficerDesk` (bot/desk/officers.py) and renders its plain
reply; the desk decides who may do what. The guided /them is a ConversationHandler with one
callback per state.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType as TgChatType
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.catalogue import Verdict
from bot.checking import Answer, CheckRequest, ReportListener, notice, verdict_label
from bot.core import Core
from bot.delivery.outbox import Kind
from bot.desk.forms import parse_form
from bot.desk.officers import OfficerDesk
from bot.desk.payloads import Payload, parse_payload
from bot.desk.rights import Actor
from bot.locale import Locale
from bot.replies import Button, Paragraph, Reply, bold, italic, shorten
from handlers.telegram.messages import NO_PREVIEW, PLATFORM, keyboard, send_reply, send_to_chat, text_of
from handlers.telegram.render import render_html

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
# States of the guided /them.
CLAIM, VERDICT, SUMMARY, SOURCE, CONFIRM = range(5)
DRAFT = "officers.draft"  # key of the draft in context.user_data
OFFICER_BUTTONS = r"^v\d+:of:"
TOAST_LIMIT = 200  # characters answerCallbackQuery shows


def actor_of(update: Update) -> Actor | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return None
    return Actor(PLATFORM, str(user.id), str(chat.id) if chat is not None else None)


def command_text(message: Message) -> str:
    """What follows the command, line breaks kept (the one-shot form is one field per line)."""
    parts = (message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def command_name(message: Message) -> str:
    return (message.text or "").split(maxsplit=1)[0].split("@")[0] if message.text else ""


class Photos(Protocol):
    """What /them needs of the image side (handlers/telegram/images.py): a photo's text, and attaching it."""

    async def photo_claim(self, message: Message, context: Context) -> tuple[str, bytes | None]: ...

    async def attach_data(self, rumor_id: str, data: bytes, actor: Actor) -> str: ...


class OfficerHandlers:
    def __init__(self, core: Core, locale: Locale) -> None:
        assert core.officers is not None, "the officers' feature needs the database"
        self.desk: OfficerDesk = core.officers
        self.core = core
        self.locale = locale
        self.photos: Photos | None = None  # /them under a photo: its text is the claim, the image is attached

    async def attach_photo(self, message: Message, rumor_id: str, data: bytes | None, actor: Actor) -> None:
        """After /them under a photo created the entry: the photo becomes one of its images."""
        if data is None or self.photos is None or self.core.catalogue.get(rumor_id) is None:
            return
        key = await self.photos.attach_data(rumor_id, data, actor)
        await send_reply(message, notice(self.locale, key, id=rumor_id), quote=False)

    # -- commands --------------------------------------------------------------------------------------
    def command(self, action: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        """The callback of one officer command: the text after it goes to the desk, its reply back."""
        use_case = self.desk.use_case(action)

        async def callback(update: Update, context: Context) -> None:
            message, actor = update.effective_message, actor_of(update)
            if message is None or actor is None:
                return
            await send_reply(message, await use_case(actor, command_name(message), command_text(message)))

        return callback

    # -- the guided /them, one callback per state ---------------------------------------------------------
    def draft(self, context: Context) -> dict[str, Any]:
        assert context.user_data is not None
        draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
        return draft

    def end(self, context: Context) -> int:
        if context.user_data is not None:
            context.user_data.pop(DRAFT, None)
        return ConversationHandler.END

    def verdict_question(self, lead: Paragraph | None = None) -> Reply:
        buttons = tuple(
            (Button(verdict_label(v, self.locale), Payload("vd", (v.value,)).encode()),) for v in Verdict
        )
        paragraphs = (lead,) if lead is not None else ()
        return Reply((*paragraphs, Paragraph.of(self.locale.t("officers.guide.verdict"))), buttons)

    async def add(self, update: Update, context: Context) -> int:
        """/them: a one-shot form in the same message, or the start of the guided conversation."""
        message, actor = update.effective_message, actor_of(update)
        if message is None or actor is None:
            return self.end(context)
        form = command_text(message)
        replied = message.reply_to_message
        claim = text_of(replied) if replied is not None else ""
        refusal = await self.desk.guard(actor, command_name(message), form or claim or "photo")
        if refusal is not None:
            await send_reply(message, refusal)
            return self.end(context)
        photo: bytes | None = None
        if replied is not None and self.photos is not None:
            read, photo = await self.photos.photo_claim(replied, context)
            claim = claim or read
        if form:
            await send_reply(message, await self.desk.add_from_form(actor, command_name(message), form, claim or None))
            await self.attach_photo(message, parse_form(form).fields.get("id", ""), photo, actor)
            return self.end(context)
        if message.chat.type != TgChatType.PRIVATE:
            await send_reply(message, notice(self.locale, "officers.guide.private_only"))
            return self.end(context)
        self.end(context)
        if claim:  # /them in answer to a forwarded rumor: the claim is known
            self.draft(context)["claim"] = claim
            if photo is not None:
                self.draft(context)["photo"] = photo  # not text: kept out of the entry's fields
            await send_reply(message, self.verdict_question())
            return VERDICT
        await send_reply(message, notice(self.locale, "officers.guide.claim"), quote=False)
        return CLAIM

    async def from_report(self, update: Update, context: Context) -> int:
        """➕ on a report: the guided conversation, in private, with the report's text as the claim."""
        query, actor = update.callback_query, actor_of(update)
        if query is None or actor is None:
            return self.end(context)
        payload = parse_payload(query.data or "")
        if not isinstance(payload, Payload) or payload.action != "nw":
            await query.answer(self.locale.t("officers.press.invalid"))
            return self.end(context)
        report_id = int(payload.args[0])
        claim, problem = await self.desk.report_claim(actor, report_id)
        if claim is None:
            await query.answer(problem[:TOAST_LIMIT], show_alert=True)
            return self.end(context)
        lead = Paragraph.of(bold(self.locale.t("officers.guide.from_report", id=report_id)), "\n",
                            italic(f"«{shorten(claim, 1500)}»"))
        try:
            await send_to_chat(context.bot, int(actor.user_id), self.verdict_question(lead))
        except TelegramError:
            await query.answer(self.locale.t("officers.guide.open_private"), show_alert=True)
            return self.end(context)
        private = query.message is not None and query.message.chat.type == TgChatType.PRIVATE
        await query.answer(None if private else self.locale.t("officers.guide.sent_private"))
        self.end(context)
        self.draft(context).update(claim=claim, report_id=report_id)
        return VERDICT

    async def claim(self, update: Update, context: Context) -> int:
        message = update.effective_message
        if message is None:
            return CLAIM
        self.draft(context)["claim"] = text_of(message)
        await send_reply(message, self.verdict_question())
        return VERDICT

    async def verdict(self, update: Update, context: Context) -> int:
        query = update.callback_query
        if query is None:
            return VERDICT
        payload = parse_payload(query.data or "")
        if not isinstance(payload, Payload):
            await query.answer(self.locale.t("officers.press.invalid"))
            return VERDICT
        verdict = Verdict(payload.args[0])
        self.draft(context)["verdict"] = verdict.value
        await query.answer(verdict_label(verdict, self.locale))
        await self.replace(query, Reply((
            Paragraph.of(self.locale.t("officers.guide.verdict"), " ", bold(verdict_label(verdict, self.locale))),
        )))
        await self.answer(query, notice(self.locale, "officers.guide.summary"))
        return SUMMARY

    async def verdict_typed(self, update: Update, context: Context) -> int:
        """Text where a verdict button is expected: ask again, with the buttons."""
        if update.effective_message is not None:
            await send_reply(update.effective_message, self.verdict_question())
        return VERDICT

    async def summary(self, update: Update, context: Context) -> int:
        message = update.effective_message
        if message is None:
            return SUMMARY
        self.draft(context)["summary"] = text_of(message)
        await send_reply(message, notice(self.locale, "officers.guide.source"), quote=False)
        return SOURCE

    async def source(self, update: Update, context: Context) -> int:
        message = update.effective_message
        if message is None:
            return SOURCE
        lines = [line.strip() for line in text_of(message).splitlines() if line.strip()]
        draft = self.draft(context)
        draft["source"] = lines[0] if lines else ""
        draft["publisher"] = " ".join(lines[1:])
        rumor, problems = self.desk.draft(self.fields(draft))
        if rumor is None:
            await send_reply(message, self.desk.problems_reply(problems))
            await send_reply(message, notice(self.locale, "officers.guide.source"), quote=False)
            return SOURCE
        preview = self.desk.entry_reply(rumor, self.locale.t("officers.guide.preview"))
        buttons = ((Button(self.locale.t("officers.button.save"), Payload("ok").encode()),
                    Button(self.locale.t("officers.button.cancel"), Payload("no").encode())),)
        await send_reply(message, Reply(preview.paragraphs, buttons))
        return CONFIRM

    async def confirm(self, update: Update, context: Context) -> int:
        query, actor = update.callback_query, actor_of(update)
        if query is None or actor is None:
            return CONFIRM
        payload = parse_payload(query.data or "")
        await query.answer()
        await self.remove_buttons(query)
        if not isinstance(payload, Payload) or payload.action != "ok":
            await self.answer(query, notice(self.locale, "officers.guide.cancelled"))
            return self.end(context)
        draft = self.draft(context)
        report_id = draft.get("report_id")
        drafted, _ = self.desk.draft(self.fields(draft))
        reply = await self.desk.create(actor, self.fields(draft), report_id if isinstance(report_id, int) else None)
        await self.answer(query, reply)
        photo = draft.get("photo")
        if drafted is not None and isinstance(photo, bytes) and query.message is not None \
                and isinstance(query.message, Message):
            await self.attach_photo(query.message, drafted.id, photo, actor)
        return self.end(context)

    async def cancel(self, update: Update, context: Context) -> int:
        if update.effective_message is not None:
            await send_reply(update.effective_message, notice(self.locale, "officers.guide.cancelled"))
        return self.end(context)

    @staticmethod
    def fields(draft: dict[str, Any]) -> dict[str, str]:
        return {k: v for k, v in draft.items() if isinstance(v, str)}

    def conversation(self) -> ConversationHandler[Any]:
        private_text = filters.ChatType.PRIVATE & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
        verdict_buttons: BaseHandler[Update, Any, object] = CallbackQueryHandler(self.verdict, pattern=r"^v1:of:vd:")
        confirm_buttons: BaseHandler[Update, Any, object] = CallbackQueryHandler(self.confirm,
                                                                                  pattern=r"^v1:of:(ok|no)$")
        with warnings.catch_warnings():
            # PTB warns that with per_message=False a callback query is tracked per user, not per
            # message: that is what we want — one draft per officer, whichever message holds the buttons.
            warnings.filterwarnings("ignore", category=PTBUserWarning)
            return ConversationHandler(
                entry_points=[
                    CommandHandler(["them", "add"], self.add),
                    CallbackQueryHandler(self.from_report, pattern=r"^v1:of:nw:"),
                ],
                states={
                    CLAIM: [MessageHandler(private_text, self.claim)],
                    VERDICT: [verdict_buttons, MessageHandler(private_text, self.verdict_typed)],
                    SUMMARY: [MessageHandler(private_text, self.summary)],
                    SOURCE: [MessageHandler(private_text, self.source)],
                    CONFIRM: [confirm_buttons],
                },
                fallbacks=[CommandHandler(["huy", "cancel"], self.cancel)],
                # Keyed by user alone: ➕ is pressed in the officers' group, the steps happen in private.
                per_chat=False,
                allow_reentry=True,
                name="officers_add",
            )

    # -- buttons outside the conversation -------------------------------------------------------------
    async def press(self, update: Update, context: Context) -> None:
        query, actor = update.callback_query, actor_of(update)
        if query is None or actor is None:
            return
        press = await self.desk.press(actor, query.data or "")
        await query.answer(press.toast[:TOAST_LIMIT] or None, show_alert=press.reply is None and bool(press.toast))
        if press.reply is None:
            return
        if press.replace:
            await self.replace(query, press.reply)
        else:
            await self.answer(query, press.reply)

    async def replace(self, query: CallbackQuery, reply: Reply) -> None:
        """Show `reply` in place of the message whose button was pressed."""
        message = query.message
        if not isinstance(message, Message):
            await self.answer(query, reply)
            return
        chunks = render_html(reply)
        if len(chunks) > 1:  # too long to stand in one message: sent anew instead
            await self.answer(query, reply)
            return
        await message.edit_text(chunks[0], parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                                reply_markup=keyboard(reply))

    async def remove_buttons(self, query: CallbackQuery) -> None:
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)

    async def answer(self, query: CallbackQuery, reply: Reply) -> None:
        """Send `reply` in the chat of the pressed button (the presser's private chat if unknown)."""
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        await send_to_chat(query.get_bot(), chat_id, reply)

    # -- notifications ---------------------------------------------------------------------------------
    def notifier(self, application: Application[Any, Any, Any, Any, Any, Any]) -> ReportListener:
        """The checker's listener: a new pending report goes to the officers' chat."""
        async def notify(request: CheckRequest, answer: Answer) -> None:
            reply = await self.desk.notification_for(request, answer)
            chat = self.core.config.officers_chat
            if reply is None or chat is None:
                return
            # owed with the person's answer, in the same transaction as the update's end
            await send_to_chat(application.bot, chat, reply, kind=Kind.NOTIFICATION)

        return notify
