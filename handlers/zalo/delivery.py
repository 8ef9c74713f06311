"""Zalo's side of the outbox: the transport that sends owed messages, out of the poll loop.

Every Zalo send goes through the core's sender (bot/delivery/sender.py): a slow or failing send
no longer holds up the poll loop, and what failed is sent again once Zalo answers. Each message
sent is counted against the plan's monthly quota; officers are warned once when it nears the cap.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from bot.config import ZaloConfig
from bot.delivery.outbox import Kind, Outbox
from bot.delivery.rates import Rate
from bot.delivery.sender import Failure, SendFailure
from bot.locale import Locale
from bot.store.outbox import Owed
from handlers.http.metrics import METRICS
from handlers.zalo.client import PLATFORM, ZaloApiError, ZaloClient

log = logging.getLogger(__name__)

# Seconds a send waits for Zalo's answer: the client's 10 s made a slow network look like a failure.
SEND_TIMEOUT = 25.0
# Refusals that are the platform's for good: a bad request, a chat it does not know or lets the bot
# not write to. 401 (the token), 408, 429 and 5xx are the platform's trouble, not the message's.
REFUSALS = frozenset({400, 403, 404})


def failure_of(exc: Exception) -> SendFailure:
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ZaloApiError) and exc.code in REFUSALS:
        return SendFailure(Failure.REFUSED, reason)
    return SendFailure(Failure.TRANSIENT, reason)  # timeouts, resets, 5xx, 429: tried again


class ZaloTransport:
    platform = PLATFORM

    def rates(self, chat_id: str) -> list[Rate]:
        """None known: Zalo's Basic plan limits a month's messages (counted in the quota), not a second's."""
        return []

    def __init__(self, client: ZaloClient, outbox: Outbox, settings: ZaloConfig, locale: Locale) -> None:
        self.client = client
        self.outbox = outbox
        self.settings = settings
        self.locale = locale

    async def send(self, chat_id: str, payload: Mapping[str, Any]) -> None:
        try:
            await self.client.call("sendMessage", {"chat_id": chat_id, "text": str(payload["text"])},
                                   timeout=SEND_TIMEOUT)
        except (ZaloApiError, httpx.HTTPError) as exc:
            METRICS.send_failures.labels(PLATFORM).inc()
            raise failure_of(exc) from None
        await self.count_outbound(1)

    async def count_outbound(self, messages: int) -> None:
        """Count what this month costs of the plan's quota; warn officers once when it nears the cap."""
        storage = self.outbox.storage
        total = await storage.quota.count_outbound(PLATFORM, messages)
        threshold = int(self.settings.monthly_quota * self.settings.quota_warning)
        if total - messages < threshold <= total:
            text = self.locale.t("zalo.quota_warning", used=total, quota=self.settings.monthly_quota)
            log.warning("Zalo outbound messages this month: %d of %d", total, self.settings.monthly_quota)
            await self.outbox.owe_now([Owed(PLATFORM, officer, Kind.NOTICE.value, {"text": text})
                                       for officer in self.settings.officers])
