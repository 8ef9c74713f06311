"""The 👍 / 👎 buttons under every verdict answer: their payloads and labels.

Kept apart from the feedback use case (bot/desk/feedback.py) because the checker attaches them to its
answers, and the use case needs storage, which needs the checker's types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.locale import Locale
from bot.replies import Button, Reply

PAYLOAD_VERSION = "v1"
PAYLOAD_FEATURE = "fb"
PAYLOAD_PATTERN = r"^v\d+:fb:"  # every feedback payload, current or stale, goes to the feedback handler
CURRENT = re.compile(r"^v1:fb:(up|dn):(\d{1,15})$")  # at most 26 bytes, far below Telegram's 64


class Vote(StrEnum):
    UP = "up"
    DOWN = "down"

    @property
    def code(self) -> str:
        return "up" if self is Vote.UP else "dn"


@dataclass(frozen=True)
class VotePayload:
    vote: Vote
    report_id: int

    def encode(self) -> str:
        return f"{PAYLOAD_VERSION}:{PAYLOAD_FEATURE}:{self.vote.code}:{self.report_id}"


class VotePayloadError(StrEnum):
    STALE = "stale"  # ours, from another version
    INVALID = "invalid"  # not a payload we could have made


def parse_vote_payload(data: str) -> VotePayload | VotePayloadError:
    found = CURRENT.match(data)
    if found is not None:
        return VotePayload(Vote.UP if found.group(1) == "up" else Vote.DOWN, int(found.group(2)))
    return VotePayloadError.STALE if re.match(PAYLOAD_PATTERN, data) and not data.startswith("v1:") \
        else VotePayloadError.INVALID


def vote_buttons(report_id: int, locale: Locale, up: int = 0, down: int = 0) -> tuple[Button, ...]:
    """The row of buttons, with the counts once someone voted."""
    def label(key: str, count: int) -> str:
        return locale.t(key) + (f" · {count}" if count else "")

    return (
        Button(label("feedback.button.up", up), VotePayload(Vote.UP, report_id).encode()),
        Button(label("feedback.button.down", down), VotePayload(Vote.DOWN, report_id).encode()),
    )


def with_vote_buttons(reply: Reply, report_id: int, locale: Locale) -> Reply:
    """`reply` with the feedback buttons as its last row."""
    return replace(reply, buttons=(*reply.buttons, vote_buttons(report_id, locale)))
