"""Okapi BM25 over pre-tokenised documents."""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict

import numpy as np

from knowledge.search import postings


class BM25:
    """Okapi BM25 over pre-tokenised documents, with weighted query terms."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.avgdl = sum(map(len, docs)) / max(self.n, 1)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.norm = [k1 * (1 - b + b * len(d) / self.avgdl) for d in docs]
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                self.postings[term].append((i, tf))
        self.max_idf = self.idf_of(1)
        # Every term's documents, counts and length norms, term after term in three flat arrays, with each
        # term's slice and idf: a term's arrays are views, made without a loop, for a question's first term
        # as for any other.
        self._slots = {term: k for k, term in enumerate(self.postings)}
        flat = [pair for posting in self.postings.values() for pair in posting]
        self._bounds = [0, *itertools.accumulate(map(len, self.postings.values()))]
        self._idfs = [self.idf_of(len(posting)) for posting in self.postings.values()]
        self._docs = np.array([d for d, _ in flat], dtype=np.intp)
        self._tfs = np.array([tf for _, tf in flat], dtype=float)
        self._norms = np.array([self.norm[d] for d, _ in flat])

    def idf_of(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def idf(self, term: str) -> float:
        """IDF of a term; an unknown term is as informative as the rarest known one."""
        k = self._slots.get(term)  # a known term's idf_of(df), computed once
        return self.max_idf if k is None else self._idfs[k]

    def scores(self, terms: dict[str, float]) -> dict[int, float]:
        """Document -> score, for the documents any term occurs in. The arithmetic of the loop it replaced
        (for each term, for each of its documents: ``idf * tf * (k1 + 1) / (tf + norm)`` added), over
        arrays: the same floats."""
        touched, totals = self.score_arrays(terms)
        return dict(zip(touched.tolist(), totals.tolist(), strict=True))

    def score_arrays(self, terms: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`scores` as two arrays: the documents any term occurs in (ascending) and their scores."""
        found = self._dense(terms)
        if found is None:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        docs, totals = found
        touched = np.flatnonzero(np.bincount(docs, minlength=self.n))
        return touched, totals[touched]

    def score_dense(self, terms: dict[str, float]) -> np.ndarray | None:
        """Every document's score, 0.0 for those no term occurs in (the same sums as :meth:`scores`); None
        when no term occurs anywhere."""
        if postings.native is None:
            found = self._dense(terms)
            return None if found is None else found[1]
        starts, ends, weighted = self._slices(terms)
        if not starts:
            return None
        out = np.zeros(self.n)
        postings.native.bm25(out, self._docs, self._tfs, self._norms, starts, ends, weighted, self.k1 + 1)
        return out

    def _slices(self, terms: dict[str, float]) -> tuple[list[int], list[int], list[float]]:
        """Of each term that occurs anywhere, in order: its slice of the flat arrays and ``idf * weight``."""
        slots, bounds, idfs = self._slots, self._bounds, self._idfs
        starts: list[int] = []
        ends: list[int] = []
        weighted: list[float] = []
        for term, weight in terms.items():
            if (k := slots.get(term)) is not None:
                starts.append(bounds[k])
                ends.append(bounds[k + 1])
                weighted.append(idfs[k] * weight)  # idf_of(df) * weight, as the loop
        return starts, ends, weighted

    def _dense(self, terms: dict[str, float]) -> tuple[np.ndarray, np.ndarray] | None:
        # Each term's documents, counts and length norms: slices of the flat arrays, joined.
        starts, ends, weighted = self._slices(terms)
        if not starts:
            return None
        cut = [slice(a, b) for a, b in zip(starts, ends, strict=True)]
        docs, tf, norm = (np.concatenate([flat[c] for c in cut]) for flat in (self._docs, self._tfs, self._norms))
        idf = np.repeat(np.array(weighted), np.subtract(ends, starts, dtype=np.intp))
        # Left to right as the loop: ((idf * tf) * (k1 + 1)) / (tf + norm); then added in order from 0.0.
        values = idf * tf * (self.k1 + 1) / (tf + norm)
        return docs, np.bincount(docs, weights=values, minlength=self.n)
