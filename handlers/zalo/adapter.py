"""The Zalo adapter: Zalo Bot Platform updates in, the same core answers out as plain text.

Zalo differs from Telegram (../shared/zalo-bot-api.md): one update per poll and no offset (so
updates are deduplicated by message id, persisted), no buttons, no forward origin, 2000-character
plain-text messages, and groups that deliver only mentions of the bot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bot.checking import Answer, ChatType, CheckRequest, notice
from bot.config import ZaloConfig
from bot.core import Core
from bot.delivery.outbox import Kind
from bot.delivery.taker import Taker
from bot.desk.officers import COMMAND_ACTIONS
from bot.desk.rights import Actor
from bot.groups.limiter import Admission
from bot.guide import help_reply, welcome_reply
from bot.images.loading import MAX_BYTES
from bot.locale import Locale, get_locale
from bot.replies import Paragraph, Reply
from bot.store.inbox import stored_form
from bot.store.outbox import Owed
from handlers.http.metrics import METRICS
from handlers.plain_text import render_plain, split_plain
from handlers.zalo.client import MESSAGE_LIMIT, PLATFORM, DownloadTooBig, ZaloApiError, ZaloClient

log = logging.getLogger(__name__)


# A mention in a group that leaves fewer content words than this is a bare question ("có thật
# không?"): Zalo does not deliver the message it replies to, so there is nothing to check.
MIN_GROUP_WORDS = 4
QUESTION_WORDS = frozenset((
    "có", "thật", "không", "ko", "k", "hok", "hông", "hả", "vậy", "ạ", "à", "ơi", "nhỉ", "nhé", "đúng", "sai",
    "là", "gì", "bot", "kiểm", "tra", "chứng", "giúp", "check", "tin", "này", "nầy", "đó", "mọi", "người",
    "mn", "ad", "admin", "ai", "biết", "cho", "hỏi", "với", "vs", "xem", "thử",
))
MENTION = re.compile(r"@\S+")
CONCURRENT_UPDATES = 8  # updates handled at once; each waits mostly on the network
COMMAND = re.compile(r"^/(\w+)")


@dataclass(frozen=True)
class ZaloMessage:
    event: str
    message_id: str
    chat_id: str
    chat_type: str  # PRIVATE | GROUP
    user_id: str
    is_bot: bool
    text: str
    date: dt.datetime | None
    photo: str = ""  # the image's URL, on an image event

    @property
    def in_group(self) -> bool:
        return self.chat_type.upper() == "GROUP"


def unwrap(body: Any) -> Mapping[str, Any] | None:
    """The update object from a flat body or one wrapped as {"ok": true, "result": {...}}."""
    if isinstance(body, Mapping) and isinstance(body.get("result"), Mapping) and "event_name" not in body:
        body = body["result"]
    return body if isinstance(body, Mapping) else None


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_update(body: Any) -> ZaloMessage | None:
    """A plain message from a Zalo update, or None when it carries no message we can answer."""
    update = unwrap(body)
    if update is None:
        return None
    message = update.get("message")
    if not isinstance(message, Mapping):
        return None
    sender = mapping(message.get("from"))
    chat = mapping(message.get("chat"))
    message_id, chat_id = message.get("message_id"), chat.get("id")
    if not message_id or not chat_id:
        return None
    text = message.get("text") or message.get("caption") or ""
    millis = message.get("date")
    date = dt.datetime.fromtimestamp(millis / 1000, dt.UTC) if isinstance(millis, int | float) else None
    return ZaloMessage(
        event=str(update.get("event_name") or ""),
        message_id=str(message_id),
        chat_id=str(chat_id),
        chat_type=str(chat.get("chat_type") or "PRIVATE"),
        user_id=str(sender.get("id") or ""),
        is_bot=bool(sender.get("is_bot")),
        text=text if isinstance(text, str) else "",
        date=date,
        photo=str(message.get("photo") or message.get("photo_url") or ""),
    )


class ZaloAdapter:
    def __init__(self, core: Core, client: ZaloClient, settings: ZaloConfig, bot_name: str = "") -> None:
        self.core = core
        # Zalo mentions carry the display name, spaces included: "@Bot Kiểm Chứng có thật không?"
        self.mention = re.compile(re.escape(f"@{bot_name}"), re.IGNORECASE) if bot_name else MENTION
        self.client = client
        self.settings = settings
        self.locale: Locale = get_locale(core.config.language)
        assert core.storage is not None, "the Zalo bot needs its database"
        # What is stored is handled by whichever process claims it (bot/delivery/taker.py), a chat's one at a time.
        self.taker = Taker(core.storage, PLATFORM, self.handle_stored, CONCURRENT_UPDATES,
                           dt.timedelta(seconds=core.config.delivery.lease_seconds))
        self._taking: asyncio.Task[None] | None = None
        self._stop_taking = asyncio.Event()

    # -- the durable inbox, as on Telegram (handlers/telegram/polling.py) ------------------------------
    # Zalo has no offset: an update it gave a poll, or a webhook call answered 200, is never given
    # again. So each is stored before that (keyed by its message id: a redelivery is stored and
    # answered once), marked done in the same transaction that owes its answers, and one left
    # unfinished by a crash is handled at the next start.

    async def take(self, body: Any) -> tuple[str, str] | None:
        """Store an update before Zalo is told it arrived; its key and stored form when it is new."""
        message = parse_update(body)
        if message is None or message.is_bot:
            return None
        assert self.core.storage is not None, "the Zalo bot needs its database"
        payload = stored_form(body)
        if not await self.core.storage.inbox.store(PLATFORM, [(message.message_id, payload)],
                                                   {message.message_id: message.chat_id}):
            log.debug("zalo update %s was delivered again; ignored", message.message_id)
            return None
        METRICS.received.labels(PLATFORM).inc()
        self.taker.wake.set()
        return message.message_id, payload

    async def handle_stored(self, key: str, payload: str) -> None:
        """Answer one stored update, then mark it done with what it owes (errors included: replaying
        a failing update forever helps no one)."""
        storage, outbox = self.core.storage, self.core.outbox
        assert storage is not None and outbox is not None, "the Zalo bot needs its database"
        with outbox.collecting() as owed:
            try:
                message = parse_update(json.loads(payload))
                reply = await self.answer(message) if message is not None else None
                if message is not None and reply is not None:
                    await self.send(message.chat_id, reply)
            except Exception:
                log.exception("error while handling a Zalo update")
        await outbox.settle(owed, lambda: storage.inbox.finish(PLATFORM, key))
        METRICS.handled.labels(PLATFORM).inc()

    async def start_taking(self) -> int:
        """Start handling what is stored, left unfinished by the last run included; how much that is."""
        assert self.core.storage is not None
        pending = len(await self.core.storage.inbox.pending(PLATFORM))
        if pending:
            log.info("%d Zalo update(s) stored and not handled yet (left by the last run, or by another process)",
                     pending)
        if self._taking is None:
            self._taking = asyncio.create_task(self.taker.run(self._stop_taking), name="zalo-taker")
        return pending

    async def drain(self, timeout: float) -> int:
        """Stop taking, give the updates being handled `timeout` seconds (the rest stay stored)."""
        self._stop_taking.set()
        if self._taking is not None:
            await self._taking
        return await self.taker.drain(timeout)

    async def answer(self, message: ZaloMessage) -> Reply | None:
        text = message.text
        if message.in_group:
            text = MENTION.sub(" ", self.mention.sub(" ", text)).strip()
            words = [w for w in re.findall(r"\w+", text.casefold()) if w not in QUESTION_WORDS]
            if len(words) < MIN_GROUP_WORDS:
                return notice(self.locale, "zalo.group_hint")
        command = COMMAND.match(text.strip())
        if command:
            name = command.group(1).lower()
            action = COMMAND_ACTIONS.get(name)
            if action is not None and self.core.officers is not None:  # no buttons on Zalo: text commands only
                actor = Actor(PLATFORM, message.user_id, message.chat_id)
                use_case = self.core.officers.use_case(action, buttons=False)
                return await use_case(actor, f"/{name}", text.strip()[command.end():].strip())
            if name == "start":
                return welcome_reply(self.locale)
            if name in ("help", "huongdan"):
                return help_reply(self.locale)
            if name in ("kiemtra", "check"):
                text = text.strip()[command.end():]
        if message.event in ("message.sticker.received", "message.unsupported.received") or (
            not text and message.event not in ("message.image.received", "message.text.received")
        ):
            return notice(self.locale, "zalo.unsupported")
        request = CheckRequest(
            platform=PLATFORM,
            chat_id=message.chat_id,
            chat_type=ChatType.GROUP if message.in_group else ChatType.PRIVATE,
            text=text,
            user_id=message.user_id or None,
            has_media=message.event == "message.image.received",
            message_id=message.message_id,
        )
        if message.photo and message.event == "message.image.received" and self.core.images is not None:
            return (await self.image_answer(request, message.photo)).reply
        answer = await self.core.checker.check(request)
        return answer.reply

    async def image_answer(self, request: CheckRequest, url: str) -> Answer:
        """An image: fetched from the URL in the event (within the size cap), read by the core."""
        images = self.core.images
        assert images is not None
        if images.admit(request) is not Admission.ALLOW:
            return images.refusal(notice(self.locale, "image.busy"))
        if not images.can_read:
            return await images.without_image(request, "image.unavailable")
        try:
            data, failure = await self.client.download(url, MAX_BYTES), None
        except DownloadTooBig:
            data, failure = None, "too_big"
        except (httpx.HTTPError, ZaloApiError) as exc:
            log.warning("could not download a Zalo image: %s", type(exc).__name__)
            data, failure = None, "download_failed"
        return await images.check(request, data, failure)

    def messages(self, chat_id: str, reply: Reply, kind: Kind = Kind.ANSWER,
                 ref: dict[str, Any] | None = None) -> list[Owed]:
        """`reply` as Zalo messages: plain text labelled as automated, split to fit; `ref` on the last."""
        labelled = Reply((*reply.paragraphs, Paragraph.of(self.locale.t("zalo.automated"))))
        chunks = split_plain(render_plain(labelled), MESSAGE_LIMIT)
        return [Owed(PLATFORM, chat_id, kind.value, {"text": chunk}, ref if i == len(chunks) - 1 else None)
                for i, chunk in enumerate(chunks)]

    async def send(self, chat_id: str, reply: Reply, kind: Kind = Kind.ANSWER) -> None:
        """Owe `reply` to a Zalo chat (handlers/zalo/delivery.py sends it)."""
        assert self.core.outbox is not None
        await self.core.outbox.owe(self.messages(chat_id, reply, kind))

    async def handle_safely(self, body: Any) -> None:
        """Store one update of a poll (the taker answers it)."""
        try:
            await self.take(body)
        except Exception:  # not stored: lost with Zalo's poll, as before there was an inbox; said loudly
            log.exception("could not store a Zalo update")
