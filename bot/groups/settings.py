"""A group's settings: the words admins type after /caidat, the settings buttons, the replies.

An admin chooses a mode by typing it (`/caidat bật`) or by pressing a button; the buttons' payloads
are versioned and validated, so a stale button gets a clear answer instead of a crash.
"""

from __future__ import annotations

from bot.groups.policy import GroupPolicy, WatchMode
from bot.locale import Locale
from bot.replies import Button, Paragraph, Reply, bold, italic

# What admins may type after /caidat; `on` and the Vietnamese words are accepted too.
MODE_WORDS: dict[str, WatchMode] = {
    "warn": WatchMode.WARN, "on": WatchMode.WARN, "bat": WatchMode.WARN, "bật": WatchMode.WARN,
    "canhbao": WatchMode.WARN, "cảnhbáo": WatchMode.WARN,
    "observe": WatchMode.OBSERVE, "theodoi": WatchMode.OBSERVE, "theodõi": WatchMode.OBSERVE,
    "off": WatchMode.OFF, "tat": WatchMode.OFF, "tắt": WatchMode.OFF,
}


def parse_mode(word: str) -> WatchMode | None:
    return MODE_WORDS.get("".join(word.lower().split()).replace("-", "").replace("_", ""))


# -- settings buttons ------------------------------------------------------------------------------

PAYLOAD_VERSION = "v1"
PAYLOAD_PREFIX = f"{PAYLOAD_VERSION}:grp:mode:"
PAYLOAD_PATTERN = r"^v\d+:grp:"  # every groups payload, current or stale, is routed to the groups handler


def mode_payload(mode: WatchMode) -> str:
    return f"{PAYLOAD_PREFIX}{mode.value}"


def parse_mode_payload(data: str) -> WatchMode | None:
    """The mode a settings button asks for; None for a stale or forged payload."""
    if not data.startswith(PAYLOAD_PREFIX):
        return None
    try:
        return WatchMode(data.removeprefix(PAYLOAD_PREFIX))
    except ValueError:
        return None


# -- replies ------------------------------------------------------------------------------------

def mode_name(mode: WatchMode, locale: Locale) -> str:
    return locale.t(f"groups.mode.{mode.value}")


def mode_about(mode: WatchMode, policy: GroupPolicy, locale: Locale) -> str:
    hours = policy.warn_cooldown.total_seconds() / 3600
    return locale.t(f"groups.mode.{mode.value}.about", hours=f"{hours:g}")


def privacy_note(mode: WatchMode, reads_all_messages: bool, locale: Locale) -> list[Paragraph]:
    """Say so when the mode needs messages the bot cannot see, instead of watching in silence."""
    if reads_all_messages or mode is WatchMode.OFF:
        return []
    return [Paragraph.of(locale.t("groups.join.privacy"))]


def settings_reply(mode: WatchMode, reads_all_messages: bool, policy: GroupPolicy, locale: Locale) -> Reply:
    t = locale.t
    lines = "\n".join(f"• {mode_name(m, locale)}: {mode_about(m, policy, locale)}" for m in WatchMode)
    buttons = tuple(
        Button(("✓ " if m is mode else "") + mode_name(m, locale), mode_payload(m)) for m in WatchMode
    )
    return Reply((
        Paragraph.of(t("groups.settings.current"), bold(mode_name(mode, locale))),
        Paragraph.of(lines),
        *privacy_note(mode, reads_all_messages, locale),
        Paragraph.of(italic(t("groups.settings.how"))),
    ), (buttons,))


def mode_changed_reply(mode: WatchMode, reads_all_messages: bool, policy: GroupPolicy, locale: Locale) -> Reply:
    return Reply((
        Paragraph.of(locale.t("groups.settings.changed"), bold(mode_name(mode, locale))),
        Paragraph.of(mode_about(mode, policy, locale)),
        *privacy_note(mode, reads_all_messages, locale),
    ))


def join_reply(mode: WatchMode, reads_all_messages: bool, policy: GroupPolicy, locale: Locale) -> Reply:
    t = locale.t
    paragraphs = [
        Paragraph.of(bold(t("groups.join.greeting"))),
        Paragraph.of(t("groups.join.ask")),
        Paragraph.of(t("groups.settings.current"), bold(mode_name(mode, locale)), " — ",
                     mode_about(mode, policy, locale)),
        Paragraph.of(t("groups.join.admins")),
    ]
    if not reads_all_messages:
        paragraphs.append(Paragraph.of(t("groups.join.privacy")))
    return Reply(tuple(paragraphs))
