"""Issue 17, the console's Questions page, bulk case moves and ticket ratings, over HTTP (Starlette's client
on the real app, the real chat dispatcher): questions the FAQ abstained on or was unsure of are kept masked
and without identity, grouped, counted per week and exported (audited), for provincial clerks only; several
cases moved at once after a preview, each applicant told once even when the form is sent twice; the ratings
people gave their tickets, per week and per unit, within the clerk's unit."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from test_console_auth import KM, PROVINCE, PUBLIC, QJ, audit_actions, csrf_of, make_desk, signed_in

from bot.backoffice.desk import mask_name
from handlers.services import questions as qs
from handlers.services import tickets as ticket_service
from storage import repo_tickets
from storage.db import session_scope
from storage.models import OutboxMessage
from storage.models_cases import Case
from storage.models_questions import AskedQuestion, ConsoleRequest
from storage.models_tickets import Ticket

desk = pytest.fixture(make_desk, name="desk")
PHONE = "13912345678"


def _kept(engine) -> list[AskedQuestion]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return list(s.exec(select(AskedQuestion).order_by(AskedQuestion.id)))


def _unsure(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ranker made unsure of everything (as in test_answers_decide): every question is "did you mean"."""
    import knowledge.search.core as core

    unsure = dataclasses.replace(core.ranker(), likely_above=1.01, sure_above=1.01, abstain_below=0.0,
                                 abstain_below_named=0.0)
    monkeypatch.setattr(core, "ranker", lambda: unsure)


def test_abstained_questions_are_kept_masked_without_identity_and_answers_are_not(person, engine, clock) -> None:  # type: ignore[no-untyped-def]
    alice = person("alice")
    alice.say("云岭工匠每年评多少名")  # answered: not kept
    assert _kept(engine) == []
    alice.say(f"加班费怎么算？我的电话{PHONE}")
    rows = _kept(engine)
    assert len(rows) == 1
    row = rows[0]
    assert row.outcome == "abstained" and row.channel == "console" and row.lang == "zh"
    assert PHONE not in row.text and "加班费怎么算" in row.text and row.norm.startswith("加班费怎么算")
    assert row.asked_on == clock.now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert not {"person_id", "identity_id", "user_key"} & set(AskedQuestion.model_fields)  # no identity column


def test_did_you_mean_is_kept_with_its_best_guess(person, engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _unsure(monkeypatch)
    person("bob").say("这个办法有什么规定")
    (row,) = _kept(engine)
    assert row.outcome == "unsure" and row.best_measure and row.best_article


def _provincial(web, person):  # type: ignore[no-untyped-def]
    sun = person("sun", clerk=PROVINCE)
    sun.d.settings = replace(sun.d.settings, public_url=PUBLIC)
    return signed_in(web, sun)


def test_questions_page_groups_counts_per_week_exports_and_is_provincial_only(desk, person, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    worker = person("wang")
    for text in ("加班费怎么算", "加班费 怎么算？", "How is overtime pay calculated?", f"年假有几天 {PHONE}"):
        worker.say(text)
    assert len(_kept(engine)) == 4
    kunming = signed_in(web, li)
    assert kunming.get("/console/questions").status_code == 404  # a unit's clerk: not theirs to see
    assert kunming.get("/console/questions.csv").status_code == 404
    assert "/console/questions" not in kunming.get("/console").text  # nor in their navigation

    province = _provincial(web, person)
    page = province.get("/console/questions")
    assert page.status_code == 200 and "/console/questions" in province.get("/console").text
    html = page.text
    rows = re.findall(r'<tr><td class="count">(\d+)</td>\s*<td>([^<]*)</td>', html)
    assert ("2", "加班费 怎么算？") in rows or ("2", "加班费怎么算") in rows, rows  # one group, two askings
    assert PHONE not in html
    assert html.count('class="bar"') == qs.WEEKS and "<title id=\"chart-title\">" in html
    assert re.search(r'class="value">4</text>', html)  # this week's bar: 4 questions
    assert province.get("/console/questions?by=article").status_code == 200

    export = province.get("/console/questions.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert table[0][0] == "日期" and len(table) == 5 and PHONE not in export.text
    assert "console.questions.export" in audit_actions(engine)


def test_csv_cells_that_look_like_formulas_are_defused(person, engine) -> None:  # type: ignore[no-untyped-def]
    person("eve").say("=HYPERLINK(\"http://x\") 加班费怎么算")
    with Session(engine) as s:
        data = qs.export_csv(s, today=_kept(engine)[0].asked_on, _=lambda t, **k: t, lang="zh").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(data)))[1][-1].startswith("'=")


def _notes(engine, person_id: int) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "status",
                                                       OutboxMessage.person_id == person_id)))


def test_bulk_move_previews_who_is_told_and_a_double_submit_moves_once(desk, person, engine) -> None:  # type: ignore[no-untyped-def]
    _li, web, ids = desk
    province = _provincial(web, person)
    board = province.get("/console/cases").text
    token = csrf_of(board)
    assert f'name="case-{ids["case_km"]}"' in board and f'name="case-{ids["case_qj"]}"' in board
    before = {k: len(_notes(engine, ids[f"person_{k}"])) for k in ("km", "qj")}
    picked = {"csrf": token, "programme": "craftsman", "to": "preliminary",
              f"case-{ids['case_km']}": "1", f"case-{ids['case_qj']}": "1"}
    preview = province.post("/console/cases/bulk", data=picked)
    assert preview.status_code == 200
    who = re.findall(r'<td class="who">([^<]*)</td>', preview.text)
    assert sorted(who) == sorted(["&lt;***", "李*"])  # "<b>张三</b>" and "李四", masked
    with Session(engine) as s:  # a preview changes nothing
        assert {s.get(Case, ids[f"case_{k}"]).stage for k in ("km", "qj")} == {"submitted"}  # type: ignore[union-attr]
    key = re.search(r'name="key" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    confirm = {**picked, "key": key}
    first = province.post("/console/cases/bulk/move", data=confirm, follow_redirects=False)
    again = province.post("/console/cases/bulk/move", data=confirm, follow_redirects=False)  # a double click
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"] and "moved=2" in first.headers["location"]
    assert "2 个申报已推进" in province.get(first.headers["location"]).text
    with Session(engine) as s:
        assert {s.get(Case, ids[f"case_{k}"]).stage for k in ("km", "qj")} == {"preliminary"}  # type: ignore[union-attr]
        assert len(s.exec(select(ConsoleRequest)).all()) == 1
    for k in ("km", "qj"):
        new = _notes(engine, ids[f"person_{k}"])[before[k]:]
        text = json.loads(new[0].body)["text"]
        assert len(new) == 1 and ("moved to a new stage" in text or "进入新的环节" in text), text  # in their language
    actions = audit_actions(engine)
    assert actions.count("console.case.bulk_move") == 1 and "console.case.bulk_move.again" in actions
    assert actions.count("case.move") == 2  # each case through the cases service

    # A fresh form for cases no longer at the stage before: nothing moves, nobody is told again.
    stale = province.post("/console/cases/bulk", data=picked).text
    assert "不在此阶段的前一阶段" in stale or "没有可推进" in stale


def test_a_units_clerk_bulk_moves_only_their_units_cases(desk, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    client = signed_in(web, li)
    token = csrf_of(client.get("/console/cases").text)
    picked = {"csrf": token, "programme": "craftsman", "to": "preliminary",
              f"case-{ids['case_km']}": "1", f"case-{ids['case_qj']}": "1"}
    preview = client.post("/console/cases/bulk", data=picked).text
    assert len(re.findall(r'<td class="who">', preview)) == 1  # Qujing's case is not shown, let alone moved
    key = re.search(r'name="key" value="([^"]+)"', preview).group(1)  # type: ignore[union-attr]
    r = client.post("/console/cases/bulk/move", data={**picked, "key": key}, follow_redirects=False)
    assert "moved=1" in r.headers["location"]
    with Session(engine) as s:
        assert s.get(Case, ids["case_qj"]).stage == "submitted"  # type: ignore[union-attr]
    bad = client.post("/console/cases/bulk", data={"csrf": token, "programme": "craftsman", "to": "preliminary"})
    assert bad.status_code == 400 and "请选择" in bad.text
    assert client.post("/console/cases/bulk/move", data={**picked, "key": ""}).status_code == 404


def test_ticket_ratings_per_week_and_per_unit_within_the_clerks_unit(desk, person, engine, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    now = clock.now
    with session_scope(engine) as s:
        for unit, rating, days in ((KM, 5, 0), (KM, 2, 1), (KM, 4, 8), (QJ, 1, 0), (KM, 5, 200)):
            t = repo_tickets.create_ticket(session=s, person_id=ids["person_km"], unit=unit, programme="craftsman",
                                           question="评价测试的问题", context="[]", now=now, promise_hours=48)
            ticket_service.rate_and_close(s, ticket=t, person_id=ids["person_km"], rating=rating,
                                          now=now - timedelta(days=days))
    with Session(engine) as s:
        per_week, per_unit = ticket_service.rating_stats(s, unit=KM, now=now, tz=clock.now.tzinfo)  # type: ignore[arg-type]
    assert [(u.key, u.count, u.average, u.satisfied) for u in per_unit] == [(KM, 3, 3.67, 2)]  # 200 days ago: out
    assert sum(w.count for w in per_week) == 3 and len(per_week) == ticket_service.RATING_WEEKS
    html = signed_in(web, li).get("/console/tickets").text
    assert "3.67" in html and QJ not in html.split("评价")[-1]
    assert "1.00" not in html  # Qujing's rating is not Kunming's to see
    with Session(engine) as s:
        assert len(s.exec(select(Ticket).where(Ticket.rating.is_not(None))).all()) == 5  # type: ignore[union-attr]


def test_mask_name() -> None:
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***" and mask_name("#12") == "#12"
    assert mask_name("Alexander") == "A***" and mask_name("") == ""
