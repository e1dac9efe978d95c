"""The conversation engine: declared flows, re-asks, cancel, timeout, restart, rollback, concurrency."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from handlers.dispatch import Dispatcher
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, choices_reply, finish, goto
from handlers.flows import FLOWS, faq_answer
from handlers.registry import build_dispatcher
from handlers.types import Incoming, Reply
from storage.models import Conversation, Person, ProcessedMessage


def _ask_colour(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Colour?"), [("red", "红色"), ("blue", "蓝色"), ("green", "绿色")])


def _on_colour(ctx: Ctx, a: Answer) -> Outcome:
    ctx.data["colour"] = a.value
    return goto("age")


def _ask_age(ctx: Ctx) -> Reply:
    return Reply(text="Age?")


def _on_age(ctx: Ctx, a: Answer) -> Outcome:
    if not a.text.isdigit():
        raise Invalid("Digits please.")
    if a.text == "99":
        # Writes something, then fails: the write must be rolled back with the rest.
        ctx.person.display_name = "SHOULD-NOT-PERSIST"
        ctx.session.add(ctx.person)
        raise RuntimeError("boom")
    return finish(Reply(text=f"done {ctx.data['colour']} {a.text}"))


TEST_FLOW = Flow(
    name="quiz", title="Quiz", start="colour", commands=("/quiz", "测验"),
    states={"colour": State(_ask_colour, _on_colour, to=("age",)),
            "age": State(_ask_age, _on_age, free_text=True, max_retries=2, to=())},
)


@pytest.fixture
def d(engine, settings) -> Dispatcher:
    return build_dispatcher(engine, settings, flows=(*FLOWS, TEST_FLOW), faq=faq_answer, privacy_notice=False)


@pytest.fixture
def alice(d, clock):
    from tests.conftest import Person as Driver

    return Driver(d, clock, "alice")


def _conv(engine) -> Conversation:
    with Session(engine) as s:
        return s.exec(select(Conversation)).one()


def test_flow_runs_with_number_fullwidth_and_text_answers(alice) -> None:
    alice.say("/quiz")
    assert alice.last.text == "Colour?"
    alice.say("２")  # full-width digit
    assert alice.last.text == "Age?"
    alice.say("30")
    assert alice.last.text == "done blue 30"


def test_chinese_numeral_and_fuzzy_label(alice) -> None:
    alice.say("测验")
    alice.say("三")
    alice.say("7")
    assert alice.last.text == "done green 7"
    alice.say("/quiz")
    alice.say("红")
    alice.say("8")
    assert alice.last.text == "done red 8"


def test_invalid_answers_are_reasked_then_a_way_out(alice, engine) -> None:
    alice.say("/quiz")
    alice.say("紫色")  # not an option
    assert "options" in alice.replies[0].text or "选项" in alice.replies[0].text
    assert alice.last.text == "Colour?"
    alice.say("1")
    alice.say("abc")
    assert alice.replies[0].text == "Digits please." and alice.last.text == "Age?"
    alice.say("abc")
    alice.say("abc")  # third failure > max_retries=2: the flow stops and offers the menu
    assert "flow:lang" in alice.choice_values()
    assert _conv(engine).flow == ""


def test_cancel_everywhere_in_both_languages(alice, engine) -> None:
    for word in ("取消", "/cancel", "Cancel"):
        alice.say("/quiz")
        alice.say(word)
        assert _conv(engine).flow == ""
        assert "flow:lang" in alice.choice_values()


def test_idle_timeout_gives_a_note_and_a_fresh_start(alice, clock, engine) -> None:
    alice.say("/quiz")
    clock.advance(minutes=31)
    alice.say("1")
    assert any("idle" in r.text or "未操作" in r.text for r in alice.replies)
    assert _conv(engine).flow == ""


def test_within_timeout_the_flow_continues(alice, clock) -> None:
    alice.say("/quiz")
    clock.advance(minutes=29)
    alice.say("1")
    assert alice.last.text == "Age?"


def test_conversation_survives_a_restart(engine, settings, clock) -> None:
    from tests.conftest import Person as Driver

    first = Driver(build_dispatcher(engine, settings, flows=(*FLOWS, TEST_FLOW), faq=faq_answer, privacy_notice=False), clock, "bob")
    first.say("/quiz")
    first.say("2")
    # A new process: a new engine and dispatcher on the same database.
    from storage.db import make_engine

    engine2 = make_engine(settings.database_url)
    second = Driver(build_dispatcher(engine2, settings, flows=(*FLOWS, TEST_FLOW), faq=faq_answer, privacy_notice=False), clock, "bob")
    second.seq = first.seq
    second.say("41")
    assert second.last.text == "done blue 41"
    engine2.dispose()


def test_exception_rolls_back_and_apologises_once(alice, engine, caplog) -> None:
    alice.say("/quiz")
    alice.say("1")
    before = _conv(engine)
    with caplog.at_level(logging.ERROR):
        alice.say("99")
    assert len(alice.replies) == 1 and ("wrong" in alice.last.text or "问题" in alice.last.text)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    after = _conv(engine)
    assert (after.flow, after.state, after.data) == (before.flow, before.state, before.data)
    with Session(engine) as s:
        assert all(p.display_name != "SHOULD-NOT-PERSIST" for p in s.exec(select(Person)))
        # The failed message key was not recorded, so a platform retry is processed again.
        keys = {m.message_key for m in s.exec(select(ProcessedMessage))}
    assert f"alice-{alice.seq}" not in keys
    alice.say("42")
    assert alice.last.text == "done red 42"


def test_same_user_concurrent_messages_are_serialised(d, clock, engine) -> None:
    """Twenty messages of one user at once: each processed exactly once, none lost, state consistent."""
    results: list = []

    def send(i: int) -> None:
        results.append(d.handle(Incoming(channel="console", user_key="carol", message_key=f"c{i}",
                                         received_at=clock.now, text="/me")))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20 and all(r.replies and not r.duplicate for r in results)
    with Session(engine) as s:
        assert len(s.exec(select(ProcessedMessage)).all()) == 20


def test_duplicates_delivered_concurrently_run_once(d, clock) -> None:
    results: list = []

    def send() -> None:
        results.append(d.handle(Incoming(channel="wechat", user_key="dave", message_key="same",
                                         received_at=clock.now, text="/quiz")))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(not r.duplicate for r in results) == 1


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "x" * 10_000, "<script>alert(1)</script>",
                                  "'; DROP TABLE person; --", "\x00\x07控制字符\x1b[31m", "مرحبا 你好 hello"])
def test_odd_input_gets_a_reply_not_a_crash(alice, text, engine) -> None:
    alice.say(text)
    assert alice.replies and all(r.text for r in alice.replies)
    with Session(engine) as s:
        assert s.exec(select(Person)).first() is not None


def test_huge_message_is_cut_with_a_note(alice) -> None:
    alice.say("云岭工匠" * 1000)
    assert any("4000" not in r.text and ("2000" in r.text) for r in alice.replies)


def test_state_is_json_in_the_database(alice, engine) -> None:
    alice.say("/quiz")
    alice.say("1")
    conv = _conv(engine)
    assert json.loads(conv.data) == {"colour": "red"} and conv.state == "age"


def test_clerk_only_flow_refuses_workers(engine, settings, clock) -> None:
    from tests.conftest import Person as Driver

    secret = Flow(name="secret", title="Secret", states={}, commands=("/secret",), roles=frozenset({"clerk"}),
                  enter=lambda ctx: finish(Reply(text="clerk stuff")))
    d = build_dispatcher(engine, settings, flows=(*FLOWS, secret), faq=faq_answer, privacy_notice=False)
    worker = Driver(d, clock, "w")
    worker.say("/secret")
    assert "clerk stuff" not in worker.text and ("clerk" in worker.text or "工作人员" in worker.text)
    d.settings = type(settings)(**{**settings.__dict__, "clerks": {"console:c": "昆明市总工会"}})
    clerk = Driver(d, clock, "c")
    clerk.say("/secret")
    assert clerk.last.text == "clerk stuff"


def test_timeout_default_is_thirty_minutes(settings) -> None:
    assert timedelta(minutes=settings.session_timeout_minutes) == timedelta(minutes=30)
