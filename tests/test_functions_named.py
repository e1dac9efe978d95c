"""A clerk's function typed in one's own words ("broadcast a reminder", "怎么导出申报表") is offered, to those who
may use it, beside the measures' answer, or first where they say nothing of it (handlers/flows/ask.ASKED_FOR); "what can you do" is answered by the introduction."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from handlers.flows import FLOWS
from handlers.i18n import translator
from handlers.routing import INTROS
from storage.models import Conversation

UNIT = "昆明市总工会"


@pytest.mark.parametrize(("text", "flow"), [
    ("broadcast a reminder", "broadcast"), ("怎么群发提醒", "broadcast"), ("how do I send reminders to trainees", "broadcast"),
    ("how do I record a case status", "cases"), ("我想更新申报状态", "cases"),
    ("export the annex forms", "drafts_export"), ("怎么导出申报表", "drafts_export"),
    ("upload the class roster", "training_classes"), ("我要看看待处理工单", "tickets"),
    # A clerk's first words in a trial, each once answered by an article or declined:
    ("我要办个培训班", "training_classes"), ("remind trainees", "broadcast"), ("送达报告", "broadcast"),
    ("帮我把张三的申报改成已推荐", "cases"),
    # A class's papers: not the trainee's sign-in, nor the awards' annexes 1-2.
    ("export the sign-in sheet", "training_classes"), ("export annex 4", "training_classes"),
    ("导出签到表", "training_classes"),
    # A case's stage and a class's attendance, said by the clerk who records them (not one's own sign-in)
    ("Zhang San passed the preliminary review", "cases"), ("how many trainees signed in today?", "training_classes"),
    ("今天谁没签到", "training_classes"), ("who did not sign in", "training_classes"),
    # The applications a union holds, and a desk's words with others between them
    ("show me pending applications", "cases"), ("看看我们单位的申报", "cases"), ("登记一个新申报", "cases"),
    ("register a new case", "cases"),
    ("我们下个月要办个电工培训班 怎么弄", "training_classes"), ("帮我导出一下这个班的签到表吧", "training_classes"),
    ("where can I see who signed in today", "training_classes"), ("今天谁还没签到", "training_classes"),
])
def test_a_clerk_is_offered_the_function_named(person, text: str, flow: str) -> None:
    """Offered; or, a desk asked for in a few words (handlers/flows/ask.SHOWN_AT_ONCE), opened at once."""
    clerk = person("bob", clerk=UNIT)
    clerk.say("菜单")
    clerk.say(text)
    with Session(clerk.d.engine) as s:
        opened = s.exec(select(Conversation)).one().flow == flow or "暂无待处理工单" in clerk.text
    if opened:
        assert not any(r.citations for r in clerk.replies) and "请问您想办理什么" not in clerk.text, clerk.text
        return
    assert f"flow:{flow}" in clerk.choice_values(), clerk.text
    clerk.say(str(clerk.choice_values().index(f"flow:{flow}") + 1))  # picks it: the function opens (a one-shot one, such as the export, ends at once)
    with Session(clerk.d.engine) as s:
        conv = s.exec(select(Conversation)).one()
    assert conv.flow in (flow, ""), clerk.text  # ("暂无待处理工单": the tickets end at once too)
    assert "请问您想办理什么" not in clerk.text and "这件事可以" not in clerk.text  # neither the menu nor the offer


def test_where_the_measures_say_nothing_the_function_is_the_answer(person) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.say("menu")
    clerk.say("broadcast a reminder")
    assert not any(r.citations for r in clerk.replies)
    assert "Send a broadcast" in clerk.last.text and "four measures" not in clerk.text


def test_an_answered_question_keeps_its_answer_and_gains_the_function(person) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.say("menu")
    clerk.say("export the annex forms")  # the annexes' article (第十条), and the export
    assert any(r.citations for r in clerk.replies)
    assert "flow:drafts_export" in clerk.choice_values()


@pytest.mark.parametrize("text", ["broadcast a reminder", "怎么群发提醒", "how do I record a case status"])
def test_a_worker_is_never_offered_a_clerks_function(person, text: str) -> None:
    worker = person("wu")
    worker.say(text)
    clerk_flows = {f"flow:{f.name}" for f in FLOWS if f.roles}
    assert not clerk_flows & set(worker.choice_values()), worker.choice_values()


def test_english_words_name_a_function_only_as_whole_words(person) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.say("menu")
    clerk.say("is there a showcase of the studios")  # not "case"
    assert "flow:cases" not in clerk.choice_values()
    clerk.say("open cases please")  # the desk itself, at once
    assert "flow:cases" in clerk.choice_values() or "Case desk" in clerk.text or "cases" in clerk.text.lower(), clerk.text
    with Session(clerk.d.engine) as s:
        assert s.exec(select(Conversation)).one().flow == "cases"


@pytest.mark.parametrize(("text", "locale"), [("你能做什么", "zh"), ("what can you do?", "en"), ("你是谁", "zh"), ("你到底能干啥", "zh"), ("你能干啥", "zh"),
                                               # after a greeting or "I'm new" (a blind trial's clerk)
                                               ("hi, im new here. what can you do?", "en"),
                                               ("你好，我是新来的，你能干啥", "zh")])
def test_what_can_you_do_is_answered_by_the_introduction(person, text: str, locale: str) -> None:
    worker = person("li")
    worker.say(text)
    assert translator(locale)(INTROS["start"]) in worker.text
    assert not any(r.citations for r in worker.replies)
