"""Kinds of quantity: those a question gives (an age, years of service, an amount, a share, days, a date,
a headcount, a number of classes) and those an article rules on.

A worker who writes "我58了还能评吗" gives an age and no word of the article on age limits; the article that
names an age ("年龄在55周岁（含）以下", "达到法定退休年龄") is then more likely the answer than one that
shares the question's other words. The ranking model weighs the overlap as one feature (``quantity`` in
:data:`~knowledge.search.ranking.RANK_FEATURES`), fitted like the others.
"""

from __future__ import annotations

import re

from knowledge.reckon import AGE, digits

__all__ = ["KINDS", "article_kinds", "question_kinds"]

KINDS = ("age", "years", "money", "share", "days", "months", "date", "people", "classes", "hours")

_YEAR_NUMBER = r"(?<!\d)\d{1,2}(?!\d)"  # a count of years, not a calendar year (2020年)
# In a question, "一年" / "一天" is mostly "a year" / "per day" ("一年补多少"), not a count: from 2 up.
_COUNT = r"(?<!\d)(?:[2-9]|[1-9]\d)(?!\d)"

# What a question gives, on its folded text with Chinese numerals made digits ("五十八" -> 58).
_QUESTION = {
    "age": AGE,
    "years": re.compile(_COUNT + r"\s*(?:多|来)?\s*年(?!龄|度|底|初|前|后|级|纪)"
                        r"|\b\d{1,2}\s*\+?\s*years?\b(?![\s-]*old)|工龄\s*\d"),
    "money": re.compile(r"\d\s*(?:来|多)?\s*(?:万|千|百)?\s*(?:元|块|rmb|yuan)|\d\s*(?:来|多)?\s*万|[¥￥$]\s*\d"
                        r"|\b(?:rmb|yuan|cny)\s*\d|\d\s*k\b"),
    "share": re.compile(r"%|百分之|分之\s*\d|\bpercent|\d\s*成(?![员本果立绩])"),
    "days": re.compile(_COUNT + r"\s*(?:个)?\s*(?:工作日|天|日(?!期))|\b\d+\s*(?:working\s+)?days?\b"),
    "months": re.compile(r"\d\s*个\s*月|半年|\b\d+\s*months?\b"),
    "date": re.compile(r"\d\s*月\s*(?:\d+\s*(?:日|号)|底|初|份|中旬|上旬|下旬)|\d+\s*号(?![码楼])"
                       r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d"),
    "people": re.compile(r"\d\s*(?:个)?\s*(?:人|名|位|徒弟|学员|成员|职工|工人)"
                         r"|\b\d+\s*(?:people|persons?|trainees?|members?|workers?|apprentices?|students?)\b"),
    "classes": re.compile(r"\d\s*(?:个)?\s*(?:班|期(?!间|限))|\b\d+\s*(?:classes|courses|sessions)\b"),
    "hours": re.compile(r"\d\s*(?:个)?\s*(?:学时|课时|小时)|\b\d+\s*hours?\b"),
}

# What an article rules on: the same kinds, said the way the measures say them.
_ARTICLE = {
    "age": re.compile(r"周岁|年龄|退休"),
    "years": re.compile(_YEAR_NUMBER + r"\s*年(?:以上|来|内)|年限|连续\s*\d+\s*年"),
    "money": re.compile(r"\d\s*元|\d\s*%\s*的?(?:专项)?(?:资金|经费)|(?:资金|经费|补助|补贴|奖励).{0,12}\d"),
    "share": re.compile(r"%|百分之|比例"),
    "days": re.compile(r"\d\s*(?:个)?\s*(?:工作日|天)"),
    "months": re.compile(r"\d\s*个\s*月"),
    "date": re.compile(r"\d\s*月\s*(?:\d+\s*日|底|前|份)?"),
    "people": re.compile(r"\d\s*(?:人|名)"),
    "classes": re.compile(r"班次|\d\s*(?:个)?\s*(?:班|期)"),
    "hours": re.compile(r"学时|课时"),
}


def _kinds(text: str, patterns: dict[str, re.Pattern[str]]) -> frozenset[str]:
    text = digits(text)
    if not any(c.isdigit() for c in text) and patterns is _QUESTION:
        return frozenset()  # a question gives a quantity only with a number (the lexicon handles "年纪大了")
    return frozenset(k for k, p in patterns.items() if p.search(text))


def question_kinds(text: str) -> frozenset[str]:
    """The kinds of quantity a (folded) question gives: "我58了" -> {"age"}."""
    return _kinds(text, _QUESTION)


def article_kinds(text: str) -> frozenset[str]:
    """The kinds of quantity an article's text rules on."""
    return _kinds(text, _ARTICLE)
