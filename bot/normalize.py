"""Vietnamese text normalisation: the views of a message the matcher compares.

Pure functions only. The matcher issue deepens this module (tone placement, teencode,
boilerplate); the two views stay: `accented` keeps the marks, `folded` drops them.
"""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)
# Ð (U+00D0, Icelandic eth) and Ɖ (U+0189) are typed for Đ by some keyboards.
DD_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u0189": "\u0110", "\u00f0": "\u0111", "\u0256": "\u0111"})
FOLD_D = str.maketrans({"đ": "d", "Đ": "D"})
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def clean(text: str) -> str:
    """NFKC, no zero-width characters, Đ look-alikes mapped to Đ, casefolded, NFC."""
    text = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).translate(DD_LOOKALIKES)
    return unicodedata.normalize("NFC", text.casefold())


def strip_marks(text: str) -> str:
    """Remove every combining mark and map đ to d: 'Đà Nẵng' -> 'Da Nang'."""
    decomposed = unicodedata.normalize("NFD", text.translate(FOLD_D))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def words(text: str) -> list[str]:
    return WORD.findall(text)


def accented(text: str) -> str:
    """The cleaned text as space-separated words, marks kept."""
    return " ".join(words(clean(text)))


def folded(text: str) -> str:
    """The cleaned text as space-separated words without marks: what people type on any keyboard."""
    return " ".join(words(strip_marks(clean(text))))
