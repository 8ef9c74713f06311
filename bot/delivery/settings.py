"""The delivery settings (`delivery:` in the config), apart so that the sender needs no config module."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryConfig:
    """The outbox's sender (bot/delivery) and the shutdown deadline."""

    # A message that could not be delivered for this long is given up: a dead letter in /thongke and
    # the metrics. A day covers a Telegram or Zalo outage and a night without network.
    give_up_hours: float = 24.0
    # SIGTERM to exit, closing included: running handlers and sends get most of it, the rest stays in
    # the inbox and the outbox. 10 s: docker stop's grace, well under systemd's TimeoutStopSec (90 s).
    shutdown_seconds: float = 10.0
    # How long a process's claim on an update or a message holds: with several processes on one
    # database (PostgreSQL), what a killed process was handling or sending is taken over by another
    # after this. Longer than any handling (an image's OCR: seconds) or send (a 30 s timeout).
    lease_seconds: float = 120.0
