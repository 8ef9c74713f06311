"""Telegram messages to and from the core: plain requests out of updates, rendered replies back.

Shared by every Telegram handler module (telegram_bot, telegram_groups).
"""

from __future__ import annotations

import datetime as dt

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.constants import ChatType as TgChatType
from telegram.ext import ContextTypes, filters

from bot.checking import ChatType, CheckRequest, ForwardOrigin
from bot.delivery.outbox import Kind
from bot.replies import Reply
from handlers.telegram.delivery import NO_PREVIEW as NO_PREVIEW
from handlers.telegram.delivery import PLATFORM as PLATFORM
from handlers.telegram.delivery import owe, text_messages

Context = ContextTypes.DEFAULT_TYPE
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


def request_for(message: Message, text: str) -> CheckRequest:
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


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in reply.buttons]
    )


async def send_to_chat(bot: Bot, chat_id: int, reply: Reply, *, reply_to: int | None = None,
                       kind: Kind = Kind.ANSWER) -> None:
    """Owe `reply` to a chat, the first part as an answer to `reply_to`: it is in the outbox when this
    returns (with the update being handled, when there is one) and the sender delivers it."""
    await owe(bot, text_messages(chat_id, reply, kind, reply_to))


async def send_reply(message: Message, reply: Reply, *, quote: bool = True, kind: Kind = Kind.ANSWER) -> None:
    """Owe `reply` in the message's chat, as an answer to it."""
    await send_to_chat(message.get_bot(), message.chat_id, reply,
                       reply_to=message.message_id if quote else None, kind=kind)
