"""Telegram groups: questions to the bot, watch mode, admins' settings, joining and migration.

Every decision is the core's (bot/groups/); these callbacks gather the facts Telegram gives
(who, where, when, admin or not) and send what the core answers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from telegram import Bot, Chat, Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import filters

from bot.checking import ReportKind, notice
from bot.core import Core
from bot.delivery.outbox import Kind
from bot.groups.limiter import Admission, CheckLimiter
from bot.groups.policy import SUBSTANTIVE_WORDS, QuestionTarget, Sighting, question_target
from bot.groups.settings import mode_changed_reply, parse_mode, parse_mode_payload
from bot.groups.watch import GroupWatch
from bot.locale import Locale
from bot.replies import shorten
from handlers.telegram.images import ImageHandlers, has_image
from handlers.telegram.messages import (
    PLATFORM,
    Context,
    has_media,
    keyboard,
    request_for,
    send_reply,
    send_to_chat,
    text_of,
)
from handlers.telegram.render import render_html

log = logging.getLogger(__name__)

GROUP_CHATS = (Chat.GROUP, Chat.SUPERGROUP)
ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
PRESENT_STATUSES = frozenset({ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
# Long enough that a burst of button presses costs one getChatMember, short enough that a
# demoted admin loses the right within a minute.
ADMIN_CACHE_SECONDS = 60.0


class AdminCheck:
    """Whether a user is an admin of a chat, asked of Telegram and remembered briefly."""

    def __init__(self, ttl: float = ADMIN_CACHE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Raises TelegramError when Telegram cannot tell."""
        now = self.clock()
        known = self._known.get((chat_id, user_id))
        if known is not None and now < known[1]:
            return known[0]
        member = await bot.get_chat_member(chat_id, user_id)
        answer = member.status in ADMIN_STATUSES
        if len(self._known) > 10_000:
            self._known = {k: v for k, v in self._known.items() if now < v[1]}
        self._known[(chat_id, user_id)] = (answer, now + self.ttl)
        return answer

    def forget(self, chat_id: int, user_id: int) -> None:
        self._known.pop((chat_id, user_id), None)


class MentionsBot(filters.MessageFilter):
    """A message (text or caption) that mentions this bot by its @username."""

    def filter(self, message: Message) -> bool:
        return bool(bot_mentions(message))


def bot_mentions(message: Message) -> list[str]:
    username = message.get_bot().username
    found: dict[MessageEntity, str] = {}
    # Entities of a text that is absent, or cutting a character in two, never come from Telegram;
    # they must not break the filter either.
    with contextlib.suppress(UnicodeDecodeError):
        if message.text:
            found.update(message.parse_entities([MessageEntity.MENTION]))
        if message.caption:
            found.update(message.parse_caption_entities([MessageEntity.MENTION]))
    return [text for text in found.values() if username and text.lower() == f"@{username.lower()}"]


def is_present(status: str, is_member: bool | None) -> bool:
    return status in PRESENT_STATUSES or (status == ChatMemberStatus.RESTRICTED and bool(is_member))


class GroupHandlers:
    def __init__(self, core: Core, locale: Locale) -> None:
        if core.groups is None:
            raise ValueError("group handlers need the core's storage")
        self.core = core
        self.groups: GroupWatch = core.groups
        self.locale = locale
        self.limiter = CheckLimiter(core.config.groups.checks_per_minute)
        self.admins = AdminCheck()
        self.images: ImageHandlers | None = None  # set by the adapter: a question under a photo reads it

    # -- questions ----------------------------------------------------------------------------

    async def check_command(self, update: Update, context: Context) -> None:
        """/kiemtra (/check), anywhere: the replied-to message, or the text after the command."""
        message = update.effective_message
        if message is None or not await self.admitted(message):
            return
        await self.answer_question(message, " ".join(context.args or []), min_words=1, context=context)

    async def mention(self, update: Update, context: Context) -> None:
        """`@bot có thật không?` in a group: the replied-to message, or the text that came with it."""
        message = update.effective_message
        if message is None or not await self.admitted(message):
            return
        text = text_of(message)
        for mention in bot_mentions(message):
            text = text.replace(mention, " ")
        await self.answer_question(message, " ".join(text.split()), min_words=SUBSTANTIVE_WORDS, context=context)

    async def answer_question(self, message: Message, text: str, min_words: int,
                              context: Context | None = None) -> None:
        target = message.reply_to_message
        if target is not None and (
            (target.from_user is not None and target.from_user.id == message.get_bot().id)
            or not (text_of(target) or has_media(target))
        ):
            target = None  # a question under the bot's own answer, or under a service message
        asked = question_target(text, target is not None, min_words)
        if asked is QuestionTarget.REPLIED:
            assert target is not None
            if self.images is not None and context is not None and has_image(target):
                await self.images.replied(target, message, context)
                return
            # Logged as asked by the person who asked, keyed by the question's own message id.
            request = replace(
                request_for(target, text_of(target)),
                user_id=str(message.from_user.id) if message.from_user else None,
                message_id=str(message.message_id),
            )
            answer = await self.core.checker.check(request)
            await send_reply(target, answer.reply)
        elif asked is QuestionTarget.TEXT:
            answer = await self.core.checker.check(request_for(message, text))
            await send_reply(message, answer.reply)
        else:
            await send_reply(message, notice(self.locale, "groups.ask.usage"))

    async def admitted(self, message: Message) -> bool:
        """The per-user limit: past it, one polite notice, then silence."""
        who = message.from_user.id if message.from_user else message.chat_id
        admission = self.limiter.admit(f"{PLATFORM}:{who}", time.monotonic())
        if admission is Admission.NOTICE:
            await send_reply(message, notice(self.locale, "groups.flood"))
        return admission is Admission.ALLOW

    # -- watch mode ---------------------------------------------------------------------------

    async def watch(self, update: Update, context: Context) -> None:
        """Every text or caption in a group: the core decides whether to log it or warn."""
        message = update.message
        if message is None:
            return
        sender = message.from_user
        sighting = Sighting(
            request=replace(request_for(message, text_of(message)), kind=ReportKind.SEEN),
            sent_at=message.date,
            from_self=sender is not None and sender.id == context.bot.id,
            # bots, inline bots, anonymous admins (GroupAnonymousBot) and a linked channel's posts
            from_bot=(sender is not None and sender.is_bot) or message.via_bot is not None
            or bool(message.is_automatic_forward),
        )
        outcome = await self.groups.watch(sighting, dt.datetime.now(dt.UTC))
        if outcome.decision.records:
            log.info("group %s message %s: %s", message.chat_id, message.message_id, outcome.decision.reason)
        if outcome.reply is not None:
            await send_reply(message, outcome.reply, kind=Kind.WARNING)

    # -- settings -----------------------------------------------------------------------------

    async def settings(self, update: Update, context: Context) -> None:
        """/caidat (/settings): anyone sees the mode; only admins change it."""
        message = update.effective_message
        if message is None or not await self.admitted(message):
            return
        if message.chat.type not in GROUP_CHATS:
            await send_reply(message, notice(self.locale, "groups.settings.groups_only"))
            return
        chat_id = str(message.chat_id)
        if not context.args:
            reply = await self.groups.settings(PLATFORM, chat_id, await self.reads_all(context.bot, message.chat_id))
            await send_reply(message, reply)
            return
        refusal = await self.refusal(context.bot, message)
        if refusal is not None:
            if refusal == "groups.settings.admins_only":
                who = str(message.from_user.id) if message.from_user else str(message.chat_id)
                await self.groups.refused(PLATFORM, chat_id, who, "/caidat", shorten(" ".join(context.args), 40))
            await send_reply(message, notice(self.locale, refusal))
            return
        mode = parse_mode(context.args[0])
        if mode is None:
            word = shorten(context.args[0], 40)
            await send_reply(message, notice(self.locale, "groups.settings.bad_mode", word=word))
            return
        changed_by = str(message.from_user.id) if message.from_user else None
        await self.groups.set_mode(PLATFORM, chat_id, mode, changed_by)
        log.info("group %s: watch mode set to %s by %s", chat_id, mode.value, changed_by)
        reads_all = await self.reads_all(context.bot, message.chat_id)
        await send_reply(message, mode_changed_reply(mode, reads_all, self.groups.policy, self.locale))

    async def settings_button(self, update: Update, context: Context) -> None:
        """A press on a settings button: checked like the command, against the chat it sits in."""
        query = update.callback_query
        if query is None:
            return
        mode = parse_mode_payload(query.data or "")
        message = query.message
        if mode is None or message is None or message.chat.type not in GROUP_CHATS:
            where = str(message.chat.id) if message is not None else None
            await self.groups.refused(PLATFORM, where, str(query.from_user.id), "button grp (stale)",
                                      shorten(query.data or "", 64))
            await query.answer(self.locale.t("groups.settings.stale_button"), show_alert=True)
            return
        try:
            allowed = await self.admins.is_admin(context.bot, message.chat.id, query.from_user.id)
        except TelegramError as exc:
            log.warning("could not check admin rights in %s: %s", message.chat.id, exc)
            await query.answer(self.locale.t("groups.settings.cannot_verify"), show_alert=True)
            return
        if not allowed:
            await self.groups.refused(PLATFORM, str(message.chat.id), str(query.from_user.id), "button grp",
                                      mode.value)
            await query.answer(self.locale.t("groups.settings.admins_only"), show_alert=True)
            return
        chat_id = str(message.chat.id)
        await self.groups.set_mode(PLATFORM, chat_id, mode, str(query.from_user.id))
        log.info("group %s: watch mode set to %s by %s (button)", chat_id, mode.value, query.from_user.id)
        reply = await self.groups.settings(PLATFORM, chat_id, await self.reads_all(context.bot, message.chat.id))
        await query.answer(self.locale.t("groups.settings.changed") + self.locale.t(f"groups.mode.{mode.value}"))
        await query.edit_message_text(render_html(reply)[0], parse_mode="HTML", reply_markup=keyboard(reply))

    async def refusal(self, bot: Bot, message: Message) -> str | None:
        """The locale key refusing a settings change, or None when the sender is an admin."""
        if message.sender_chat is not None and message.sender_chat.id == message.chat_id:
            return None  # an anonymous admin, writing as the group itself
        if message.from_user is None:
            return "groups.settings.admins_only"
        try:
            allowed = await self.admins.is_admin(bot, message.chat_id, message.from_user.id)
        except TelegramError as exc:
            log.warning("could not check admin rights in %s: %s", message.chat_id, exc)
            return "groups.settings.cannot_verify"
        return None if allowed else "groups.settings.admins_only"

    async def reads_all(self, bot: Bot, chat_id: int) -> bool:
        """Whether the bot sees every message of the chat: privacy mode off, or an admin there."""
        if bot.can_read_all_group_messages:
            return True
        try:
            return await self.admins.is_admin(bot, chat_id, bot.id)
        except TelegramError:
            return False

    # -- membership -----------------------------------------------------------------------------

    async def joined(self, update: Update, context: Context) -> None:
        """The bot was added to a group (or its status there changed)."""
        change = update.my_chat_member
        if change is None or change.chat.type not in GROUP_CHATS:
            return
        self.admins.forget(change.chat.id, context.bot.id)
        old, new = change.old_chat_member, change.new_chat_member
        if is_present(old.status, getattr(old, "is_member", None)) or not is_present(
            new.status, getattr(new, "is_member", None)
        ):
            return  # not a join: a promotion, a restriction, or leaving
        reads_all = context.bot.can_read_all_group_messages or new.status in ADMIN_STATUSES
        reply = await self.groups.joined(PLATFORM, str(change.chat.id), reads_all, dt.datetime.now(dt.UTC))
        if reply is None:
            log.info("group %s: joined as the new id of a migrated group; no introduction", change.chat.id)
            return
        log.info("joined group %s (%s)", change.chat.id, new.status)
        await send_to_chat(context.bot, change.chat.id, reply, kind=Kind.NOTICE)

    async def migrated(self, update: Update, context: Context) -> None:
        """A group became a supergroup: Telegram says so in the old chat and in the new one."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat_id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat_id
        else:
            return
        await self.groups.migrated(PLATFORM, str(old), str(new), dt.datetime.now(dt.UTC))
        log.info("group %s migrated to %s; settings moved", old, new)
