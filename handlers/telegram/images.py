"""Telegram images: a photo or an image document in private, `/kiemtra` under a photo in a group, and an
officer's `/sua <id> anh` under a photo. The file is fetched with getFile (the largest photo size) from
`telegram.base_file_url`; the core reads it (bot/images)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import replace

import httpx
from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.checking import Answer, CheckRequest, ReportKind, notice
from bot.core import Core
from bot.delivery.outbox import Kind
from bot.desk.rights import Actor
from bot.groups.limiter import Admission
from bot.groups.policy import Sighting, WatchMode
from bot.images.check import joined
from bot.images.loading import MAX_BYTES
from bot.locale import Locale
from bot.matching.matcher import Band, MatchResult
from bot.replies import Reply
from handlers.telegram.messages import Context, request_for, send_reply, text_of
from handlers.telegram.officers import actor_of

log = logging.getLogger(__name__)

# Photos, and documents whose type says image (a screenshot sent "as a file" keeps its full quality).
IMAGES = filters.PHOTO | filters.Document.IMAGE
ATTACH = re.compile(r"^/(?:sua|edit)(?:@\w+)?\s+(?P<id>[a-z0-9-]+)\s+(?:anh|ảnh|image)\s*$", re.IGNORECASE)


def image_file_id(message: Message) -> tuple[str, int | None] | None:
    """The file id of the message's image (the largest photo size) and its size when told."""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return largest.file_id, largest.file_size
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document.file_id, document.file_size
    return None


def has_image(message: Message) -> bool:
    return image_file_id(message) is not None


async def download(message: Message, context: Context) -> tuple[bytes | None, str | None]:
    """The image's bytes, or None and the locale key (under image.*) of why not."""
    found = image_file_id(message)
    if found is None:
        return None, "not_image"
    file_id, size = found
    if size is not None and size > MAX_BYTES:
        return None, "too_big"
    try:
        file = await context.bot.get_file(file_id)
        if file.file_size is not None and file.file_size > MAX_BYTES:
            return None, "too_big"
        return bytes(await file.download_as_bytearray()), None
    except (TelegramError, httpx.HTTPError, OSError) as exc:
        log.warning("could not download image %s: %s", file_id, exc)
        return None, "download_failed"


class ImageHandlers:
    def __init__(self, core: Core, locale: Locale) -> None:
        self.core = core
        self.locale = locale

    async def answer(self, target: Message, request: CheckRequest, context: Context) -> Answer:
        """Check the image of `target`, with `request` (the caption as its text) for the report."""
        images = self.core.images
        if images is None:
            return Answer(MatchResult(Band.NONE), notice(self.locale, "image.unavailable"))
        if images.admit(request) is not Admission.ALLOW:
            return images.refusal(notice(self.locale, "image.busy"))
        if not images.can_read:
            return images.refusal(notice(self.locale, "image.unavailable"))
        data, failure = await download(target, context)
        return await images.check(request, data, failure)

    async def private(self, update: Update, context: Context) -> None:
        """A photo or an image document in a private chat."""
        message = update.effective_message
        if message is None:
            return
        answer = await self.answer(message, request_for(message, text_of(message)), context)
        await send_reply(message, answer.reply)

    async def replied(self, target: Message, question: Message, context: Context) -> None:
        """/kiemtra (or a mention) under a photo in a group: logged as asked by the one who asked."""
        request = replace(request_for(target, text_of(target)),
                          user_id=str(question.from_user.id) if question.from_user else None,
                          message_id=str(question.message_id))
        answer = await self.answer(target, request, context)
        await send_reply(target, answer.reply)

    async def watch(self, update: Update, context: Context) -> None:
        """A photo passing in a watched group: read only when the group is watched, warned about only on a
        confident match, through the same gates as text (bot/groups/policy.py)."""
        message, images, groups = update.message, self.core.images, self.core.groups
        if message is None or images is None or groups is None or not images.can_read:
            return
        request = replace(request_for(message, text_of(message)), kind=ReportKind.SEEN)
        sender = message.from_user
        if sender is not None and (sender.is_bot or sender.id == context.bot.id):
            return
        if await groups.mode(request.platform, request.chat_id) is WatchMode.OFF:
            return  # spare the download and the OCR
        if images.admit(request) is not Admission.ALLOW:
            return
        data, _ = await download(message, context)
        decided = await images.decision(data, request.text) if data is not None else None
        if decided is None:
            return
        reading, result = decided
        sighting = Sighting(replace(request, text=joined(reading.text, request.text)), message.date)
        outcome = await groups.watch(sighting, dt.datetime.now(dt.UTC), result)
        if outcome.reply is not None:
            await send_reply(message, outcome.reply, kind=Kind.WARNING)

    async def photo_claim(self, message: Message, context: Context) -> tuple[str, bytes | None]:
        """The text read in the message's image (the claim of /them under a photo) and the image itself."""
        images = self.core.images
        if images is None or not images.can_read or not has_image(message):
            return "", None
        data, _ = await download(message, context)
        decided = await images.decision(data, "") if data is not None else None
        return (decided[0].text if decided is not None else ""), (data if decided is not None else None)

    async def attach_data(self, rumor_id: str, data: bytes, actor: Actor) -> str:
        images, storage = self.core.images, self.core.storage
        if images is None or storage is None:
            return "image.unavailable"
        return await images.attach(rumor_id, data, storage.images, actor.platform, actor.chat_id, actor.user_id)

    async def attach(self, update: Update, context: Context) -> None:
        """`/sua <id> anh` in answer to a photo: an officer attaches the image to the entry."""
        message, actor = update.effective_message, actor_of(update)
        officers, images = self.core.officers, self.core.images
        if message is None or actor is None or officers is None or images is None or self.core.storage is None:
            return
        found = ATTACH.match(message.text or "")
        target = message.reply_to_message
        if found is None or target is None or not has_image(target):
            await send_reply(message, notice(self.locale, "desk.image.usage"))
            return
        rumor = await officers.entries.guarded_entry(actor, "/sua", found["id"])
        if isinstance(rumor, Reply):
            await send_reply(message, rumor)
            return
        data, failure = await download(target, context)
        key = await self.attach_data(found["id"], data, actor) if data is not None else f"image.{failure}"
        await send_reply(message, notice(self.locale, key, id=found["id"]))
