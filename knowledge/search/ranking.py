"""The ranking model: candidates' features and the two fitted logistic models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from operator import mul

import numpy as np

from knowledge.search.text import _lexicon

Key = tuple[str, int]


@dataclass(slots=True)
class Candidate:
    key: tuple[str, int]
    paragraph: int | None
    features: tuple[float, ...]



RANK_FEATURES = ("bias", "lex_rel", "lex_log", "ex", "ex_rel", "ex2", "named_in", "named_out", "lex_rr",
                 "ex_rr", "en_rel", "keyword", "intent", "ex_x_lex", "clf", "clf_rel", "clf_rr",
                 "en_x_lex", "en_x_ex", "en_x_clf",
                 # A programme named in the question changes how much each signal is worth (the same rule in
                 # another measure scores alike on every signal but this one).
                 "in_x_ex_rel", "in_x_clf_rel", "in_x_lex_rel", "in_x_clf", "in_x_ex",
                 "out_x_ex_rel", "out_x_clf_rel", "out_x_lex_rel", "out_x_clf", "out_x_ex")
SCOPE_FEATURES = ("bias", "p_top", "margin", "lex_max", "ex_max", "oos_max", "ex_minus_oos", "coverage",
                  "named", "english", "topic", "clf_oos", "clf_max",
                  # A question naming a programme is about it when the rest of its words are the article's too
                  # ("云岭工匠怎么报名"), not when they ask for what the text lacks ("云岭工匠名单", "电话").
                  "named_x_coverage", "named_x_p_top", "named_x_clf_oos",
                  # Share of its words no in-scope question or article uses: a subject never seen in training
                  # (公积金, 产假) is out of scope though no out-of-scope example resembles it.
                  "novel")
CANDIDATES = 12  # best articles by each signal that the model ranks


@dataclass(slots=True)
class Signals:
    combined: dict[Key, float]
    examples: dict[Key | None, tuple[float, float, int | None]]
    lex: dict[Key, tuple[float, int | None]]
    en: dict[Key, float]
    keyword: dict[Key, float]
    intent: dict[Key, float]
    clf: dict[Key, float]  # the classifier's probability of each article


def _top(scores: dict[Key, float]) -> list[Key]:
    """The :data:`CANDIDATES` best keys, highest score first, ties broken by the key (the same answer
    whatever the process's hash seed): ``sorted(scores, key=lambda k: (-scores[k], k))[:CANDIDATES]``.
    Only the keys scoring at least the CANDIDATES-th highest score can be among them (ties included): those
    are found by numpy's partition and sorted alone."""
    n = len(scores)
    if n > CANDIDATES:
        cut = float(np.partition(np.fromiter(scores.values(), float, n), n - CANDIDATES)[n - CANDIDATES])
        return [k for _, k in sorted([(-v, k) for k, v in scores.items() if v >= cut])][:CANDIDATES]
    return [k for _, k in sorted([(-v, k) for k, v in scores.items()])]


def _top_examples(examples: dict[Key | None, tuple[float, float, int | None]]) -> list[Key]:
    """:func:`_top` of the articles' nearest examples (out of scope, the key None, left out)."""
    return _top({k: v[0] for k, v in examples.items() if k is not None})


def _candidates(sig: Signals, named: tuple[str, ...], english: bool = False) -> list[Candidate]:
    """The best articles by either signal, each with the features of :data:`RANK_FEATURES`."""
    combined, examples, lex, en, keyword, intent, clf = (sig.combined, sig.examples, sig.lex, sig.en, sig.keyword,
                                                          sig.intent, sig.clf)
    lex_order = _top(combined)
    ex_order = _top_examples(examples)
    clf_order = _top(clf)
    keys = list(dict.fromkeys([*lex_order, *ex_order, *clf_order]))
    clf_max = max(clf.values(), default=0.0) or 1.0
    clf_rank = {k: i for i, k in enumerate(clf_order)}
    no_example = (0.0, 0.0, None)
    lex_max = max((combined.get(k, 0.0) for k in keys), default=0.0) or 1.0
    ex_max = max((examples.get(k, no_example)[0] for k in keys), default=0.0) or 1.0
    en_max = max(en.values(), default=0.0) or 1.0
    lex_rank = {k: i for i, k in enumerate(lex_order)}
    ex_rank = {k: i for i, k in enumerate(ex_order)}
    has_named = bool(named)
    out = []
    for k in keys:
        c = combined.get(k, 0.0)
        ex1, ex2, ex_para = examples.get(k, no_example)
        para = lex[k][1] if k in lex else None
        named_in, named_out = float(has_named and k[0] in named), float(has_named and k[0] not in named)
        p = clf.get(k, 0.0)
        ex_rel, clf_rel, lex_rel = ex1 / ex_max, p / clf_max, c / lex_max
        out.append(Candidate(k, ex_para if ex_para is not None and ex1 >= 0.5 else para, (
            1.0, lex_rel, math.log1p(c), ex1, ex_rel, ex2, named_in, named_out,
            1 / (1 + lex_rank.get(k, CANDIDATES)), 1 / (1 + ex_rank.get(k, CANDIDATES)),
            en.get(k, 0.0) / en_max, min(keyword.get(k, 0.0), 3.0), min(intent.get(k, 0.0), 2.0),
            lex_rel * ex_rel, p, clf_rel, 1 / (1 + clf_rank.get(k, CANDIDATES)),
            # English questions reach the articles through the glossary only: their signals weigh differently.
            english * c / lex_max, english * ex1 / ex_max, english * p / clf_max,
            named_in * ex_rel, named_in * clf_rel, named_in * lex_rel, named_in * p, named_in * ex1,
            named_out * ex_rel, named_out * clf_rel, named_out * lex_rel, named_out * p, named_out * ex1)))
    return out


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 30.0), -30.0)))


@dataclass(frozen=True)
class Ranker:
    """Two logistic models fitted by tools/fit_ranker.py on the train and dev splits of the blind set
    (never its test split): one scores an article for a question, one says whether a question is about
    the measures at all. Thresholds were chosen on the same data."""

    rank: tuple[float, ...]
    scope: tuple[float, ...]
    abstain_below: float  # in-scope probability under which the assistant says it does not know
    abstain_below_named: float  # the same for a question that names a programme (and no off-topic subject)
    sure_above: float  # probability of the best article under which it also offers the next ones
    likely_above: float  # probability under which it answers none and asks "did you mean"

    # sum(map(mul, ...)): the products of the generator it replaced, added in the same order, without a
    # Python frame per feature; the lengths checked as zip(strict=True) did.
    def rank_logit(self, f: tuple[float, ...]) -> float:
        if len(f) != len(self.rank):
            raise ValueError(f"{len(f)} rank features for {len(self.rank)} weights")
        return sum(map(mul, self.rank, f))

    def in_scope(self, f: tuple[float, ...]) -> float:
        if len(f) != len(self.scope):
            raise ValueError(f"{len(f)} scope features for {len(self.scope)} weights")
        return _sigmoid(sum(map(mul, self.scope, f)))


@cache
def ranker() -> Ranker:
    data = _lexicon("ranker")
    # A feature the file does not weigh yet (added since the last fit) counts for nothing.
    return Ranker(tuple(data["rank"].get(k, 0.0) for k in RANK_FEATURES),
                  tuple(data["scope"].get(k, 0.0) for k in SCOPE_FEATURES),
                  data["abstain_below"], data.get("abstain_below_named", 0.0), data["sure_above"], data["likely_above"])

