"""The officers' button payloads: versioned and validated, so a stale or forged press gets a clear answer.

`v1:of:<action>:<args>`: the version, the feature ("of", the officers'), the action and its
arguments, each checked against its pattern; Telegram carries at most 64 bytes of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.catalogue import SLUG, Verdict

PAYLOAD_VERSION = "v1"
PAYLOAD_FEATURE = "of"
PAYLOAD_LIMIT = 64  # bytes, Telegram's limit for callback_data
# action -> patterns of its arguments
PAYLOAD_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "ln": (r"\d{1,12}", SLUG.pattern),  # link a report's group to an entry
    "sg": (r"\d{1,12}", r"\d{1,4}"),  # show a report's card with fresh suggestions (page 0: in place)
    "nw": (r"\d{1,12}",),  # make an entry from a report
    "dm": (r"\d{1,12}", r"\d{1,4}"),  # dismiss a report's group (page 0: pressed on its card)
    "pg": (r"\d{1,4}",),  # a page of the review queue
    "vd": ("|".join(v.value for v in Verdict),),  # the verdict, in the guided /them
    "ok": (),  # save the previewed entry
    "no": (),  # drop it
}


@dataclass(frozen=True)
class Payload:
    action: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join((PAYLOAD_VERSION, PAYLOAD_FEATURE, self.action, *self.args))
        if len(data.encode()) > PAYLOAD_LIMIT:
            raise ValueError(f"button payload over {PAYLOAD_LIMIT} bytes: {data!r}")
        return data


class PayloadError(StrEnum):
    STALE = "stale"  # ours, from another version
    INVALID = "invalid"  # not a payload we could have made


def parse_payload(data: str) -> Payload | PayloadError:
    parts = data.split(":")
    if len(parts) < 3 or parts[1] != PAYLOAD_FEATURE:
        return PayloadError.INVALID
    if parts[0] != PAYLOAD_VERSION:
        return PayloadError.STALE
    patterns = PAYLOAD_ACTIONS.get(parts[2])
    args = tuple(parts[3:])
    if patterns is None or len(args) != len(patterns) or len(data.encode()) > PAYLOAD_LIMIT:
        return PayloadError.INVALID
    if not all(re.fullmatch(p, a) for p, a in zip(patterns, args, strict=True)):
        return PayloadError.INVALID
    return Payload(parts[2], args)


def is_officer_payload(data: str) -> bool:
    parts = data.split(":", 2)
    return len(parts) >= 2 and parts[1] == PAYLOAD_FEATURE
