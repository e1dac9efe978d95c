"""Okapi BM25 over pre-tokenised documents."""

from __future__ import annotations

import math
from collections import Counter, defaultdict


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

    def idf_of(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def idf(self, term: str) -> float:
        """IDF of a term; an unknown term is as informative as the rarest known one."""
        posting = self.postings.get(term)
        return self.idf_of(len(posting)) if posting else self.max_idf

    def scores(self, terms: dict[str, float]) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for term, weight in terms.items():
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = self.idf_of(len(posting)) * weight
            for doc, tf in posting:
                out[doc] += idf * tf * (self.k1 + 1) / (tf + self.norm[doc])
        return out

