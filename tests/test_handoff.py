"""Hand-off transcripts: abstain -> offer -> ticket -> clerk answers -> person receives -> person rates."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, select

from handlers.services.tickets import escalation_digest
from storage.models import OutboxMessage
from storage.models_tickets import Ticket


def _outbox(engine) -> list[OutboxMessage]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def _open_ticket(person, question: str = "我单位没有工会，我能自荐云岭工匠吗？要找哪个部门？", where: str = "大理州"):
    worker = person("wang")
    worker.say(question)
    worker.say("转人工")
    assert "flow:handoff" not in worker.choice_values()
    worker.say("1")  # "send my last question"
    worker.say("1")  # programme: Yunling Craftsman
    worker.say(where)
    return worker


def test_full_handoff_round_trip(person, engine) -> None:
    worker = _open_ticket(person)
    assert "GD000001" in worker.text and "大理白族自治州总工会" in worker.text and "48" in worker.text
    with Session(engine) as s:
        ticket = s.exec(select(Ticket)).one()
        assert ticket.unit == "大理白族自治州总工会" and ticket.status == "open"
        assert "自荐" in ticket.question

    clerk = person("li", clerk="大理白族自治州总工会")
    clerk.say("工单")
    assert any("GD000001" in c.label for c in clerk.last.choices)
    clerk.say("1")  # the ticket
    assert "自荐" in clerk.text
    assert "GD000001 · 云岭工匠 ·" in clerk.text  # the programme named, not its key ("craftsman")
    clerk.say("1")  # claim and answer
    clerk.say("可以向单位所在地的县（市、区）总工会申报，见第九条。")
    assert "GD000001" in clerk.text

    sent = [m for m in _outbox(engine) if m.kind == "ticket"]
    assert len(sent) == 1
    body = json.loads(sent[0].body)
    assert "县（市、区）总工会" in body["text"] and body["choices"][0][0] == "flow:mytickets"

    worker.say("我的工单")
    worker.say("1")
    assert "县（市、区）总工会" in worker.text
    worker.say("2")  # close and rate
    worker.say("5")
    with Session(engine) as s:
        ticket = s.exec(select(Ticket)).one()
        assert (ticket.status, ticket.rating) == ("closed", 5)


def test_an_unanswered_ticket_is_closed_only_when_confirmed_and_the_person_is_told(person, engine) -> None:
    _open_ticket(person)
    clerk = person("li", clerk="大理白族自治州总工会")
    clerk.say("工单")
    clerk.say("1")
    clerk.say(choice="close")
    assert "还没有答复" in clerk.text and "close" in clerk.choice_values()
    clerk.say(choice="back")  # a slip: nothing closed
    with Session(engine) as s:
        assert s.exec(select(Ticket)).one().status == "open"
    clerk.say("1")
    clerk.say(choice="close")
    clerk.say(choice="close")
    assert "已通知提问人" in clerk.text
    with Session(engine) as s:
        assert s.exec(select(Ticket)).one().status == "closed"
    told = [json.loads(m.body)["text"] for m in _outbox(engine) if m.kind == "ticket"]
    assert any("已关闭您的工单 GD000001" in t and "人工" in t for t in told), told


def test_person_can_continue_the_thread(person, engine) -> None:
    worker = _open_ticket(person)
    clerk = person("li", clerk="大理白族自治州总工会")
    clerk.say("工单"), clerk.say("1"), clerk.say("1"), clerk.say("请问您是否个体经营？")
    worker.say("我的工单"), worker.say("1"), worker.say("1")
    worker.say("是的，我自己开了一家修车店")
    with Session(engine) as s:
        assert s.exec(select(Ticket)).one().status == "open"  # back in the clerk's queue


def test_clerk_of_another_unit_cannot_see_the_ticket(person) -> None:
    _open_ticket(person)
    other = person("zhao", clerk="昆明市总工会")
    other.say("/tickets")
    assert "GD000001" not in other.text and "昆明市总工会" in other.text


def test_worker_cannot_list_tickets(person) -> None:
    _open_ticket(person)
    nosy = person("nosy")
    nosy.say("/tickets")
    assert "GD000001" not in nosy.text
    assert "clerk" in nosy.text or "工作人员" in nosy.text


def test_personal_data_is_masked_in_the_ticket(person, engine) -> None:
    worker = person("zhou")
    worker.say("/human")
    worker.say("我的身份证 110105194912310021 手机 13812345678 报名培训没有回音")
    worker.say("4")
    worker.say("不清楚")
    with Session(engine) as s:
        t = s.exec(select(Ticket)).one()
    assert "110105194912310021" not in t.question and "13812345678" not in t.question
    assert t.unit == "云南省总工会"


def test_unknown_place_is_reasked(person) -> None:
    worker = person("sun")
    worker.say("人工")
    worker.say("培训补贴什么时候发放到个人？")
    worker.say("4")
    worker.say("上海")
    assert "Yunnan" in worker.text or "云南" in worker.text or "不认识" in worker.text or "州" in worker.text
    worker.say("昆明")
    assert "GD000001" in worker.text and "昆明市总工会" in worker.text


def test_escalation_digest_on_a_fixed_clock(person, engine, clock) -> None:
    _open_ticket(person)
    person("li", clerk="大理白族自治州总工会").say("/me")  # the clerk exists in the database
    with Session(engine) as s:
        assert escalation_digest(s, clock.now + timedelta(hours=47)) == 0
        s.commit()
    with Session(engine) as s:
        assert escalation_digest(s, clock.now + timedelta(hours=49)) == 1
        s.commit()
    with Session(engine) as s:  # not twice the same day
        assert escalation_digest(s, clock.now + timedelta(hours=50)) == 0
        s.commit()
    digests = [m for m in _outbox(engine) if m.kind == "digest"]
    assert len(digests) == 1 and "GD000001" in json.loads(digests[0].body)["text"]


def test_cli_lists_answers_and_exports_faq_candidates(person, engine, settings, tmp_path, capsys) -> None:
    from bot.cli import main

    _open_ticket(person)
    db = ["--db", settings.database_url]
    assert main(["tickets", "list", "--unit", "大理白族自治州总工会", *db]) == 0
    assert "GD000001" in capsys.readouterr().out
    assert main(["tickets", "answer", "GD000001", "--unit", "昆明市总工会", "--text", "x", *db]) == 1  # wrong unit
    assert main(["tickets", "answer", "GD000001", "--unit", "大理白族自治州总工会", "--text", "请向县总工会申报", *db]) == 0
    assert any("请向县总工会申报" in json.loads(m.body)["text"] for m in _outbox(engine))
    clerk = person("li", clerk="大理白族自治州总工会")
    # Answered tickets leave the open queue; mark it for the FAQ through the CLI-visible flag instead.
    with Session(engine) as s:
        t = s.exec(select(Ticket)).one()
        t.faq_candidate = True
        s.add(t)
        s.commit()
    out = tmp_path / "faq.csv"
    assert main(["tickets", "faq-export", "-o", str(out), *db]) == 0
    text = out.read_text(encoding="utf-8")
    assert "GD000001" in text and "请向县总工会申报" in text
    assert clerk.user == "li"


def test_a_long_last_question_is_offered_by_its_beginning_and_sent_whole(person, engine) -> None:
    """The offer's label is a line on a phone; the ticket keeps the question as it was asked."""
    question = "我单位没有工会，我能自荐云岭工匠吗？" + "我在大理做木雕二十多年了，" * 8 + "要找哪个部门？"
    worker = person("wang")
    worker.say(question)
    worker.say("转人工")
    label = worker.last.choices[0].label
    assert label.endswith("…") and len(label) < 80 and question[:40] in label
    worker.say("1")
    worker.say("1")
    worker.say("大理州")
    with Session(engine) as s:
        assert s.exec(select(Ticket)).one().question == question


def test_a_clerk_listed_under_the_short_name_sees_the_prefectures_tickets(person, engine) -> None:
    """A clerk put on the list as 大理州总工会 is the clerk of 大理白族自治州总工会, where a worker who says 大理 is
    routed: one name, or the ticket waits where nobody looks."""
    from handlers.settings import Settings

    assert Settings(clerks="console:li2=大理州总工会").clerks == {"console:li2": "大理白族自治州总工会"}
    _open_ticket(person)
    clerk = person("li2", clerk="大理州总工会")
    clerk.say("工单")
    assert any("GD000001" in c.label for c in clerk.last.choices), clerk.text


def test_a_clerks_my_tickets_is_their_desk_when_they_asked_nothing_themselves(person) -> None:
    """"我的工单" from a clerk who opened no ticket of their own shows the unit's queue (not "no open tickets"
    while a ticket waits); from a worker it stays their own tickets."""
    _open_ticket(person)
    clerk = person("li", clerk="大理白族自治州总工会")
    clerk.say("我的工单")
    assert "大理白族自治州总工会" in clerk.text and any("GD000001" in c.label for c in clerk.last.choices), clerk.text
    other = person("zhao", clerk="曲靖市总工会")  # nothing waiting there
    other.say("我的工单")
    assert "GD000001" not in other.text


def test_the_programme_is_not_asked_when_it_is_plain(person, engine) -> None:  # type: ignore[no-untyped-def]
    """"人工" in the craftsman's check, or a question that names the workstation: the ticket is about that
    programme without asking "which programme?" (a trial's worker had just been asked about 云岭工匠)."""
    worker = person("plain-check")
    worker.say("我能评云岭工匠吗")
    worker.say("人工")
    worker.say("我想问问我们厂能不能集体报")
    assert "哪个项目" not in worker.text and "哪个州" in worker.text, worker.text
    worker.say("曲靖")
    other = person("plain-named")
    other.say("人工")
    other.say("技师工作站的经费能不能买电脑")
    assert "哪个项目" not in other.text, other.text
    other.say("昆明")
    with Session(engine) as s:
        assert [t.programme for t in s.exec(select(Ticket).order_by(Ticket.id))] == ["craftsman", "station"]
    asked = person("plain-none")
    asked.say("人工")
    asked.say("我们单位工会换届怎么搞")
    assert "哪个项目" in asked.text, asked.text


def test_a_clerks_own_question_goes_to_the_provincial_federation(person, engine) -> None:  # type: ignore[no-untyped-def]
    """A prefecture's clerk who asks for a person is asking the office above: a blind trial's clerk of 昆明市总工会
    found her ticket on her own desk, where she was the one to answer it."""
    from knowledge.places import PROVINCIAL_UNION

    clerk = person("km-clerk", clerk="昆明市总工会")
    clerk.say("人工")
    clerk.say("跨州市的培训班由哪一级审批")  # the training's: no programme asked
    assert PROVINCIAL_UNION in clerk.text and "哪个州" not in clerk.text, clerk.text
    with Session(engine) as s:
        assert s.exec(select(Ticket)).one().unit == PROVINCIAL_UNION
    clerk.say("我的工单")  # her own ticket, not the desk's queue
    assert any("GD000001" in c.label for c in clerk.last.choices), clerk.text
