"""The Bot API shapes of the updates the bot reads, checked before any handler sees one.

python-telegram-bot builds its objects without checking types: a message whose `text` is a
number, whose `chat` is a list or which has no `from` in a callback query becomes an object that
fails later, deep in a handler. Telegram never sends such updates; a broken self-hosted server or a
forged webhook might. So the durable poller checks the fields the handlers read (required ones
present, every known one of its Bot API type) and skips an update that fails, with a WARNING
naming the field, never its content. Unknown fields and unknown update types pass: Telegram adds
fields, and PTB keeps them aside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Ref:
    """A shape defined below (a message holds the message it replies to)."""

    name: str


@dataclass(frozen=True)
class Shape:
    """A JSON object: fields it must have and fields it may have, each with its type."""

    required: Mapping[str, Kind]
    optional: Mapping[str, Kind] = field(default_factory=dict)


@dataclass(frozen=True)
class ListOf:
    item: Kind


Kind = type | Shape | ListOf | Ref


USER = Shape({"id": int, "is_bot": bool, "first_name": str}, {"last_name": str, "username": str})
CHAT = Shape({"id": int, "type": str}, {"title": str, "username": str, "first_name": str})
ENTITY = Shape({"type": str, "offset": int, "length": int}, {"url": str, "user": USER})
ORIGIN = Shape({"type": str, "date": int},
               {"sender_user": USER, "sender_user_name": str, "sender_chat": CHAT, "chat": CHAT})
FILE = Shape({"file_id": str, "file_unique_id": str})
MESSAGE = Shape(
    {"message_id": int, "date": int, "chat": CHAT},
    {
        "from": USER, "sender_chat": CHAT, "text": str, "caption": str, "entities": ListOf(ENTITY),
        "caption_entities": ListOf(ENTITY), "reply_to_message": Ref("message"), "forward_origin": ORIGIN,
        "edit_date": int, "via_bot": USER, "is_automatic_forward": bool, "migrate_to_chat_id": int,
        "migrate_from_chat_id": int, "photo": ListOf(FILE), "video": FILE, "document": FILE, "audio": FILE,
        "voice": FILE, "video_note": FILE, "sticker": FILE, "animation": FILE,
    },
)
CALLBACK_QUERY = Shape({"id": str, "from": USER, "chat_instance": str},
                       {"message": MESSAGE, "inline_message_id": str, "data": str, "game_short_name": str})
MEMBER = Shape({"status": str, "user": USER})
MEMBER_UPDATED = Shape({"chat": CHAT, "from": USER, "date": int, "old_chat_member": MEMBER,
                        "new_chat_member": MEMBER})
UPDATE = Shape({"update_id": int}, {
    "message": MESSAGE, "edited_message": MESSAGE, "channel_post": MESSAGE, "edited_channel_post": MESSAGE,
    "callback_query": CALLBACK_QUERY, "my_chat_member": MEMBER_UPDATED,
})
SHAPES: Mapping[str, Shape] = {"message": MESSAGE}


def update_problem(update: Any) -> str | None:
    """Where `update` (decoded JSON) departs from the Bot API, e.g. "message.chat.id: not int"; None if nowhere."""
    return _problem(update, UPDATE, "update")


def _problem(value: Any, kind: Kind, path: str) -> str | None:
    if isinstance(kind, Ref):
        kind = SHAPES[kind.name]
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            return f"{path}: not a list"
        for index, item in enumerate(value):
            problem = _problem(item, kind.item, f"{path}[{index}]")
            if problem:
                return problem
        return None
    if isinstance(kind, Shape):
        if not isinstance(value, dict):
            return f"{path}: not an object"
        for name in kind.required:
            if name not in value:
                return f"{path}.{name}: missing"
        for name, member in (*kind.required.items(), *kind.optional.items()):
            if name in value:
                problem = _problem(value[name], member, f"{path}.{name}")
                if problem:
                    return problem
        return None
    # bool is an int in Python, never in JSON's eyes
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return f"{path}: not {kind.__name__}"
    return None
