"""The register of a message: does it read as a claim being passed on, or as a notice, a warning or news?

A police warning quotes the scam it warns against, a genuine bank notice talks of the same accounts
and links, a news item names the same dam and the same flood: word overlap alone shows them as
"possibly related" to the entry, and at times as the match. What tells them apart is how they are
written, not what they are about: an institution speaking in the third person ("Cục Viễn thông cho
biết", "ngân hàng không bao giờ gọi điện"), the advice of a warning ("không cung cấp", "tra cứu
tại"), dates and figures of a report, against the second person, the ask and the urgency of a scam
and the "chia sẻ gấp" of a rumor.

A logistic regression over the message's folded word unigrams and bigrams (TF-IDF, as in
scikit-learn) learns that difference from labelled texts: claims as they circulate (catalogue
claims and variants, the positives of our case sets) against notices, warnings and news on the
same topics (the negatives of those kinds, and the catalogue's summaries, which are written in the
voice of a correction). `bench/register_train.py` trains it and writes the weights to
bot/matching/data/register.json; it lists the files it learnt from, and the sets it was not shown
are the ones its figures are measured on (bench/README.md, "The register of a message").

The probability is one signal of the lexical matcher (bot/matching/lexical.py): read as a notice, a
message's scores against entries that are not themselves genuine notices are lowered, like a debunk
cue lowers them.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path

from bot.matching.normalize import normalize

NUMBER = re.compile(r"^\d+$")
MODEL_FILE = "register.json"


def terms(text: str) -> list[str]:
    """The model's terms of a text: its folded words and word pairs, a number written as its count of
    digits ("#4": a year or an amount, "#2": a day or an hour), so that dates and figures generalise."""
    words = ["#" + str(min(len(w), 5)) if NUMBER.match(w) else w for w in normalize(text).folded]
    return [*words, *(f"{a} {b}" for a, b in pairwise(words))]


@dataclass(frozen=True)
class RegisterModel:
    """Weights learnt by bench/register_train.py: per term its inverse document frequency and weight."""

    idf: dict[str, float]
    weights: dict[str, float]
    intercept: float
    trained_on: tuple[str, ...] = ()

    def notice_probability(self, text: str) -> float:
        """0-1: how much the message reads as a notice, a warning or news rather than a claim."""
        counts = Counter(t for t in terms(text) if t in self.idf)
        if not counts:
            return 1.0 / (1.0 + math.exp(-self.intercept))
        values = {t: (1.0 + math.log(n)) * self.idf[t] for t, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        z = self.intercept + sum(v / norm * self.weights.get(t, 0.0) for t, v in values.items())
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> str:
        rows = {t: [round(self.idf[t], 5), round(self.weights.get(t, 0.0), 5)] for t in sorted(self.idf)}
        return json.dumps({"version": 1, "trained_on": list(self.trained_on), "intercept": round(self.intercept, 6),
                           "terms": rows}, ensure_ascii=False, indent=0, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RegisterModel:
        data = json.loads(text)
        if data.get("version") != 1:
            raise ValueError(f"register model: unknown version {data.get('version')!r}")
        rows: dict[str, list[float]] = data["terms"]
        return cls(idf={t: float(v[0]) for t, v in rows.items()},
                   weights={t: float(v[1]) for t, v in rows.items() if v[1]},
                   intercept=float(data["intercept"]), trained_on=tuple(data.get("trained_on", ())))

    @classmethod
    def read(cls, path: Path) -> RegisterModel:
        return cls.from_json(path.read_text(encoding="utf-8"))


@cache
def shipped_model() -> RegisterModel:
    """The model shipped in bot/matching/data/register.json."""
    return RegisterModel.from_json(
        resources.files("bot.matching").joinpath("data", MODEL_FILE).read_text(encoding="utf-8"))
