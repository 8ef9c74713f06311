"""What the bot counts, in prometheus_client metrics on a registry of its own.

One process-wide `METRICS`: the platform adapters tell it what they received, handled and failed to
send, the checker's observer tells it each answer's band and how long the check took. Gauges that
live in the database (reports pending, the inbox backlog) are read when /metrics is scraped.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.checking import Answer
from bot.delivery.outbox import Delivery

# Check latency buckets in seconds: a lexical check takes ~2 ms and the semantic signal ~0.13 s on
# one core (bench/README.md); past a second something waits (the database, a busy CPU).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.received = Counter("kiemchung_updates_received", "Updates taken in (stored in the inbox or handled)",
                                ["platform"], registry=self.registry)
        self.handled = Counter("kiemchung_updates_handled", "Updates whose handlers ran to the end",
                               ["platform"], registry=self.registry)
        self.answers = Counter("kiemchung_answers", "Checks answered, by band", ["band"], registry=self.registry)
        self.check_seconds = Histogram("kiemchung_check_seconds", "Time one check took (matching, signs, log)",
                                       buckets=LATENCY_BUCKETS, registry=self.registry)
        self.send_failures = Counter("kiemchung_send_failures", "Messages a platform refused or that failed",
                                     ["platform"], registry=self.registry)
        self.reports_pending = Gauge("kiemchung_reports_pending", "Reports waiting for an officer",
                                     registry=self.registry)
        self.inbox_backlog = Gauge("kiemchung_inbox_backlog", "Updates stored but not yet handled",
                                   ["platform"], registry=self.registry)
        self.deliveries = Counter("kiemchung_deliveries", "Owed messages whose delivery ended, by how: sent, "
                                  "blocked, refused, dead (given up after retrying)", ["platform", "ending"],
                                  registry=self.registry)
        self.outbox = Gauge("kiemchung_outbox_messages", "Owed messages not yet delivered (pending, sending) and "
                            "dead letters of the last day", ["status"], registry=self.registry)
        self.contacts: dict[str, float] = {}  # platform -> time.time() of its last successful API contact

    def contact(self, platform: str) -> None:
        self.contacts[platform] = time.time()

    def observe_check(self, answer: Answer, seconds: float) -> None:
        """The checker's observer (bot/checking.py)."""
        self.answers.labels(answer.band.value).inc()
        self.check_seconds.observe(seconds)

    async def observe_delivery(self, delivery: Delivery) -> None:
        """The outbox's listener (bot/delivery/outbox.py)."""
        self.deliveries.labels(delivery.message.platform, delivery.ending.value).inc()

    def text(self) -> bytes:
        return generate_latest(self.registry)


METRICS = Metrics()
