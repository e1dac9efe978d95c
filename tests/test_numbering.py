"""Issue 18, item 6: one numbering per message, and flows' citations one short line per article."""

from __future__ import annotations

import re

from tests.test_drafts import CRAFTSMAN, answer_until

NUMBERED = re.compile(r"^\s*\d{1,2}[.、]\s*\S", re.M)


def _one_numbering(p) -> None:  # type: ignore[no-untyped-def]
    if any(r.choices for r in p.replies):
        for r in p.replies:
            assert not NUMBERED.search(r.text), r.text


def _short_citations(p) -> None:  # type: ignore[no-untyped-def]
    for r in p.replies:
        articles = [(c.measure, c.article) for c in r.citations]
        assert len(articles) == len(set(articles)), articles
        assert all(len(c.quote) <= 250 for c in r.citations), [c.quote for c in r.citations]


def test_channel_check_uses_one_numbering_and_short_citations(person) -> None:
    p = person("chan")
    for line in ("申报渠道", "1", "1", "昆明市", "1"):
        p.say(line)
        _one_numbering(p)
        _short_citations(p)
    p.say("申报渠道")
    p.say("4")  # self-nomination
    for _turn in range(6):
        _one_numbering(p)
        _short_citations(p)
        if not p.last.choices:
            break
        p.say("1")


def test_draft_review_numbers_fields_apart_from_the_choices(person) -> None:
    p = person("rev")
    p.say("/draft")
    p.say("1")
    answer_until(p, CRAFTSMAN)
    assert "[3] 性别：男" in p.last.text
    _one_numbering(p)
    p.say("修改 3")
    assert "性别" in p.text
