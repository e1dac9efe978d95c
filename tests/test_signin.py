"""Sign-in transcripts (第十九条): on time, late, early, repeated, wrong and expired codes, not on the
roster, binding refused, the payload / QR path, two trainees at once; and the trainee's questions."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
import qrcode
from sqlmodel import Session, select

from handlers.i18n import translator
from handlers.services.signin_codes import CODE_ALPHABET, CODE_SLOT_SECONDS, code_status, current_code, qr_png
from handlers.services.training import save_class
from storage import repo_training as repo
from storage.db import session_scope
from storage.models import AuditEvent
from storage.models_training import Attendance, ClassSession, Enrolment
from tests.test_training_classes import KEY, UNIT, at_class, class_form, make_id

ALICE, BOB, CAROL = make_id(1), make_id(2, female=True), make_id(3)


def setup_class(engine, *, approved: bool = True, roster: tuple[tuple[str, str], ...] | None = None,
                form: dict | None = None) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A class with one session on 2 March 09:00–12:00 and a roster; returns (class code, session id)."""
    roster = roster if roster is not None else (("爱丽丝", ALICE), ("鲍勃", BOB), ("卡罗", CAROL))
    with session_scope(engine) as s:
        cls = save_class(s, key=KEY, unit=UNIT, created_by=None, form=form or class_form())
        if approved:
            repo.approve_class(session=s, cls=cls, approved_by="孙主席", at=datetime.now(UTC))
        sess = repo.add_session(session=s, class_id=cls.id, day=date(2026, 3, 2), start=time(9), end=time(12),
                                place="301教室")
        for name, id_number in roster:
            repo.add_enrolment(session=s, key=KEY, class_id=cls.id, line=repo.RosterLine(
                name=name, sex="男", id_number=id_number, category="employed", trade="电工"))
        return cls.code, sess.id


def code_now(engine, session_id: int, clock) -> str:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return current_code(s.get(ClassSession, session_id), clock.now)


def sign(p, code: str, session_code: str, id_tail: str | None = None) -> None:  # type: ignore[no-untyped-def]
    p.say("签到")
    p.say(code)
    p.say(session_code)
    if id_tail is not None:
        p.say(id_tail)


def attendance_count(engine, session_id: int) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return len(list(s.exec(select(Attendance).where(Attendance.session_id == session_id))))


def test_codes_rotate_and_the_previous_slot_is_accepted(engine, clock) -> None:
    _code, sid = setup_class(engine)
    with Session(engine) as s:
        sess = s.get(ClassSession, sid)
    first = current_code(sess, clock.now)
    assert len(first) == 6 and set(first) <= set(CODE_ALPHABET)
    later = clock.now + timedelta(seconds=CODE_SLOT_SECONDS)
    assert current_code(sess, later) != first
    assert code_status(sess, first, later) == "valid"  # previous slot
    assert code_status(sess, first.lower(), clock.now) == "valid"
    assert code_status(sess, first, later + timedelta(seconds=CODE_SLOT_SECONDS)) == "expired"
    assert code_status(sess, "??????", clock.now) == "wrong"


def test_on_time_then_repeated(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    alice = person("alice", locale="en")
    clock.advance(minutes=2)
    sign(alice, code, code_now(engine, sid, clock))
    assert "last 6 characters of your ID number" in alice.text
    alice.say(ALICE[-6:])
    assert "Signed in at 09:02" in alice.text and "爱丽丝" in alice.text
    assert alice.last.citations[0].article == 19
    clock.advance(minutes=30)
    sign(alice, code, code_now(engine, sid, clock))  # no ID asked again: the account is bound
    assert "already signed in at 09:02" in alice.text
    assert attendance_count(engine, sid) == 1


def test_chinese_transcript(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    alice = person("alice")
    clock.advance(minutes=2)
    sign(alice, code, code_now(engine, sid, clock), ALICE)
    assert "09:02" in alice.text and "签到成功" in alice.text
    assert "第十九条" in alice.last.citations[0].label


def test_late_and_early(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    alice = person("alice", locale="en")
    clock.now = clock.now.replace(hour=8, minute=40)  # opens at 08:45 (15 minutes of grace)
    sign(alice, code, code_now(engine, sid, clock))
    assert "Too early" in alice.text and "08:45" in alice.text
    clock.now = clock.now.replace(hour=8, minute=45)
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    assert "Signed in at 08:45" in alice.text
    bob = person("bob", locale="en")
    clock.now = clock.now.replace(hour=12, minute=1)
    sign(bob, code, code_now(engine, sid, clock))
    assert "Too late" in bob.text and "12:00" in bob.text
    assert attendance_count(engine, sid) == 1


def test_wrong_and_expired_codes(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    alice = person("alice", locale="en")
    good = code_now(engine, sid, clock)
    sign(alice, code, "ABCDEF" if good != "ABCDEF" else "ABCDEG")
    assert "not correct" in alice.text and "6-character sign-in code" in alice.text
    clock.advance(seconds=3 * CODE_SLOT_SECONDS)
    alice.say(good)
    assert "expired" in alice.text
    alice.say("签到")
    alice.say("XX9999")
    assert "no class with code XX9999" in alice.text
    assert attendance_count(engine, sid) == 0
    bob = person("bob-nocode")
    bob.say("签到")
    bob.say("我没得签到码 老师没给")  # no code in it: not echoed back as one
    assert "没有编号为" not in bob.text and "跟班" in bob.text and "工作人员" in bob.text, bob.text


def test_a_sign_in_asked_for_in_a_sentence_with_its_codes(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    clock.advance(minutes=2)
    alice = person("alice")
    alice.say(f"我要签到，班级编号是{code.lower()}")  # the class is taken from the sentence: the sign-in code is asked
    assert "6位签到码" in alice.text and "班级编号" not in alice.text
    alice.say(code_now(engine, sid, clock))
    alice.say(ALICE[-6:])
    assert "签到成功" in alice.text and attendance_count(engine, sid) == 1
    bob = person("bob", locale="en")
    now = code_now(engine, sid, clock)
    bob.say(f"please sign me in, class {code} code {now}")  # both codes: signed in after the ID's check
    assert "last 6 characters of your ID number" in bob.text
    bob.say(BOB[-6:])
    assert "Signed in at 09:02" in bob.text and attendance_count(engine, sid) == 2
    erin = person("erin", locale="en")
    erin.say(f"sign me in: {code.lower()} {now.lower()}")  # a code in small letters is taken when it has a digit
    assert ("last 6 characters of your ID number" in erin.text) == any(ch.isdigit() for ch in now)
    erin.say("cancel")
    erin.say(f"sign in {code} please")  # no English word is taken for a sign-in code
    assert "6-character sign-in code" in erin.text and "not correct" not in erin.text
    erin.say("cancel")
    carol = person("carol", locale="en")
    wrong = next(c for c in ("ABC234", "ABC235") if c != now)
    carol.say(f"check in {code} {wrong}")  # a wrong sign-in code: said, and asked for again
    assert "not correct" in carol.text and "6-character sign-in code" in carol.text
    carol.say("签到")  # the class step also takes a sentence round the code
    carol.say(f"my class is {code}")
    assert "6-character sign-in code" in carol.text
    dave = person("dave")
    dave.say("我要签到，班级编号是XX9999")  # no such class: the sign-in is offered as before
    assert "flow:signin" in dave.choice_values() and attendance_count(engine, sid) == 2


def test_not_on_roster_and_not_approved(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    eve = person("eve", locale="en")
    sign(eve, code, code_now(engine, sid, clock), make_id(9)[-6:])
    assert "not on the roster" in eve.text
    eve.say("签到")
    eve.say(code)
    eve.say(code_now(engine, sid, clock))
    eve.say("12")
    assert "last 6 characters" in eve.text  # malformed: asked again
    other, osid = setup_class(engine, approved=False)
    sign(eve, other, code_now(engine, osid, clock))
    assert "not been approved" in eve.text and eve.last.citations[0].article == 18
    assert attendance_count(engine, sid) == 0


def test_nobody_binds_an_entry_already_bound(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    alice, mallory = person("alice", locale="en"), person("mallory", locale="en")
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    assert "Signed in" in alice.text
    sign(mallory, code, code_now(engine, sid, clock), ALICE)
    assert "already linked to another account" in mallory.text
    # Alice, bound to her own entry, cannot take Bob's entry in another class.
    other_form = class_form()
    other, osid = setup_class(engine, roster=(("鲍勃", BOB),), form=other_form)
    sign(alice, other, code_now(engine, osid, clock), BOB[-6:])
    assert "linked to another trainee" in alice.text
    assert attendance_count(engine, osid) == 0 and attendance_count(engine, sid) == 1
    with Session(engine) as s:
        bob_entry = repo.find_by_id_hash(session=s, class_id=repo.get_class(session=s, code=other).id,
                                         hashed=repo.id_hash(KEY, BOB))
        assert bob_entry.person_id is None


def test_same_id_in_another_class_binds_without_asking(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    other, osid = setup_class(engine, roster=(("爱丽丝", ALICE),))
    alice = person("alice", locale="en")
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    sign(alice, other, code_now(engine, osid, clock))
    assert "Signed in at 09:00" in alice.text and other in alice.text


def test_payload_from_qr_or_deep_link(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    clerk = person("teacher", clerk=UNIT, locale="en")
    at_class(clerk, code, "code")
    clerk.say("1")
    shown = code_now(engine, sid, clock)
    (image,) = clerk.replies[0].attachments
    payload = f"signin_{code}_{shown}"
    assert image.kind == "image" and image.data == qr_png(payload) and image.data[:4] == b"\x89PNG"
    assert shown in clerk.text and "t.me" not in clerk.text  # no Telegram username configured: no link
    clerk.d.settings = replace(clerk.d.settings, telegram_bot_username="YunlingTestBot")
    clerk.say(choice="code")
    clerk.say("1")
    assert f"https://t.me/YunlingTestBot?start={payload}" in clerk.text
    assert qrcode.QRCode  # the library renders the same payload the adapters pass in Incoming.payload
    bob = person("bob", channel="telegram", locale="en")
    bob.say("/start " + payload, payload=payload)
    assert "last 6 characters" in bob.text
    bob.say(BOB[-6:])
    assert "Signed in at 09:00" in bob.text
    bob.say(payload=payload)
    assert "already signed in at 09:00" in bob.text
    bob.say(payload=f"signin_{code}_AAAAAA" if shown != "AAAAAA" else f"signin_{code}_BBBBBB")
    assert "not correct" in bob.text
    bob.say(payload="signin_garbage")
    assert "not valid" in bob.text


def test_live_attendance_and_signin_sheet(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    alice = person("alice", locale="en")
    clock.advance(minutes=2)
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    clerk = person("teacher", clerk=UNIT, locale="en")
    at_class(clerk, code, "attendance")
    clerk.say("1")
    assert "1 of 3 signed in" in clerk.text and "Present: 爱丽丝 09:02" in clerk.text
    assert "Missing: 鲍勃, 卡罗" in clerk.text
    clerk.say(choice="x:signin")
    clerk.say("1")
    import io

    from openpyxl import load_workbook
    from test_training_classes import assert_printable

    ws = load_workbook(io.BytesIO(clerk.replies[0].attachments[0].data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2] == ("序号", "姓名", "性别", "身份证号码", "单位", "签到时间", "签到方式")
    assert rows[3][1] == "爱丽丝" and rows[3][5] == "09:02" and rows[3][3] == ALICE[:4] + "**********" + ALICE[-4:]
    # The session runs until 12:00: the others have not signed in yet; nobody is absent.
    assert rows[4][5] == "未签到" and rows[-1][0] == "应到3人，已签到1人，未签到2人（签到进行中）"
    assert "缺勤" not in str(rows)
    assert_printable(ws, header_row=3, rows=3, landscape=False)

    clock.advance(hours=3)  # 12:02, the session is over: now they are absent
    at_class(clerk, code, "x:signin")
    clerk.say("1")
    rows = list(load_workbook(io.BytesIO(clerk.replies[0].attachments[0].data)).active.iter_rows(values_only=True))
    assert rows[4][5] == "缺勤" and rows[-1][0] == "应到3人，实到1人，缺勤2人"


def test_a_sheet_printed_before_the_session_says_it_has_not_begun(person, engine, clock) -> None:
    """A trial's clerk printed the sheet the evening before to sign on paper: it said "签到进行中" and "未签到"."""
    import io

    from openpyxl import load_workbook

    code, _sid = setup_class(engine)
    clock.now = clock.now.replace(hour=7, minute=30)  # the session begins at 09:00
    clerk = person("teacher", clerk=UNIT, locale="en")
    at_class(clerk, code, "x:signin")
    clerk.say("1")
    rows = list(load_workbook(io.BytesIO(clerk.replies[0].attachments[0].data)).active.iter_rows(values_only=True))
    assert rows[-1][0] == "应到3人（本次课尚未开始）", rows[-1]
    assert "未签到" not in str(rows) and "缺勤" not in str(rows) and "进行中" not in str(rows)
    assert [r[1] for r in rows[3:6]] == ["爱丽丝", "鲍勃", "卡罗"]  # every name, a blank to sign beside


def test_two_trainees_at_once(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    people = {"alice": (person("alice", locale="en"), ALICE), "bob": (person("bob", locale="en"), BOB)}
    for p, _id in people.values():
        sign(p, code, code_now(engine, sid, clock))
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def run(name: str) -> None:
        p, id_number = people[name]
        barrier.wait()
        p.say(id_number[-6:])
        results[name] = p.text
        p.say(payload=f"signin_{code}_{code_now(engine, sid, clock)}")
        results[name] += "\n" + p.text

    threads = [threading.Thread(target=run, args=(n,)) for n in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in people:
        assert results[name].count("Signed in at 09:00") == 1 and "already signed in" in results[name], results
    with Session(engine) as s:
        rows = list(s.exec(select(Attendance).where(Attendance.session_id == sid)))
    assert len(rows) == 2 and len({r.enrolment_id for r in rows}) == 2


def test_trainee_questions(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        repo.add_session(session=s, class_id=cls.id, day=date(2026, 3, 3), start=time(14), end=time(17),
                         place="实训车间")
    alice = person("alice", locale="en")
    alice.say("did I sign in today")
    assert "don't know your class yet" in alice.text
    assert "'sign in'" in alice.text and "签到" not in alice.text  # the word she can type, in her language
    clock.advance(minutes=5)
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    alice.say("我今天签到了吗？")
    assert "signed in at 09:05" in alice.text and alice.last.citations[0].article == 19
    alice.say("下次课什么时候")
    assert "2026-03-02 09:00–12:00" in alice.text  # the current session still counts until it ends
    clock.now = clock.now.replace(hour=13)
    alice.say("next class")
    assert "2026-03-03 14:00–17:00" in alice.text and "实训车间" in alice.text
    alice.say("我的证书编号是多少")
    assert "not been recorded yet" in alice.text and alice.last.citations[0].article == 21
    with session_scope(engine) as s:
        entry = repo.enrolments_of_person(session=s, person_id=repo.find_by_id_hash(
            session=s, class_id=repo.get_class(session=s, code=code).id, hashed=repo.id_hash(KEY, ALICE)).person_id)[0]
        repo.set_certificate(session=s, enrolment=entry, level="中级工", hr_no="HR-9", union_no="GH-9")
    alice.say("my certificate")
    assert "HR certificate no. HR-9" in alice.text and "GH-9" in alice.text
    alice.say("我的课程")
    assert code in alice.text and "signed in at 09:05" in alice.text and "upcoming" in alice.text
    schedule = alice.text
    alice.say("我的课表")  # as people also call it: the schedule itself, not a tap to it
    assert alice.text == schedule
    alice.say("课程表发我看看")  # asked in a sentence: shown too, not answered with an article and a tap
    assert alice.text == schedule
    for asked in ("我啥时候上课", "明天还上课吗", "上课地点在哪", "when is my class"):
        alice.say(asked)
        assert alice.text == schedule, asked
    alice.say("我今天签到了没")
    assert "signed in at 09:05" in alice.text
    alice.say("证书编号是多少")
    assert "HR-9" in alice.text
    alice.say("课程表有什么要求")  # a question of the rules: the measures answer it
    assert alice.text != schedule and alice.last.citations
    clock.now = clock.now.replace(day=3, hour=8)
    alice.say("did I sign in today")
    assert "not signed in yet; sign-in opens at 13:45" in alice.text


def test_two_people_racing_for_one_entry(person, engine, clock) -> None:
    code, sid = setup_class(engine)
    racers = [person("alice", locale="en"), person("mallory", locale="en")]
    for p in racers:
        sign(p, code, code_now(engine, sid, clock))
    barrier = threading.Barrier(2)

    def run(p) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        p.say(ALICE[-6:])

    threads = [threading.Thread(target=run, args=(p,)) for p in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted("Signed in" in p.text for p in racers)
    assert outcomes == [False, True], [p.text for p in racers]
    assert attendance_count(engine, sid) == 1


# -- changing and cancelling sessions -----------------------------------------------------------------------
def _notices(engine) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    import json

    from storage.models import OutboxMessage

    with Session(engine) as s:
        return [(m.person_id, json.loads(m.body)["text"]) for m in s.exec(select(OutboxMessage))]


def _change(clerk, code: str, sid: int) -> None:  # type: ignore[no-untyped-def]
    clerk.say("/classes")
    clerk.say(choice=f"c:{code}")
    clerk.say(choice="change")
    clerk.say(choice=f"s:{sid}")


def test_a_session_is_moved_and_the_bound_trainees_are_told_in_their_language(person, engine, clock) -> None:
    from test_training_classes import UNIT as KM

    code, sid = setup_class(engine)
    alice, bob = person("alice", locale="en"), person("bob-trainee")
    clock.now = clock.now - timedelta(days=1)  # the day before: nobody has signed in yet
    from storage import repositories as core

    for p, id_number in ((alice, ALICE), (bob, BOB)):  # bind both chat accounts to the roster
        p.say("hello")
        with session_scope(engine) as s:
            who = core.find_identity(session=s, channel="console", user_key=p.user)
            cls_id = repo.get_session(session=s, session_id=sid).class_id
            entry = next(e for e in repo.enrolments_of(session=s, class_id=cls_id)
                         if repo.id_hash(KEY, id_number) == e.id_hash)
            assert repo.bind(session=s, enrolment=entry, person_id=who.person_id, at=clock.now)
    clerk = person("clerk", clerk=KM, locale="en")
    _change(clerk, code, sid)
    assert {"move", "place", "drop", "keep"} <= set(clerk.choice_values())
    clerk.say(choice="move")
    clerk.say("2026-03-03")
    clerk.say("14:00-17:00")
    assert "Session changed to 2026-03-03 14:00–17:00 301教室" in clerk.text
    with Session(engine) as s:
        sess = s.get(ClassSession, sid)
        assert (sess.day, sess.start, sess.end) == (date(2026, 3, 3), time(14), time(17))
    before, after = "2026-03-02 09:00–12:00 301教室", "2026-03-03 14:00–17:00 301教室"
    message = "Class {code}: the session of {before} is now {after}."
    assert sorted(t for _p, t in _notices(engine)) == sorted([
        translator("en")(message, code=code, before=before, after=after),  # alice
        translator("zh")(message, code=code, before=before, after=after),  # bob, in Chinese
    ])


def test_signed_sessions_keep_their_time_and_empty_ones_can_be_cancelled(person, engine, clock) -> None:
    from test_training_classes import UNIT as KM

    code, sid = setup_class(engine)
    alice = person("alice", locale="en")
    clock.advance(minutes=2)
    sign(alice, code, code_now(engine, sid, clock))
    alice.say(ALICE[-6:])
    clerk = person("clerk", clerk=KM, locale="en")
    _change(clerk, code, sid)
    clerk.say(choice="drop")
    assert "Trainees have signed in to this session already (1)" in clerk.text
    clerk.say(choice="place")
    clerk.say("302教室")
    assert "Session changed to 2026-03-02 09:00–12:00 302教室" in clerk.text
    assert attendance_count(engine, sid) == 1
    assert [t for _p, t in _notices(engine) if "302教室" in t]  # alice is bound by her sign-in: told
    with session_scope(engine) as s:
        other = repo.add_session(session=s, class_id=repo.get_session(session=s, session_id=sid).class_id,
                                 day=date(2026, 3, 4), start=time(9), end=time(12), place="301教室")
        other_id = other.id
    _change(clerk, code, other_id)
    clerk.say(choice="drop")
    assert "Session 2026-03-04 09:00–12:00 cancelled" in clerk.text
    with Session(engine) as s:
        assert s.get(ClassSession, other_id) is None and s.get(ClassSession, sid) is not None


def test_a_sign_in_asked_for_a_relative_is_the_trainees_own(person, engine, clock) -> None:
    """"帮我妈签个到 她不会用手机 KM… 码": signed in, the mother's attendance would be bound to the son's account;
    the reply says the trainee signs in, or the class's staff record it on the sign-in sheet (第十九条)."""
    code, sid = setup_class(engine)
    clock.advance(minutes=2)
    son = person("son")
    son.say(f"帮我妈签个到 她不会用手机 {code} {code_now(engine, sid, clock)}")
    assert "本人" in son.text and "签到表" in son.text and son.last.citations[0].article == 19
    assert attendance_count(engine, sid) == 0
    son.say(f"帮我签到 {code}")  # his own: the sign-in goes on
    assert "6位签到码" in son.text
    own = person("own", locale="en")  # "for class" names the class, not someone signed in for
    own.say("hi i want to sign in for class")
    assert "cannot use a phone" not in own.text and "Sign in to my class now" in own.text


@pytest.mark.parametrize(("text", "locale"), [("我莫得智能手机咋个签到", "zh"), ("我没有智能手机怎么签到", "zh"),
                                           ("I don't have a smartphone, how do I sign in?", "en")])
def test_no_smartphone_is_told_the_sheet_not_tap_sign_in(person, text: str, locale: str) -> None:
    # A trial's trainee: "我莫得智能手机咋个签到" got "点“现在签到”". The class's staff keep the sheet (第十九条).
    t = person("nophone-" + locale, locale=locale)
    t.say(text)
    assert t.last.citations and t.last.citations[0].article == 19, t.text
    assert "签到表" in t.text or "sign-in sheet" in t.text, t.text
    assert "flow:signin" not in t.choice_values(), t.choice_values()


@pytest.mark.parametrize(("step", "text", "expect"), [
    ("class", "I don't have a smartphone, how do I sign in?", "sign-in sheet"),
    ("class", "我莫得智能手机咋个办", "签到表"),
    ("code", "我妈不会用手机 帮她签个到", "签到表")])
def test_no_smartphone_at_a_step_is_told_the_sheet_in_its_language(person, engine, step: str, text: str,
                                                                   expect: str) -> None:
    """Said at the class code's or the sign-in code's step, it is no code typed wrong ("请输入班级编号"): the
    sheet (第十九条), in the language of the message, whatever the person's."""
    code, _sid = setup_class(engine)
    t = person("nophone-step-" + step + str(len(text)))
    t.say("签到")
    if step == "code":
        t.say(code)
        assert "6位签到码" in t.text, t.text
    t.say(text)
    assert expect in t.text and t.last.citations[0].article == 19, t.text
    assert "KM2603" not in t.text  # not asked for a code again


@pytest.mark.parametrize(("text", "said"), [("签到码在哪点看", "投屏显示"), ("班级编号在哪里看", "开班通知上"),
                                           ("where do I find the sign-in code?", "the teacher projects"),
                                           ("签到码看不到咋个办", "跟班管理的工作人员"),
                                           # no code at hand, said at the top (not at the code's step)
                                           ("我没有签到码", "投屏显示"), ("老师没给我班级代码", "开班通知上"),
                                           ("I don't have the code", "the teacher projects")])
def test_where_the_codes_are_is_told_with_the_sign_in_one_tap_away(person, text: str, said: str) -> None:
    """A trial's trainee asked where the sign-in code is: "没有找到相关规定". It is how signing in works here."""
    t = person(f"where-{len(text)}")
    t.say(text)
    assert said in t.text and t.last.citations[0].article == 19, t.text
    assert "flow:signin" in t.choice_values()


@pytest.mark.parametrize(("text", "said"), [("where do I find it?", "the teacher projects"),
                                           ("没有班级编号咋个办", "开班通知上"), ("在哪里看", "投屏显示")])
def test_where_the_code_is_asked_at_the_code_step_is_told(person, text: str, said: str) -> None:  # type: ignore[no-untyped-def]
    """At "type the class code", "where do I find it?" asks where the code is: a trial's trainee got the craftsman
    measure's annexes (第十条) for it."""
    t = person(f"where-step-{len(text)}", locale="en" if text.isascii() else None)
    t.say("sign in" if text.isascii() else "签到")
    t.say(text)
    assert said in t.text and t.last.citations[0].article == 19, t.text
    assert all(c.measure == "training" for r in t.replies for c in r.citations), t.text


def test_id_tails_cannot_be_guessed_from_one_account(person, engine, clock) -> None:
    """Six characters are not to be guessed, nor another trainee's tried: after five ID numbers that match
    nobody in a day, an account is told to ask the head teacher, even for a right one; each failure is audited
    (第十九条: nobody signs in for someone else)."""
    code, sid = setup_class(engine)
    clock.now = clock.now.replace(hour=9, minute=30)
    mallory = person("mallory")
    for n in range(5):
        sign(mallory, code, code_now(engine, sid, clock), f"00000{n}")
        assert "not on the roster" in mallory.text or "不在" in mallory.text, mallory.text
    sign(mallory, code, code_now(engine, sid, clock), ALICE[-6:])
    assert "班主任" in mallory.text or "head teacher" in mallory.text, mallory.text
    assert attendance_count(engine, sid) == 0
    alice = person("alice")  # another account is not held back
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    assert attendance_count(engine, sid) == 1
    with Session(engine) as s:
        failed = s.exec(select(AuditEvent).where(AuditEvent.action == "signin.bind_failed")).all()
    assert len(failed) == 5


def test_a_roster_line_taken_by_another_account_is_freed_by_the_clerk(person, engine, clock) -> None:
    """Someone who knew Alice's six characters signed in as her: the clerk unlinks that account (audited; the
    sign-in stays on the record to check), and Alice then signs in with her own."""
    code, sid = setup_class(engine)
    clock.now = clock.now.replace(hour=9, minute=30)
    mallory, alice = person("mallory"), person("alice")
    sign(mallory, code, code_now(engine, sid, clock), ALICE[-6:])
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    assert "another account" in alice.text or "其他账号" in alice.text, alice.text
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code, "remove")
    picks = {c.label: c.value for c in clerk.replies[-1].choices}
    clerk.say(choice=picks["爱丽丝"])
    clerk.say(choice="unlink")
    assert "no longer linked" in clerk.text and "1 sign-ins" in clerk.text, clerk.text
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    assert "无需重复签到" in alice.text, alice.text  # her line now: this session's sign-in is on the record
    with Session(engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "training.trainee_unlinked")).one()
        line = s.exec(select(Enrolment).where(Enrolment.name == "爱丽丝")).one()
        assert line.person_id is not None and line.person_id == alice_person(s)


def alice_person(s: Session) -> int | None:
    from storage.models import Identity

    return s.exec(select(Identity.person_id).where(Identity.user_key == "alice")).one()


def test_an_expired_code_at_the_code_step_waits_for_the_code_shown_now(person, engine, clock) -> None:
    """Codes change every few minutes: one that expired while the trainee typed keeps them at the code step,
    and the code the teacher shows now signs them in (not read as a question, not "签到" again)."""
    code, sid = setup_class(engine)
    old = code_now(engine, sid, clock)
    dan = person("dan", locale="en")
    dan.say("签到")
    dan.say(code)
    clock.advance(seconds=3 * CODE_SLOT_SECONDS)
    dan.say(old)
    assert "expired" in dan.text and "type the code the teacher shows now" in dan.text, dan.text
    dan.say(code_now(engine, sid, clock))
    dan.say(ALICE[-6:])
    assert attendance_count(engine, sid) == 1, dan.text


def test_a_trainee_not_yet_linked_sees_the_sessions_of_the_class_by_its_code(person, engine) -> None:
    """Before the first sign-in the assistant does not know the trainee's class: "我的课表" asks for the class
    code and shows its sessions (no personal data in them), and how to sign in."""
    code, _sid = setup_class(engine)
    eve = person("eve")
    eve.say("我的课表")
    assert "暂未查到您所在的培训班" in eve.text
    eve.say("班级编号在哪里看")  # no code in it: not echoed back as one
    assert "没有编号为" not in eve.text and "向跟班的工作人员索取" in eve.text, eve.text
    eve.say("KM0000")
    assert "没有编号为 KM0000 的培训班" in eve.text
    eve.say(code.lower())
    assert "2026-03-02 09:00–12:00 301教室" in eve.text and "签到" in eve.text, eve.text


def test_a_clerk_records_a_sign_in_from_the_paper_sheet(person, engine, clock) -> None:
    """A trainee who signed the class's paper sheet but not in the chat ("please tell the head teacher"): the clerk
    records it once the session has begun, with a reason (audited), and the sign-in sheet marks it as from the
    paper sheet; twice is refused."""
    from handlers.training_exports import SIGNIN_CHANNELS

    code, sid = setup_class(engine)
    clerk = person("bob", clerk=UNIT, locale="en")
    clock.now = clock.now.replace(hour=8, minute=0)  # before the session: nothing to record yet
    at_class(clerk, code, "paper")
    assert "No session of the class has begun yet" in clerk.text
    clock.now = clock.now.replace(hour=13, minute=0)
    at_class(clerk, code, "paper")  # (the idle conversation was closed meanwhile)
    clerk.say(choice=f"s:{sid}")
    picks = {c.label: c.value for c in clerk.replies[-1].choices}
    assert set(picks) == {"爱丽丝", "鲍勃", "卡罗"}, clerk.text
    clerk.say(choice=picks["鲍勃"])
    clerk.say("签了纸质签到表，手机没电")
    assert "Recorded from the paper sheet: 鲍勃" in clerk.text
    with Session(engine) as s:
        (row,) = s.exec(select(Attendance).where(Attendance.session_id == sid)).all()
        assert row.channel == "paper" and SIGNIN_CHANNELS["paper"].startswith("纸质签到表")
        assert repo.as_utc(row.signed_at).astimezone(clock.now.tzinfo).strftime("%H:%M") == "09:00"  # the session's
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "signin.paper_recorded")).one()
        assert "手机没电" in event.detail
    clerk.say(choice="paper")
    clerk.say(choice=f"s:{sid}")
    assert "鲍勃" not in {c.label for c in clerk.replies[-1].choices}  # signed in now: not offered again


def test_a_question_at_the_class_code_is_said_to_be_one_not_a_wrong_code(person) -> None:
    """"签到要带什么" where the class code is asked: a question the measures do not answer is said to be one (and a
    person offered), not met with "type the class code" as if it were a wrong code; the step waits."""
    from handlers.fields import NOT_AN_ANSWER
    from handlers.i18n import translator

    fay = person("fay")
    fay.say("签到")
    fay.say("签到要带什么")
    assert translator("zh")(NOT_AN_ANSWER) in fay.text and "班级编号" in fay.text, fay.text
    fay.say("考不过咋办")  # (its subject is the exam in the trainee's words)
    assert "这看起来是一个问题" in fay.text and "如果没有编号" not in fay.text, fay.text
