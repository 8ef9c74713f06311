"""The words of scam signs in a message: asks, urgency, threats, lures, warning cues.

A message is read in the matcher's normalised form (bot/matching/normalize.py) as a *cue view*:
one token a word, folded to ASCII unless its marks say it is another word than the patterns mean
(data/cues.yaml, `keep_marks`), clauses kept apart. Patterns are regular expressions over that view;
an ask or a threat under a negator of its clause ("không cung cấp mã OTP") does not count.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.matching.features import Phrases, find_phrase, index_phrases, lexicon, question_clauses
from bot.matching.normalize import Normalized, clean, fold, read_data
from bot.signs.bodies import DATA_PACKAGE

GAP = r"(?:[^\s|]+ ){0,3}"  # `~` in a pattern: up to three words of the same clause
CLAUSE_BREAK = "|"  # stands between clauses in the joined view, so no pattern spans two
# A message is typed with marks when at least this share of its words carry some. Vietnamese
# prose has marks on well over half its syllables; an unaccented SMS on none but a borrowed word.
MARKED_SHARE = 0.3
LIST_WORDS = frozenset({"hay", "hoac"})  # "or": a clause that goes on a list ("hãy" keeps its marks)


@dataclass(frozen=True, slots=True)
class Hit:
    name: str  # the sign: ask_otp, urgency…
    phrase: str  # the words that matched, as in the cue view
    word: int  # index of the first of them


@dataclass(frozen=True)
class CueView:
    tokens: tuple[str, ...]
    accented: tuple[str, ...]
    marked: bool  # typed with marks (most Vietnamese words carry some): an unmarked word is meant so
    clauses: tuple[int, ...]
    sentences: tuple[int, ...]
    questions: frozenset[int]  # clause numbers
    text: str  # tokens joined by spaces, clauses by " | "
    starts: tuple[int, ...]  # offset of each token in `text`

    def word_at(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1


def _compile(patterns: list[str]) -> re.Pattern[str]:
    body = "|".join(f"(?:{p.replace(' ~ ', ' ' + GAP)})" for p in patterns)
    return re.compile(rf"(?<!\S)(?:{body})(?!\S)")


@dataclass(frozen=True)
class Cues:
    keep_marks: frozenset[str]  # spellings that stay as typed
    scope_enders: Phrases
    negators: Phrases
    negator_followers: frozenset[str]
    conditional: frozenset[str]
    conditional_before: frozenset[str]
    condition_openers: Phrases
    negator_marks: Mapping[str, str]
    negator_not_after: Mapping[str, frozenset[str]]
    ask_patterns: Mapping[str, re.Pattern[str]]
    official_app_sources: re.Pattern[str]
    pressure: Mapping[str, re.Pattern[str]]  # urgency, threat, prize, advance_fee
    warnings: re.Pattern[str]  # with the matcher's debunk cues
    disguised: Mapping[str, str]

    # -- the view ---------------------------------------------------------------------------------

    def disguised_words(self, text: str) -> tuple[str, ...]:
        """Words of the raw text with letters written as digits ("C0NG", "kh0an"), as typed: the
        matcher's normalisation already reads them back, so they are found before it."""
        found: list[str] = []
        for word in re.findall(r"[^\W_]+", text):
            lower = word.lower()
            if lower.isalpha() or lower.isdigit():
                continue
            plain = _DISGUISE.sub(lambda m: self.disguised.get(m.group(), m.group()), lower)
            if plain != lower and plain.isalpha():
                found.append(lower)
        return tuple(found)

    def view(self, norm: Normalized) -> CueView:
        """The message as patterns read it (see the module's docstring)."""
        pairs = list(zip(norm.accented, norm.folded, strict=True))
        tokens = [a if a in self.keep_marks else f for a, f in pairs]
        words = [(a, f) for a, f in pairs if f.isalpha()]
        marked = bool(words) and sum(a != f for a, f in words) >= MARKED_SHARE * len(words)
        pieces: list[str] = []
        starts: list[int] = []
        offset = 0
        for i, token in enumerate(tokens):
            if i and norm.clauses[i] != norm.clauses[i - 1]:
                pieces.append(CLAUSE_BREAK)
                offset += len(CLAUSE_BREAK) + 1
            starts.append(offset)
            pieces.append(token)
            offset += len(token) + 1
        return CueView(tuple(tokens), norm.accented, marked, norm.clauses, norm.sentences,
                       frozenset(question_clauses(norm)), " ".join(pieces), tuple(starts))

    # -- reading ----------------------------------------------------------------------------------

    def hits(self, view: CueView, name: str, pattern: re.Pattern[str]) -> list[Hit]:
        return [Hit(name, m.group(), view.word_at(m.start())) for m in pattern.finditer(view.text)]

    def negated(self, view: CueView, at: int) -> bool:
        """A negator before word `at` in its clause, reaching it: no scope ender between, not a
        question particle or "otherwise" ("không là", "không thì"), not a condition ("nếu không").
        A clause that goes on a list ("hay", "hoặc") after a comma carries the negation of the clause
        before it in the sentence: "không gọi điện, nhắn Zalo hay inbox"."""
        start = at
        while start > 0 and view.clauses[start - 1] == view.clauses[at]:
            start -= 1
        if self._reaches(view, start, at):
            return True
        listing = any(view.tokens[i] in LIST_WORDS for i in range(start, at))
        if not listing or start == 0 or view.sentences[start - 1] != view.sentences[at]:
            return False
        before = start - 1
        while before > 0 and view.clauses[before - 1] == view.clauses[start - 1]:
            before -= 1
        return self._reaches(view, before, start)

    def _reaches(self, view: CueView, start: int, at: int) -> bool:
        """A negator among words start..at-1 whose scope runs to word `at`."""
        words = view.tokens
        for i in range(min(at, len(words) - 1), start - 1, -1):
            if find_phrase(words, i, self.scope_enders):
                return False
            negator = find_phrase(words, i, self.negators) if i < at else None
            if negator is None or not self._negates(view, i, start):
                continue
            after = i + len(negator)
            if after < len(words) and words[after] in self.negator_followers:
                continue
            if i > start and words[i - 1] in self.conditional_before:
                continue
            clause = view.clauses[i]
            rest = [w for w, c in zip(words[after:], view.clauses[after:], strict=True) if c == clause]
            if any(w in self.conditional for w in rest):
                continue
            return True
        return False

    def _negates(self, view: CueView, i: int, start: int) -> bool:
        """Whether the negator word at `i` is one, by its marks or, unmarked, by the word before it."""
        word = view.tokens[i]
        if view.marked and word in self.negator_marks:
            return view.accented[i] == self.negator_marks[word]
        return not (i > start and view.tokens[i - 1] in self.negator_not_after.get(word, ()))

    def in_condition(self, view: CueView, at: int) -> bool:
        """Word `at` stands in the condition of its clause ("nếu", "lỡ" before it)."""
        i = at - 1
        while i >= 0 and view.clauses[i] == view.clauses[at]:
            if find_phrase(view.tokens, i, self.condition_openers):
                return True
            i -= 1
        return False

    def asks(self, view: CueView) -> list[Hit]:
        """The first ask of each kind that is not negated, nor a condition, nor an install from the
        official stores. A payment in the very words of a transfer ("chuyển khoản vào tài khoản")
        is the transfer alone."""
        store_sentences = {view.sentences[h.word] for h in self.hits(view, "", self.official_app_sources)}
        transfers: set[int] = set()
        found: list[Hit] = []
        for name, pattern in self.ask_patterns.items():  # ask_transfer comes before ask_payment
            for hit in self.hits(view, name, pattern):
                if self.negated(view, hit.word) or self.in_condition(view, hit.word):
                    continue
                if name == "ask_install_app" and view.sentences[hit.word] in store_sentences:
                    continue
                words = set(range(hit.word, hit.word + len(hit.phrase.split())))
                if name == "ask_transfer":
                    transfers |= words
                    if any(h.name == name for h in found):
                        continue
                elif name == "ask_payment" and words & transfers:
                    continue
                found.append(hit)
                if name != "ask_transfer":
                    break
        return found

    def pressure_hits(self, view: CueView) -> list[Hit]:
        """The first urgency, threat, lure and advance fee; a negated threat ("không có lịch cắt điện")
        or fee is none."""
        found: list[Hit] = []
        for name, pattern in self.pressure.items():
            for hit in self.hits(view, name, pattern):
                if name in ("threat", "advance_fee") and self.negated(view, hit.word):
                    continue
                found.append(hit)
                break
        return found

    def warning(self, view: CueView) -> str | None:
        """The first warning cue outside a question clause, if any."""
        for hit in self.hits(view, "warning", self.warnings):
            if view.clauses[hit.word] not in view.questions:
                return hit.phrase
        return None


_DISGUISE = re.compile(r"(?<=[^\W\d_])[0-9](?=[^\W\d_])")


def _folded_phrases(items: list[Any]) -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({tuple(fold(clean(str(i))).split()) for i in items}, key=len, reverse=True))


@cache
def shipped_cues() -> Cues:
    data = read_data("cues.yaml", DATA_PACKAGE)
    lex = lexicon()
    not_warnings = set(_folded_phrases(data["not_warnings"]))
    enders = index_phrases(tuple(clean(str(e)).split()) for e in data["scope_enders"])
    return Cues(
        keep_marks=frozenset(clean(str(w)) for w in data["keep_marks"]),
        scope_enders=enders,
        negators=lex.negators,
        negator_followers=lex.negator_followers,
        conditional=lex.conditional,
        conditional_before=lex.conditional_before,
        condition_openers=index_phrases(tuple(clean(str(e)).split()) for e in data["condition_openers"]),
        negator_marks={str(k): clean(str(v)) for k, v in data["negator_marks"].items()},
        negator_not_after={str(k): frozenset(map(str, v)) for k, v in data["negator_not_after"].items()},
        ask_patterns={str(name): _compile(list(patterns)) for name, patterns in data["asks"].items()},
        official_app_sources=_compile(list(data["official_app_sources"])),
        pressure={name: _compile(list(data[name])) for name in ("urgency", "threat", "prize", "advance_fee")},
        warnings=_compile([*map(str, data["warnings"]),
                           *(re.escape(" ".join(p)) for group in lex.debunk.values() for p in group
                             if p not in not_warnings)]),
        disguised={str(k): str(v) for k, v in data["disguised_digits"].items()},
    )
