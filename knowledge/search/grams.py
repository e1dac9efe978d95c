"""Whether a question is about the measures at all, read from its characters: a logistic model over the
question's character 1-3-grams (each word padded with a space at both ends, as scikit-learn's ``char_wb``),
tf-idf (sublinear, l2-normalised), fitted offline by tools/fit_classifier.py on the train questions (in
scope or not) and the articles' own text. The other signals say how near the best article is; this one says
how much the question reads like the questions people asked about the measures, whatever article: "工会过节
发啥东西" shares a word or two with an article and nothing with the way people ask about one."""

from __future__ import annotations

import math

LIMIT = 8.0  # the logit is clipped: past this the scope model learns nothing more from it


def grams(text: str) -> dict[str, int]:
    """Counts of the lower-cased text's character 1-3-grams within each space-separated word padded with a
    space at both ends; a gram of spaces only is not counted."""
    out: dict[str, int] = {}
    for word in text.lower().split():
        w = f" {word} "
        for n in (1, 2, 3):
            for i in range(len(w) - n + 1):
                g = w[i:i + n]
                if g != " ":  # the only all-space gram (a word has no space inside)
                    out[g] = out.get(g, 0) + 1
    return out


class ScopeGrams:
    """The fitted model: ``{"bias": b, "grams": {gram: [idf, weight]}}`` (weight 0 when pruned: the gram still
    counts in the vector's norm)."""

    def __init__(self, data: dict) -> None:
        self.bias = float(data.get("bias", 0.0))
        self.grams: dict[str, list[float]] = data.get("grams", {})

    def logit(self, text: str) -> float:
        """The model's logit that ``text`` (the question as the classifier reads it) is about the measures,
        clipped to [-LIMIT, LIMIT]; 0.0 when the model is empty."""
        if not self.grams:
            return 0.0
        table = self.grams
        square = dot = 0.0
        for g, count in grams(text).items():
            entry = table.get(g)
            if entry is None:
                continue
            v = (1 + math.log(count) if count > 1 else count) * entry[0]
            square += v * v
            dot += v * entry[1]
        z = self.bias + (dot / math.sqrt(square) if square else 0.0)
        return max(-LIMIT, min(LIMIT, z))
