"""The clerks' web console, over HTTP (Starlette's client on the real app): the link from the chat and the
CLI, single use and expiry, the signed cookie, idle expiry, sign-out everywhere, CSRF, the unit's scope,
escaping, and the audit of it all. The same in a real browser: tests/test_console_browser.py."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from bot.app import App
from bot.backoffice import console_routes
from bot.backoffice.core import COOKIE, Console
from bot.web import build_web_app
from handlers.services import console_auth
from storage import repo_cases as rc
from storage import repo_tickets
from storage import repositories as repo
from storage.db import session_scope
from storage.models import AuditEvent, OutboxMessage, Person
from storage.models_console import ConsoleLink, ConsoleSession
from storage.models_tickets import Ticket

PUBLIC = "https://assistant.example.org"
KM, QJ, PROVINCE = "昆明市总工会", "曲靖市总工会", "云南省总工会"
LINK = re.compile(re.escape(PUBLIC) + r"(/console/signin/[A-Za-z0-9_-]{43})")


def seed(engine, now) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Two applicants with a case and a ticket each, one in Kunming, one in Qujing (names with HTML)."""
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        for key, unit, name in (("km", KM, "<b>张三</b>"), ("qj", QJ, "李四")):
            _identity, p = repo.get_or_create_identity(session=s, channel="telegram", user_key=f"app-{key}",
                                                       locale="en" if key == "km" else "zh", display_name=name)
            case, _event = rc.create_case(session=s, programme="craftsman", person_id=p.id or 0,
                                          title=f"{name}<script>alert(1)</script>", unit=unit,
                                          actor_person_id=None, now=now)
            t = repo_tickets.create_ticket(session=s, person_id=p.id or 0, unit=unit, programme="craftsman",
                                           question=f"<i>{name}</i> 申报材料要哪些？", context="[]", now=now,
                                           promise_hours=48)
            ids[f"case_{key}"], ids[f"ticket_{key}"], ids[f"person_{key}"] = case.id or 0, t.id or 0, p.id or 0
    return ids


def make_desk(engine, settings, clock, person):  # type: ignore[no-untyped-def]
    """A clerk li of Kunming in the console chat, the web app on the test clock, the seeded records."""
    li = person("li", clerk=KM)
    li.d.settings = replace(li.d.settings, public_url=PUBLIC)
    app = App(settings=li.d.settings, engine=engine, dispatcher=li.d)
    web = build_web_app(app, providers=())
    console = Console(app, clock=lambda: clock.now.timestamp())
    web.router.routes.extend(console_routes(console))
    return li, web, seed(engine, clock.now)


desk = pytest.fixture(make_desk, name="desk")


def link_of(li) -> str:  # type: ignore[no-untyped-def]
    li.say("后台")
    found = LINK.search(li.text)
    assert found, li.text
    return found.group(1)


def posted_twice_at_once(client: TestClient, path: str, data: dict[str, str]) -> list[tuple[int, str]]:
    """The same form POSTed by two threads released together (a double click reaching two workers): each
    answer's status and Location."""
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        barrier.wait()
        r = client.post(path, data=data, follow_redirects=False)
        answers.append((r.status_code, r.headers.get("location", "")))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return answers


def signed_in(web, li) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(web, base_url="https://testserver")
    path = link_of(li)
    assert client.get(path).status_code == 200  # the link shows a button; only the POST uses it
    r = client.post(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie and "Path=/console" in cookie
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def audit_actions(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return [a.action for a in s.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_link_from_chat_signs_in_once_and_is_stored_hashed(desk, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    client = signed_in(web, li)
    page = client.get("/console")
    assert page.status_code == 200 and "今天" in page.text and KM in page.text
    path = li.replies[0].text and LINK.search(li.text).group(1)  # type: ignore[union-attr]
    again = TestClient(web).post(path, follow_redirects=False)
    assert again.status_code == 403 and "已被使用" in again.text
    with Session(engine) as s:
        tokens = [row.token_hash for row in s.exec(select(ConsoleLink))] + \
            [row.token_hash for row in s.exec(select(ConsoleSession))]
    assert path.rsplit("/", 1)[1] not in tokens and all(len(t) == 64 for t in tokens)
    assert {"console.link_issued", "console.signin", "console.view", "console.link_refused"} <= set(audit_actions(engine))


def test_link_expires_after_ten_minutes(desk, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    path = link_of(li)
    clock.advance(minutes=10, seconds=1)
    assert TestClient(web).post(path, follow_redirects=False).status_code == 403


def test_non_clerk_is_refused_politely_in_their_language(desk, person) -> None:  # type: ignore[no-untyped-def]
    worker = person("wang", locale="en")
    worker.say("console")
    assert "only for authorised union clerks" in worker.text and "/console/signin/" not in worker.text
    zh = person("zhao")
    zh.say("后台")
    assert "工会工作人员" in zh.text and "/console/signin/" not in zh.text


def test_no_cookie_forged_cookie_and_idle_session_go_to_signin(desk, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    anonymous = TestClient(web)
    r = anonymous.get("/console/tickets", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/signin"
    anonymous.cookies.set(COOKIE, "abc.def", path="/console")
    assert anonymous.get("/console", follow_redirects=False).status_code == 303
    client = signed_in(web, li)
    clock.advance(hours=7, minutes=59)
    assert client.get("/console", follow_redirects=False).status_code == 200  # activity renews the idle time
    clock.advance(hours=8, seconds=1)
    r = client.get("/console", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/signin"


def test_sign_out_everywhere_ends_every_session(desk) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    phone, laptop = signed_in(web, li), signed_in(web, li)
    token = csrf_of(laptop.get("/console").text)
    r = laptop.post("/console/signout-everywhere", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/signin")
    assert phone.get("/console", follow_redirects=False).status_code == 303


def test_csrf_missing_or_wrong_is_403_and_changes_nothing(desk, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    client = signed_in(web, li)
    for data in ({"text": "请带身份证复印件"}, {"text": "请带身份证复印件", "csrf": "wrong"}):
        r = client.post(f"/console/tickets/{ids['ticket_km']}/answer", data=data, follow_redirects=False)
        assert r.status_code == 403
    with Session(engine) as s:
        assert not s.exec(select(OutboxMessage).where(OutboxMessage.kind == "ticket")).all()
        assert s.get(Ticket, ids["ticket_km"]).status == "open"  # type: ignore[union-attr]


def test_another_units_records_are_404_and_the_province_sees_all(desk, person, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    client = signed_in(web, li)
    assert client.get(f"/console/cases/{ids['case_qj']}").status_code == 404
    assert client.get(f"/console/tickets/{ids['ticket_qj']}").status_code == 404
    assert client.get("/console/cases/999999").status_code == 404
    token = csrf_of(client.get("/console").text)
    r = client.post(f"/console/tickets/{ids['ticket_qj']}/close", data={"csrf": token})
    assert r.status_code == 404
    board = client.get("/console/cases").text
    assert f"#{ids['case_km']} " in board and f"#{ids['case_qj']} " not in board
    page = client.get(f"/console/cases/{ids['case_km']}").text
    assert "登记 ·" in page and "create ·" not in page  # the history's events in the clerk's language
    sun = person("sun", clerk=PROVINCE)
    sun.d.settings = replace(sun.d.settings, public_url=PUBLIC)
    province = signed_in(web, sun)
    assert province.get(f"/console/cases/{ids['case_qj']}").status_code == 200
    assert f"#{ids['case_qj']} " in province.get("/console/cases").text


def test_a_case_at_the_federations_stages_is_followed_not_changed_by_a_city_clerk(desk, person, engine) -> None:  # type: ignore[no-untyped-def]
    """From the 复审 on (第十一条), the case page of a 昆明市 clerk shows the case and why, with no move, change or
    reopen form; the provincial clerk's page has them."""
    from storage.models_cases import Case

    li, web, ids = desk
    with Session(engine) as s:
        case = s.get(Case, ids["case_km"])
        assert case is not None
        case.stage = "review"
        s.add(case)
        s.commit()
    page = signed_in(web, li).get(f"/console/cases/{ids['case_km']}").text
    assert "由省总工会领导小组办公室登记" in page and "/move" not in page and "/change" not in page, page
    sun = person("sun", clerk=PROVINCE)
    sun.d.settings = replace(sun.d.settings, public_url=PUBLIC)
    theirs = signed_in(web, sun).get(f"/console/cases/{ids['case_km']}").text
    assert "/move" in theirs and "/change" in theirs and "推进到：专家评审" in theirs


def test_names_and_messages_are_escaped(desk) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    client = signed_in(web, li)
    for path in (f"/console/cases/{ids['case_km']}", "/console/cases", "/console/tickets",
                 f"/console/tickets/{ids['ticket_km']}"):
        html = client.get(path).text
        assert "<script>alert(1)" not in html and "<b>张三" not in html and "<i>" not in html, path
        assert "&lt;b&gt;张三&lt;/b&gt;" in html, path


def test_answer_goes_to_the_outbox_in_the_persons_language(desk, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    client = signed_in(web, li)
    token = csrf_of(client.get(f"/console/tickets/{ids['ticket_km']}").text)
    r = client.post(f"/console/tickets/{ids['ticket_km']}/answer",
                    data={"csrf": token, "text": "请带上身份证 530102199003073256 的复印件"})
    assert r.status_code == 200 and "您的回复正在发送" in r.text
    with Session(engine) as s:
        out = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "ticket")).one()
        assert out.person_id == ids["person_km"] and "Answer from 昆明市总工会" in out.body  # the applicant reads English
        assert "530102199003073256" not in out.body
    assert "ticket.answer.web" in audit_actions(engine)


def test_cli_prints_a_link_for_a_clerk_on_the_allow_list(engine, settings, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    monkeypatch.setenv("YUNLING_CLERKS", f"console:li={KM}")
    monkeypatch.setenv("YUNLING_DATA_KEY", settings.data_key)
    assert main(["console-link", "--clerk", "console:li", "--db", settings.database_url,
                 "--base", "http://127.0.0.1:8000"]) == 0
    printed = capsys.readouterr().out.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/console/signin/[A-Za-z0-9_-]{43}", printed)
    assert main(["console-link", "--clerk", "console:nobody", "--db", settings.database_url]) == 1
    with Session(engine) as s:
        li = s.exec(select(Person).where(Person.unit == KM)).one()
        assert "clerk" in li.role_set()
        issued = s.exec(select(ConsoleLink)).one()
        assert issued.expires_at - issued.created_at == console_auth.LINK_TTL == timedelta(minutes=10)
