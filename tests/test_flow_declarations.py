"""Declared transitions: checked when a flow and the registry are built, enforced at run time; sub-flows."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from handlers.flow import Answer, Ctx, Flow, Outcome, State, call, check_registry, choices_reply, finish, goto
from handlers.flows import FLOWS, faq_answer
from handlers.registry import build_dispatcher
from handlers.routing import RULES
from handlers.types import Reply

ROOT = Path(__file__).resolve().parent.parent


def _ask(ctx: Ctx) -> Reply:
    return choices_reply("Which?", [("a", "A"), ("b", "B"), ("sub", "Sub"), ("args", "Sub with arguments")])


def _on(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.value == "a":
        return goto("second")
    if answer.value in ("sub", "args"):
        ctx.data["kept"] = "mine"
        return call("inner", return_to="second", args={"given": "yours"} if answer.value == "args" else None)
    return goto("thrid")  # a typo: not declared


def _second(ctx: Ctx) -> Reply:
    return Reply(text=f"Second ({ctx.data.get('kept', '-')}).")


OUTER = Flow(name="outer", title="Outer", start="first", commands=("/outer",), states={
    "first": State(_ask, _on, to=("second", "flow:inner")),
    "second": State(_second, lambda ctx, a: finish(Reply(text="bye")), free_text=True, to=()),
})
INNER = Flow(name="inner", title="Inner", start="only", in_menu=False, states={
    "only": State(lambda ctx: Reply(text=f"Inner, slots {sorted(ctx.data)}"),
                  lambda ctx, a: finish(Reply(text=f"inner got {a.text}")), free_text=True, to=()),
})


def test_an_unknown_state_target_fails_when_the_flow_is_built() -> None:
    with pytest.raises(ValueError, match=r"unknown state.*nowhere"):
        Flow(name="bad", title="Bad", start="one", states={
            "one": State(_ask, _on, to=("nowhere",))})


def test_an_unregistered_flow_target_fails_when_the_registry_is_built(engine, settings) -> None:
    with pytest.raises(ValueError, match=r"unregistered flow.*flow:inner"):
        check_registry((OUTER,))
    with pytest.raises(ValueError, match="unregistered"):
        build_dispatcher(engine, settings, flows=(*FLOWS, OUTER), faq=faq_answer)
    with pytest.raises(ValueError, match="twice"):
        check_registry((OUTER, INNER, INNER))


def test_the_registered_flows_pass_the_check() -> None:
    check_registry(FLOWS)  # also done by every dispatcher built


@pytest.fixture
def quiz(engine, settings, clock):
    from tests.conftest import Person as Driver

    d = build_dispatcher(engine, settings, flows=(*FLOWS, OUTER, INNER), faq=faq_answer, privacy_notice=False)
    return Driver(d, clock, "quinn")


def test_an_undeclared_goto_is_logged_and_apologised_for_not_a_crash(quiz, caplog) -> None:
    quiz.say("/outer")
    with caplog.at_level(logging.ERROR, logger="handlers.dispatch"):
        quiz.say("2")
    assert "went to thrid, which it does not declare" in caplog.text
    assert "出了问题" in quiz.last.text or "went wrong" in quiz.last.text
    assert "menu:awards" in quiz.choice_values()  # back at the main menu, not stuck in a broken step
    quiz.say("/outer")
    quiz.say("1")
    assert quiz.last.text == "Second (-)."


def test_a_called_flow_returns_to_the_caller_with_its_slots(quiz) -> None:
    quiz.say("/outer")
    quiz.say("3")
    assert quiz.last.text == "Inner, slots ['_return']"  # the sub-flow starts with its own slots
    quiz.say("a word")
    assert [r.text for r in quiz.replies][-2:] == ["inner got a word", "Second (mine)."]
    quiz.say("ok")
    assert quiz.last.text == "bye"


def test_routing_is_a_tuple_of_rules_and_the_dispatcher_imports_no_flow() -> None:
    assert isinstance(RULES, tuple) and all(callable(r) for r in RULES)
    for module in ("handlers/dispatch.py", "handlers/routing.py", "handlers/flow.py"):
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(m.startswith("handlers.flows") for m in imported), module


def test_a_called_flow_starts_with_the_arguments_it_is_given(quiz) -> None:
    quiz.say("/outer")
    quiz.say("4")
    assert quiz.last.text == "Inner, slots ['_return', 'given']"
    quiz.say("done")
    assert quiz.last.text == "Second (mine)."  # the caller's own slots come back, not the arguments


def test_a_state_must_declare_its_transitions() -> None:
    """The undeclared style (a state without ``to``) is gone: a new flow cannot be built with it."""
    with pytest.raises(TypeError, match="to"):
        State(_ask, _on)  # type: ignore[call-arg]
    for f in FLOWS:
        assert all(isinstance(s.to, tuple) for s in f.states.values()), f.name


def test_an_entry_may_go_only_to_start_and_what_it_declares() -> None:
    jump = Flow(name="jump", title="Jump", start="first", enter=lambda ctx: goto("second"), states=OUTER.states)
    assert not jump.allowed(None, goto("second"))
    assert jump.allowed(None, goto("first"))
    declared = Flow(name="jump", title="Jump", start="first", enter=lambda ctx: goto("second"), enter_to=("second",),
                    states=OUTER.states)
    assert declared.allowed(None, goto("second"))


def test_typed_slots_are_kept_in_the_same_json(engine, settings, clock) -> None:
    """A flow's dataclass slots are written back to the conversation's JSON column when it is saved."""
    import json
    from dataclasses import dataclass, field

    from sqlmodel import Session, select

    from storage.models import Conversation
    from tests.conftest import Person as Driver

    @dataclass
    class Tally:
        count: int = 0
        seen: list[str] = field(default_factory=list)

    def on(ctx: Ctx, a: Answer) -> Outcome:
        tally = ctx.slots(Tally)
        tally.count += 1
        tally.seen.append(a.text)
        return goto("count") if tally.count < 2 else finish(Reply(text=f"{tally.count} {tally.seen}"))

    counter = Flow(name="counter", title="Counter", start="count", commands=("/counter",), states={
        "count": State(lambda ctx: Reply(text=f"Count {ctx.slots(Tally).count}"), on, free_text=True, to=("count",))})
    d = build_dispatcher(engine, settings, flows=(*FLOWS, counter), faq=faq_answer, privacy_notice=False)
    tom = Driver(d, clock, "tom")
    tom.say("/counter")
    tom.say("a b")
    assert tom.last.text == "Count 1"
    with Session(engine) as s:
        (conv,) = s.exec(select(Conversation).where(Conversation.flow == "counter")).all()
        assert json.loads(conv.data) == {"count": 1, "seen": ["a b"]}
    tom.say("c")
    assert tom.last.text == "2 ['a b', 'c']"
