"""The Telegram adapter: a python-telegram-bot Application over the core.

Every handler is registered in `register_handlers`, in the order it matters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import replace
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType as TgChatType
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.checking import ChatType, CheckRequest, ForwardOrigin, notice
from bot.core import Core
from bot.guide import help_reply, welcome_reply
from bot.locale import Locale, get_locale
from bot.replies import Reply
from handlers.telegram_polling import DurablePoller
from handlers.telegram_render import render_html

log = logging.getLogger(__name__)

PLATFORM = "telegram"
Context = ContextTypes.DEFAULT_TYPE
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Anything a person can send that carries no text we can read.
MEDIA = (
    filters.PHOTO | filters.VIDEO | filters.Document.ALL | filters.AUDIO | filters.VOICE
    | filters.VIDEO_NOTE | filters.Sticker.ALL | filters.ANIMATION
)


def chat_type_of(message: Message) -> ChatType:
    if message.chat.type == TgChatType.PRIVATE:
        return ChatType.PRIVATE
    if message.chat.type == TgChatType.CHANNEL:
        return ChatType.CHANNEL
    return ChatType.GROUP


def origin_of(origin: MessageOrigin | None) -> ForwardOrigin | None:
    """The forward origin of every kind Telegram sends, as a plain core value."""
    if origin is None:
        return None
    date = origin.date if isinstance(origin.date, dt.datetime) else None
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        return ForwardOrigin("user", user.full_name, str(user.id), date)
    if isinstance(origin, MessageOriginHiddenUser):
        return ForwardOrigin("hidden_user", origin.sender_user_name, "", date)
    if isinstance(origin, MessageOriginChat):
        chat = origin.sender_chat
        return ForwardOrigin("chat", chat.title or chat.username or "", str(chat.id), date)
    if isinstance(origin, MessageOriginChannel):
        chat = origin.chat
        return ForwardOrigin("channel", chat.title or chat.username or "", str(chat.id), date)
    return ForwardOrigin(str(origin.type), "", "", date)


def text_of(message: Message) -> str:
    return message.text or message.caption or ""


def has_media(message: Message) -> bool:
    return bool(MEDIA.check_update(Update(0, message=message)))


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in reply.buttons]
    )


async def send_to_chat(bot: Bot, chat_id: int, reply: Reply, answer_to: int | None = None) -> list[Message]:
    """Send `reply` to a chat (as an answer to message `answer_to`), split to fit Telegram's limits."""
    chunks = render_html(reply)
    sent: list[Message] = []
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        sent.append(await bot.send_message(
            chat_id=chat_id,
            text=chunk,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            reply_parameters=(
                ReplyParameters(answer_to, allow_sending_without_reply=True)
                if answer_to is not None and index == 0 else None
            ),
            reply_markup=keyboard(reply) if last else None,
        ))
    return sent


async def send_reply(message: Message, reply: Reply, *, quote: bool = True) -> list[Message]:
    """Send `reply` in the message's chat, as an answer to it."""
    return await send_to_chat(message.get_bot(), message.chat_id, reply, message.message_id if quote else None)


class TelegramAdapter:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.locale: Locale = get_locale(core.config.language)

    def request_for(self, message: Message, text: str) -> CheckRequest:
        return CheckRequest(
            platform=PLATFORM,
            chat_id=str(message.chat_id),
            chat_type=chat_type_of(message),
            text=text,
            user_id=str(message.from_user.id) if message.from_user else None,
            origin=origin_of(message.forward_origin),
            has_media=has_media(message),
            message_id=str(message.message_id),
        )

    async def start(self, update: Update, context: Context) -> None:
        if update.effective_message is not None:
            await send_reply(update.effective_message, welcome_reply(self.locale), quote=False)

    async def help(self, update: Update, context: Context) -> None:
        if update.effective_message is not None:
            await send_reply(update.effective_message, help_reply(self.locale), quote=False)

    async def check_private(self, update: Update, context: Context) -> None:
        """A pasted or forwarded message, or media, in a private chat: answer it."""
        message = update.effective_message
        if message is None:
            return
        answer = await self.core.checker.check(self.request_for(message, text_of(message)))
        await send_reply(message, answer.reply)

    async def check_command(self, update: Update, context: Context) -> None:
        """/kiemtra (/check): the replied-to message, or the text after the command."""
        message = update.effective_message
        if message is None:
            return
        target = message.reply_to_message
        if target is not None and (text_of(target) or has_media(target)):
            # Logged as asked by the person who sent the command, keyed by the command's own id.
            request = replace(
                self.request_for(target, text_of(target)),
                user_id=str(message.from_user.id) if message.from_user else None,
                message_id=str(message.message_id),
            )
            answer = await self.core.checker.check(request)
            await send_reply(target, answer.reply)
            return
        text = " ".join(context.args or [])
        if not text:
            await send_reply(message, notice(self.locale, "empty.no_text"))
            return
        answer = await self.core.checker.check(self.request_for(message, text))
        await send_reply(message, answer.reply)

    async def on_error(self, update: object, context: Context) -> None:
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_message is not None:
            chat = update.effective_chat
            if chat is not None and chat.type == TgChatType.PRIVATE:
                try:
                    await send_reply(update.effective_message, notice(self.locale, "error.generic"))
                except Exception:  # the error path must never raise
                    log.warning("could not tell the user about the error", exc_info=True)

    def register_handlers(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        private = filters.ChatType.PRIVATE
        # Order matters: commands first, then text, then media without text.
        application.add_handler(CommandHandler("start", self.start))
        application.add_handler(CommandHandler(["huongdan", "help"], self.help))
        application.add_handler(CommandHandler(["kiemtra", "check"], self.check_command))
        if self.core.officers is not None:
            # imported here: the officers' module sends through this one's helpers
            from handlers.telegram_officers import OFFICER_BUTTONS, OfficerHandlers

            officers = OfficerHandlers(self.core, self.locale)
            application.add_handler(officers.conversation())  # /them /add and its steps, before plain text
            application.add_handler(CommandHandler(["sua", "edit"], officers.command("edit")))
            application.add_handler(CommandHandler(["xoa", "retire"], officers.command("retire")))
            application.add_handler(CommandHandler(["khoiphuc", "restore"], officers.command("restore")))
            application.add_handler(CommandHandler(["xem", "show"], officers.command("show")))
            application.add_handler(CommandHandler(["tim", "find"], officers.command("find")))
            application.add_handler(CommandHandler(["lichsu", "history"], officers.command("history")))
            application.add_handler(CommandHandler(["baocao", "reports"], officers.command("queue")))
            application.add_handler(CommandHandler(["gan", "link"], officers.command("link")))
            application.add_handler(CommandHandler(["capquyen", "grant"], officers.command("grant")))
            application.add_handler(CommandHandler(["thuhoi", "revoke"], officers.command("revoke")))
            application.add_handler(CallbackQueryHandler(officers.press, pattern=OFFICER_BUTTONS))
            self.core.checker.listeners.append(officers.notifier(application))
        application.add_handler(MessageHandler(
            private & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, self.check_private
        ))
        application.add_handler(MessageHandler(private & MEDIA, self.check_private))
        application.add_error_handler(self.on_error)


COMMANDS = (
    BotCommand("kiemtra", "Kiểm tra tin nhắn được trả lời"),
    BotCommand("check", "Check the replied-to message"),
    BotCommand("huongdan", "Hướng dẫn sử dụng"),
    BotCommand("help", "How to use"),
    BotCommand("start", "Giới thiệu / About"),
)


def build_application(core: Core) -> Application[Any, Any, Any, Any, Any, Any]:
    """The real Application: rate limiter, base_url from config, every handler registered."""
    settings = core.config.telegram
    adapter = TelegramAdapter(core)
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .updater(None)  # handlers/telegram_polling.py polls instead, through a durable inbox
        .build()
    )
    adapter.register_handlers(application)
    return application


async def run_telegram(core: Core, stop: asyncio.Event) -> None:
    """Poll until `stop` is set, on the event loop (and database connection) of the core."""
    assert core.storage is not None, "the Telegram bot needs its database"
    application = build_application(core)
    async with application:
        try:
            await application.bot.set_my_commands(list(COMMANDS))
        except TelegramError as exc:
            log.warning("could not publish the command list: %s", exc)
        await application.start()
        log.info("Telegram: polling as @%s", application.bot.username)
        try:
            await DurablePoller(application, core.storage, core.config.telegram.poll_timeout).run(stop)
        finally:
            await application.stop()
