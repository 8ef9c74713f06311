"""Telegram's side of the outbox: replies rendered into owed messages, and the transport that sends them.

Every message the bot owes someone on Telegram (answers, warnings, officers' cards, follow-ups, the
digest and its chart, exports) is owed through `OutboxBot.outbox` and sent by the core's sender
(bot/delivery/sender.py) through `TelegramTransport`. Only what must happen at once goes straight
to the Bot API: a button press's toast, an edit of a pressed message, the command list.

Limits: the application's AIORateLimiter keeps Telegram's global and per-group rates for every send;
with max_retries=0 a 429 is not retried inside it (which would halt every request of the bot for
the wait) but reaches the sender, which holds back only that chat for its retry_after.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.delivery.outbox import Kind, Outbox
from bot.delivery.rates import Rate
from bot.delivery.sender import Failure, SendFailure
from bot.replies import Reply
from bot.store.outbox import Owed
from handlers.http.metrics import METRICS
from handlers.telegram.render import render_html

PLATFORM = "telegram"
# Every call but getUpdates waits this long for Telegram's answer (the library's default is 5 s: a
# slow network then looked like a failure although the message arrived). An upload gets the same.
SEND_TIMEOUT = 25.0
CONNECT_TIMEOUT = 10.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class OutboxBot(ExtBot[Any]):
    """The application's bot, which knows the outbox its handlers owe messages to."""

    __slots__ = ("outbox",)

    def __init__(self, *args: Any, outbox: Outbox | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self.outbox = outbox


def bot_request() -> HTTPXRequest:
    """The connection pool of every call but getUpdates: 256 connections, as ApplicationBuilder gives."""
    return HTTPXRequest(connection_pool_size=256, read_timeout=SEND_TIMEOUT, write_timeout=SEND_TIMEOUT,
                        media_write_timeout=SEND_TIMEOUT, connect_timeout=CONNECT_TIMEOUT)


def buttons_of(reply: Reply) -> list[list[list[str]]]:
    return [[[b.label, b.payload] for b in row] for row in reply.buttons]


def text_messages(chat_id: int, reply: Reply, kind: Kind, reply_to: int | None = None,
                  ref: dict[str, Any] | None = None) -> list[Owed]:
    """`reply` as the messages Telegram takes (split to fit), the first answering `reply_to`, the
    buttons under the last; `ref` rides on the last, whose delivery is the reply's."""
    chunks = render_html(reply)
    owed = []
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        payload: dict[str, Any] = {"text": chunk}
        if reply_to is not None and index == 0:
            payload["reply_to"] = reply_to
        if last and reply.buttons:
            payload["buttons"] = buttons_of(reply)
        owed.append(Owed(PLATFORM, str(chat_id), kind.value, payload, ref if last else None))
    return owed


def file_message(chat_id: int, kind: Kind, method: str, data: bytes, filename: str, caption: str) -> Owed:
    """A photo (`photo`) or a file (`document`) with an HTML caption, owed like a text."""
    return Owed(PLATFORM, str(chat_id), kind.value, {
        "file": method, "data": base64.b64encode(data).decode("ascii"), "filename": filename, "caption": caption,
    })


async def owe(bot: object, messages: list[Owed]) -> None:
    outbox = bot.outbox if isinstance(bot, OutboxBot) else None
    if outbox is None:
        raise RuntimeError("this bot has no outbox: build it with handlers.telegram.app.build_application")
    await outbox.owe(messages)


def failure_of(exc: TelegramError) -> SendFailure:
    """A Bot API error in the sender's terms."""
    reason = f"{type(exc).__name__}: {exc.message}"
    if isinstance(exc, RetryAfter):
        return SendFailure(Failure.RETRY_AFTER, reason, exc._retry_after.total_seconds())
    if isinstance(exc, ChatMigrated):
        return SendFailure(Failure.TRANSIENT, reason, moved_to=str(exc.new_chat_id))
    if isinstance(exc, Forbidden):  # blocked by the user, kicked from the group
        return SendFailure(Failure.BLOCKED, reason)
    if isinstance(exc, BadRequest):  # chat not found, a message Telegram will never take
        return SendFailure(Failure.REFUSED, reason)
    if isinstance(exc, TimedOut):  # the outcome is unknown: Telegram may have it; tried again
        return SendFailure(Failure.TRANSIENT, reason)
    # NetworkError (5xx, a reset, a refused connection), and InvalidToken: the whole bot refused, not
    # this message's fault, so it is kept
    return SendFailure(Failure.TRANSIENT, reason)


# Telegram's limits per bot (core.telegram.org/bots/faq): about 30 messages a second in all, 20 a
# minute in one group. Shared by the processes of one store (bot/delivery/rates.py).
BOT_RATE = Rate("bot", 1, 30)
GROUP_RATE_PER_MINUTE = 20


class TelegramTransport:
    platform = PLATFORM

    def rates(self, chat_id: str) -> list[Rate]:
        group = chat_id.startswith("-")  # groups, supergroups and channels have negative ids
        return [BOT_RATE, Rate(f"chat:{chat_id}", 60, GROUP_RATE_PER_MINUTE)] if group else [BOT_RATE]

    def __init__(self, bot: ExtBot[Any]) -> None:
        self.bot = bot

    async def send(self, chat_id: str, payload: Mapping[str, Any]) -> None:
        try:
            await self._send(int(chat_id), payload)
        except TelegramError as exc:
            METRICS.send_failures.labels(PLATFORM).inc()
            raise failure_of(exc) from None

    async def _send(self, chat_id: int, payload: Mapping[str, Any]) -> None:
        if "file" in payload:
            upload = InputFile(base64.b64decode(payload["data"]), filename=str(payload["filename"]))
            if payload["file"] == "photo":
                await self.bot.send_photo(chat_id, photo=upload, caption=payload["caption"], parse_mode=ParseMode.HTML)
            else:
                await self.bot.send_document(chat_id, document=upload, caption=payload["caption"],
                                             parse_mode=ParseMode.HTML)
            return
        reply_to = payload.get("reply_to")
        buttons = payload.get("buttons")
        await self.bot.send_message(
            chat_id=chat_id,
            text=payload["text"],
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            reply_parameters=ReplyParameters(int(reply_to), allow_sending_without_reply=True) if reply_to else None,
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons]
            ) if buttons else None,
        )

