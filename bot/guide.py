"""The bot's own introductions: what every platform shows for /start and /help, and the hints
that answer a message that is not a claim."""

from __future__ import annotations

from bot.locale import Locale
from bot.matching.claims import NotAClaim
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


def hint_reply(reason: NotAClaim, locale: Locale) -> Reply:
    """The answer to a message that is not a claim: what would help instead. Never "recorded for
    officers": it is not queued for them."""
    if reason is NotAClaim.GREETING:  # what the bot does, in two lines
        return Reply((Paragraph.of(bold(locale.t("start.greeting"))), Paragraph.of(locale.t("start.how"))))
    hint = Paragraph.of(locale.t(f"hint.{reason.value}"))
    if reason is NotAClaim.COMMAND:  # the list of commands
        return Reply((hint, *help_reply(locale).paragraphs[1:]))
    return Reply((hint,))
