"""Vietnamese text normalisation: the views of a message the matcher compares.

Pure functions only. A message becomes a list of words in two views: `accented` keeps the marks
(with one canonical tone placement), `folded` drops them (đ→d, ASCII only), which is what people
type on a keyboard without Vietnamese input. Before that: NFKC, zero-width characters out, Đ
look-alikes mapped to Đ, lower case, forward boilerplate and emoji out, words spelt out letter by
letter joined ("c.h.u.y.ể.n" -> "chuyển"), digits typed for letters read as letters ("kh0an" ->
"khoan"), teencode expanded. The curated tables live in bot/matching/data/*.yaml, not here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import yaml

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u180e"), None)
# Ð (U+00D0, Icelandic eth) and Ɖ (U+0189) are typed for Đ by some keyboards.
DD_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u0189": "\u0110", "\u00f0": "\u0111", "\u0256": "\u0111"})
FOLD_D = str.maketrans({"đ": "d", "Đ": "D"})
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# "5.000.000đ" -> "5000000đ", "0868.117.979" -> "0868117979": thousands separators join digits.
DIGIT_GROUP = re.compile(r"(?<=\d)[.,](?=\d{3}(?!\d))")
# A clause and the punctuation that ends it (a decimal point or a thousands dot does not).
CLAUSE = re.compile(r"((?:[^.!?;,:\n]|(?<=\d)[.,:](?=\d))*)((?:[.!?;,:\n]\s*)*)")
NUMBER_UNIT = re.compile(r"^(\d+)([^\W\d_]+)$")
# Single letters, each a word of its own, one after another: a word spelt out ("c.h.u.y.ể.n", "k h o a n").
SPELT = re.compile(r"(?<![^\W_])[^\W\d_](?:[\W_]+[^\W\d_](?![^\W_]))+")
LETTER = re.compile(r"[^\W\d_]")
# A word spelt out joins with at least this many letters; with only spaces between them, one more
# ("t k e m" chat is not "tkem"), since spaces also separate one-letter teencode words.
MIN_SPELT_LETTERS = 3
MIN_SPACED_LETTERS = 4
# Longer runs are not read as words (a line of "a a a ..." must not cost a search of every split).
MAX_SPELT_LETTERS = 24

# The five tone marks (grave, acute, tilde, hook above, dot below) as combining characters.
TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
# Vowels, with the marks that change the letter (not the tone) already composed.
VOWELS = frozenset("aăâeêioôơuưy")
SHAPED = frozenset("ăâêôơư")


@dataclass(frozen=True)
class Normalized:
    """One text as the matcher sees it: the same words, with and without marks.

    `clauses` numbers each word's clause (split at . ! ? ; , : and line breaks), `sentences` its
    sentence (split at . ! ? and line breaks); `questions` holds the numbers of the clauses that
    end with a question mark.
    """

    accented: tuple[str, ...]
    folded: tuple[str, ...]
    clauses: tuple[int, ...] = ()
    sentences: tuple[int, ...] = ()
    questions: frozenset[int] = frozenset()

    @property
    def accented_text(self) -> str:
        return " ".join(self.accented)

    @property
    def folded_text(self) -> str:
        return " ".join(self.folded)


@dataclass(frozen=True)
class _Tables:
    teencode: dict[str, tuple[str, ...]]
    units: dict[str, str]
    forward_headers: tuple[re.Pattern[str], ...]
    source_lines: tuple[re.Pattern[str], ...]
    inline: tuple[re.Pattern[str], ...]
    syllable: re.Pattern[str]  # one Vietnamese syllable without marks
    loanwords: frozenset[str]
    longest_word: int  # letters of the longest syllable ("nghieng") or loanword
    digits: dict[str, tuple[str, ...]]  # a digit and the letters it may stand for
    spelling_separators: frozenset[str]


def read_data(name: str, package: str = "bot.matching") -> Any:
    """A curated table shipped in <package>/data/ (bot/matching/data/ unless said otherwise)."""
    return yaml.safe_load(resources.files(package).joinpath("data", name).read_text(encoding="utf-8"))


@cache
def _tables() -> _Tables:
    teencode_data = read_data("teencode.yaml")
    teencode: dict[str, tuple[str, ...]] = {}
    for section in ("negation", "words"):
        for short, full in teencode_data[section].items():
            teencode[clean(str(short))] = tuple(_canonical_words(clean(str(full))))
    units = {clean(str(k)): clean(str(v)) for k, v in teencode_data["units"].items()}
    boilerplate = read_data("boilerplate.yaml")
    header = "|".join(f"(?:{p})" for p in boilerplate["forward_headers"])
    syllables = read_data("syllables.yaml")
    lookalikes = read_data("lookalikes.yaml")

    def either(parts: list[str]) -> str:  # longest first, so "ngh" is tried before "ng"
        return "|".join(sorted(map(str, parts), key=len, reverse=True))

    return _Tables(
        teencode=teencode,
        units=units,
        forward_headers=(re.compile(rf"^\W*(?:{header})", re.IGNORECASE),),
        source_lines=tuple(re.compile(p, re.IGNORECASE) for p in boilerplate["source_lines"]),
        inline=tuple(re.compile(p, re.IGNORECASE) for p in boilerplate["inline"]),
        syllable=re.compile(f"(?:{either(syllables['onsets'])})?(?:{either(syllables['nuclei'])})"
                            f"(?:{either(syllables['finals'])})?"),
        loanwords=frozenset(str(w) for w in syllables["loanwords"]),
        longest_word=max(7, *(len(str(w)) for w in syllables["loanwords"])),
        digits={str(d): tuple(map(str, letters)) for d, letters in lookalikes["digits"].items()},
        spelling_separators=frozenset(map(str, lookalikes["spelling_separators"])),
    )


def clean(text: str) -> str:
    """NFKC, no zero-width characters, Đ look-alikes mapped to Đ, casefolded, NFC."""
    text = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).translate(DD_LOOKALIKES)
    text = unicodedata.normalize("NFKC", text.casefold()).translate(ZERO_WIDTH)
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=1 << 16)
def canonical_tone(word: str) -> str:
    """Put the tone mark where the classic rule puts it: hoà→hòa, thuý→thúy, khoẻ→khỏe.

    The mark goes on the vowel with a shape mark (ươ: on ơ); else on the last vowel when a final
    consonant follows (hoàng, thuyền); else on the middle of three vowels (ngoài); else on the first
    of two (hòa, mùa, tài). qu- and gi- before a vowel belong to the onset (quý, giữa). A lower-case
    word that is not one Vietnamese syllable with one tone mark comes back unchanged.
    """
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONES]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
    start = 0
    while start < len(base) and base[start] not in VOWELS:
        start += 1
    onset_glide = base[:start] + base[start:start + 1] in {"qu", "gi"}
    if onset_glide and start + 1 < len(base) and base[start + 1] in VOWELS:
        start += 1
    end = start
    while end < len(base) and base[end] in VOWELS:
        end += 1
    if start == end or any(c in VOWELS for c in base[end:]) or not base.isalpha():
        return word
    nucleus = base[start:end]
    shaped = [i for i, c in enumerate(nucleus) if c in SHAPED]
    if shaped:
        at = shaped[-1]
    elif end < len(base):
        at = len(nucleus) - 1
    elif len(nucleus) == 3:
        at = 1
    else:
        at = 0
    position = start + at
    placed = base[:position + 1] + tones[0] + base[position + 1:]
    return unicodedata.normalize("NFC", placed)


def _canonical_words(text: str) -> list[str]:
    words = WORD.findall(DIGIT_GROUP.sub("", text))
    return [canonical_tone(w if w.isalpha() else letters_for_digits(w)) for w in words]


def is_word(plain: str) -> bool:
    """A Vietnamese syllable or a listed loanword, written without marks: 'khoan', 'link', not 'kh0an'."""
    tables = _tables()
    return plain in tables.loanwords or tables.syllable.fullmatch(plain) is not None


@lru_cache(maxsize=1 << 12)
def letters_for_digits(word: str) -> str:
    """'kh0an' -> 'khoan', '0tp' -> 'otp', 's4i' -> 'sai', '1ink' -> 'link', 'h0' -> 'ho': digits typed
    for letters, read back only where a real word does not put them and the result is a word. Inside
    letters any listed digit; before them one digit (not a number and its unit: '17h', '5tr'); after
    them only 0 ('F0', 'A52', 'U23', 'mp3' stay). Amounts, dates, phones and times have no letters
    in the word (or the word is a number and its unit), so they never change."""
    if word.isalpha() or word.isdigit() or not word.isalnum():
        return word
    digits = _tables().digits
    head = len(word) - len(word.lstrip("0123456789"))
    tail = len(word) - len(word.rstrip("0123456789"))
    letters = sum(1 for c in word if not c.isdigit())
    if head > 1 or (head and (letters < 2 or word[head:] in _tables().units)):
        return word
    if tail and word[len(word) - tail:] != "0":
        return word
    if any(c.isdigit() and c not in digits for c in word) or (letters < 2 and not tail):
        return word
    candidates = [""]
    for c in word:
        candidates = [done + letter for done in candidates for letter in (digits[c] if c.isdigit() else (c,))]
    for candidate in candidates:
        if is_word(fold(candidate)):
            return candidate
    return word


@lru_cache(maxsize=1 << 12)
def _segments(plain: str) -> tuple[int, ...] | None:
    """Where a string of letters splits into words of two letters or more ('chuyenkhoan' -> (6,)),
    longest first word first; None when it does not."""
    if is_word(plain):
        return ()
    for cut in range(min(len(plain) - 2, _tables().longest_word), 1, -1):
        if is_word(plain[:cut]):
            rest = _segments(plain[cut:])
            if rest is not None:
                return (cut, *(cut + r for r in rest))
    return None


def join_spelt_words(text: str) -> str:
    """Words spelt out letter by letter joined back: 'c.h.u.y.ể.n k.h.o.ả.n' -> 'chuyển khoản',
    'c-s-g-t' -> 'csgt'. Letters with spaces or commas between them join only into words."""
    return SPELT.sub(_join_run, text)


def _join_run(found: re.Match[str]) -> str:
    run = found.group()
    spans = [m.span() for m in LETTER.finditer(run)]
    letters = [run[a:b] for a, b in spans]
    between = [run[spans[k][1]:spans[k + 1][0]] for k in range(len(spans) - 1)]
    separators = _tables().spelling_separators
    plain = [fold(c) for c in letters]
    out: list[str] = []
    i = 0
    while i < len(letters):
        joined = _longest_spelt_word(plain, between, i)
        if joined is not None:
            end, cuts = joined
            word = "".join(letters[i:end])
            out.append(" ".join(word[a:b] for a, b in pairwise([0, *cuts, len(word)])))
            i = end
            if i < len(letters):
                out.append(" ")
            continue
        end = i + 1
        while end < len(letters) and between[end - 1] in separators:
            end += 1
        if end - i >= MIN_SPELT_LETTERS:  # an abbreviation: "c.s.g.t"
            out.append("".join(letters[i:end]))
            out.append(between[end - 1] if end < len(letters) else "")
            i = end
            continue
        out.append(letters[i])
        if i < len(between):
            out.append(between[i])
        i += 1
    return "".join(out)


def _longest_spelt_word(plain: list[str], between: list[str], start: int) -> tuple[int, tuple[int, ...]] | None:
    """The longest run of letters from `start` that spells words, and where the words split."""
    if any(len(p) != 1 for p in plain[start:start + MIN_SPELT_LETTERS]):
        return None
    for end in range(min(len(plain), start + MAX_SPELT_LETTERS), start + MIN_SPELT_LETTERS - 1, -1):
        if any(len(p) != 1 for p in plain[start:end]):
            continue
        spaced = all(not b.strip() for b in between[start:end - 1])
        if spaced and end - start < MIN_SPACED_LETTERS:
            continue
        cuts = _segments("".join(plain[start:end]))
        if cuts is not None:
            return end, cuts
    return None


def strip_boilerplate(text: str) -> str:
    """Remove forward headers, vague source lines, share calls and hashtags from cleaned text."""
    while True:  # until nothing changes: removing one header can reveal another ("Fwd: Fwd: ...")
        stripped = _strip_boilerplate_once(text)
        if stripped == text:
            return text
        text = stripped


def _strip_boilerplate_once(text: str) -> str:
    tables = _tables()
    lines = [line for line in text.splitlines() if line.strip()]
    kept: list[str] = []
    for line in lines:
        if any(p.search(line.strip()) for p in tables.source_lines):
            continue
        if any(p.search(line) for p in tables.forward_headers):
            if ":" in line:
                line = line.split(":", 1)[1]
            elif len(lines) > 1:
                continue
        kept.append(line)
    text = "\n".join(kept)
    for pattern in tables.inline:
        text = pattern.sub(" ", text)
    return text


SYMBOL_CATEGORIES = frozenset({"So", "Sk", "Co", "Cs", "Cn"})


def strip_emoji(text: str) -> str:
    """Drop symbols, pictographs and private-use characters (emoji, ✈️, ⚠️, 🅰)."""
    if text.isascii():
        return text
    return "".join(c for c in text if c.isalnum() or unicodedata.category(c) not in SYMBOL_CATEGORIES)


def expand_teencode(words: list[str]) -> list[str]:
    """Replace chat abbreviations by the words they stand for: ko→không, 15p→15 phút."""
    tables = _tables()
    out: list[str] = []
    for word in words:
        unit = NUMBER_UNIT.match(word)
        if unit and unit.group(2) in tables.units:
            out.extend((unit.group(1), *tables.units[unit.group(2)].split()))
        else:
            out.extend(tables.teencode.get(word, (word,)))
    return out


@lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """Marks removed, đ→d, only ASCII letters and digits kept: 'Đà Nẵng' -> 'da nang'."""
    decomposed = unicodedata.normalize("NFD", word.translate(FOLD_D))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c == " "))


class _Vanishing(dict[int, str | int]):
    """A str.translate table, filled as characters are met: a letter with no ASCII form ('ø', 'ß', 'я')
    folds to nothing, so it is dropped before spelt words are joined; left in, it kept 'A:Y:S:Ø:A'
    apart once, and its removal joined the letters on a second pass (normalising was not idempotent)."""

    def __missing__(self, code: int) -> str | int:
        char = chr(code)
        value: str | int = "" if char.isalpha() and not fold(char) else code  # itself: kept
        if len(self) < VANISHING_CACHE:  # bounded: a message may carry thousands of distinct characters
            self[code] = value
        return value


VANISHING_CACHE = 4096
VANISHING = _Vanishing()


def normalize(text: str) -> Normalized:
    """Both views of a message, boilerplate and emoji gone, teencode expanded."""
    cleaned = join_spelt_words(strip_emoji(strip_boilerplate(clean(text))).translate(VANISHING))
    accented_words: list[str] = []
    folded_words: list[str] = []
    clauses: list[int] = []
    sentences: list[int] = []
    questions: set[int] = set()
    sentence = 0
    for number, found in enumerate(CLAUSE.finditer(cleaned)):
        for word in expand_teencode(_canonical_words(found.group(1))):
            word = canonical_tone(word)
            plain = fold(word)
            if plain:
                accented_words.append(word)
                folded_words.append(plain)
                clauses.append(number)
                sentences.append(sentence)
        end = found.group(2)
        if "?" in end:
            questions.add(number)
        if any(c in end for c in ".!?\n"):
            sentence += 1
    return Normalized(tuple(accented_words), tuple(folded_words), tuple(clauses), tuple(sentences),
                      frozenset(questions))


def accented(text: str) -> str:
    """The normalised text as space-separated words, marks kept (tone placed canonically)."""
    return normalize(text).accented_text


def folded(text: str) -> str:
    """The normalised text as space-separated words without marks: what people type on any keyboard."""
    return normalize(text).folded_text
