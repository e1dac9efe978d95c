"""Okapi BM25 over pre-tokenised documents."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np


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
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def idf_of(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def idf(self, term: str) -> float:
        """IDF of a term; an unknown term is as informative as the rarest known one."""
        posting = self.postings.get(term)
        return self.idf_of(len(posting)) if posting else self.max_idf

    def _term_arrays(self, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A term's documents, its counts in them and their length norms, as arrays (made on first use)."""
        arrays = getattr(self, "_arrays", None)
        if arrays is None:  # an index pickled before the arrays existed
            arrays = self._arrays = {}
        found = arrays.get(term)
        if found is None:
            posting = self.postings.get(term)
            if not posting:
                return None
            docs = np.array([d for d, _ in posting], dtype=np.intp)
            found = arrays[term] = (docs, np.array([tf for _, tf in posting], dtype=float),
                                    np.array([self.norm[d] for d, _ in posting]))
        return found

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
        found = self._dense(terms)
        return None if found is None else found[1]

    def _dense(self, terms: dict[str, float]) -> tuple[np.ndarray, np.ndarray] | None:
        parts = []
        for term, weight in terms.items():
            found = self._term_arrays(term)
            if found is not None:
                parts.append((self.idf_of(len(found[0])) * weight, found))
        if not parts:
            return None
        docs = np.concatenate([p[1][0] for p in parts])
        tf = np.concatenate([p[1][1] for p in parts])
        norm = np.concatenate([p[1][2] for p in parts])
        idf = np.repeat([p[0] for p in parts], [len(p[1][0]) for p in parts])
        # Left to right as the loop: ((idf * tf) * (k1 + 1)) / (tf + norm); then added in order from 0.0.
        values = idf * tf * (self.k1 + 1) / (tf + norm)
        return docs, np.bincount(docs, weights=values, minlength=self.n)
