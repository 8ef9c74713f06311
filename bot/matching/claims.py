"""Whether a message states something to check (a claim) or is talk to the bot.

Pure functions over the matcher's own reading of a text: its normalisation (marks, teencode),
its stop words and its indicators. Greetings, thanks, reactions, a bare "có thật không?" and
unknown commands are answered with a hint instead of being queued for officers; everything else
is a claim. When in doubt it is a claim: a missed chat costs an officer one glance, a missed
scam costs someone their money. The words are data (data/small_talk.yaml), not code.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from bot.matching.features import is_stopword
from bot.matching.indicators import extract
from bot.matching.normalize import normalize, read_data

# A claim needs this many content words (syllables that are neither stop words nor small talk).
# One names a topic at most ("bão à?", "vneid lừa đảo à?"); two can state something ("Động
# đất!", "Cắt điện?"). Measured on ../shared/eval/dev (299 cases): at 2, every one of the 199
# rumors, scams and questions about them is a claim, and all 15 "short" negatives ("thật ko?",
# "check giúp e với", "fake à", "👍") are not (the 85 chats, news and warnings stay claims); every
# one of the 306 positives of tests/fixtures/*_cases.yaml and the 702 wordings of
# data/known_rumors.yaml is a claim too. At 3 nothing more is caught, and two-word alarms are
# lost. A link, phone number or bank account is a claim with no words at all
# (tests/bot/matching/test_claims.py keeps these figures).
MIN_CONTENT_WORDS = 2
# "/menu", "/start@other_bot": a slash command at the very start.
COMMAND = re.compile(r"^/\w+(?:@\w+)?(?=\s|$)")
SYMBOLS = frozenset({"So", "Sk"})  # emoji and pictographs: a reaction ("😂👍"), not a claim


class NotAClaim(StrEnum):
    """Why a message is not queued for officers (stored in reports.not_a_claim)."""

    GREETING = "greeting"  # "chào bot", "alo"
    THANKS = "thanks"  # "cảm ơn nhiều", "thanks"
    CHATTER = "chatter"  # "ok", "haha", "😂👍"
    BARE_QUESTION = "bare_question"  # "có thật không?", "check giúp", "tin này thật ko" — without the message
    COMMAND = "command"  # "/menu": a command the bot does not know
    NO_CLAIM = "no_claim"  # too few content words, or only punctuation


# When a message mixes small talk of several kinds, the first here names it: the hint for a bare
# question (send me the message) helps most, a reaction's least.
PRECEDENCE = (NotAClaim.BARE_QUESTION, NotAClaim.THANKS, NotAClaim.GREETING, NotAClaim.CHATTER)
SECTIONS = {"greeting": NotAClaim.GREETING, "thanks": NotAClaim.THANKS, "chatter": NotAClaim.CHATTER,
            "bare_question": NotAClaim.BARE_QUESTION, "address": None}


@dataclass(frozen=True)
class ClaimReading:
    """What a message is, with the numbers behind it, as officers and logs see it."""

    reason: NotAClaim | None  # None: a claim
    content_words: int = 0
    detail: str = ""  # "1 content word < 2; bare_question": numbers and names, never the message's words

    @property
    def is_claim(self) -> bool:
        return self.reason is None


Word = tuple[str, str]  # (accented, folded), as in Normalized
Phrase = tuple[Word, ...]


@cache
def vocabulary() -> dict[str, tuple[tuple[Phrase, NotAClaim | None], ...]]:
    """The small talk of data/small_talk.yaml, normalised like a message, by its first mark-free word,
    each with what it says (None: only a name of the bot); the longest phrases first."""
    data = read_data("small_talk.yaml")
    found: dict[str, list[tuple[Phrase, NotAClaim | None]]] = defaultdict(list)
    for section, reason in SECTIONS.items():
        for item in data[section]:
            norm = normalize(str(item))
            phrase = tuple(zip(norm.accented, norm.folded, strict=True))
            if phrase:
                found[phrase[0][1]].append((phrase, reason))
    return {first: tuple(sorted(items, key=lambda p: len(p[0]), reverse=True)) for first, items in found.items()}


def same_word(word: Word, listed: Word) -> bool:
    """A message word is a listed word when their mark-free forms agree and, if it was typed with
    marks, the marks agree too (the rule stop words follow: "co" and "có" yes, "cổ" no)."""
    accented, folded = word
    return folded == listed[1] and (accented == folded or accented == listed[0])


def _phrase_at(words: list[Word], at: int) -> tuple[int, NotAClaim | None] | None:
    """The longest listed phrase starting at `at`: how many words it covers and what it says."""
    for phrase, reason in vocabulary().get(words[at][1], ()):
        if len(phrase) <= len(words) - at and all(same_word(words[at + i], p) for i, p in enumerate(phrase)):
            return len(phrase), reason
    return None


def classify_message(text: str) -> ClaimReading:
    """A claim, or not a claim with the reason."""
    stripped = text.strip()
    command = COMMAND.match(stripped)
    if command:
        rest = classify_message(stripped[command.end():])
        if rest.is_claim:  # a mistyped command before a real message: the message counts
            return rest
        return ClaimReading(NotAClaim.COMMAND, rest.content_words, f"a command, then {rest.detail}")
    if not any(c.isalnum() for c in stripped):
        if any(unicodedata.category(c) in SYMBOLS for c in stripped):
            return ClaimReading(NotAClaim.CHATTER, detail="only emoji")
        return ClaimReading(NotAClaim.NO_CLAIM, detail="no words")
    found = extract(text)
    if found.keys:  # a scam lure is often nothing but a link or a number
        kinds = sorted({key.split(":", 1)[0] for key in found.keys})
        return ClaimReading(None, detail=f"{len(found.keys)} indicator(s): {', '.join(kinds)}")
    norm = normalize(found.rest)
    words = list(zip(norm.accented, norm.folded, strict=True))
    content = 0
    talk: set[NotAClaim] = set()
    at = 0
    while at < len(words):
        phrase = _phrase_at(words, at)
        if phrase is not None:
            length, reason = phrase
            if reason is not None:
                talk.add(reason)
            at += length
            continue
        content += not is_stopword(*words[at])
        at += 1
    counted = f"{content} content word{'s' if content != 1 else ''}"
    if content >= MIN_CONTENT_WORDS:
        return ClaimReading(None, content, f"{counted} ≥ {MIN_CONTENT_WORDS}")
    reason = next((r for r in PRECEDENCE if r in talk), None)
    if reason is None:
        # only stop words ("ủa", "vậy hả"): talk; one word of something ("tin", "abc"): nothing to check
        reason = NotAClaim.CHATTER if words and content == 0 else NotAClaim.NO_CLAIM
    return ClaimReading(reason, content, f"{counted} < {MIN_CONTENT_WORDS}; {reason.value}")
