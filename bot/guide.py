"""The bot's own introductions: what every platform shows for /start and /help."""

from __future__ import annotations

from bot.locale import Locale
from bot.replies import Paragraph, Reply, bold

HELP_LINES = ("help.forward", "help.check", "groups.help", "help.help", "help.start")


def welcome_reply(locale: Locale) -> Reply:
    return Reply((
        Paragraph.of(bold(locale.t("start.greeting"))),
        Paragraph.of(locale.t("start.how")),
        Paragraph.of(locale.t("start.groups")),
        Paragraph.of(locale.t("start.disclaimer")),
    ))


def help_reply(locale: Locale) -> Reply:
    return Reply((
        Paragraph.of(bold(locale.t("help.title"))),
        Paragraph.of("\n".join(locale.t(key) for key in HELP_LINES)),
    ))
