"""The search's array paths give what the loops they replaced gave (tools/search_fingerprint.py checks the
whole search on every question; these check the pieces on their own)."""

from __future__ import annotations

from knowledge.search.core import _best_units, _lexical, _terms, _translate
from knowledge.search.indexing import index
from knowledge.search.ranking import CANDIDATES, _top


def _loop(idx, unit_scores: dict[int, float]) -> dict:
    lex, best = {}, {}
    for u in sorted(unit_scores):
        s, unit = unit_scores[u], idx.units[u]
        key = (unit.measure, unit.article)
        score, para, para_score = best.get(key, (0.0, None, 0.0))
        score = max(score, s)
        if unit.paragraph is not None and s > para_score:
            para, para_score = unit.paragraph, s
        best[key] = (score, para, para_score)
    for key, (score, para, _) in best.items():
        if score > 0:
            lex[key] = (score, para)
    return lex


def test_best_units_is_the_loop() -> None:
    idx = index()
    for question in ("云岭工匠怎么申报", "劳模创新工作室的补助标准", "技能培训补贴多少钱", "工会会员"):
        terms = _terms(idx, question, _translate(idx, question))
        docs, scores = idx.bm25.score_arrays(terms)
        expected = _loop(idx, idx.bm25.scores(terms))
        got = _best_units(idx, docs, scores)
        assert expected and list(got.items()) == list(expected.items())
        assert _lexical(idx, terms, "")[0] == expected


def test_top_is_sorted_with_ties_by_key() -> None:
    scores = {("b", i): float(i % 3) for i in range(40)} | {("a", i): 1.0 for i in range(5)}
    assert _top(scores) == sorted(scores, key=lambda k: (-scores[k], k))[:CANDIDATES]
    assert _top({}) == []
