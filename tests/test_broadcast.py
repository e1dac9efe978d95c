"""Broadcasts: segments and their scope, preview with the count, send now / schedule / cancel, the delivery
report, proposed reminders (公示 windows, training calendar) approved by the clerk, refusal of workers,
and the scheduler's start-up catch-up."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.app import App
from bot.delivery import NO_LIMITS, DeliveryWorker
from bot.scheduler import Background, start_background
from bot.senders import Permanent
from handlers.registry import build_dispatcher
from handlers.services.broadcasts import propose_reminders, release_due_broadcasts
from storage import repo_cases as rc
from storage import repo_outbox as ro
from storage import repositories as repo
from storage.db import session_scope
from storage.models import OutboxMessage, Person
from storage.models_cases import Broadcast, Case
from tests.doubles import RecordingSender

TZ = ZoneInfo("Asia/Shanghai")
KM = "昆明市总工会"


def _subscriber(engine: Engine, user: str, programme: str, prefecture: str = "", locale: str = "zh") -> int:
    with session_scope(engine) as s:
        _i, p = repo.get_or_create_identity(session=s, channel="console", user_key=user, locale=locale)
        p.prefecture = prefecture
        s.add(p)
        repo.subscribe(session=s, person_id=p.id or 0, programme=programme)
        return p.id or 0


def _person_of(s, user_key: str) -> int:  # type: ignore[no-untyped-def]
    from storage.models import Identity

    return s.exec(select(Identity.person_id).where(Identity.user_key == user_key)).one()


def _release(engine: Engine, now: datetime) -> int:
    with session_scope(engine) as s:
        return release_due_broadcasts(session=s, now=now)


def _compose_to_subscribers(clerk, programme: str, text: str) -> int:  # type: ignore[no-untyped-def]
    clerk.say("/broadcast")
    clerk.say(choice="new")
    clerk.say(choice="subscribers")
    clerk.say(choice=programme)
    clerk.say(text)
    m = re.search(r"#(\d+)", clerk.text)
    assert m, clerk.text
    return int(m[1])


def test_subscribers_of_the_clerks_prefecture_get_it_and_the_report_counts(person, engine: Engine) -> None:
    ids = [_subscriber(engine, f"km{i}", "craftsman", "昆明市", locale="en" if i == 0 else "zh") for i in range(3)]
    _subscriber(engine, "qj", "craftsman", "曲靖市")  # another prefecture: not ours
    _subscriber(engine, "km-training", "training", "昆明市")  # another programme
    bob = person("bob", clerk=KM)
    bid = _compose_to_subscribers(bob, "craftsman", "云岭工匠申报材料请于4月1日前报送。")
    assert re.search(r"\b3\b", bob.text), bob.text  # the preview's recipient count
    bob.say(choice="now")
    assert f"#{bid}" in bob.text
    assert _release(engine, bob.clock.now.astimezone(UTC)) == 3
    assert _release(engine, bob.clock.now.astimezone(UTC)) == 0  # released once
    with session_scope(engine) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.broadcast_id == bid)).all()
        assert sorted(r.person_id for r in rows) == sorted(ids)
        bodies = {r.person_id: json.loads(r.body)["text"] for r in rows}
    assert bodies[ids[0]].startswith("Notice from 昆明市总工会") and "4月1日" in bodies[ids[0]]
    # Deliver: one recipient's platform refuses the message for good.
    sender = RecordingSender("console", plan={f"broadcast:{bid}:person:{ids[1]}": [Permanent("message too long")]})
    worker = DeliveryWorker(engine, {"console": sender}, limits={"console": NO_LIMITS})
    asyncio.run(worker.drain())
    _release(engine, bob.clock.now.astimezone(UTC))  # closes the finished broadcast
    bob.say("/broadcast")
    bob.say(choice="report")
    bob.say(str(bid))
    assert re.search(r"(Sent|已发送)\D*2", bob.text) and re.search(r"(Failed|失败)\D*1", bob.text), bob.text
    assert "message too long" in bob.text
    with session_scope(engine) as s:
        assert s.get(Broadcast, bid).status == "done"


def test_applicants_by_stage_and_scheduling_then_cancelling(person, engine: Engine) -> None:
    bob = person("bob", clerk=KM)
    with session_scope(engine) as s:
        people = []
        for name in ("a", "b", "c"):
            _i, p = repo.get_or_create_identity(session=s, channel="console", user_key=name)
            people.append(p.id)
        now = bob.clock.now
        rc.create_case(session=s, programme="craftsman", person_id=people[0], title="A", unit=KM, actor_person_id=None,
                       now=now, first_stage="publicity")
        rc.create_case(session=s, programme="craftsman", person_id=people[1], title="B", unit=KM, actor_person_id=None,
                       now=now)
        rc.create_case(session=s, programme="craftsman", person_id=people[2], title="C", unit="曲靖市总工会",
                       actor_person_id=None, now=now, first_stage="publicity")
    bob.say("/broadcast")
    bob.say(choice="new")
    bob.say(choice="applicants")
    bob.say(choice="craftsman")
    bob.say(choice="publicity")
    bob.say("公示期内请保持电话畅通。")
    assert re.search(r"\b1\b", bob.text), bob.text  # only A: B is at another stage, C in another unit
    bid = int(re.search(r"#(\d+)", bob.text)[1])
    bob.say(choice="later")
    bob.say("2026-03-03 09:30")
    assert "2026-03-03 09:30" in bob.text
    assert _release(engine, bob.clock.now.astimezone(UTC)) == 0  # not yet due
    bob.say("/broadcast")
    bob.say(choice="cancel")
    bob.say("back")  # no number: the broadcasts' menu again (a trial's clerk was asked for the number, on and on)
    assert "cancel" in bob.choice_values() and "#" not in bob.text, bob.text
    bob.say(choice="cancel")
    bob.say(str(bid))
    assert f"#{bid}" in bob.text
    assert _release(engine, (bob.clock.now + timedelta(days=2)).astimezone(UTC)) == 0  # cancelled: never goes
    with session_scope(engine) as s:
        assert s.get(Broadcast, bid).status == "cancelled"


@pytest.mark.parametrize(("locale", "typed", "when"), [
    ("zh", "明天上午9点", "2026-03-03 09:00"), ("zh", "3月5号 下午3点半", "2026-03-05 15:30"),
    ("en", "tomorrow 9am", "2026-03-03 09:00"), ("en", "Mar 5 9:30pm", "2026-03-05 21:30"),
    ("en", "back\nMar 5 9:30pm", "2026-03-05 21:30"),  # back at the time: the preview's choices, then later again
    ("en", "jan 10 at 6pm", "2027-01-10 18:00"),  # without its year, the next one
])
def test_a_broadcast_is_scheduled_at_a_time_said_as_people_say_it(person, locale, typed, when) -> None:
    bob = person(f"b{typed}", clerk=KM, locale=locale)
    bob.say("/broadcast")
    bob.say(choice="new")
    bob.say(choice="subscribers")
    bob.say(choice="training")
    bob.say("培训报名下周截止。")
    bob.say(choice="later")
    if typed.startswith("back\n"):
        bob.say("back")
        assert "later" in bob.choice_values(), bob.text
        bob.say(choice="later")
        typed = typed.removeprefix("back\n")
    bob.say(typed)
    assert when in bob.text, bob.text


def test_a_worker_cannot_broadcast(person, caplog) -> None:
    worker = person("worker")
    with caplog.at_level(logging.WARNING):
        worker.say("群发通知")
    assert "flow:broadcast" not in worker.choice_values()
    assert any("refused flow broadcast" in r.getMessage() for r in caplog.records)


def test_publicity_window_is_proposed_once_and_approved_by_the_clerk(person, engine: Engine) -> None:
    bob = person("bob", clerk=KM)
    _subscriber(engine, "km0", "craftsman", "昆明市")
    now = bob.clock.now
    with session_scope(engine) as s:
        _i, p = repo.get_or_create_identity(session=s, channel="console", user_key="a")
        case, _e = rc.create_case(session=s, programme="craftsman", person_id=p.id or 0, title="A", unit=KM,
                                  actor_person_id=None, now=now, first_stage="publicity")
        case.publicity_start, case.publicity_end = date(2026, 3, 2), date(2026, 3, 6)
        s.add(case)
    with session_scope(engine) as s:
        made = propose_reminders(session=s, today=date(2026, 3, 2), now=now, tz=TZ, units=[KM], horizon_days=0,
                                 lookback_days=0)
        assert [b.unit for b in made] == [KM]
        seg = json.loads(made[0].segment)
        assert seg == {"kind": "subscribers", "programme": "craftsman", "prefecture": "昆明市"}
        assert "2026年3月6日" in made[0].text and "电话或邮件" in made[0].text
    with session_scope(engine) as s:  # the daily job runs again: nothing new
        assert propose_reminders(session=s, today=date(2026, 3, 2), now=now, tz=TZ, units=[KM], horizon_days=0,
                                 lookback_days=0) == []
    bob.say("/broadcast")
    bob.say(choice="drafts")
    bid = int(re.search(r"#(\d+)", bob.text)[1])
    bob.say(str(bid))
    assert re.search(r"\b1\b", bob.text)
    bob.say(choice="now")
    assert _release(engine, now.astimezone(UTC) + timedelta(hours=1)) == 1


def test_training_deadline_reminders_are_proposed_and_expire(engine: Engine) -> None:
    now = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    _subscriber(engine, "km1", "training", "昆明市")  # a proposal that would reach nobody is not made
    with session_scope(engine) as s:
        made = propose_reminders(session=s, today=date(2026, 11, 28), now=now, tz=TZ, units=[KM, "云南省总工会"])
        keys = {b.proposal_key for b in made}
    # 5 December (第十一条) is 7 days ahead: proposed for both units, to the training subscribers.
    assert f"training:{KM}:plan@2026-12-05:2026-11-28" in keys
    assert "training:云南省总工会:plan@2026-12-05:2026-11-28" in keys
    plan = next(b for b in made if b.proposal_key == f"training:{KM}:plan@2026-12-05:2026-11-28")
    assert json.loads(plan.segment)["programme"] == "training"
    # Approved too late: past its deadline it is not sent but cancelled.
    with session_scope(engine) as s:
        b = s.get(Broadcast, plan.id)
        rc.set_broadcast_status(session=s, broadcast=b, status="scheduled", from_statuses=("draft",), actor=None,
                                now=now, scheduled_at=now)
    assert _release(engine, datetime(2026, 12, 6, 1, 0, tzinfo=UTC)) == 0
    with session_scope(engine) as s:
        assert s.get(Broadcast, plan.id).status == "cancelled"


def test_scheduler_defaults_and_catch_up_after_a_restart(engine: Engine, settings) -> None:
    # A broadcast came due while no process was running, and a case notification waits in the outbox.
    pid = _subscriber(engine, "km0", "craftsman", "昆明市")
    _subscriber(engine, "km0", "studio", "昆明市")  # the studio's public notice reaches someone
    past = datetime.now(UTC) - timedelta(hours=3)
    with session_scope(engine) as s:
        b = rc.create_broadcast(session=s, author_person_id=None, unit=KM, now=past, text="迟到的提醒",
                                segment={"kind": "subscribers", "programme": "craftsman", "prefecture": "昆明市"})
        rc.set_broadcast_status(session=s, broadcast=b, status="scheduled", from_statuses=("draft",), actor=None,
                                now=past, scheduled_at=past)
        _i, p = repo.get_or_create_identity(session=s, channel="console", user_key="a")
        rc.create_case(session=s, programme="studio", person_id=p.id or 0, title="A", unit=KM, actor_person_id=None,
                       now=past, first_stage="publicity")
        case = s.exec(select(Case)).one()
        today = datetime.now(TZ).date()
        case.publicity_start, case.publicity_end = today, today + timedelta(days=7)
        s.add(case)
        s.add(Person(display_name="clerk", roles="clerk", unit=KM))
    sender = RecordingSender("console")
    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    bg = start_background(app, {"console": sender}, tick_seconds=0.2, limits={"console": NO_LIMITS})
    try:
        assert isinstance(bg, Background)
        for job in bg.scheduler.get_jobs():
            assert job.coalesce is True and job.misfire_grace_time >= 30 and job.max_instances == 1
        deadline = time.monotonic() + 20
        while not sender.sent or not _has_proposal(engine):
            assert time.monotonic() < deadline, "background did not catch up"
            time.sleep(0.05)
    finally:
        bg.shutdown()
    assert [(r.person_id, reply.text.endswith("迟到的提醒")) for r, reply, *_x in sender.sent] == [(pid, True)]
    with session_scope(engine) as s:
        assert ro.report(session=s, broadcast_id=b.id or 0).sent == 1


def _has_proposal(engine: Engine) -> bool:
    with session_scope(engine) as s:
        return s.exec(select(Broadcast).where(Broadcast.proposal_key.like("publicity:%"))).first() is not None


def test_default_senders_follow_the_settings(settings, engine: Engine) -> None:
    from dataclasses import replace

    from bot.scheduler import default_senders

    plain = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    assert set(default_senders(plain)) == {"console"}
    half = replace(settings, wechat_app_id="wx123")  # no secret: no access token, so no WeChat sender
    assert set(default_senders(App(settings=half, engine=engine, dispatcher=plain.dispatcher))) == {"console"}
    configured = replace(settings, telegram_token="123:ABC", wechat_app_id="wx123", wechat_app_secret="s")
    app = App(settings=configured, engine=engine, dispatcher=build_dispatcher(engine, configured))
    assert set(default_senders(app)) == {"console", "telegram", "wechat"}


def test_a_class_broadcast_before_any_sign_in_says_why_nobody_would_get_it(person, engine: Engine) -> None:
    """The roster reaches a trainee's chat only once their first sign-in binds it: the preview says so, not a
    bare 0."""
    from tests.test_signin import setup_class
    from tests.test_training_classes import UNIT

    code, _sid = setup_class(engine)
    clerk = person("bc-class", clerk=UNIT)
    clerk.say("群发通知")
    clerk.say(choice="new")
    clerk.say(choice="class")
    clerk.say(code)
    clerk.say("明天上午8点开班，请带身份证。")
    assert "花名册上的3名学员中，有0名可在此收到通知" in clerk.text and "首次签到" in clerk.text, clerk.text


def test_a_class_broadcast_reaches_a_trainee_known_by_the_same_id_number_from_another_class(
        person, engine: Engine, clock) -> None:  # type: ignore[no-untyped-def]
    """A trial's trainee, linked by her ID number through an earlier class, got nothing of the new class's notices
    until she signed in there: the same ID number (its keyed hash) proved in a sign-in is the same trainee."""
    from tests.test_signin import ALICE, BOB, code_now, setup_class, sign
    from tests.test_training_classes import UNIT

    first, sid = setup_class(engine)
    alice = person("alice-twice", locale="en")
    clock.advance(minutes=2)
    sign(alice, first, code_now(engine, sid, clock), ALICE[-6:])
    assert "Signed in" in alice.text, alice.text
    second, _sid2 = setup_class(engine, roster=(("爱丽丝", ALICE), ("鲍勃", BOB)))
    clerk = person("bc-second", clerk=UNIT)
    clerk.say("群发通知")
    clerk.say(choice="new")
    clerk.say(choice="class")
    clerk.say(second)
    clerk.say("下周一开班，请带身份证。")
    assert "花名册上的2名学员中，有1名可在此收到通知" in clerk.text, clerk.text
    clerk.say(choice="now")
    assert _release(engine, clerk.clock.now.astimezone(UTC)) == 1
    with session_scope(engine) as s:
        sent = s.exec(select(OutboxMessage).where(OutboxMessage.broadcast_id.is_not(None))).all()  # type: ignore[union-attr]
        assert [m.person_id for m in sent] == [_person_of(s, "alice-twice")], [m.body for m in sent]
    assert "下周一开班" in sent[0].body
