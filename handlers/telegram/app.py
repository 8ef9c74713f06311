"""The Telegram adapter: a python-telegram-bot Application over the core.

Every handler is registered in `register_handlers`, in the order it matters.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ChatType as TgChatType
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.checking import notice
from bot.config import TOKEN_ENV
from bot.core import Core
from bot.delivery.sender import Sender, policy_for
from bot.groups.settings import PAYLOAD_PATTERN
from bot.guide import help_reply, welcome_reply
from bot.locale import Locale, get_locale
from bot.privacy import FORGET_PATTERN
from bot.store.connection import DatabaseUnavailable
from handlers.http.metrics import METRICS
from handlers.shutdown import handlers_deadline, sends_deadline
from handlers.startup import StartupError, Stopped, until_reachable
from handlers.telegram.delivery import CONNECT_TIMEOUT, OutboxBot, TelegramTransport, bot_request
from handlers.telegram.feedback import FEEDBACK_BUTTONS, FeedbackHandlers
from handlers.telegram.flood import PrivateFloodGate
from handlers.telegram.groups import GroupHandlers, MentionsBot
from handlers.telegram.images import ATTACH, IMAGES, ImageHandlers
from handlers.telegram.messages import MEDIA, Context, request_for, send_reply, text_of
from handlers.telegram.officers import OFFICER_BUTTONS, OfficerHandlers
from handlers.telegram.polling import DurablePoller
from handlers.telegram.privacy import PrivacyHandlers
from handlers.telegram.webhook import serve_webhook

log = logging.getLogger(__name__)


class TelegramAdapter:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.locale: Locale = get_locale(core.config.language)
        self.groups = GroupHandlers(core, self.locale)
        self.images = self.groups.images = ImageHandlers(core, self.locale)

    async def start(self, update: Update, context: Context) -> None:
        if update.effective_message is not None:
            await send_reply(update.effective_message, welcome_reply(self.locale), quote=False)

    async def help(self, update: Update, context: Context) -> None:
        if update.effective_message is not None:
            await send_reply(update.effective_message, help_reply(self.locale), quote=False)

    async def check_private(self, update: Update, context: Context) -> None:
        """A pasted or forwarded message, media, or a command nothing else knows, in a private chat: answer it."""
        message = update.effective_message
        if message is None:
            return
        answer = await self.core.checker.check(request_for(message, text_of(message)))
        await send_reply(message, answer.reply)

    async def on_error(self, update: object, context: Context) -> None:
        if isinstance(context.error, NetworkError | RetryAfter) and not isinstance(context.error, BadRequest):
            # a call made at once (a button's toast, an edit) met the network or Telegram's limits: the
            # person's answers are in the outbox, so they hear nothing of it, least of all "error"
            log.warning("a Bot API call of a handler failed: %s", context.error)
            METRICS.send_failures.labels("telegram").inc()
            return
        if isinstance(context.error, DatabaseUnavailable):  # known (locked for too long, read-only): one line
            log.error("error while handling an update: %s", context.error)
        else:
            log.error("error while handling an update", exc_info=context.error)
        if isinstance(context.error, TelegramError):  # a Bot API call of a handler was refused
            METRICS.send_failures.labels("telegram").inc()
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
        # Order matters: the flood gate before anything (group -1); then commands, then buttons and
        # membership, then text, then media without text; in groups a question to the bot before
        # the watch that sees every message.
        gate = PrivateFloodGate(self.core.config.private_messages_per_minute, self.locale)
        application.add_handler(TypeHandler(Update, gate.check), group=-1)
        application.add_handler(CommandHandler("start", self.start))
        application.add_handler(CommandHandler(["huongdan", "help"], self.help))
        application.add_handler(CommandHandler(["kiemtra", "check"], self.groups.check_command))
        application.add_handler(CommandHandler(["caidat", "settings"], self.groups.settings))
        application.add_handler(CallbackQueryHandler(self.groups.settings_button, pattern=PAYLOAD_PATTERN))
        application.add_handler(ChatMemberHandler(self.groups.joined, ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.groups.migrated))
        if self.core.privacy is not None:
            privacy = PrivacyHandlers(self.core.privacy)
            application.add_handler(CommandHandler(["quen", "forget"], privacy.forget))
            application.add_handler(CallbackQueryHandler(privacy.confirm, pattern=FORGET_PATTERN))
        if self.core.officers is not None:
            officers = OfficerHandlers(self.core, self.locale)
            officers.photos = self.images
            application.add_handler(officers.conversation())  # /them /add and its steps, before plain text
            # /sua <id> anh under a photo attaches the image; any other /sua edits the entry
            application.add_handler(MessageHandler(filters.REPLY & filters.Regex(ATTACH), self.images.attach))
            application.add_handler(CommandHandler(["sua", "edit"], officers.command("edit")))
            application.add_handler(CommandHandler(["xoa", "retire"], officers.command("retire")))
            application.add_handler(CommandHandler(["khoiphuc", "restore"], officers.command("restore")))
            application.add_handler(CommandHandler(["xem", "show"], officers.command("show")))
            application.add_handler(CommandHandler(["tim", "find"], officers.command("find")))
            application.add_handler(CommandHandler(["lichsu", "history"], officers.command("history")))
            application.add_handler(CommandHandler(["baocao", "reports"], officers.command("queue")))
            application.add_handler(CommandHandler(["gan", "link"], officers.command("link")))
            application.add_handler(CommandHandler(["boqua", "dismiss"], officers.command("dismiss")))
            application.add_handler(CommandHandler(["capquyen", "grant"], officers.command("grant")))
            application.add_handler(CommandHandler(["thuhoi", "revoke"], officers.command("revoke")))
            application.add_handler(CommandHandler(["web", "trang"], officers.command("web")))  # the web desk's link
            application.add_handler(CallbackQueryHandler(officers.press, pattern=OFFICER_BUTTONS))
            self.core.checker.listeners.append(officers.notifier(application))
            feedback = FeedbackHandlers(self.core, self.locale)
            application.add_handler(CallbackQueryHandler(feedback.vote, pattern=FEEDBACK_BUTTONS))
            application.add_handler(CommandHandler(["thongke", "stats"], feedback.stats))
            application.add_handler(CommandHandler(["xuat", "export"], feedback.export))
            # after every other handler (group 1): a group's title, for /thongke, never delays an answer
            application.add_handler(MessageHandler(filters.ChatType.GROUPS, feedback.remember_title), group=1)
            self.core.officers.link_listeners.append(feedback.link_listener(application))
            feedback.schedule(application)
        application.add_handler(MessageHandler(private & IMAGES, self.images.private))  # caption or not
        application.add_handler(MessageHandler(  # with commands: one that reaches here is unknown ("/menu")
            private & (filters.TEXT | filters.CAPTION), self.check_private
        ))
        application.add_handler(MessageHandler(private & MEDIA, self.check_private))
        application.add_handler(MessageHandler(groups & MentionsBot(), self.groups.mention))
        application.add_handler(MessageHandler(groups & IMAGES, self.images.watch))  # caption or not
        application.add_handler(MessageHandler(
            groups & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, self.groups.watch
        ))
        application.add_error_handler(self.on_error)


COMMANDS = (
    BotCommand("kiemtra", "Kiểm tra tin nhắn được trả lời"),
    BotCommand("check", "Check the replied-to message"),
    BotCommand("caidat", "Quản trị viên: chế độ theo dõi nhóm"),
    BotCommand("settings", "Admins: the group's watch mode"),
    BotCommand("quen", "Xoá nội dung các tin bạn đã gửi"),
    BotCommand("forget", "Delete the texts you sent"),
    BotCommand("huongdan", "Hướng dẫn sử dụng"),
    BotCommand("help", "How to use"),
    BotCommand("start", "Giới thiệu / About"),
)


# Asked for explicitly: without a list Telegram keeps whatever the token's last poller asked for.
# my_chat_member tells the bot it was added to a group; add a type here when a handler needs it.
ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER)


def build_application(core: Core) -> Application[Any, Any, Any, Any, Any, Any]:
    """The real Application: its bot owes messages to the core's outbox (handlers/telegram/delivery.py),
    rate limiter, base_url from config, every handler registered."""
    settings = core.config.telegram
    adapter = TelegramAdapter(core)
    bot = OutboxBot(
        settings.token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=bot_request(),
        get_updates_request=HTTPXRequest(connection_pool_size=1, connect_timeout=CONNECT_TIMEOUT),
        # max_retries=0: a 429 reaches the sender, which holds back only that chat (see delivery.py)
        rate_limiter=AIORateLimiter(max_retries=0),
        outbox=core.outbox,
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .updater(None)  # handlers/telegram/polling.py polls instead, through a durable inbox
        .build()
    )
    adapter.register_handlers(application)
    return application


async def run_telegram(core: Core, stop: asyncio.Event) -> None:
    """Poll, or take the webhook's POSTs, until `stop` is set, on the event loop (and database
    connection) of the core."""
    assert core.storage is not None, "the Telegram bot needs its database"
    settings = core.config.telegram
    listening = Listening(core)
    application = build_application(core)
    listening.added_since()  # synchronous: nothing of another platform came in between
    try:
        try:
            await until_reachable(application.initialize, (NetworkError,), "the Telegram Bot API", stop)
        except Stopped:
            return
        async with application:
            try:
                await application.bot.set_my_commands(list(COMMANDS))
            except TelegramError as exc:
                log.warning("could not publish the command list: %s", exc)
            await application.start()
            assert core.outbox is not None
            sender = Sender(core.outbox, TelegramTransport(application.bot), policy_for(core.config.delivery))
            sender.start()  # stopped once the handlers are done
            try:
                handler = DurablePoller(application, core.storage, core.outbox, settings.poll_timeout,
                                        ALLOWED_UPDATES, lease=sender.policy.lease)
                if settings.mode == "webhook":
                    await serve_webhook(application, handler, settings, ALLOWED_UPDATES, stop,
                                        handlers_deadline(core.config))
                    return
                try:  # a webhook left by webhook mode would make every getUpdates fail (409)
                    await application.bot.delete_webhook()
                except TelegramError as exc:
                    log.warning("could not delete the webhook: %s", exc)
                log.info("Telegram: polling as @%s", application.bot.username)
                await handler.run(stop, drain_seconds=handlers_deadline(core.config))
            finally:
                await sender.stop(sends_deadline(core.config))
                await application.stop()
    except InvalidToken:
        raise StartupError(f"Telegram refused the token (401): check {TOKEN_ENV}") from None
    finally:
        listening.forget()  # a restart (handlers/runner.py) registers its own


class Listening:
    """What the Telegram adapter registered on the core (officers' notifications, follow-ups): the
    listeners of one Application, taken back when it stops, so that a restarted one does not notify
    through a stopped one."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._before = (list(core.checker.listeners), list(core.officers.link_listeners) if core.officers else [])
        self._added: tuple[list[Any], list[Any]] = ([], [])

    def added_since(self) -> None:
        checks, links = self._before
        self._added = ([f for f in self.core.checker.listeners if f not in checks],
                       [f for f in self.core.officers.link_listeners if f not in links] if self.core.officers else [])

    def forget(self) -> None:
        for listener in self._added[0]:
            self.core.checker.listeners.remove(listener)
        if self.core.officers is not None:
            for listener in self._added[1]:
                self.core.officers.link_listeners.remove(listener)
