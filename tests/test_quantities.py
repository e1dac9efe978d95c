"""Kinds of quantity in questions and articles, and the rank feature built from their overlap."""

from __future__ import annotations

import pytest

from knowledge.loader import article
from knowledge.search import RANK_FEATURES, fold
from knowledge.search.core import prepare
from knowledge.search.indexing import index
from knowledge.search.quantities import KINDS, article_kinds, question_kinds


@pytest.mark.parametrize(("question", "kinds"), [
    ("我58了还能评云岭工匠吗", {"age"}),
    ("我都五十八了还能报吗", {"age"}),  # Chinese numerals are read
    ("I am 57, can I still lead the station?", {"age"}),
    ("my husband is 61 years old", {"age"}),
    ("干了十二年能报不", {"years"}),
    ("worked there 15 years, enough?", {"years"}),
    ("预算30来万怎么拨", {"money"}),
    ("we got 100,000 yuan", {"money"}),
    ("一年办了10个班抽查几个", {"classes"}),  # 一年 is "a year", not a count of years
    ("公示5天还是7天", {"days"}),
    ("11月3号还能报吗", {"date"}),
    ("we had 40 trainees", {"people"}),
    ("培训了24个课时算吗", {"hours"}),
    ("比例是百分之三十吗", {"share"}),
])
def test_question_kinds(question: str, kinds: set[str]) -> None:
    assert question_kinds(fold(question)) == kinds


@pytest.mark.parametrize("question", ["年纪大了还能评吗", "一年补多少", "2020年的办法还有效吗", "云岭工匠怎么报名",
                                      "how much money", ""])
def test_questions_without_a_quantity(question: str) -> None:
    assert question_kinds(fold(question)) == frozenset()


def test_article_kinds_follow_the_text() -> None:
    # Station 第十条: "年龄在55周岁（含）以下 … 每年在工作室工作6个月以上；领衔一个5人以上专家团队".
    station = article_kinds(article("station", 10).text)
    assert {"age", "months", "people"} <= station
    # Training 第二十二条: spot checks of "年度培训班次30%".
    assert {"share", "classes"} <= article_kinds(article("training", 22).text)
    # Craftsman 第二十七条: "达到法定退休年龄".
    assert "age" in article_kinds(article("craftsman", 27).text)
    assert article_kinds(article("craftsman", 1).text) == frozenset()  # the purpose: no quantity
    assert all(k in KINDS for kinds in index().quantities.values() for k in kinds)


def test_the_rank_feature_marks_articles_ruling_on_the_kind_given() -> None:
    at = RANK_FEATURES.index("quantity")
    prep = prepare("我58了还能评云岭工匠吗")
    marked = {c.key: c.features[at] for c in prep.candidates}
    assert marked and set(marked.values()) <= {0.0, 1.0}
    assert all(v == (1.0 if "age" in index().quantities.get(k, ()) else 0.0) for k, v in marked.items())
    assert any(marked.values())  # an article on age is among the candidates
    plain = prepare("云岭工匠的年纪有要求吗")  # no number: the lexicon's business, not this feature's
    assert not any(c.features[at] for c in plain.candidates)
