"""The console's Broadcasts page over HTTP (Starlette's client on the real app): the live count and the preview
per platform and language, a form sent twice at once (one broadcast), scheduling and cancelling, the delivery
report (sent / failed / unreachable, an SVG chart) after the outbox rows were worked, another unit's broadcast
(404), a wrong CSRF token (403), escaped text. In a real browser: tests/test_console_browser.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select
from test_console_auth import KM, QJ, make_desk, posted_twice_at_once, signed_in

from handlers.services import broadcasts as svc
from storage.db import session_scope
from storage.models import AuditEvent, OutboxMessage
from storage.models_cases import Broadcast

desk = pytest.fixture(make_desk, name="desk")


def form_of(html: str) -> dict[str, str]:
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    request = re.search(r'name="request" value="([^"]+)"', html)
    assert csrf and request
    return {"csrf": csrf.group(1), "request": request.group(1)}


def test_count_and_preview_follow_the_segment(desk) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    client = signed_in(web, li)
    page = client.get("/console/broadcasts")
    assert page.status_code == 200 and "昆明市总工会的群发通知" in page.text
    r = client.get("/console/broadcasts/recipients", params={"kind": "applicants", "programme": "craftsman",
                                                             "text": "<b>明天</b>开会"})
    assert r.status_code == 200
    assert "1 位收件人" in r.text  # Kunming's one open craftsman case; Qujing's is not counted
    assert "昆明市总工会通知：" in r.text and "Notice from 昆明市总工会" in r.text
    assert "&lt;b&gt;明天&lt;/b&gt;" in r.text and "<b>明天" not in r.text
    assert r.text.count('<figure class="preview ') == 4  # WeChat and Telegram, Chinese and English
    r = client.get("/console/broadcasts/recipients", params={"kind": "applicants", "programme": "studio"})
    assert "0 位收件人" in r.text
    r = client.get("/console/broadcasts/recipients", params={"kind": "subscribers", "programme": ""})
    assert "请从列出的项目中选择" in r.text


def test_a_form_sent_twice_at_once_makes_one_broadcast_then_cancel(desk, engine, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    client = signed_in(web, li)
    when = (clock.now + timedelta(days=1)).astimezone(svc.ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    data = form_of(client.get("/console/broadcasts").text) | {
        "kind": "applicants", "programme": "craftsman", "text": "请带好材料", "when": when}
    answers = posted_twice_at_once(client, "/console/broadcasts", data)
    assert len(answers) == 2 and answers[0] == answers[1] and answers[0][0] == 303, answers
    with Session(engine) as s:
        (b,) = s.exec(select(Broadcast)).all()
        assert (b.unit, b.status, b.text) == (KM, "scheduled", "请带好材料")
    page = client.get(answers[0][1])
    assert "已安排" in page.text and when.replace("T", " ") in page.text
    r = client.post(f"/console/broadcasts/{b.id}/cancel", data={"csrf": data["csrf"]}, follow_redirects=False)
    assert r.status_code == 303
    with Session(engine) as s:
        assert s.get(Broadcast, b.id).status == "cancelled"  # type: ignore[union-attr]
        actions = [a.action for a in s.exec(select(AuditEvent))]
    assert {"broadcast.draft", "broadcast.scheduled", "broadcast.cancelled", "console.broadcast.create",
            "console.broadcast.cancel"} <= set(actions)
    past = form_of(client.get("/console/broadcasts").text) | {"kind": "applicants", "text": "太迟了",
                                                              "when": "2020-01-01T09:00"}
    r = client.post("/console/broadcasts", data=past)
    assert r.status_code == 400 and "该时间已过" in r.text


def test_send_now_then_the_delivery_report(desk, engine, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    client = signed_in(web, li)
    data = form_of(client.get("/console/broadcasts").text) | {"kind": "applicants", "text": "<i>通知</i>"}
    r = client.post("/console/broadcasts", data=data, follow_redirects=False)
    assert r.status_code == 303
    with session_scope(engine) as s:
        assert svc.release_due_broadcasts(session=s, now=clock.now) == 1
    with session_scope(engine) as s:  # the delivery worker's outcome: the one applicant could not be reached
        s.execute(update(OutboxMessage).where(col(OutboxMessage.broadcast_id).is_not(None))
                  .values(status="dead", last_error="unreachable on telegram: blocked", claimed_at=clock.now))
        (row,) = s.exec(select(OutboxMessage).where(col(OutboxMessage.broadcast_id).is_not(None))).all()
        assert row.person_id == ids["person_km"]
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert re.search(r'class="unreachable">1<', page.text) and re.search(r'class="sent">0<', page.text)
    assert "<svg" in page.text and "&lt;i&gt;通知&lt;/i&gt;" in page.text


def test_another_units_broadcast_is_404_and_a_wrong_csrf_is_403(desk, engine, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    client = signed_in(web, li)
    with session_scope(engine) as s:
        other = svc.create_draft(session=s, author_person_id=None, unit=QJ, segment={"kind": "applicants"},
                                 text="曲靖的通知", now=clock.now)
        assert other is not None
        other_id = other.id
    assert client.get(f"/console/broadcasts/{other_id}").status_code == 404
    data = form_of(client.get("/console/broadcasts").text)
    assert client.post(f"/console/broadcasts/{other_id}/cancel", data={"csrf": data["csrf"]}).status_code == 404
    bad = data | {"csrf": "forged", "kind": "applicants", "text": "不应发出"}
    assert client.post("/console/broadcasts", data=bad).status_code == 403
    with Session(engine) as s:
        assert [b.unit for b in s.exec(select(Broadcast))] == [QJ]


def test_a_class_code_of_no_class_is_named_in_the_message(desk) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    client = signed_in(web, li)
    r = client.get("/console/broadcasts/recipients", params={"kind": "class", "class_code": "ZZ9999"})
    assert r.status_code == 200 and KM in r.text and "{unit}" not in r.text
    data = form_of(client.get("/console/broadcasts").text) | {"kind": "applicants", "text": "x"}
    r = client.post("/console/broadcasts", data=data)
    assert r.status_code == 400 and "1000" in r.text and "{n}" not in r.text


def test_today_lists_the_units_scheduled_broadcasts(desk, engine, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    with session_scope(engine) as s:
        for unit, text in ((KM, "昆明：<i>周五</i>考试"), (QJ, "曲靖的通知")):
            s.add(Broadcast(unit=unit, text=text, status="scheduled", segment="{}",
                            scheduled_at=clock.now + timedelta(days=2)))
        s.add(Broadcast(unit=KM, text="已发送的通知", status="sent", segment="{}"))
    page = signed_in(web, li).get("/console")
    assert page.status_code == 200 and "已排期的群发" in page.text
    assert "昆明：&lt;i&gt;周五&lt;/i&gt;考试" in page.text  # escaped
    assert "曲靖的通知" not in page.text and "已发送的通知" not in page.text  # another unit's; not scheduled
