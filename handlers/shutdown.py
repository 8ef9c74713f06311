"""The shutdown budget: SIGTERM to exit within `delivery.shutdown_seconds`, nothing owed lost.

Stopping goes in steps, each within its share: the platforms stop fetching at once; the running
handlers get half of the budget (an update still running then stays unfinished in the inbox and is
handled at the next start); the sends under way get a fifth (a message cut off stays in the outbox
and is sent at the next start); what is left closes the platforms and the database.
"""

from __future__ import annotations

from bot.config import Config

HANDLERS_SHARE = 0.5
SENDS_SHARE = 0.2


def handlers_deadline(config: Config) -> float:
    """Seconds the running handlers get once the bot is told to stop."""
    return config.delivery.shutdown_seconds * HANDLERS_SHARE


def sends_deadline(config: Config) -> float:
    """Seconds the sends under way get once the handlers are done."""
    return config.delivery.shutdown_seconds * SENDS_SHARE
