"""One set of form words, one phone rule, one date parser: shared by every form."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.errors import Invalid
from handlers.fields import BACK, KINDS, is_phone, word_of
from handlers.i18n import translator

_ = translator("en")
TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(("text", "word"), [("跳过", "skip"), ("Skip", "skip"), ("不填", "skip"), ("返回上一题", "back"),
                                            ("改上一题", "back"), ("/back", "back"), ("保存", "save"),
                                            ("稍后再填", "save"), ("你好", None)])
def test_form_words(text: str, word: str | None) -> None:
    assert word_of(text) == word


@pytest.mark.parametrize(("text", "ok"), [("0871-12345678", True), ("13912345678", True), ("(0871) 6543 2100", True),
                                          ("12345", False), ("call me", False)])
def test_one_phone_rule(text: str, ok: bool) -> None:
    assert is_phone(text) is ok
    if ok:
        assert KINDS["phone"](text, _, TODAY)
    else:
        with pytest.raises(Invalid):
            KINDS["phone"](text, _, TODAY)


@pytest.mark.parametrize(("text", "shown"), [("2018-05-20", "2018年5月20日"), ("２０１８年５月２０日", "2018年5月20日"),
                                             ("2018/5/20", "2018年5月20日"), ("2018年5月", "2018年5月"),
                                             ("2018.5", "2018年5月")])
def test_form_dates(text: str, shown: str) -> None:
    assert KINDS["date"](text, _, TODAY) == shown


@pytest.mark.parametrize("text", ["2018-02-30", "2018-13", "1900-01-01", "2027-01-01", "soon"])
def test_bad_form_dates_are_refused(text: str) -> None:
    with pytest.raises(Invalid):
        KINDS["date"](text, _, TODAY)


@pytest.mark.parametrize("word", sorted(BACK))
def test_every_back_word_works_in_the_eligibility_check(person, word: str) -> None:
    gina = person("gina")
    gina.say("云岭工匠")
    first = gina.last.text
    gina.say("2")
    assert gina.last.text != first
    gina.say(word)
    assert gina.last.text == first  # the first question again
