"""The ranking model: candidates' features and the two fitted logistic models."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import cache
from operator import mul
from typing import NamedTuple

import numpy as np

from knowledge.search.grams import LIMIT as GRAMS_LIMIT
from knowledge.search.text import _lexicon

Key = tuple[str, int]


class Candidate:
    """An article the ranking model weighs for a question: its key, the paragraph to cite, its features (of
    :data:`RANK_FEATURES`). The search reads the features from the matrix :func:`_candidates` returns: a
    candidate made from it makes the tuple only when asked (the floats of its column)."""

    __slots__ = ("_column", "_features", "_matrix", "key", "paragraph")

    def __init__(self, key: tuple[str, int], paragraph: int | None, features: tuple[float, ...] | None = None, *,
                 matrix: np.ndarray | None = None, column: int = 0) -> None:
        if features is None and matrix is None:
            raise ValueError("a candidate needs its features or the matrix holding them")
        self.key, self.paragraph = key, paragraph
        self._features, self._matrix, self._column = features, matrix, column

    @property
    def features(self) -> tuple[float, ...]:
        if self._features is None:
            self._features = tuple(self._matrix[:, self._column].tolist())  # type: ignore[index]
        return self._features

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.key, self.paragraph, self.features) == (other.key, other.paragraph, other.features)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as the dataclass it was)

    def __repr__(self) -> str:
        return f"Candidate(key={self.key!r}, paragraph={self.paragraph!r}, features={self.features!r})"



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
                  "novel",
                  # English goes through the glossary: its words match an article's even when it asks for what
                  # the text lacks, so the same signals are worth less from an English question.
                  "en_x_coverage", "en_x_p_top", "en_x_clf_oos",
                  # Share of its words that neither the best article nor anyone asking about it used: a near
                  # miss asks in the article's words for what it does not say (the plaque's size, a date).
                  "unseen_top",
                  # How much the question reads like those asked about the measures, by its characters alone
                  # (knowledge.search.grams): whatever article is nearest.
                  "grams_in")
assert SCOPE_FEATURES[-1] == "grams_in"  # Ranker.grams_decide and search() read it last, and only when needed
CANDIDATES = 12  # best articles by each signal that the model ranks
# A candidate's paragraph is its nearest example's when that example's cosine is at least this (else BM25's).
# Chosen on the blind rounds' dev splits (questions whose article is right and whose deciding paragraph is
# labelled): 0.5 quoted that paragraph for 0.795 of them, 0.3 for 0.889, 0.1 (and 0.0) for 0.913; the test
# splits, never tuned on: 0.841 -> 0.925. Even a loosely similar example was asked about the same item.
EX_PARAGRAPH = 0.1


# The columns of Signals.table.
COMBINED, EX, CLF, EN, EX2, KEYWORD, INTENT = range(7)


class Signals(NamedTuple):
    """Every signal of one question over :attr:`keys`, the articles in ascending order (a tie broken by the
    key is a tie broken by the position): a row per signal, a column per article. An article a signal does
    not name holds 0.0 there (every signal is >= 0.0)."""

    keys: list[Key]
    # COMBINED: BM25 + keyword and intent bonuses (+ BM25 of the gists for English); EX, EX2: the nearest and
    # second nearest example's cosine; CLF: the classifier's probability; EN: BM25 of the English gists;
    # KEYWORD: curated keywords found; INTENT: intents answered.
    table: np.ndarray
    # The articles each of COMBINED, EX, CLF names (bool, a row each): the keys of the dicts they were.
    named: np.ndarray
    ex_paragraph: dict[int, int | None]  # position -> the nearest example's paragraph (EX >= EX_PARAGRAPH)
    lex_paragraph: dict[int, int | None]  # position -> the best BM25 paragraph of the article (one that scored)


def _orders(table: np.ndarray, named: np.ndarray) -> list[list[int]]:
    """For each of COMBINED, EX, CLF, the positions of the :data:`CANDIDATES` best articles among those it
    names, highest value first, ties by position (= by key): ``sorted(keys, key=lambda k: (-value,
    k))[:CANDIDATES]``. A stable sort of the negated values of each row, the articles not named placed last
    by +inf (the values are finite)."""
    order = np.argsort(np.where(named, -table[:3], np.inf), axis=1, kind="stable")[:, :CANDIDATES]
    counts = np.count_nonzero(named, axis=1).tolist()
    return [row[:count] for row, count in zip(order.tolist(), counts, strict=True)]


_RR = tuple(1 / (1 + k) for k in range(CANDIDATES + 1))  # 1 / (1 + rank) of each rank, computed once
_RR_ARRAY = np.array(_RR)

# Where each feature of RANK_FEATURES 0-16 is in _candidates' working matrix: rows 0-6 the table's (the
# signals), 7-10 lex_rel, ex_rel, clf_rel, en_rel, 11-17 bias, lex_log, named_in, named_out, lex_rr, ex_rr,
# clf_rr, 18-19 keyword and intent capped, 20 ex_x_lex.
_FIRST = [11, 7, 12, EX, 8, EX2, 13, 14, 15, 16, 10, 18, 19, 20, CLF, 9, 17]
_BY_NAMED = [8, 9, 7, CLF, EX]  # ex_rel, clf_rel, lex_rel, clf, ex: times named_in (20-24), named_out (25-29)


def _candidates(sig: Signals, named: tuple[str, ...], english: bool = False) -> tuple[list[Candidate], np.ndarray]:
    """The best articles by either signal (BM25 and bonuses, nearest examples, classifier), each with the
    features of :data:`RANK_FEATURES`; and the features as a matrix, a column per candidate. Computed for all
    candidates at once with the arithmetic of the loop over them that it replaced: each feature the same
    operations on the same floats (the reference in tests/test_search_exact.py)."""
    table = sig.table
    lex_order, ex_order, clf_order = _orders(table, sig.named)
    chosen = list(dict.fromkeys([*lex_order, *ex_order, *clf_order]))
    if not chosen:
        return [], np.zeros((30, 0))
    m = len(chosen)
    raw = table[:, chosen]
    # The maxima of COMBINED and EX over the candidates are those over every article: the best article each
    # names is a candidate, and an article it does not name holds 0.0, below or equal to any it names. CLF and
    # EN: over every article, as before. ``x or 1.0``: 1.0 for 0.0.
    maxima = table[:4].max(axis=1)
    rel = raw[:4] / np.where(maxima == 0.0, 1.0, maxima)[:, None]  # lex_rel, ex_rel, clf_rel, en_rel
    keys = sig.keys
    # bias, lex_log, named_in, named_out, lex_rr, ex_rr, clf_rr
    extra = np.empty((7, m))
    extra[0] = 1.0
    extra[1] = [math.log1p(x) for x in raw[COMBINED].tolist()]  # math's, as before (numpy's may differ)
    if named:
        extra[2] = [keys[i][0] in named for i in chosen]
        np.subtract(1.0, extra[2], out=extra[3])  # the complement (1.0 - x of 0.0 or 1.0 is exact)
    else:
        extra[2:4] = 0.0  # no programme named: neither in nor out
    # 1 / (1 + rank) of ints, as before (_RR); CANDIDATES for the unranked. ``chosen`` starts with lex_order.
    extra[4:7] = _RR[CANDIDATES]
    extra[4, :len(lex_order)] = _RR_ARRAY[:len(lex_order)]
    at = {k: j for j, k in enumerate(chosen)}
    extra[5, [at[k] for k in ex_order]] = _RR_ARRAY[:len(ex_order)]
    extra[6, [at[k] for k in clf_order]] = _RR_ARRAY[:len(clf_order)]
    work = np.concatenate([raw, rel, extra, np.minimum(raw[KEYWORD:INTENT + 1], [[3.0], [2.0]]),
                           (rel[0] * rel[1])[None]])
    f = np.empty((30, m))  # the 30 features written below: rank_logits() checks them against the weights
    f[:17] = work[_FIRST]
    # English questions reach the articles through the glossary only: their signals weigh differently.
    # english * x / y is x / y (lex_rel, ex_rel, clf_rel) for English, 0.0 / y = 0.0 otherwise.
    f[17:20] = rel[:3] if english else 0.0
    # named_in, named_out are 0.0 or 1.0 and every factor finite and >= 0: 1.0 * x is x, 0.0 * x is 0.0.
    by_named = work[_BY_NAMED]
    f[20:25] = extra[2] * by_named
    f[25:30] = extra[3] * by_named
    ex_para, lex_para = sig.ex_paragraph, sig.lex_paragraph
    # Each candidate's features stay in f (a column each) until asked for: the search ranks by the matrix.
    return [_in_matrix(keys[i], p if (p := ex_para.get(i)) is not None and e >= EX_PARAGRAPH else lex_para.get(i),
                       f, j)
            for j, (i, e) in enumerate(zip(chosen, raw[EX].tolist(), strict=True))], f


_new_candidate = Candidate.__new__


def _in_matrix(key: Key, paragraph: int | None, matrix: np.ndarray, column: int) -> Candidate:
    """``Candidate(key, paragraph, matrix=matrix, column=column)`` without the checks of the keywords (a few
    dozen per search)."""
    c = _new_candidate(Candidate)
    c.key, c.paragraph, c._features, c._matrix, c._column = key, paragraph, None, matrix, column
    return c


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

    def rank_logits(self, matrix: np.ndarray) -> list[float]:
        """:meth:`rank_logit` of each column (a candidate's features). Python's sum adds left to right from 0
        (0 + x is x) up to 3.11, and ``np.add.accumulate`` down a column is that sequence of additions (a
        scan, never pairwise), over the same products; from 3.12 sum() compensates its additions, and the
        columns go through rank_logit."""
        if matrix.shape[0] != len(self.rank):
            raise ValueError(f"{matrix.shape[0]} rank features for {len(self.rank)} weights")
        if sys.version_info >= (3, 12) or not matrix.shape[1]:
            return [self.rank_logit(tuple(column)) for column in matrix.T.tolist()]
        return np.add.accumulate(matrix * np.array(self.rank)[:, None], axis=0)[-1].tolist()

    def in_scope(self, f: tuple[float, ...]) -> float:
        if len(f) != len(self.scope):
            raise ValueError(f"{len(f)} scope features for {len(self.scope)} weights")
        return _sigmoid(sum(map(mul, self.scope, f)))

    def grams_decide(self, f: tuple[float, ...], cut: float) -> bool:
        """Whether the last scope feature (the character-gram logit, ``f`` holding 0.0 there) can put the
        in-scope probability on the other side of ``cut``: the others' sum, plus or minus the most the
        clipped logit can add (and a little more, for rounding), on both sides of it. Adding, multiplying
        and the sigmoid are monotone in floating point, so a False never changes what search() decides
        (tests/test_grams.py checks it on a whole blind round)."""
        if len(f) != len(self.scope):
            raise ValueError(f"{len(f)} scope features for {len(self.scope)} weights")
        if not self.scope[-1]:
            return False
        reach = abs(self.scope[-1]) * GRAMS_LIMIT * (1 + 1e-9) + 1e-12
        others = sum(map(mul, self.scope[:-1], f[:-1]))
        return (_sigmoid(others - reach) < cut) != (_sigmoid(others + reach) < cut)


@cache
def ranker() -> Ranker:
    data = _lexicon("ranker")
    # A feature the file does not weigh yet (added since the last fit) counts for nothing.
    return Ranker(tuple(data["rank"].get(k, 0.0) for k in RANK_FEATURES),
                  tuple(data["scope"].get(k, 0.0) for k in SCOPE_FEATURES),
                  data["abstain_below"], data.get("abstain_below_named", 0.0), data["sure_above"], data["likely_above"])

