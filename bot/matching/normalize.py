"""Vietnamese text normalisation: the views of a message the matcher compares.

Pure functions only. A message becomes a list of words in two views: `accented` keeps the marks
(with one canonical tone placement), `folded` drops them (đ→d, ASCII only), which is what people
type on a keyboard without Vietnamese input. Before that: NFKC, zero-width characters out, Đ
look-alikes mapped to Đ, lower case, forward boilerplate and emoji out, teencode expanded. The
curated tables live in bot/matching/data/*.yaml, not here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
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
    return _Tables(
        teencode=teencode,
        units=units,
        forward_headers=(re.compile(rf"^\W*(?:{header})", re.IGNORECASE),),
        source_lines=tuple(re.compile(p, re.IGNORECASE) for p in boilerplate["source_lines"]),
        inline=tuple(re.compile(p, re.IGNORECASE) for p in boilerplate["inline"]),
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
    return [canonical_tone(w) for w in WORD.findall(DIGIT_GROUP.sub("", text))]


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


def normalize(text: str) -> Normalized:
    """Both views of a message, boilerplate and emoji gone, teencode expanded."""
    cleaned = strip_emoji(strip_boilerplate(clean(text)))
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
