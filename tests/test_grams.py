"""The character-gram in / out model (knowledge.search.grams): its grams, its arithmetic, the shipped model."""

from __future__ import annotations

import math

import pytest

from knowledge.search.grams import LIMIT, ScopeGrams, grams


def test_grams_are_char_wb_one_to_three_grams_of_each_padded_word() -> None:
    # scikit-learn's char_wb analyzer on "Ab 工会" (ngram_range=(1, 3)), written out by hand, less the bare
    # padding space; each gram once.
    assert sorted(grams("Ab 工会")) == sorted([
        "a", "b", " a", "ab", "b ", " ab", "ab ",
        "工", "会", " 工", "工会", "会 ", " 工会", "工会 "])
    assert grams("aa aa") == ["a", " a", "aa", "a ", " aa", "aa "]  # distinct, in the order first met
    assert grams("x") == ["x", " x", "x ", " x "]
    assert grams("") == [] and grams("   ") == []


def test_logit_is_the_normalised_dot_product_plus_the_bias() -> None:
    model = ScopeGrams({"bias": -0.5, "grams": {"工": [2.0, 1.5], "会": [1.0, 0.0], "工会": [3.0, -2.0]}})
    norm = math.sqrt(2.0 ** 2 + 1.0 ** 2 + 3.0 ** 2)  # each known gram's idf, once
    assert model.logit("工会") == pytest.approx(-0.5 + (2.0 * 1.5 + 3.0 * -2.0) / norm)
    assert model.logit("工会工会") == pytest.approx(model.logit("工会"))  # presence, not counts
    assert model.logit("xyz") == -0.5  # no known gram: the bias alone
    assert ScopeGrams({}).logit("工会") == 0.0  # no model: no signal
    big = ScopeGrams({"bias": 100.0, "grams": {"a": [1.0, 1.0]}})
    assert big.logit("a") == LIMIT and ScopeGrams({"bias": -100.0, "grams": {"a": [1.0, 1.0]}}).logit("a") == -LIMIT


def test_the_shipped_model_reads_the_measures_own_words_as_in_scope() -> None:
    """Fitted with the classifier (tools/fit_classifier.py): present, and an article's own sentence reads as
    about the measures far more than a question about holiday gifts."""
    from knowledge.search import index

    model = index().classifier.scope_grams
    assert len(model.grams) > 1000 and all(f > 0 for f, _ in model.grams.values())
    assert model.logit("云岭工匠 每年 评选 不超过 20名") > model.logit("周末 去 哪里 钓鱼 好")


def test_reading_the_gram_logit_only_when_it_can_decide_changes_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """search() computes the character-gram logit only when the other scope features leave the in-scope
    probability within its reach of the cut. Over a whole blind round (in scope and out), every result is the
    one computed with the logit always read; and it is skipped for most questions, or there is no point."""
    import json
    from pathlib import Path

    from knowledge.search import search
    from knowledge.search.ranking import Ranker

    questions = [json.loads(line)["question"] for line in
                 (Path(__file__).parent / "data" / "blind_round21.jsonl").read_text(encoding="utf-8").splitlines()]
    lazily = [search(q, top=3) for q in questions]
    decided = []
    real = Ranker.grams_decide

    def counted(self: Ranker, f: tuple[float, ...], cut: float) -> bool:
        decided.append(real(self, f, cut))
        return True  # always read

    monkeypatch.setattr(Ranker, "grams_decide", counted)
    always = [search(q, top=3) for q in questions]
    assert [(r.abstained, r.hits, r.sure, r.nearby) for r in lazily] == [
        (r.abstained, r.hits, r.sure, r.nearby) for r in always]
    assert any(r.abstained for r in always) and not all(r.abstained for r in always)
    assert 0 < sum(decided) < len(decided) / 3
