"""The watch-mode policy: the modes, the groups' configuration, and the gates of a warning.

The decision to warn a group is made here, in one pure function (`decide_watch`) that returns
the action and a plain reason; the Telegram side only gathers the facts and sends the reply.
A wrong warning in a group costs more than a missed one (people stop trusting the bot and
admins remove it), so every gate below errs on the side of silence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.catalogue import Verdict
from bot.checking import CheckRequest
from bot.matching.matcher import Band, MatchResult

# A message older than this when it reaches the bot is not warned about: after a restart
# Telegram delivers the backlog, and a warning under an hour-old post lands out of context.
STALE_AFTER = dt.timedelta(minutes=1)
# A mention without a reply whose text has fewer words is a question ("tin này có thật không
# vậy bot?" has 7), not a message to check: the bot answers with the usage hint. Shorter texts
# would rarely match anyway (the first matcher trusts partial matches from 8 words).
SUBSTANTIVE_WORDS = 8
WARNED_VERDICTS = frozenset({Verdict.FALSE, Verdict.SCAM, Verdict.MISLEADING})
# Forward origins that name a public chat or channel: kept in a sighting. A forward from a
# person names that person, and a sighting records no person.
PUBLIC_ORIGINS = frozenset({"chat", "channel"})


class WatchMode(StrEnum):
    OFF = "off"  # the bot only answers when asked
    OBSERVE = "observe"  # sightings of known rumors are logged for officers; the bot says nothing
    WARN = "warn"  # as observe, and a reply under a reposted rumor when every gate passes


@dataclass(frozen=True)
class GroupPolicy:
    """The groups section of the configuration."""

    # `observe` for a newly added group: it says nothing until an admin opts in to warnings,
    # and officers still learn where known rumors circulate.
    default_mode: WatchMode = WatchMode.OBSERVE
    warn_cooldown: dt.timedelta = dt.timedelta(hours=6)
    # The shortest claim or variant in the shipped catalogue has 10 words (measured with
    # tests/data/test_shipped_catalogue.py), so a full repost of any entry passes; a shorter
    # fragment ("mua muối i-ốt về ăn", often part of a debunk) does not.
    min_warn_words: int = 10
    checks_per_minute: int = 5


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


# -- the watch decision --------------------------------------------------------------------------

class WatchAction(StrEnum):
    IGNORE = "ignore"  # nothing logged, nothing said
    RECORD = "record"  # a "seen" report for officers, nothing said
    WARN = "warn"  # a "seen" report and a warning under the message


@dataclass(frozen=True)
class WatchDecision:
    action: WatchAction
    reason: str  # plain words for the log and for officers: which gate decided, with the numbers

    @property
    def records(self) -> bool:
        return self.action is not WatchAction.IGNORE


@dataclass(frozen=True)
class Sighting:
    """A message passing in a group, as plain facts."""

    request: CheckRequest  # kind SEEN
    sent_at: dt.datetime
    from_self: bool = False
    from_bot: bool = False


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def decide_watch(
    mode: WatchMode,
    sighting: Sighting,
    result: MatchResult,
    last_warned: dt.datetime | None,
    policy: GroupPolicy,
    now: dt.datetime,
) -> WatchDecision:
    """Whether to stay silent, log a sighting, or warn; each gate names itself in the reason."""
    if mode is WatchMode.OFF:
        return WatchDecision(WatchAction.IGNORE, "watch mode off")
    if sighting.from_self:
        return WatchDecision(WatchAction.IGNORE, "the bot's own message")
    if result.band is Band.SUSPICIOUS:
        return WatchDecision(WatchAction.RECORD, "scam signs, no entry: logged for officers, never posted")
    rumor = result.rumor
    if result.band is Band.NONE or rumor is None:
        return WatchDecision(WatchAction.IGNORE, f"no known rumor (best score {result.score:.0f})")
    entry = f"{rumor.id} {result.band.value} {result.score:.0f}"
    if mode is WatchMode.OBSERVE:
        return WatchDecision(WatchAction.RECORD, f"{entry}: observe mode")
    if sighting.from_bot:
        return WatchDecision(WatchAction.RECORD, f"{entry}: sent by a bot")
    age = (now - sighting.sent_at).total_seconds()
    if age > STALE_AFTER.total_seconds():
        return WatchDecision(WatchAction.RECORD, f"{entry}: stale, sent {_age(age)} ago "
                                                 f"(limit {_age(STALE_AFTER.total_seconds())})")
    if result.band is not Band.MATCH:
        return WatchDecision(WatchAction.RECORD, f"{entry}: band {result.band.value}, warnings need match")
    if rumor.verdict not in WARNED_VERDICTS:
        return WatchDecision(WatchAction.RECORD, f"{entry}: verdict {rumor.verdict.value}, never warned")
    words = word_count(sighting.request.text)
    if words < policy.min_warn_words:
        return WatchDecision(WatchAction.RECORD, f"{entry}: {words} words < {policy.min_warn_words}")
    if last_warned is not None and now - last_warned < policy.warn_cooldown:
        since = (now - last_warned).total_seconds()
        return WatchDecision(WatchAction.RECORD, f"{entry}: warned {_age(since)} ago "
                                                 f"(cooldown {_age(policy.warn_cooldown.total_seconds())})")
    return WatchDecision(WatchAction.WARN, f"{entry}: verdict {rumor.verdict.value}, {words} words")


def private_sighting(request: CheckRequest) -> CheckRequest:
    """The sighting as it is logged: where the rumor passed, never who posted or forwarded it."""
    origin = request.origin if request.origin and request.origin.kind in PUBLIC_ORIGINS else None
    return replace(request, user_id=None, origin=origin)


# -- questions to the bot ----------------------------------------------------------------------------

class QuestionTarget(StrEnum):
    REPLIED = "replied"  # check the message the question replies to
    TEXT = "text"  # check the text that came with the question
    HINT = "hint"  # nothing to check: explain how to ask


def question_target(text: str, has_reply: bool, min_words: int = SUBSTANTIVE_WORDS) -> QuestionTarget:
    """What a command or a mention asks about. `text` is what came with it (command or mention removed);
    a command passes min_words=1: any text typed after /kiemtra is meant to be checked."""
    if has_reply:
        return QuestionTarget.REPLIED
    if word_count(text) >= min_words:
        return QuestionTarget.TEXT
    return QuestionTarget.HINT
