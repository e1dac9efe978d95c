"""The search's fast paths give exactly what the plain loops they replaced gave: the same floats, the same
paragraph on ties, the same order. The loops are kept here as the reference (tools/search_fingerprint.py
does the same over every question of the data sets, through the whole search). Every test runs twice: with
the compiled posting-list sums (knowledge/search/_postings.c) and with the numpy code they replace."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pytest

from knowledge.search import index, normalize, postings
from knowledge.search.core import _best_unit_arrays, _bonuses, _terms, _translate, _unit_arrays
from knowledge.search.examples import Classifier, Examples, Packed
from knowledge.search.ranking import CANDIDATES, COMBINED, EX_PARAGRAPH, _orders

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def _sums(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The posting-list sums in C, then in numpy (tests/test_postings.py checks that the C module is built)."""
    if request.param == "numpy":
        monkeypatch.setattr(postings, "native", None)
    elif postings.native is None:
        pytest.skip("knowledge.search._postings is not built")


def _questions(n: int = 400) -> list[str]:
    out: list[str] = []
    for name in ("blind.jsonl", "blind_round2.jsonl", "questions.jsonl"):
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()
        out += [json.loads(line)["question"] for line in lines[: n // 3] if line]
    # Edge cases: nothing known, one common character, English, a typo, a long repeat, traditional.
    return [*out, "", "的", "工", "How much is the subsidy?", "云岭工匠申包", "工匠" * 200, "雲嶺工匠評選條件"]


def _similar_loop(ex: Examples, text: str, exclude: str | None = None) -> dict:
    """Examples.similar as it was written first: a loop over the examples each term reaches."""
    q = {t: w * ex.idf[t] for t, w in ex._tf(text).items() if t in ex.idf}
    norm = math.sqrt(sum(w * w for w in q.values()))
    if not norm:
        return {}
    dots: dict[int, float] = defaultdict(float)
    for t, w in q.items():
        if len(t) == 1 and ex.idf[t] < ex.common_idf:
            continue
        for i, v in ex.postings.get(t):
            dots[i] += w * v
    out: dict = {}
    for i, dot in dots.items():
        if exclude is not None and ex.ids[i] == exclude:
            continue
        sim = dot / norm
        key = ex.keys[i]
        best, second, para = out.get(key, (0.0, 0.0, None))
        if sim > best:
            out[key] = (sim, best, ex.paragraphs[i])
        elif sim > second:
            out[key] = (best, sim, para)
    return out


def _probabilities_loop(clf: Classifier, text: str) -> dict:
    if not clf.classes:
        return {}
    logits = list(clf.bias)
    for t, x in _vector_loop(clf, text).items():
        for c, w in clf.weights.get(t):
            logits[c] += w * x
    top = max(logits)
    exp = [math.exp(v - top) for v in logits]
    total = sum(exp)
    return {k: e / total for k, e in zip(clf.classes, exp, strict=True)}


def _bm25_loop(bm25, terms: dict[str, float]) -> dict[int, float]:  # type: ignore[no-untyped-def]
    out: dict[int, float] = defaultdict(float)
    for term, weight in terms.items():
        posting = bm25.postings.get(term)
        if not posting:
            continue
        idf = bm25.idf_of(len(posting)) * weight
        for doc, tf in posting:
            out[doc] += idf * tf * (bm25.k1 + 1) / (tf + bm25.norm[doc])
    return out


def _lexical_loop(idx, terms: dict[str, float], english: str) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    unit_scores = _bm25_loop(idx.bm25, terms) if terms else {}
    lex = {}
    for key, units in idx.article_units.items():
        score, para, para_score = 0.0, None, 0.0
        for u in units:
            s = unit_scores.get(u, 0.0)
            score = max(score, s)
            p = idx.units[u].paragraph
            if p is not None and s > para_score:
                para, para_score = p, s
        if score > 0:
            lex[key] = (score, para)
    en_scores = _bm25_loop(idx.en_bm25, dict.fromkeys(idx.en_tokens(english), 1.0)) if english else {}
    en = {key: en_scores.get(units[0], 0.0) for key, units in idx.article_units.items()} if en_scores else {}
    return lex, en


def _bonuses_loop(idx, text: str) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    keyword: dict = defaultdict(float)
    for kw, key in idx.keywords:
        if kw in text:
            keyword[key] += 1.0
    intents = {name: keys for name, says, keys, _ in idx.intents if any(s in text for s in says)}
    for name, _, _, over in idx.intents:
        if name in intents:
            for other in over:
                intents.pop(other, None)
    intent: dict = defaultdict(float)
    for keys in intents.values():
        for key in keys:
            intent[key] += 1.0
    return keyword, intent


@pytest.fixture(scope="module")
def texts() -> list[str]:
    idx = index()
    return [idx.correct(normalize(q, idx.chars)) for q in _questions()]


def _best_units(idx, scores) -> dict:  # type: ignore[no-untyped-def]
    """_best_unit_arrays as the dict prepare() read (article -> best score, paragraph), articles scoring
    above 0.0 in the index's order."""
    best, paragraph_unit = _best_unit_arrays(idx, scores)
    keys, paragraphs = _unit_arrays(idx).keys, _unit_arrays(idx).paragraphs
    return {keys[g]: (b, paragraphs[paragraph_unit[g]] if g in paragraph_unit else None)
            for g, b in enumerate(best.tolist()) if b > 0.0}


def _lexical(idx, terms: dict[str, float], english: str) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """BM25 per article (its best unit) with its best paragraph; and, for English, BM25 over the gists: the
    dicts prepare() read before the table of signals."""
    lex: dict = {}
    if terms:
        scores = idx.bm25.score_dense(terms)
        if scores is not None:
            lex = _best_units(idx, scores)
    en_scores = idx.en_bm25.scores(dict.fromkeys(idx.en_tokens(english), 1.0)) if english else {}
    en = {key: en_scores.get(units[0], 0.0) for key, units in idx.article_units.items()} if en_scores else {}
    return lex, en


def test_examples_similar_is_the_loop_exactly(texts: list[str]) -> None:
    ex = index().examples
    for text in texts:
        assert _nearest_as_similar(ex, text) == _similar_loop(ex, text), text


def test_examples_similar_leaves_one_out_as_the_loop(texts: list[str]) -> None:
    ex = index().examples
    for n, text in enumerate(texts[:60]):
        exclude = ex.ids[n * 37 % len(ex.ids)]
        assert _nearest_as_similar(ex, text, exclude) == _similar_loop(ex, text, exclude), (text, exclude)


def test_examples_tie_keeps_the_first_reached_paragraph() -> None:
    """Two examples of one article with the same text but different paragraphs: the loop kept the first one
    reached (the lower number: both are in the same lists), and so do the arrays."""
    items = [{"id": "a", "n": "补贴多少钱", "ref": "training:5", "paragraph": 2},
             {"id": "b", "n": "补贴多少钱", "ref": "training:5", "paragraph": 1},
             {"id": "c", "n": "补贴什么时候发", "ref": "training:5", "paragraph": 3},
             {"id": "d", "n": "补贴多少", "ref": "", "paragraph": None}]
    ex = Examples(items, frozenset())
    got = _nearest_as_similar(ex, "补贴多少钱")
    assert got == _similar_loop(ex, "补贴多少钱")
    assert got[("training", 5)][2] == 2 and got[("training", 5)][0] == got[("training", 5)][1]
    assert _nearest_as_similar(ex, "补贴多少钱", exclude="a")[("training", 5)][2] == 1


def test_classifier_probabilities_are_the_loop_exactly(texts: list[str]) -> None:
    clf = index().classifier
    for text in texts:
        assert clf.probabilities(text) == _probabilities_loop(clf, text), text


def test_lexical_and_bonuses_are_the_loops_exactly(texts: list[str]) -> None:
    idx = index()
    for text in texts:
        terms = _terms(idx, text, _translate(idx, text))
        assert idx.bm25.scores(terms) == _bm25_loop(idx.bm25, terms), text
        for english in ("", text):
            fast, slow = _lexical(idx, terms, english), _lexical_loop(idx, terms, english)
            assert fast == slow and [list(d) for d in fast] == [list(d) for d in slow], text
        fast_b, slow_b = _bonuses(idx, text), _bonuses_loop(idx, text)
        assert fast_b == slow_b and [list(d) for d in fast_b] == [list(d) for d in slow_b], text


def test_packed_arrays_match_the_lists() -> None:
    import pickle

    table = {"工匠": [(0, 0.1), (7, -2.5)], "x": [(3, 1e-300)]}
    for packed in (Packed(table), pickle.loads(pickle.dumps(Packed(table)))):
        ids, weights = packed.arrays("工匠")
        assert ids.tolist() == [0, 7] and weights.tolist() == [0.1, -2.5]
        assert packed.arrays("missing")[0].tolist() == [] and packed.arrays("x")[1].tolist() == [1e-300]


def _best_units_loop(idx, unit_scores: dict[int, float]) -> dict:
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
        expected = _best_units_loop(idx, idx.bm25.scores(terms))
        got = _best_units(idx, idx.bm25.score_dense(terms))
        assert expected and list(got.items()) == list(expected.items())
        assert _lexical(idx, terms, "")[0] == expected


def _top(scores: dict, absent: tuple = ()) -> list:
    """_orders over one signal (COMBINED): the keys of ``scores`` in ascending order, and ``absent`` among
    them not named (0.0), as an article a dict did not hold."""
    import numpy as np

    keys = sorted({*scores, *absent})
    table, named = np.zeros((7, len(keys))), np.zeros((3, len(keys)), dtype=bool)
    table[COMBINED] = [scores.get(k, 0.0) for k in keys]
    named[COMBINED] = [k in scores for k in keys]
    return [keys[i] for i in _orders(table, named)[COMBINED]]


def test_top_is_sorted_with_ties_by_key() -> None:
    scores = {("b", i): float(i % 3) for i in range(40)} | {("a", i): 1.0 for i in range(5)}
    assert _top(scores) == sorted(scores, key=lambda k: (-scores[k], k))[:CANDIDATES]
    assert _top({}) == []
    # Articles a signal does not name are never among its best, even below 12 named.
    few = {("b", i): float(i) for i in range(5)}
    assert _top(few, absent=tuple(("a", i) for i in range(20))) == sorted(few, key=lambda k: (-few[k], k))


def _fold_loop(text: str) -> str:
    """fold() as it was written first: every character's category looked up."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(text.split()).lower()


def test_fold_is_the_loop_for_every_character() -> None:
    """The printable fast path: every code point, alone and beside letters, folds as the loop folds it."""
    from knowledge.search.text import fold

    for start in range(0, 0x110000, 4096):
        chunk = "".join(chr(c) for c in range(start, min(start + 4096, 0x110000)))
        assert fold(chunk) == _fold_loop(chunk), hex(start)
    for text in ("云岭\u200b工匠", "a\tb\u3000c", "x\u00a0y", "ＡＢＣ１２３", "工匠\n怎么报", "", "  "):
        assert fold(text) == _fold_loop(text), repr(text)


def _correct_loop(idx, text: str) -> str:  # type: ignore[no-untyped-def]
    """Index.correct as it was written first: the regular expression per neighbour, a list of pairs per
    candidate (and everyday words left as typed)."""
    import re

    from knowledge.search.text import _FUNCTION_CHARS
    from knowledge.text import toneless_readings

    cjk = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
    chars = list(text)
    for i, ch in enumerate(chars):
        if not cjk.match(ch):
            continue
        left = chars[i - 1] if i > 0 and cjk.match(chars[i - 1]) else ""
        right = chars[i + 1] if i + 1 < len(chars) and cjk.match(chars[i + 1]) else ""
        if ch in _FUNCTION_CHARS or not (left or right) or (left + ch) in idx.known or (ch + right) in idx.known:
            continue
        if (left + ch) in idx.everyday or (ch + right) in idx.everyday:
            continue
        best, best_score = ch, 0
        for reading in toneless_readings(ch)[:1]:
            for cand in idx.homophones().get(reading, ()):
                pairs = [p for p in ((left + cand) if left else "", (cand + right) if right else "") if p]
                score = sum(1000 * (p in idx.known) + len(idx.bm25.postings.get(p, ())) for p in pairs)
                if score > best_score:
                    best, best_score = cand, score
        chars[i] = best
    return "".join(chars)


def test_correct_is_the_loop() -> None:
    idx = index()
    for q in [*_questions(), "云岭工匠申包要什么才料", "技师工做站的经非", "工", "工会会原", "x工y匠z", "我是钳工今年52"]:
        text = normalize(q, idx.chars)
        assert idx.correct(text) == _correct_loop(idx, text), text


def test_top_is_sorted_with_ties_by_key_at_the_cut() -> None:
    """Ties at the CANDIDATES-th score: all of them compete, the lowest keys win."""
    for scores in ({("m", i): float(i // 5) for i in range(60)}, {("m", i): 1.0 for i in range(30)},
                   {("m", i): [0.0, -0.0, 2.0][i % 3] for i in range(13)}, {("a", 1): 1.0, ("a", 0): 1.0}):
        assert _top(scores) == sorted(scores, key=lambda k: (-scores[k], k))[:CANDIDATES]


def test_term_counts_kept_are_the_counts() -> None:
    """The counts kept for the classifier are those of a fresh count, and reading them changes nothing."""
    from knowledge.search.examples import _term_counts, term_counts

    stop = index().stop_en
    first = term_counts("云岭工匠怎么申报 how much", stop)
    assert "没有" not in first and first.get("没有") is None and "没有" not in term_counts("云岭工匠怎么申报 how much", stop)
    _term_counts.cache_clear()
    assert term_counts("云岭工匠怎么申报 how much", stop) == first


def test_best_units_is_the_loop_on_ties() -> None:
    """Scores drawn from a few values (ties between an article's paragraphs, and with the whole article),
    many units not scoring: the same maxima, paragraphs and order as the loop over the units that scored."""
    import random

    import numpy as np

    idx = index()
    rng = random.Random(21)
    for _ in range(200):
        touched = {u: rng.choice([0.5, 1.0, 1.0, 2.0, 3.25]) for u in range(len(idx.units)) if rng.random() < 0.3}
        dense = np.zeros(len(idx.units))
        for u, s in touched.items():
            dense[u] = s
        got, expected = _best_units(idx, dense), _best_units_loop(idx, touched)
        assert list(got.items()) == list(expected.items())


def _terms_loop(idx, text: str, translated: list[str]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """core._terms as it was written first: every bigram tested, every lexicon entry scanned."""
    from knowledge.search.core import W_LEXICON
    from knowledge.search.text import _LATIN, _strip, bigrams

    terms: dict[str, float] = {}
    for t in bigrams(_strip(text, idx.fillers)):
        if not _LATIN.fullmatch(t):
            terms[t] = 1.0
    added = [m for says, means in idx.entries if any(s in text for s in says) for m in means]
    for phrase in (*translated, *added):
        for t in bigrams(phrase):
            terms[t] = max(terms.get(t, 0.0), W_LEXICON)
    return terms


def test_terms_are_the_loop(texts: list[str]) -> None:
    idx = index()
    for text in [*texts, "我" * 300, "没钱 没钱 没钱 how much money"]:
        translated = _translate(idx, text)
        fast, slow = _terms(idx, text, translated), _terms_loop(idx, text, translated)
        assert list(fast.items()) == list(slow.items()), text


def test_groups_in_is_any_phrase_in_order() -> None:
    from knowledge.text import by_first_char, groups_in

    groups = [("工匠", "工作室"), ("补贴",), ("", "x"), ("贴",), ("工匠",)]
    table = by_first_char(groups)
    for text in ("云岭工匠补贴", "工作", "", "贴", "abc"):
        assert groups_in(table, text) == [i for i, g in enumerate(groups) if any(p in text for p in g)], text


def test_bm25_idf_kept_is_idf_of_df() -> None:
    idx = index()
    for bm25 in (idx.bm25, idx.en_bm25):
        for term, posting in list(bm25.postings.items())[:3000]:
            assert bm25.idf(term) == bm25.idf_of(len(posting)), term
        assert bm25.idf("never a term") == bm25.max_idf


def test_packed_gather_is_the_concatenated_lists() -> None:
    import numpy as np

    table = {"a": [(0, 0.1), (7, -2.5)], "b": [], "c": [(3, 1e-300), (4, 2.0), (9, 3.0)]}
    packed = Packed(table)
    for terms in (["a", "c"], ["c", "missing", "a", "b", "a"], [], ["missing"]):
        ids, weights, lengths = packed.gather(terms)
        assert lengths == [len(table.get(t, [])) for t in terms]
        assert ids.tolist() == [i for t in terms for i, _ in table.get(t, [])]
        assert weights.tolist() == [w for t in terms for _, w in table.get(t, [])]
        weights *= 2.0  # new arrays: the packed lists stay as they were
    assert np.array_equal(packed.arrays("a")[1], [0.1, -2.5])


def _vector_loop(clf: Classifier, text: str) -> dict:
    """The classifier's vector of a question as it was written first (Classifier.vector, sublinear() called per
    term): probability_array computes it in its pass over the terms."""
    from knowledge.search.examples import sublinear, term_counts

    vec = {t: sublinear(c) * clf.idf[t] for t, c in term_counts(text, clf.stop_en).items() if t in clf.idf}
    norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
    return {t: w / norm for t, w in vec.items()}


def _translate_loop(idx, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """core._translate as it was written first: every phrase of the glossary tested."""
    from knowledge.search.text import _LATIN

    latin = " " + " ".join(_LATIN.findall(text)) + " "
    translated: list[str] = []
    for phrase, terms in idx.glossary:
        if f" {phrase} " in latin:
            translated.extend(terms)
            latin = latin.replace(f" {phrase} ", " ")
    return translated


def test_translate_is_the_loop(texts: list[str]) -> None:
    from types import SimpleNamespace

    idx = index()
    for text in [*texts, "how much is the subsidy for a craftsman studio", "工匠 studio", "  "]:
        assert _translate(idx, text) == _translate_loop(idx, text), text
    # An empty phrase (none today) is found in any text, English words or not: the short cut does not apply.
    odd = SimpleNamespace(glossary=[("studio", ("工作室",)), ("", ("空",))])
    for text in ("云岭工匠", "studio", ""):
        assert _translate(odd, text) == _translate_loop(odd, text), text  # type: ignore[arg-type]


def test_bm25_weights_other_than_one_are_the_loop() -> None:
    """Query weights other than the lexicon's (1.0 and 0.6), an int among them: the loop's floats."""
    from knowledge.search.bm25 import BM25

    docs = [["工匠", "补贴", "工匠"], ["补贴"], ["工作", "室", "工匠"], [], ["x"] * 7]
    bm25 = BM25(docs)
    for terms in ({"工匠": 1.0, "补贴": 0.6}, {"补贴": 1, "x": 2.5, "missing": 1.0}, {"室": 0.3, "工匠": 1.0000001}, {}):
        assert bm25.scores(terms) == _bm25_loop(bm25, terms), terms
    idx = index()
    for text in ("云岭工匠补贴多少", "技师工作站 经费"):
        terms = {t: w for t, w in _terms(idx, text, []).items()}
        for scale in (1.0, 0.6, 1.7):
            weighted = {t: w * scale for t, w in terms.items()}
            assert idx.bm25.scores(weighted) == _bm25_loop(idx.bm25, weighted), (text, scale)


def test_examples_similar_on_many_ties_is_the_loop() -> None:
    """Few distinct texts over many examples and articles (ties everywhere, paragraphs differing), some left
    out: the same cosines, paragraphs and order of articles as the loop."""
    import random

    rng = random.Random(24)
    texts = ["补贴多少钱", "补贴什么时候发", "工匠怎么评", "工作室经费", "补贴", "how much money"]
    items = [{"id": f"q{i % 40}", "n": rng.choice(texts), "ref": rng.choice(["", "a:1", "a:2", "b:1"]),
              "paragraph": rng.choice([None, 1, 2])} for i in range(120)]
    ex = Examples(items, frozenset())
    for query in ["补贴多少钱", "补贴", "工匠 补贴 经费", "money", "无关"]:
        for exclude in (None, "q3", "q17", "nobody"):
            assert _nearest_as_similar(ex, query, exclude) == _similar_loop(ex, query, exclude), (query, exclude)


def test_unknown_share_is_the_loop(texts: list[str]) -> None:
    from knowledge.search.examples import _is_word

    idx = index()
    ex = idx.examples

    def loop(text: str) -> float:
        words = [t for t in ex._tf(text) if _is_word(t)]
        if not words:
            return 0.0
        return sum(1 for t in words if t not in idx.words and ex.in_scope_df.get(t, 0) <= 0) / len(words)

    for text in [*texts, "公积金 产假 how much money", "的了吗"]:
        assert ex.unknown_share(text, idx.words) == loop(text), text


def _nearest_as_similar(ex: Examples, text: str, exclude: str | None = None) -> dict:
    """Examples.nearest as the dict Examples.similar returns (its order aside)."""
    near = ex.nearest(text, exclude)
    if near is None:
        return {}
    return {ex.group_keys[g]: (b, s, p) for g, b, s, p in zip(
        near.groups.tolist(), near.best.tolist(), near.second.tolist(), near.paragraphs, strict=True)}


def test_examples_nearest_is_the_loop_exactly(texts: list[str]) -> None:
    ex = index().examples
    for n, text in enumerate(texts):
        assert _nearest_as_similar(ex, text) == _similar_loop(ex, text), text
        exclude = ex.ids[n * 37 % len(ex.ids)]
        assert _nearest_as_similar(ex, text, exclude) == _similar_loop(ex, text, exclude), (text, exclude)


TIED_QUERIES = ("补贴多少钱", "补贴", "工匠 补贴 经费", "money", "无关", "钱 补贴 工作室")


def _tied_examples(seed: int) -> Examples:
    """150 examples of seven texts over four articles and none (ties everywhere, paragraphs differing), ids
    repeating every 40."""
    import random

    rng = random.Random(seed)
    texts = ["补贴多少钱", "补贴什么时候发", "工匠怎么评", "工作室经费", "补贴", "how much money", "钱 补贴"]
    items = [{"id": f"q{i % 40}", "n": rng.choice(texts), "ref": rng.choice(["", "a:1", "a:2", "b:1", "c:3"]),
              "paragraph": rng.choice([None, 1, 2])} for i in range(150)]
    return Examples(items, frozenset())


def test_examples_nearest_on_ties_is_the_loop() -> None:
    """Ties everywhere (few texts over many examples and articles, paragraphs differing), some examples left
    out; and ties whose first reached is not the lowest number (its first term comes earlier)."""

    items = [{"id": "a", "n": "补贴多少钱", "ref": "training:5", "paragraph": 2},
             {"id": "b", "n": "补贴多少钱", "ref": "training:5", "paragraph": 1},
             {"id": "c", "n": "补贴什么时候发", "ref": "training:5", "paragraph": 3},
             {"id": "d", "n": "补贴多少", "ref": "", "paragraph": None}]
    ex = Examples(items, frozenset())
    for exclude in (None, "a", "b"):
        assert _nearest_as_similar(ex, "补贴多少钱", exclude) == _similar_loop(ex, "补贴多少钱", exclude)
    # "经费" and "补贴" tie for "补贴 经费" (symmetric weights); the first reached is the higher number, "补贴",
    # whose term comes first in the question; for "经费 补贴" it is "经费".
    items = [{"id": "x", "n": "经费", "ref": "a:1", "paragraph": 1},
             {"id": "y", "n": "补贴", "ref": "a:1", "paragraph": 2},
             {"id": "z", "n": "别的", "ref": "b:1", "paragraph": 3}]
    ex = Examples(items, frozenset())
    for query, paragraph in (("补贴 经费", 2), ("经费 补贴", 1)):
        got = _nearest_as_similar(ex, query)
        assert got == _similar_loop(ex, query) and got[("a", 1)][2] == paragraph, query
        assert got[("a", 1)][0] == got[("a", 1)][1]  # a tie
    for seed in range(5):
        ex = _tied_examples(seed)
        for query in TIED_QUERIES:
            for exclude in (None, "q3", "q17", "nobody"):
                assert _nearest_as_similar(ex, query, exclude) == _similar_loop(ex, query, exclude), (seed, query)


def _nearest_from(ex: Examples, text: str, exclude: str | None, at_least: float) -> dict:
    """Examples.nearest with its paragraphs only from ``at_least``, as a dict like :func:`_nearest_as_similar`."""
    near = ex.nearest(text, exclude, at_least)
    if near is None:
        return {}
    return {ex.group_keys[g]: (b, s, p) for g, b, s, p in zip(
        near.groups.tolist(), near.best.tolist(), near.second.tolist(), near.paragraphs, strict=True)}


def _paragraphs_from(full: dict, at_least: float) -> dict:
    """The loop's answer with the paragraphs of the articles below ``at_least`` dropped (None)."""
    return {k: (b, s, p if b >= at_least else None) for k, (b, s, p) in full.items()}


def test_examples_nearest_paragraphs_from_is_the_loop(texts: list[str]) -> None:
    """The paragraphs resolved only from a cosine on (ties below it never looked at): the same best and second
    cosines, and the same paragraph where the best reaches it, on the index's examples and on ties."""

    ex = index().examples
    for n, text in enumerate(texts):
        exclude = (None, ex.ids[n * 37 % len(ex.ids)])[n % 2]
        full = _similar_loop(ex, text, exclude)
        for at_least in (0.0, 0.3, 0.5, 0.9):
            assert _nearest_from(ex, text, exclude, at_least) == _paragraphs_from(full, at_least), (text, at_least)
    # Tied examples of differing paragraphs whose first reached is not the lowest number (see the test above),
    # and tied ones sharing a paragraph.
    items = [{"id": "x", "n": "经费", "ref": "a:1", "paragraph": 1}, {"id": "y", "n": "补贴", "ref": "a:1", "paragraph": 2},
             {"id": "z", "n": "别的", "ref": "b:1", "paragraph": 3}, {"id": "u", "n": "经费", "ref": "b:2", "paragraph": 4},
             {"id": "v", "n": "补贴", "ref": "b:2", "paragraph": 4}]
    small = Examples(items, frozenset())
    for query in ("补贴 经费", "经费 补贴"):
        full = _similar_loop(small, query)
        assert full[("a", 1)][0] == full[("a", 1)][1] and full[("b", 2)][0] == full[("b", 2)][1]  # ties
        for at_least in (0.0, 0.5, 1.1):
            assert _nearest_from(small, query, None, at_least) == _paragraphs_from(full, at_least), (query, at_least)
    for seed in range(6):
        small = _tied_examples(seed)
        for query in TIED_QUERIES:
            for exclude in (None, "q3", "nobody"):
                full = _similar_loop(small, query, exclude)
                for at_least in (0.0, 0.5, 0.7, 1.1):
                    assert _nearest_from(small, query, exclude, at_least) == _paragraphs_from(full, at_least), (
                        seed, query, exclude, at_least)


# -- prepare() as it was written with dicts keyed by article: the reference of the table of signals --------

def _top_dict(scores: dict) -> list:
    return [k for _, k in sorted([(-v, k) for k, v in scores.items()])][:CANDIDATES]


def _candidates_dicts(combined: dict, examples: dict, lex: dict, en: dict, keyword: dict, intent: dict, clf: dict,
                      named: tuple[str, ...], english: bool) -> list[tuple]:
    """_candidates as it was: a loop over the candidates reading each signal's dict."""
    lex_order = _top_dict(combined)
    ex_order = _top_dict({k: v[0] for k, v in examples.items() if k is not None})
    clf_order = _top_dict(clf)
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
        out.append((k, ex_para if ex_para is not None and ex1 >= EX_PARAGRAPH else para, (
            1.0, lex_rel, math.log1p(c), ex1, ex_rel, ex2, named_in, named_out,
            1 / (1 + lex_rank.get(k, CANDIDATES)), 1 / (1 + ex_rank.get(k, CANDIDATES)),
            en.get(k, 0.0) / en_max, min(keyword.get(k, 0.0), 3.0), min(intent.get(k, 0.0), 2.0),
            lex_rel * ex_rel, p, clf_rel, 1 / (1 + clf_rank.get(k, CANDIDATES)),
            english * c / lex_max, english * ex1 / ex_max, english * p / clf_max,
            named_in * ex_rel, named_in * clf_rel, named_in * lex_rel, named_in * p, named_in * ex1,
            named_out * ex_rel, named_out * clf_rel, named_out * lex_rel, named_out * p, named_out * ex1)))
    return out


def _prepare_dicts(query: str, exclude: str | None = None) -> tuple:
    """prepare() with a dict per signal, keyed by article: (reason, [(key, paragraph, features)], signals)."""
    from knowledge.search.core import INTENT_BONUS, KEYWORD_BONUS, _named, prepare
    from knowledge.search.text import _TOKEN, folded_query, mandarin, simplified

    idx = index()
    first = prepare(query, exclude=exclude)
    if first.reason and first.reason != "low_score":  # refused before any signal: not what this compares
        return first.reason, [], {}
    text = idx.correct(mandarin(simplified(folded_query(query)[0], idx.chars)))
    assert _TOKEN.search(text) and text == first.text
    lang = first.lang
    translated = _translate(idx, text)
    named = tuple(sorted(_named(idx, " ".join([text, *translated]))))
    terms = _terms(idx, text, translated)
    lex, en = _lexical(idx, terms, text if lang == "en" else "")
    keyword, intent = _bonuses(idx, text)
    combined = {key: score for key, (score, _) in lex.items()}
    for key in {*en, *keyword, *intent}:
        combined[key] = (lex.get(key, (0.0, None))[0] + en.get(key, 0.0) + KEYWORD_BONUS * keyword.get(key, 0.0)
                         + INTENT_BONUS * intent.get(key, 0.0))
    examples = _nearest_as_similar(idx.examples, text, exclude)
    oos_max = examples.pop(None, (0.0, 0.0, None))[0]
    clf = idx.classifier.probabilities(" ".join([text, *translated]))
    clf_oos = clf.pop(None, 0.0)
    candidates = _candidates_dicts(combined, examples, lex, en, keyword, intent, clf, named, lang == "en")
    if not candidates:
        return "low_score", [], {}
    signals = {"lex_max": math.log1p(max(combined.values(), default=0.0)),
               "ex_max": max((v[0] for v in examples.values()), default=0.0), "oos_max": oos_max,
               "topic": first.query.get("topic", 0.0), "clf_oos": clf_oos, "clf_max": max(clf.values(), default=0.0),
               "novel": idx.examples.unknown_share(text, idx.words, exclude),
               "grams_in": _grams_logit(idx.classifier.scope_grams.bias, idx.classifier.scope_grams.grams,
                                        " ".join([text, *translated]))}  # Prepared.grams_in(), read lazily
    return "", candidates, signals


def _grams_logit(bias: float, table: dict[str, list[float]], text: str) -> float:
    """The character-gram model's logit written from its definition: scikit-learn's char_wb 1-3-grams of the
    lower-cased words (less the bare padding space), each known one's idf once, l2-normalised, dot the
    weights (sum() over the grams in the order first met), plus the bias, clipped at 8."""
    if not table:
        return 0.0
    # Per word: its characters, then its padded bigrams, then trigrams; a gram met again is not counted again.
    found = dict.fromkeys(w[i:i + n] for word in text.lower().split() for w in [" " + word + " "]
                          for n in (1, 2, 3) for i in range(len(w) - n + 1) if w[i:i + n] != " ")
    known = [g for g in found if g in table]
    square = sum(table[g][0] * table[g][0] for g in known)
    z = bias + (sum(table[g][0] * table[g][1] for g in known) / math.sqrt(square) if square else 0.0)
    return max(-8.0, min(8.0, z))


def _english_and_named() -> list[str]:
    return ["How much is the Yunling Craftsman subsidy?", "innovation studio funding application", "technician station",
            "union skills training fund how to apply", "what documents do I need", "云岭工匠和创新工作室哪个钱多",
            "技师工作站 经费", "补多少钱啊", "啥时候截止"]


def test_prepare_is_the_dicts_exactly(texts: list[str]) -> None:
    """The table of signals gives the candidates, paragraphs, features (every float) and query signals the
    dicts gave, in the same order; the matrix holds the same features, a column per candidate."""
    from knowledge.search.core import prepare

    ex = index().examples
    for n, question in enumerate([*_questions(), *_english_and_named()]):
        for exclude in (None, ex.ids[n * 37 % len(ex.ids)]) if n % 5 == 0 else (None,):
            p = prepare(question, exclude=exclude)
            reason, candidates, signals = _prepare_dicts(question, exclude)
            assert p.reason == reason, question
            got = [(c.key, c.paragraph, c.features) for c in p.candidates]
            assert got == candidates, question
            assert all(type(f) is float for c in p.candidates for f in c.features)
            if candidates:
                assert p.grams_in() == signals.pop("grams_in"), question
                assert p.query == signals, question
                assert p.matrix is not None and p.matrix.T.tolist() == [list(c.features) for c in p.candidates]


def test_rank_logits_are_rank_logit(texts: list[str]) -> None:
    from knowledge.search import ranker
    from knowledge.search.core import prepare

    model = ranker()
    for question in [*_questions(120), *_english_and_named()]:
        p = prepare(question)
        if p.candidates:
            assert p.matrix is not None
            assert model.rank_logits(p.matrix) == [model.rank_logit(c.features) for c in p.candidates], question


def test_direct_answer_is_the_scan() -> None:
    """direct_answer() reads each article's first paragraph-level answer from a table made once; the scan it
    replaced sorted the article's keys by paragraph on every call."""
    from knowledge.answer import direct_answer, direct_answers
    from knowledge.loader import load_measures

    def scan(measure: str, article: int, paragraph: int | None) -> object:
        table = direct_answers()
        if paragraph is not None and (measure, article, paragraph) in table:
            return table[(measure, article, paragraph)]
        if (measure, article, None) in table:
            return table[(measure, article, None)]
        keys = sorted((k for k in table if k[0] == measure and k[1] == article), key=lambda k: k[2] or 0)
        return table[keys[0]] if keys else None

    seen = 0
    for m in load_measures().values():
        for a in m.articles:
            for paragraph in (None, 1, 2, 3, 7, 99):
                got = direct_answer(m.key, a.number, paragraph)
                assert got is scan(m.key, a.number, paragraph), (m.key, a.number, paragraph)
                seen += got is not None and (m.key, a.number, None) not in direct_answers()
    assert seen  # some articles answered at paragraph level only


def test_any_in_is_any_phrase_in() -> None:
    """The other regions and off-topic subjects found by their first character: any(p in text for p in ...)."""
    from knowledge.text import any_in, by_first_char

    idx = index()
    for phrases, table in ((idx.regions, idx.regions_by_char), (idx.topics, idx.topics_by_char)):
        for text in [*_questions(150), "昆明", "北京市总工会", "加班费怎么算", "", "x"]:
            assert any_in(table, text) == any(p in text for p in phrases), text
    odd = by_first_char([("",), ("ab",)])
    assert any_in(odd, "zz") and not any_in(by_first_char([("ab",)]), "ba")


def test_candidate_features_read_from_the_matrix_are_its_column() -> None:
    """A candidate made from the matrix gives its column as the tuple of floats a candidate made with the tuple
    holds, and compares equal to it (the search never asks; the fitting tools and the fingerprint do)."""
    import numpy as np

    from knowledge.search.ranking import Candidate

    f = np.arange(12, dtype=float).reshape(4, 3) / 7.0
    lazy = [Candidate(("craftsman", j), None, matrix=f, column=j) for j in range(3)]
    eager = [Candidate(("craftsman", j), None, tuple(f.T.tolist()[j])) for j in range(3)]
    assert lazy == eager and [c.features for c in lazy] == [tuple(col) for col in f.T.tolist()]
    assert all(type(x) is float for c in lazy for x in c.features)
    assert lazy[0] != Candidate(("craftsman", 0), 1, lazy[0].features) and repr(lazy[1]) == repr(eager[1])
    with pytest.raises(ValueError):
        Candidate(("craftsman", 1), None)
