"""A text prepared for comparison, and the features that compare a message with an entry's text.

Everything here works on the folded view (no marks), so a message typed without Vietnamese
input compares like one typed with it. Words are split into content words and stopwords
(bot/matching/data/stopwords.yaml); texts are compared on their content words, as syllable unigrams and
bigrams (a Vietnamese word is often two syllables: "điện thoại"), after reading a message word
one typo away from a wording's word as that word ("giao dịhc" -> "giao dịch").
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.indicators import extract
from bot.matching.normalize import Normalized, canonical_tone, clean, fold, normalize, read_data

# Phrases by their first word, each list longest first ("khong bao gio" is tried before "khong"):
# a word is looked up once, not compared with every phrase of the table.
Phrases = dict[str, tuple[tuple[str, ...], ...]]


@dataclass(frozen=True)
class _Lexicon:
    stop_folded: frozenset[str]
    stop_accented: frozenset[str]
    negators: Phrases
    negator_marks: dict[tuple[str, ...], tuple[str, ...]]  # each negator as written, with its marks
    negator_compounds: tuple[tuple[str, ...], ...]  # with their marks
    negator_followers: frozenset[str]
    denial_ends: tuple[tuple[str, ...], ...]
    conditional: frozenset[str]
    conditional_before: frozenset[str]
    debunk: Phrases
    question: Phrases
    framing: Phrases
    framing_marks: dict[tuple[str, ...], tuple[str, ...]]  # each as written, with its marks


def index_phrases(phrases: Iterable[tuple[str, ...]]) -> Phrases:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(set(phrases), key=len, reverse=True):
        by_first.setdefault(phrase[0], []).append(phrase)
    return {word: tuple(found) for word, found in by_first.items()}


def _phrases(items: list[str]) -> Phrases:
    return index_phrases(tuple(fold(clean(str(i))).split()) for i in items)


def _marked(items: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(canonical_tone(w) for w in clean(str(i)).split()) for i in items)


@cache
def lexicon() -> _Lexicon:
    stop = [clean(str(w)) for w in read_data("stopwords.yaml")["stopwords"]]
    cues = read_data("cues.yaml")
    framing = _marked(read_data("framing.yaml")["phrases"])
    return _Lexicon(
        stop_folded=frozenset(fold(w) for w in stop),
        stop_accented=frozenset(stop),
        negators=_phrases(cues["negators"]),
        negator_marks={tuple(fold(w) for w in n): n for n in _marked(cues["negators"])},
        negator_compounds=_marked(cues["negator_compounds"]),
        negator_followers=frozenset(fold(str(w)) for w in cues["negator_followers"]),
        denial_ends=_marked(cues["denial_ends"]),
        conditional=frozenset(fold(str(w)) for w in cues["conditional"]),
        conditional_before=frozenset(fold(str(w)) for w in cues["conditional_before"]),
        debunk=_phrases(cues["debunk"]),
        question=_phrases(cues["question"]),
        framing=index_phrases(tuple(fold(w) for w in f) for f in framing),
        framing_marks={tuple(fold(w) for w in f): f for f in framing},
    )


def is_stopword(accented: str, folded: str) -> bool:
    """A stopword by its mark-free form, unless its marks say otherwise ("co" and "có" yes, "cổ" no)."""
    lex = lexicon()
    if folded not in lex.stop_folded:
        return False
    return accented == folded or accented in lex.stop_accented


# A negator reaches this many words ahead for the content word it negates ...
NEGATION_REACH = 3
# ... and the next content words of its clause, up to this many, are what that word is said of: "không
# chữa được ung thư" denies something of "ung thư" even when the wording says "tiêu diệt" for "chữa".
NEGATED_OBJECT_WORDS = 2


@dataclass(frozen=True, slots=True)
class Prepared:
    """One text ready to be compared: a message, or one wording (claim or variant) of an entry."""

    content: tuple[str, ...]  # folded content words, in order
    sentences: tuple[int, ...] = ()  # where each sentence starts in `content`
    negated: frozenset[str] = frozenset()  # content words under a negator, outside questions
    negations: tuple[tuple[str, ...], ...] = ()  # each: the negated word, then the words it is said of
    frame: frozenset[str] = frozenset()  # words of its frame ("gọi điện", "tin nhắn"): asserted, not counted
    debunk: frozenset[str] = frozenset()  # debunk cues ("tin gia", "dinh chinh") outside questions
    indicators: frozenset[str] = frozenset()  # link, phone and account keys


def find_phrase(words: tuple[str, ...], at: int, phrases: Phrases) -> tuple[str, ...] | None:
    """The phrase of `phrases` (longest first) that starts at `words[at]`, if any."""
    for phrase in phrases.get(words[at], ()):
        if words[at:at + len(phrase)] == phrase:
            return phrase
    return None


def _typed_as(norm: Normalized, at: int, phrase: tuple[str, ...]) -> bool:
    """The words from `at` are `phrase` (written with marks), typed with its marks or without any."""
    if at < 0 or at + len(phrase) > len(norm.folded):
        return False
    for k, word in enumerate(phrase):
        typed, plain = norm.accented[at + k], norm.folded[at + k]
        if typed != word and not (typed == plain == fold(word)):
            return False
    return True


def _negator(norm: Normalized, at: int) -> tuple[str, ...] | None:
    """The negator starting at `at` (folded), unless its marks make it another word ("dụng", "chữa")
    or it is a syllable of a compound ("ứng dụng", "không khí")."""
    lex = lexicon()
    phrase = find_phrase(norm.folded, at, lex.negators)
    if phrase is None or not _typed_as(norm, at, lex.negator_marks[phrase]):
        return None
    for compound in lex.negator_compounds:
        for k, word in enumerate(compound):
            if fold(word) == norm.folded[at] and _typed_as(norm, at - k, compound):
                return None
    return phrase


def question_clauses(norm: Normalized) -> set[int]:
    """Clauses that ask rather than assert: ending with "?" or holding a question cue ("có phải")."""
    lex = lexicon()
    clauses = set(norm.questions)
    for i in range(len(norm.folded)):
        if find_phrase(norm.folded, i, lex.question):
            clauses.add(norm.clauses[i])
    return clauses


def _cues(norm: Normalized, is_content: list[bool]) -> tuple[tuple[tuple[str, ...], ...], frozenset[str]]:
    """Negations (the word under a negator and the words it is said of), and debunk cues, both outside
    question clauses."""
    lex = lexicon()
    words = norm.folded
    questions = question_clauses(norm)
    negations: list[tuple[str, ...]] = []
    debunk: set[str] = set()
    i = 0
    while i < len(words):
        if norm.clauses[i] in questions:
            i += 1
            continue
        cue = find_phrase(words, i, lex.debunk)
        if cue:
            debunk.add(" ".join(cue))
        negator = _negator(norm, i)
        if negator:
            after = i + len(negator)
            clause = [w for w, c in zip(words[after:], norm.clauses[after:], strict=True) if c == norm.clauses[i]]
            conditional = any(w in lex.conditional for w in clause) or (
                i > 0 and norm.clauses[i - 1] == norm.clauses[i] and words[i - 1] in lex.conditional_before)
            if clause and clause[0] not in lex.negator_followers and not conditional:
                for j in range(after, min(after + NEGATION_REACH, len(words))):
                    if norm.clauses[j] != norm.clauses[i]:
                        break
                    if is_content[j]:
                        objects = [k for k in range(j + 1, len(words))
                                   if is_content[k] and norm.clauses[k] == norm.clauses[i]]
                        end = after + len(clause) - 1
                        if not any(_typed_as(norm, end, d) for d in lex.denial_ends):
                            objects = []
                        negations.append((words[j], *(words[k] for k in objects[:NEGATED_OBJECT_WORDS])))
                        break
            i = after
            continue
        i += 1
    return tuple(negations), frozenset(debunk)


def _frame(norm: Normalized) -> list[bool]:
    """Which words belong to the frame of a retelling ("tự xưng là", "hôm qua")."""
    lex = lexicon()
    framed = [False] * len(norm.folded)
    i = 0
    while i < len(norm.folded):
        phrase = find_phrase(norm.folded, i, lex.framing)
        if phrase is not None and _typed_as(norm, i, lex.framing_marks[phrase]):
            framed[i:i + len(phrase)] = [True] * len(phrase)
            i += len(phrase)
        else:
            i += 1
    return framed


def prepare(text: str) -> Prepared:
    found = extract(text)
    norm = normalize(found.rest)
    not_stop = [not is_stopword(a, f) for a, f in zip(norm.accented, norm.folded, strict=True)]
    framed = _frame(norm)
    is_content = [keep and not frame for keep, frame in zip(not_stop, framed, strict=True)]
    frame = frozenset(f for f, keep, fr in zip(norm.folded, not_stop, framed, strict=True) if keep and fr)
    content = tuple(sys.intern(f) for f, keep in zip(norm.folded, is_content, strict=True) if keep)
    content_sentences = [s for s, keep in zip(norm.sentences, is_content, strict=True) if keep]
    starts = tuple(i for i, s in enumerate(content_sentences) if i == 0 or s != content_sentences[i - 1])
    # a negator reads the sentence as written: "không gọi điện" denies the call, frame or not
    negations, debunk = _cues(norm, not_stop)
    negated = frozenset(n[0] for n in negations)
    return Prepared(content, starts, negated or EMPTY, negations, frame or EMPTY, debunk or EMPTY,
                    found.keys or EMPTY)


EMPTY: frozenset[str] = frozenset()


def units(content: Sequence[str]) -> set[str]:
    """Content unigrams and bigrams: the pieces two texts share ("nuot", "nuot the")."""
    out = set(content)
    out.update(f"{a} {b}" for a, b in pairwise(content))
    return out


@dataclass(frozen=True)
class Features:
    """How a message compares with one wording of an entry."""

    shared_words: int  # content words in both (after typo repair)
    text_coverage: float  # share of the wording's units (unigrams + bigrams) found in the message, 0-1
    message_coverage: float  # share of the units of the message's relevant sentences found in the wording, 0-1
    repaired: tuple[str, ...] = ()  # message words read as a wording's word one edit away ("vietcombak")
    negation_conflicts: tuple[str, ...] = ()  # words the message negates and the wording asserts
    debunk: tuple[str, ...] = ()  # debunk cues in the message and not in the wording
    indicators: tuple[str, ...] = ()  # indicator keys in both
    length_ratio: float = 1.0  # message content words / wording content words
    distinctive_words: int = 1  # shared content words not common to many entries of the catalogue


# A message word of this length or more that the wording lacks may be a typo of one of its words.
MIN_TYPO_LENGTH = 4


def repair_typos(message: tuple[str, ...], text: tuple[str, ...],
                 known: frozenset[str] = frozenset()) -> tuple[list[str], tuple[str, ...]]:
    """Message words one edit (OSA: insert, delete, substitute, swap) from a wording's word become it.

    Folded Vietnamese syllables are short and many are one edit apart (tin, tien, tieng), so a
    repair must also be confirmed by context: with it, the word and a neighbour form a word pair
    of the wording ("rut tieng" -> "rut tien"). A word in `known` (the entry's other wordings) is a
    word of the entry, not a typo: "công an phường" is not "công an hướng [dẫn]" of a variant.
    """
    vocabulary = frozenset(text)
    pairs = set(pairwise(text))
    fixed = list(message)
    repaired: list[str] = []
    choices = sorted(w for w in vocabulary if len(w) >= MIN_TYPO_LENGTH - 1)  # ties resolve the same in every run
    for i, word in enumerate(message):
        if word in vocabulary or word in known or len(word) < MIN_TYPO_LENGTH or word.isdigit():
            continue
        hit = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=1)
        if hit is None:
            continue
        before = fixed[i - 1] if i > 0 else ""
        after = message[i + 1] if i + 1 < len(message) else ""
        if (before, hit[0]) in pairs or (hit[0], after) in pairs:
            fixed[i] = hit[0]
            repaired.append(f"{word}→{hit[0]}")
    return fixed, tuple(repaired)


# A sentence of a message counts towards its coverage when it shares this many units with the
# wording; the others ("Lương em mới về 😭" after a question) are talk around the claim.
RELEVANT_SENTENCE_UNITS = 2


def _relevant_units(content: Sequence[str], starts: tuple[int, ...], text_units: set[str]) -> set[str]:
    """The units of the message sentences that share something with the wording."""
    if len(starts) <= 1:
        return units(content)
    bounds = [*starts, len(content)]
    out: set[str] = set()
    for start, end in pairwise(bounds):
        piece = units(content[start:end])
        if len(piece & text_units) >= RELEVANT_SENTENCE_UNITS:
            out |= piece
    return out


def _negation_conflicts(message: Prepared, text: Prepared) -> set[str]:
    """Words the message denies and the wording asserts: the negated word itself, or when the wording
    lacks it (another verb for the same claim), the first word it is said of that the wording asserts."""
    words = set(text.content) | text.frame  # "không gọi điện" denies a wording's "gọi điện" too
    out: set[str] = set()
    for head, *objects in message.negations:
        if head in words:
            if head not in text.negated:
                out.add(head)
            continue
        for word in objects:
            if word in words and word not in text.negated:
                out.add(word)
                break
    return out


def compare(message: Prepared, text: Prepared, text_indicators: frozenset[str], *, fix_typos: bool = False,
            message_units: set[str] | None = None, known: frozenset[str] = frozenset(),
            common: frozenset[str] = frozenset()) -> Features:
    """Features of a message against one wording; `fix_typos` also reads near-miss words as the
    wording's, except words in `known` (see repair_typos); shared words in `common` (used by many
    entries) are not counted as distinctive."""
    repaired: tuple[str, ...] = ()
    fixed: list[str] = []
    if fix_typos:
        fixed, repaired = repair_typos(message.content, text.content, known)
        m_units = units(fixed)
        vocabulary = set(fixed)
    else:
        m_units = message_units if message_units is not None else units(message.content)
        vocabulary = set(message.content)
    t_units = units(text.content)
    shared = m_units & t_units
    shared_words = sum(1 for u in shared if " " not in u)
    relevant = _relevant_units(fixed if fix_typos else message.content, message.sentences, t_units)
    conflicts = _negation_conflicts(message, text)
    vocabulary |= message.frame
    return Features(
        shared_words=shared_words,
        distinctive_words=sum(1 for u in shared if " " not in u and u not in common),
        text_coverage=len(shared) / len(t_units) if t_units else 0.0,
        message_coverage=len(shared & relevant) / len(relevant) if relevant else 0.0,
        repaired=repaired,
        negation_conflicts=tuple(sorted(conflicts & vocabulary)),
        debunk=tuple(sorted(message.debunk - text.debunk)),
        indicators=tuple(sorted(message.indicators & text_indicators)),
        length_ratio=len(message.content) / max(1, len(text.content)),
    )
