"""Issue 18, item 7: a person's rights over their data — what is kept, an export, deletion (records the
fund's rules require are kept, pseudonymised, and the person is told which and why), and a privacy notice
on first contact."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from storage.models import Identity, Person, Subscription
from storage.models_tickets import Ticket
from storage.models_training import Attendance, Enrolment
from tests.test_signin import ALICE, code_now, setup_class, sign


def test_privacy_notice_on_first_contact_only(person) -> None:
    p = person("new")
    p.say("你好")
    assert "隐私" in p.replies[0].text and "删除我的信息" in p.replies[0].text
    p.say("菜单")
    assert "隐私" not in p.text
    en = person("newen", locale="en")
    en.say("hello")
    assert "Privacy" in en.replies[0].text and "delete my data" in en.replies[0].text


def _trainee_with_everything(person, engine, clock):  # type: ignore[no-untyped-def]
    code, sid = setup_class(engine)
    alice = person("alice", locale="en")
    clock.advance(minutes=2)
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    assert "Signed in" in alice.text
    alice.say("subscribe")
    alice.say("1")
    alice.say("human")
    alice.say("When will I get my welding certificate?")
    alice.say("4")
    alice.say("Kunming")
    assert "GD000001" in alice.text
    return alice


def test_export_my_data_sends_a_json_file_of_what_is_kept(person, engine, clock) -> None:
    alice = _trainee_with_everything(person, engine, clock)
    alice.say("export my data")
    files = [a for r in alice.replies for a in r.attachments]
    assert len(files) == 1 and files[0].filename.endswith(".json")
    data = json.loads(files[0].data)
    assert data["tickets"][0]["question"] == "When will I get my welding certificate?"
    assert data["training"][0]["name"] == "爱丽丝" and len(data["training"][0]["signins"]) == 1
    assert data["accounts"] == [{"channel": "console", "created_at": data["accounts"][0]["created_at"]}]
    assert ALICE not in files[0].data.decode()  # the ID number is stored encrypted, not exported in clear
    zh = person("zhou")
    zh.say("导出我的信息")
    assert any(r.attachments for r in zh.replies) and "JSON" in zh.text


def test_delete_my_data_keeps_what_the_rules_require_and_says_why(person, engine, clock) -> None:
    alice = _trainee_with_everything(person, engine, clock)
    alice.say("delete my data")
    assert "cannot be undone" in alice.text and "Art. 20" in alice.text
    alice.say("2")  # no
    assert "Nothing was deleted" in alice.text
    alice.say("delete my data")
    alice.say("1")  # yes
    assert "deleted" in alice.text and "Art. 20" in alice.text and "sign-ins" in alice.text
    with Session(engine) as s:
        assert not s.exec(select(Identity).where(Identity.user_key == "alice")).all()
        assert not s.exec(select(Ticket)).all()
        assert not s.exec(select(Subscription)).all()
        entry = s.exec(select(Enrolment).where(Enrolment.name == "爱丽丝")).one()
        assert entry.person_id is None  # the roster line stays, unlinked from the chat
        assert len(s.exec(select(Attendance).where(Attendance.enrolment_id == entry.id)).all()) == 1
        people = s.exec(select(Person)).all()
        assert all(p.display_name == "" for p in people if p.roles == "")
    alice.say("hello")  # a new person now
    assert "Privacy" in alice.replies[0].text


def test_my_data_shows_what_is_kept_in_chinese(person, engine, clock) -> None:
    p = person("liu")
    p.say("订阅提醒")
    p.say("1")
    p.say("我的数据")
    assert "订阅" in p.text and "导出" in p.text and "删除" in p.text


def test_delete_my_data_takes_a_check_left_half_done(person, engine) -> None:
    from storage.models_applications import CheckDraft

    p = person("kept-check")
    p.say("我能评云岭工匠吗")
    p.say("2")
    p.say("菜单")
    with Session(engine) as s:
        assert len(s.exec(select(CheckDraft)).all()) == 1
    p.say("删除我的信息")
    p.say("1")
    with Session(engine) as s:
        assert s.exec(select(CheckDraft)).all() == []


def test_delete_my_data_takes_a_class_form_left_unsaved(person, engine) -> None:
    from storage.models_training import ClassFormDraft

    clerk = person("bob", clerk="昆明市总工会", locale="en")
    clerk.say("培训班管理")
    clerk.say(choice="new")
    clerk.say(choice="upgrade")
    clerk.say("昆明市职业技能培训中心")
    clerk.say("menu")
    assert "kept with its 2 of 19 answers" in clerk.text
    with Session(engine) as s:
        assert len(s.exec(select(ClassFormDraft)).all()) == 1
    clerk.say("delete my data")
    clerk.say("1")
    with Session(engine) as s:
        assert s.exec(select(ClassFormDraft)).all() == []
