"""The search's linear classifier over the articles and "out of scope" (part of tools/fit_ranker.py):
fitted with scikit-learn on the train questions and the articles' own text, shipped as pruned weights
that ``knowledge.search.examples.Classifier`` reads with plain Python."""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

C = 10.0  # inverse regularisation
# The character-gram in / out model (knowledge.search.grams), chosen on the dev splits (5-fold over their
# scope features): grams of at least GRAMS_MIN_DF texts, inverse regularisation GRAMS_C, classes balanced.
GRAMS_MIN_DF = 5
GRAMS_C = 4.0
GRAMS_PRUNE = 0.05  # a smaller weight is shipped as 0 (its gram still counts in the norm)
PRUNE = 0.1  # weights smaller than this are not shipped
FOLDS = 5  # the train questions' own features come from the model fitted on the other folds


def label(r: dict) -> str | None:
    """A question's article as the classifier and the examples name it ("measure:article"); None: out of scope."""
    return f"{r['expected'][0][0]}:{r['expected'][0][1]}" if r["expected"] else None


def classifier_text(normalised: str) -> str:
    """What the classifier reads: the question as searched plus its English words' glossary terms."""
    import knowledge.search as s
    from knowledge.search.core import _translate

    return " ".join([normalised, *_translate(s.index(), normalised)])


def article_docs() -> list[tuple[str, str]]:
    """The articles' own text (each paragraph) and English gists, labelled with their article."""
    import knowledge.search as s
    from knowledge.loader import load_measures

    out = []
    for m in load_measures().values():
        for a in m.articles:
            out += [(classifier_text(s.fold(p.text)), f"{m.key}:{a.number}") for p in a.paragraphs]
            out.append((classifier_text(s.fold(a.gist_en)), f"{m.key}:{a.number}"))
    return out


def fit_classifier(docs: list[tuple[str, str]]) -> dict:
    """Multinomial logistic regression on :class:`Classifier` vectors; returns its JSON form."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x, idf, vocab = _matrix([text for text, _ in docs])
    model = LogisticRegression(C=C, max_iter=1000).fit(x, [y for _, y in docs])
    classes = [str(c) for c in model.classes_]
    coef = np.asarray(model.coef_)
    weights: dict[str, list[list[float]]] = {}
    for t, j in vocab.items():
        col = [[k, round(float(coef[k, j]), 3)] for k in range(len(classes)) if abs(coef[k, j]) >= PRUNE]
        if col:
            weights[t] = col
    return {"classes": [None if c == "OOS" else c for c in classes],
            "bias": [round(float(b), 4) for b in model.intercept_], "idf": idf, "weights": weights,
            "in_scope": fit_scope_grams(docs)}


def fit_scope_grams(docs: list[tuple[str, str]]) -> dict:
    """Binary logistic regression (in scope or not) on the idf of each gram a text has
    (:func:`knowledge.search.grams.grams`), l2-normalised, in the JSON form :class:`knowledge.search.grams.ScopeGrams`
    reads."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from knowledge.search.grams import grams

    # Each gram counted once: its value is then its idf (sublinear(1) is 1), as ScopeGrams.logit computes.
    x, idf, _vocab = _tfidf([dict.fromkeys(grams(text), 1) for text, _ in docs], GRAMS_MIN_DF)
    y = [int(label != "OOS") for _, label in docs]
    model = LogisticRegression(C=GRAMS_C, max_iter=3000, class_weight="balanced").fit(x, y)
    coef = np.asarray(model.coef_)[0]
    return {"bias": round(float(model.intercept_[0]), 4),
            "grams": {g: [f, round(float(w), 3) if abs(w) >= GRAMS_PRUNE else 0.0]
                      for g, f, w in zip(idf, idf.values(), coef, strict=True)}}


def _matrix(texts: list[str]) -> tuple[object, dict[str, float], dict[str, int]]:
    """The texts as rows of :meth:`Classifier.vector` (terms of at least two texts), the idf, the columns."""
    import knowledge.search as s
    from knowledge.search.examples import term_counts

    return _tfidf([term_counts(text, s.index().stop_en) for text in texts], 2)


def _tfidf(counts: list[dict[str, float]], min_df: int) -> tuple[object, dict[str, float], dict[str, int]]:
    """Rows of sublinear counts times idf (terms of at least ``min_df`` rows), l2-normalised; the idf; the
    columns."""
    from scipy.sparse import csr_matrix

    from knowledge.search.examples import sublinear

    df: dict[str, int] = {}
    for c in counts:
        for t in c:
            df[t] = df.get(t, 0) + 1
    idf = {t: round(math.log((len(counts) + 1) / (n + 1)) + 1, 4) for t, n in sorted(df.items()) if n >= min_df}
    vocab = {t: i for i, t in enumerate(idf)}
    values, rows_, cols = [], [], []
    for i, c in enumerate(counts):
        vec = {t: sublinear(v) * idf[t] for t, v in c.items() if t in idf}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        for t, w in vec.items():
            rows_.append(i)
            cols.append(vocab[t])
            values.append(w / norm)
    return csr_matrix((values, (rows_, cols)), shape=(len(counts), len(vocab))), idf, vocab


def group(r: dict) -> str:
    """Who wrote a question: its round (the id's first letter) and writer; a question with no writer (the
    older set, the FAQ's own) is a group of its own. A writer's questions are near paraphrases of each other:
    they are held out together, as a new writer's questions are unseen."""
    return f"{r['id'][0]}:{r['writer']}" if r.get("writer") else r["id"]


def fold_of(r: dict) -> int:
    return zlib.crc32(group(r).encode()) % FOLDS


def classifiers(train: list[dict], items: list[dict], dev: Sequence[dict] = ()) -> tuple[dict, dict[str, object]]:
    """The classifier on all train questions (its JSON), and per train or dev question the runtime
    classifier fitted without the train questions of its writer's fold."""
    import knowledge.search as s
    from knowledge.search.examples import Classifier

    texts = {i["id"]: classifier_text(i["n"]) for i in items}
    docs = [(texts[r["id"]], label(r) or "OOS") for r in train]
    articles = article_docs()
    full = fit_classifier(docs + articles)
    held: dict[str, object] = {}
    for k in range(FOLDS):
        fold = [d for d, r in zip(docs, train, strict=True) if fold_of(r) != k]
        model = Classifier(fit_classifier(fold + articles), s.index().stop_en)
        held.update({r["id"]: model for r in [*train, *dev] if fold_of(r) == k})
    return full, held
