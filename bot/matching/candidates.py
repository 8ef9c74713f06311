"""The candidate index: which few dozen wordings are worth comparing with a message in detail.

An inverted index from content units (folded syllable unigrams and bigrams) to the wordings that
contain them, scored like BM25 without term frequency: the sum of the inverse document frequency
of the units a wording shares with the message, divided by the square root of the wording's size
so that a short variant is not drowned by long claims. Units are hashed to integers (a collision
only adds a candidate; the re-ranking compares the real words), and the postings are one
sorted numpy array, so a message costs a few array operations whatever the
size of the catalogue.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

# A unit found in more than this share of the wordings says nothing about which one a message
# repeats (and its postings are the longest): it is skipped at query time.
MAX_DF_SHARE = 0.05
# ... but never below this many wordings: in a small catalogue (the shipped one has ~150 wordings)
# 5 % would skip words shared by a handful of entries, which still tell them apart.
MIN_DF_SKIP = 50


def bucket(unit: str) -> int:
    # crc32, not hash(): stable across processes, so an index could be saved and reloaded.
    return zlib.crc32(unit.encode())


def buckets(units: Iterable[str]) -> npt.NDArray[np.int64]:
    """The sorted distinct hashes of a wording's units: what the index stores for it."""
    return np.unique(np.fromiter((bucket(u) for u in units), dtype=np.int64))


class CandidateIndex:
    def __init__(self, per_doc: Sequence[npt.NDArray[np.int64]]) -> None:
        """`per_doc[i]` is `buckets(units of wording i)`; kept per wording so an edit re-hashes one entry."""
        self.size = len(per_doc)
        lengths = np.array([len(d) for d in per_doc], dtype=np.float64)
        self.norm = 1.0 / np.sqrt(np.maximum(lengths, 1.0))
        if per_doc:
            keys = np.concatenate(per_doc)
            docs = np.repeat(np.arange(self.size, dtype=np.int32), [len(d) for d in per_doc])
        else:
            keys = np.zeros(0, dtype=np.int64)
            docs = np.zeros(0, dtype=np.int32)
        order = np.argsort(keys, kind="stable")
        self.postings: npt.NDArray[np.int32] = docs[order]
        self.keys, self.starts = np.unique(keys[order], return_index=True)
        self.ends = np.append(self.starts[1:], len(self.postings))
        df = (self.ends - self.starts).astype(np.float64)
        self.idf = np.log(1.0 + (self.size - df + 0.5) / (df + 0.5))
        self.max_df = max(MIN_DF_SKIP, int(MAX_DF_SHARE * self.size))

    def top(self, message_units: Iterable[str], limit: int) -> list[int]:
        """The wordings sharing the most (rare) units with a message, best first."""
        if self.size == 0:
            return []
        wanted = np.fromiter({bucket(u) for u in message_units}, dtype=np.int64)
        at = np.searchsorted(self.keys, wanted)
        found = at < len(self.keys)
        at = at[found]
        at = at[self.keys[at] == wanted[found]]
        parts: list[npt.NDArray[np.int32]] = []
        weights: list[npt.NDArray[np.float64]] = []
        for i in at:
            start, end = self.starts[i], self.ends[i]
            if end - start > self.max_df:
                continue
            parts.append(self.postings[start:end])
            weights.append(np.full(end - start, self.idf[i]))
        if not parts:
            return []
        docs = np.concatenate(parts)
        scores = np.bincount(docs, weights=np.concatenate(weights), minlength=self.size) * self.norm
        hit = np.flatnonzero(scores)
        if len(hit) > limit:
            hit = hit[np.argpartition(scores[hit], -limit)[-limit:]]
        return [int(i) for i in hit[np.argsort(-scores[hit], kind="stable")]]
