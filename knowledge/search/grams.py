"""Whether a question is about the measures at all, read from its characters: a logistic model over which
character 1-3-grams the question has (each word padded with a space at both ends, as scikit-learn's
``char_wb``, without the bare padding space), idf-weighted and l2-normalised, fitted offline by
tools/fit_classifier.py on the train questions (in scope or not) and the articles' own text. The other
signals say how near the best article is; this one says how much the question reads like the questions
people asked about the measures, whatever article: "工会过节发啥东西" shares a word or two with an article and
nothing with the way people ask about one. Presence, not counts: as good on dev, and the logit is then two
sums over the question's grams (its cost was a third of the whole search's with a loop per gram)."""

from __future__ import annotations

import math
from itertools import repeat
from operator import add

LIMIT = 8.0  # the logit is clipped: past this the scope model learns nothing more from it


def grams(text: str) -> list[str]:
    """The lower-cased text's distinct character 1-3-grams within each space-separated word padded with a
    space at both ends (the padding space alone is not one), in the order first met."""
    parts: list[str] = []
    for word in text.lower().split():
        w = f" {word} "
        pairs = list(map(add, w, w[1:]))
        parts += word
        parts += pairs
        parts += map(add, pairs, w[2:])
    return list(dict.fromkeys(parts))


class ScopeGrams:
    """The fitted model: ``{"bias": b, "grams": {gram: [idf, weight]}}`` (weight 0 when pruned: the gram still
    counts in the vector's norm). Its logit is ``bias + sum(idf * weight) / sqrt(sum(idf ** 2))`` over the
    question's grams the model knows."""

    def __init__(self, data: dict) -> None:
        self.bias = float(data.get("bias", 0.0))
        self.grams: dict[str, list[float]] = data.get("grams", {})
        # One probe of a gram -> position table per gram, then two list reads: the table is large (tens of
        # thousands of grams) and a second table's probe cost as much as the rest of the logit.
        self._at = {g: i for i, g in enumerate(self.grams)}
        self._square = [f * f for f, _ in self.grams.values()] + [0.0]  # the last: a gram not in the model
        self._product = [f * w for f, w in self.grams.values()] + [0.0]

    def logit(self, text: str) -> float:
        """The model's logit that ``text`` (the question as the classifier reads it) is about the measures,
        clipped to [-LIMIT, LIMIT]; 0.0 when the model is empty."""
        if not self._at:
            return 0.0
        at = list(map(self._at.get, grams(text), repeat(len(self._at))))
        square = sum(map(self._square.__getitem__, at))
        dot = sum(map(self._product.__getitem__, at)) / math.sqrt(square) if square else 0.0
        return max(-LIMIT, min(LIMIT, self.bias + dot))
