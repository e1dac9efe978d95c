"""The form state kind on its own: a three-field form kept in the conversation's slots, with back, skip,
save and the correction of one field from a review (tests/test_drafts.py resumes a saved form)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from handlers.flow import Answer, Ctx, Flow, Outcome, State, finish
from handlers.form import Form
from handlers.forms import Field, parse_answer
from handlers.types import Choice, Reply

FIELDS = [Field("mobile", "手机号码", "Mobile", "mobile"), Field("email", "电子邮箱", "E-mail", "email", optional=True),
          Field("founded", "成立时间", "Founded", "date")]


@dataclass
class Card:
    answers: dict[str, Any] = field(default_factory=dict)


class CardBook:
    def fields(self, ctx: Ctx) -> list[Field]:
        return FIELDS

    def pending(self, ctx: Ctx) -> list[Field]:
        return [f for f in FIELDS if f.key not in ctx.slots(Card).answers]

    def field(self, ctx: Ctx, key: str) -> Field:
        return next(f for f in FIELDS if f.key == key)

    def store(self, ctx: Ctx, f: Field, value: Any) -> None:
        ctx.slots(Card).answers[f.key] = value

    def question(self, ctx: Ctx, f: Field, position: int, total: int) -> Reply:
        return Reply(text=f"{position}/{total} {f.name}?")

    def parse(self, ctx: Ctx, f: Field, answer: Answer) -> Any:
        return parse_answer(f, answer.text, ctx._, today=ctx.now.date())

    def saved(self, ctx: Ctx) -> Outcome:
        return finish(Reply(text="saved"))


FORM = Form(CardBook())


def _review(ctx: Ctx) -> Reply:
    shown = "; ".join(f"{k}={v}" for k, v in ctx.slots(Card).answers.items())
    return Reply(text=f"review {shown}", choices=(Choice("ok", "OK"), Choice("fix", "Fix")))


def _on_review(ctx: Ctx, answer: Answer) -> Outcome:
    return FORM.correct(ctx, 1) if answer.value == "fix" else finish(Reply(text="done"))


CARD = Flow(name="card", title="Card", start="field", commands=("/card",), enter=lambda ctx: FORM.next(ctx),
            enter_to=("review",), states={**FORM.states(), "review": State(_review, _on_review, to=("field",))})


@pytest.fixture
def carl(engine, settings, clock):
    from handlers.flows import FLOWS, faq_answer
    from handlers.registry import build_dispatcher
    from tests.conftest import Person as Driver

    d = build_dispatcher(engine, settings, flows=(*FLOWS, CARD), faq=faq_answer, privacy_notice=False)
    return Driver(d, clock, "carl", locale="en")


def test_a_form_asks_parses_goes_back_skips_saves_resumes_and_corrects(carl) -> None:
    carl.say("/card")
    assert carl.last.text == "1/3 Mobile?"
    carl.say("12345")
    assert "11 digits" in carl.replies[0].text and carl.last.text == "1/3 Mobile?"  # re-asked
    carl.say("139 1234 5678")
    carl.say("上一题")  # back
    assert carl.last.text == "1/3 Mobile?"
    carl.say("13912345678")
    carl.say("skip")  # optional
    assert carl.last.text == "3/3 Founded?"
    carl.say("2018年5月")
    assert carl.last.text == "review mobile=13912345678; email=; founded=2018年5月"
    carl.say(choice="fix")
    carl.say("13800000000")
    assert carl.replies[0].text == "Corrected." and carl.last.text.startswith("review mobile=13800000000")
    carl.say(choice="ok")
    assert carl.last.text == "done"
    carl.say("/card")
    carl.say("save")  # the book says what saving means (the application form keeps a draft row to resume)
    assert carl.last.text == "saved"
