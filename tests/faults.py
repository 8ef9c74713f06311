"""Faults the fake platforms answer sends with: the flaky network and the rate limits of real life.

A `SendFaults` plan, set on tests/fake_bot_api.py or tests/fake_zalo_api.py, answers a share of the
sends (at random, from a seeded generator) with one of the faults, and every send to a stubborn chat
with Telegram's 429 while it is active. It also keeps each chat's retry_after window and records a
send that came inside one: a bot that honours retry_after leaves `early` empty.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

# What a real network and platform do to a send, by name:
#   429 — Telegram's Too Many Requests with retry_after (Zalo answers it without one);
#   500, 502 — the platform's own trouble;
#   reset — the connection dropped before the platform read the request;
#   slow — the answer comes after `slow` seconds (the send did go through).
FAULTS = ("429", "500", "502", "reset", "slow")


@dataclass
class SendFaults:
    seed: int = 7
    share: float = 0.35  # of sends answered with a fault while active
    kinds: tuple[str, ...] = FAULTS
    stubborn: frozenset[str] = frozenset()  # chats whose every send gets 429 while active
    retry_after: tuple[int, int] = (1, 3)  # seconds Telegram asks to wait, at random in this range
    slow: tuple[float, float] = (6.0, 15.0)
    # the first sends (to chats that are not stubborn) get these, in order, then chance decides: every
    # kind is met at least once, whatever the order in which the bot sends
    opening: tuple[str, ...] = FAULTS
    active: bool = True
    windows: dict[str, float] = field(default_factory=dict)  # chat -> monotonic time before which no send
    early: list[tuple[str, float]] = field(default_factory=list)  # (chat, seconds before its window ended)
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.opened: list[str] = []

    def fault_for(self, chat_id: str) -> str | None:
        """The fault this send gets, or None to let it through; records a send inside a window."""
        now = time.monotonic()
        window = self.windows.get(chat_id)
        if window is not None and now < window:
            self.early.append((chat_id, window - now))
        if not self.active:
            return None
        if chat_id in self.stubborn:
            fault: str | None = "429"
        elif len(self.opened) < len(self.opening):
            fault = self.opening[len(self.opened)]
            self.opened.append(fault)
        else:
            fault = self.rng.choice(self.kinds) if self.rng.random() < self.share else None
        if fault is not None:
            self.injected[fault] += 1
        return fault

    def wait_asked(self, chat_id: str) -> int:
        """A 429's retry_after for this chat, remembered as its window."""
        seconds = self.rng.randint(*self.retry_after)
        self.windows[chat_id] = time.monotonic() + seconds
        return seconds

    async def slow_answer(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.slow))
