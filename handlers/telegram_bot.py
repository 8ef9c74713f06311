"""The Telegram adapter: a python-telegram-bot Application over the core.

Every handler is registered in `register_handlers`, in the order it matters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ChatType as TgChatType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.checking import notice
from bot.config import Config
from bot.core import Core
from bot.groups import PAYLOAD_PATTERN
from bot.locale import Locale, get_locale
from bot.replies import Paragraph, Reply, bold
from handlers.telegram_groups import GroupHandlers, MentionsBot
from handlers.telegram_messages import MEDIA, Context, request_for, send_reply, text_of

log = logging.getLogger(__name__)


class TelegramAdapter:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.locale: Locale = get_locale(core.config.language)
        self.groups = GroupHandlers(core, self.locale)

    async def start(self, update: Update, context: Context) -> None:
        if update.effective_message is None:
            return
        t = self.locale.t
        reply = Reply((
            Paragraph.of(bold(t("start.greeting"))),
            Paragraph.of(t("start.how")),
            Paragraph.of(t("start.groups")),
            Paragraph.of(t("start.disclaimer")),
        ))
        await send_reply(update.effective_message, reply, quote=False)

    async def help(self, update: Update, context: Context) -> None:
        if update.effective_message is None:
            return
        t = self.locale.t
        reply = Reply((
            Paragraph.of(bold(t("help.title"))),
            Paragraph.of("\n".join(t(k) for k in ("help.forward", "help.check", "groups.help", "help.help",
                                                    "help.start"))),
        ))
        await send_reply(update.effective_message, reply, quote=False)

    async def check_private(self, update: Update, context: Context) -> None:
        """A pasted or forwarded message, or media, in a private chat: answer it."""
        message = update.effective_message
        if message is None:
            return
        answer = await self.core.checker.check(request_for(message, text_of(message)))
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
        groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE  # new messages only, not edits
        # Order matters: commands first, then buttons and membership, then text, then media
        # without text; in groups a question to the bot before the watch that sees every message.
        application.add_handler(CommandHandler("start", self.start))
        application.add_handler(CommandHandler(["huongdan", "help"], self.help))
        application.add_handler(CommandHandler(["kiemtra", "check"], self.groups.check_command))
        application.add_handler(CommandHandler(["caidat", "settings"], self.groups.settings))
        application.add_handler(CallbackQueryHandler(self.groups.settings_button, pattern=PAYLOAD_PATTERN))
        application.add_handler(ChatMemberHandler(self.groups.joined, ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.groups.migrated))
        application.add_handler(MessageHandler(
            private & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, self.check_private
        ))
        application.add_handler(MessageHandler(private & MEDIA, self.check_private))
        application.add_handler(MessageHandler(groups & MentionsBot(), self.groups.mention))
        application.add_handler(MessageHandler(
            groups & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, self.groups.watch
        ))
        application.add_error_handler(self.on_error)


COMMANDS = (
    BotCommand("kiemtra", "Kiểm tra tin nhắn được trả lời"),
    BotCommand("check", "Check the replied-to message"),
    BotCommand("caidat", "Quản trị viên: chế độ theo dõi nhóm"),
    BotCommand("settings", "Admins: the group's watch mode"),
    BotCommand("huongdan", "Hướng dẫn sử dụng"),
    BotCommand("help", "How to use"),
    BotCommand("start", "Giới thiệu / About"),
)


# Asked for explicitly: without a list Telegram keeps whatever the token's last poller asked for.
# my_chat_member tells the bot it was added to a group; add a type here when a handler needs it.
ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER)


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
        .build()
    )
    adapter.register_handlers(application)
    return application


async def serve(config: Config, stop: asyncio.Event | None = None, *, handle_signals: bool = True) -> None:
    """Run the bot with long polling until SIGINT/SIGTERM (or `stop` is set).

    The core and the Application share one event loop, so the database connection opened
    here serves every handler.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM) if handle_signals else ():
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    core = await Core.open(config)
    log.info("catalogue %s: %d published entries; database %s",
             config.catalogue, len(core.catalogue.published), config.database)
    application = build_application(core)
    try:
        async with application:
            try:
                await application.bot.set_my_commands(list(COMMANDS))
            except TelegramError as exc:
                log.warning("could not publish the command list: %s", exc)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(timeout=config.telegram.poll_timeout,
                                                    allowed_updates=list(ALLOWED_UPDATES))
            log.info("polling as @%s", application.bot.username)
            await stop.wait()
            await application.updater.stop()
            await application.stop()
    finally:
        await core.close()
