"""The console's Classes page over HTTP (Starlette's client on the real app): a class from the 附件3 form with
the chat's checks, approved once however often the form is sent; sessions moved and cancelled with the
trainees told in their language; the roster upload (every bad row with its reason, nothing imported; bad
files refused); the live attendance fragment while a trainee signs in through the chat; the exports (audited);
another unit's class (404), a wrong CSRF token (403), escaped names. In a real browser:
tests/test_console_browser.py."""

from __future__ import annotations

import io
import json
import re
import zipfile

import docx
import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select
from test_console_auth import KM, QJ, make_desk, posted_twice_at_once, signed_in
from test_signin import ALICE, code_now, setup_class, sign
from test_training_classes import class_form, encrypted, good_rows, make_id, merged_sheet, roster_sheet

from handlers.forms_docx import DOCX_MIME
from storage import repo_training as repo
from storage.db import session_scope
from storage.models import AuditEvent, OutboxMessage
from storage.models_training import Enrolment, TrainingClass

desk = pytest.fixture(make_desk, name="desk")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def web_form(form: dict) -> dict[str, str]:
    return {k: str(v) for k, v in form.items()}


def class_id(engine, code: str) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return repo.get_class(session=s, code=code).id  # type: ignore[union-attr]


def test_register_with_the_chats_checks_then_approve_once(desk, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    client = signed_in(web, li)
    page = client.get("/console/classes/new")
    assert page.status_code == 200 and "登记培训班（附件3）" in page.text
    token = csrf_of(page.text)
    request = re.search(r'name="request" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

    bad = web_form(class_form()) | {"responsible_phone": "12345", "men": "x", "csrf": token, "request": request}
    r = client.post("/console/classes/new", data=bad)
    assert r.status_code == 400
    assert "请输入11位手机号码" in r.text and "请输入整数" in r.text and 'aria-invalid="true"' in r.text
    short = web_form(class_form("poverty", days=10)) | {"csrf": token, "request": request}
    r = client.post("/console/classes/new", data=short)
    assert r.status_code == 400 and "15" in r.text  # 第七条: a poverty class runs at least 15 days
    with Session(engine) as s:
        assert not s.exec(select(TrainingClass)).all()

    good = web_form(class_form()) | {"csrf": token, "request": request}
    first = client.post("/console/classes/new", data=good, follow_redirects=False)
    again = client.post("/console/classes/new", data=good, follow_redirects=False)  # a double click
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    with Session(engine) as s:
        (cls,) = s.exec(select(TrainingClass)).all()
        assert (cls.code, cls.unit, cls.status, cls.request_key) == ("KM2603", KM, "pending", request)
    page = client.get(first.headers["location"])
    assert "已登记" in page.text and "等待审批" in page.text

    for _ in range(2):
        r = client.post(f"/console/classes/{cls.id}/approve", data={"csrf": token, "by": "孙主席"},
                        follow_redirects=False)
        assert r.status_code == 303
    with Session(engine) as s:
        assert s.get(TrainingClass, cls.id).status == "approved"  # type: ignore[union-attr]
        actions = [a.action for a in s.exec(select(AuditEvent)).all()]
    assert actions.count("training.class_registered") == 1 and actions.count("training.class_approved") == 1
    assert "console.class.create" in actions and "console.class.approve" in actions
    listing = client.get("/console/classes")
    assert "KM2603" in listing.text and "电工" in listing.text


def test_a_short_poverty_class_is_registered_only_with_the_exception_ticked(desk, engine) -> None:  # type: ignore[no-untyped-def]
    """第七条's 15 days hold "in principle": the console warns (with the article) and registers the class once the
    exception is ticked, recorded in the audit row; a category the project does not train refuses it, tick or not."""
    li, web, _ids = desk
    client = signed_in(web, li)
    page = client.get("/console/classes/new")
    token = csrf_of(page.text)
    request = re.search(r'name="request" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    tick = 'name="allow_exception"'
    assert tick not in page.text
    hard = web_form(class_form("poverty", days=8, cats={"poor": 2, "employed": 1}))
    r = client.post("/console/classes/new", data=hard | {"csrf": token, "request": request, "allow_exception": "yes"})
    assert r.status_code == 400 and "暂不能登记" in r.text and tick not in r.text
    short = web_form(class_form("poverty", days=8)) | {"csrf": token, "request": request}
    r = client.post("/console/classes/new", data=short)
    assert r.status_code == 400 and "提示（审批单位可同意例外）" in r.text and "（见第七条）" in r.text
    assert tick in r.text and "仍然登记（审批单位同意例外）" in r.text and "暂不能登记" not in r.text
    with Session(engine) as s:
        assert not s.exec(select(TrainingClass)).all()
    r = client.post("/console/classes/new", data=short | {"allow_exception": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    with Session(engine) as s:
        (cls,) = s.exec(select(TrainingClass)).all()
        (row,) = s.exec(select(AuditEvent).where(AuditEvent.action == "training.class_registered")).all()
    assert (cls.end_date - cls.start_date).days == 7
    assert row.detail.startswith("web; ") and "poverty_too_short" in row.detail and "days=8" in row.detail


def test_roster_upload_bad_rows_then_good(desk, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    code, _sid = setup_class(engine, roster=())
    cid = class_id(engine, code)
    client = signed_in(web, li)
    token = csrf_of(client.get(f"/console/classes/{cid}").text)

    def upload(data: bytes, name: str = "roster.xlsx"):  # type: ignore[no-untyped-def]
        return client.post(f"/console/classes/{cid}/roster", data={"csrf": token},
                           files={"roster": (name, data, "application/octet-stream")})

    rows = good_rows()
    rows[0][2] = make_id(1)[:-1] + "0"  # a wrong check digit
    rows[1][4] = "<b>外星人</b>"
    rows.append(["", "男", make_id(5), "", "在岗职工"])
    r = upload(roster_sheet(rows))
    assert r.status_code == 400 and "未导入任何学员" in r.text
    assert "第4行" in r.text and "校验位" in r.text
    assert "第5行" in r.text and "&lt;b&gt;外星人&lt;/b&gt;" in r.text and "<b>外星人" not in r.text
    assert "第7行" in r.text and "姓名" in r.text

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    big_rows = [["张三", "男", make_id(1), "", "在岗职工"]] * 100_000
    for data, expected in ((b"%PDF-1.4 not a workbook", "不是可读取的 .xlsx"),
                           (encrypted(roster_sheet(good_rows())), "设置了密码"),
                           (merged_sheet(good_rows(), "A4:A5"), "合并单元格"),
                           (roster_sheet(big_rows), "过大"),
                           (buf.getvalue(), "过大")):
        r = upload(data)
        assert r.status_code == 400 and expected in r.text, expected
    with Session(engine) as s:
        assert not s.exec(select(Enrolment)).all()

    r = upload(roster_sheet(good_rows()))
    assert r.status_code == 200 and "名单已导入" in r.text and "3 名学员" in r.text
    assert "张三" in r.text and make_id(1) not in r.text  # ID numbers masked on the page
    with Session(engine) as s:
        assert len(s.exec(select(Enrolment)).all()) == 3
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "training.roster_imported")).one()


def test_sessions_moved_and_cancelled_with_the_trainees_told(desk, engine, person, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    code, sid = setup_class(engine)
    cid = class_id(engine, code)
    alice = person("alice", locale="en")
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    client = signed_in(web, li)
    token = csrf_of(client.get(f"/console/classes/{cid}").text)
    r = client.post(f"/console/classes/{cid}/sessions", data={"csrf": token, "day": "2026-03-03", "start": "14:00",
                                                              "end": "17:00", "place": ""}, follow_redirects=False)
    assert r.status_code == 303
    with Session(engine) as s:
        later = repo.sessions_of(session=s, class_id=cid)[-1]
    r = client.post(f"/console/classes/{cid}/sessions/{sid}/move",
                    data={"csrf": token, "day": "2026-03-04", "start": "09:00", "end": "12:00", "place": "301教室"})
    assert r.status_code == 409 and "已有 1 名学员在该课次签到" in r.text  # attendance is a record (第十九条)
    r = client.post(f"/console/classes/{cid}/sessions/{later.id}/move",
                    data={"csrf": token, "day": "2026-03-05", "start": "14:00", "end": "16:30", "place": "302教室"})
    assert r.status_code == 200 and "已通知" in r.text
    r = client.post(f"/console/classes/{cid}/sessions/{later.id}/cancel", data={"csrf": token})
    assert r.status_code == 200 and "已取消" in r.text
    with Session(engine) as s:
        notes = [json.loads(o.body)["text"] for o in s.exec(select(OutboxMessage)
                                                          .where(OutboxMessage.kind == "notification")).all()]
    assert any("is now 2026-03-05 14:00–16:30 302教室" in n for n in notes), notes  # in Alice's English
    assert any("is cancelled" in n for n in notes)


def test_live_attendance_and_exports(desk, engine, person, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    code, sid = setup_class(engine)
    cid = class_id(engine, code)
    client = signed_in(web, li)
    page = client.get(f"/console/classes/{cid}/sessions/{sid}")
    assert "0 / 3 已签到" in page.text and 'hx-trigger="every 3s"' in page.text
    screen = re.search(r'href="(/signin/\d+-[0-9a-f]{24})"', page.text)
    assert screen, page.text
    sign(person("alice", locale="en"), code, code_now(engine, sid, clock), ALICE[-6:])
    fragment = client.get(f"/console/classes/{cid}/sessions/{sid}/attendance")
    assert "1 / 3 已签到" in fragment.text and "爱丽丝" in fragment.text and "<html" not in fragment.text

    for sheet, name in (("roster", "附件4"), ("employment", "附件6"), ("signin", "签到表")):
        r = client.get(f"/console/classes/{cid}/export/{sheet}")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        assert load_workbook(io.BytesIO(r.content)).active is not None
        assert name in r.headers["content-disposition"] or "%" in r.headers["content-disposition"]
    page = client.get(f"/console/classes/{cid}")
    assert f"/console/classes/{cid}/export/approval" in page.text and "附件3 培训班审批表" in page.text
    r = client.get(f"/console/classes/{cid}/export/approval")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.headers["content-type"].startswith(DOCX_MIME) and docx.Document(io.BytesIO(r.content)).tables
    with Session(engine) as s:
        actions = {a.action for a in s.exec(select(AuditEvent)).all()}
    assert {"training.export_roster", "training.export_employment", "training.export_signin",
            "training.export_approval"} <= actions


def test_another_units_class_wrong_csrf_and_escaping(desk, engine) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    with session_scope(engine) as s:
        from handlers.services.training import save_class
        form = class_form() | {"trade": "<script>alert(1)</script>电工"}
        theirs = save_class(s, key="k", unit=QJ, created_by=None, form=form)
        mine = save_class(s, key="k", unit=KM, created_by=None, form=form)
        theirs_id, mine_id = theirs.id, mine.id
    client = signed_in(web, li)
    assert client.get(f"/console/classes/{theirs_id}").status_code == 404
    assert client.get(f"/console/classes/{theirs_id}/export/roster").status_code == 404
    assert client.post(f"/console/classes/{theirs_id}/approve",
                       data={"csrf": csrf_of(client.get("/console").text), "by": "x"}).status_code == 404
    mine_page = client.get(f"/console/classes/{mine_id}")
    assert "&lt;script&gt;" in mine_page.text and "<script>alert" not in mine_page.text
    r = client.post(f"/console/classes/{mine_id}/approve", data={"csrf": "forged", "by": "孙主席"})
    assert r.status_code == 403
    with Session(engine) as s:
        assert s.get(TrainingClass, mine_id).status == "pending"  # type: ignore[union-attr]
    listing = client.get("/console/classes")
    # The other unit's class code (QJ2603…), not the bare letters a random CSRF token may contain.
    assert listing.text.count("KM2603") == 1 and "QJ2603" not in listing.text


def test_certificates_and_employment_outcome(desk, engine, clock) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    code, _sid = setup_class(engine)
    cid = class_id(engine, code)
    with session_scope(engine) as s:
        entry = repo.enrolments_of(session=s, class_id=cid)[0]
        eid = entry.id
        from handlers.services.training import save_class
        other = save_class(s, key="k", unit=QJ, created_by=None, form=class_form())
        theirs = repo.add_enrolment(session=s, key="k", class_id=other.id or 0, line=repo.RosterLine(
            name="外单位", sex="男", id_number=make_id(9), category="employed", trade="电工"))
        theirs_id, other_id = theirs.id, other.id
    base = f"/console/classes/{cid}/trainees/{eid}"
    during = signed_in(web, li)  # the class runs until 2026-03-21: nothing to record yet (第二十一条, 第二十二条)
    token = csrf_of(during.get(base).text)
    r = during.post(base + "/certificate", data={"csrf": token, "level": "中级工", "prior": "初级工",
                                                 "hr": "HR-2026-01", "union": "GH-2026-0001"})
    assert r.status_code == 400 and "培训结束后才能登记证书" in r.text and "第二十一条" in r.text, r.text
    r = during.post(base + "/outcome", data={"csrf": token, "employed": "no"})
    assert r.status_code == 400 and "培训结束后才能登记就业情况" in r.text
    clock.now = clock.now.replace(month=3, day=21, hour=17)  # its last day
    client = signed_in(web, li)
    page = client.get(base)
    assert page.status_code == 200 and "学员 爱丽丝" in page.text
    token = csrf_of(page.text)
    r = client.post(base + "/certificate", data={"csrf": token, "level": "中级工", "prior": "初级工", "hr": "编号",
                                                 "union": "GH-2026-0001"})
    assert r.status_code == 400 and "证书编号" in r.text and "HR-" not in r.text
    r = client.post(base + "/certificate", data={"csrf": token, "level": "宇宙级", "prior": "", "hr": "HR-2026-01",
                                                 "union": "GH-2026-0001"})
    assert r.status_code == 400
    r = client.post(base + "/certificate", data={"csrf": token, "level": "中级工", "prior": "初级工",
                                                 "hr": "HR-2026-01", "union": "GH-2026-0001"})
    assert r.status_code == 200 and "证书信息已记录" in r.text
    r = client.post(base + "/outcome", data={"csrf": token, "employed": "yes", "place": "", "employer": ""})
    assert r.status_code == 400 and "请填写就业地点和就业单位" in r.text
    r = client.post(base + "/outcome", data={"csrf": token, "employed": "yes", "place": "昆明", "employer": "昆钢",
                                             "phone": "12"})
    assert r.status_code == 400 and "请输入11位手机号码" in r.text
    r = client.post(base + "/outcome", data={"csrf": token, "employed": "yes", "place": "昆明", "employer": "昆钢",
                                             "phone": "13912345678"})
    assert r.status_code == 200 and "就业情况已记录" in r.text
    with Session(engine) as s:
        e = s.get(Enrolment, eid)
        assert (e.cert_level, e.prior_level, e.hr_cert_no, e.employed, e.employer) == (  # type: ignore[union-attr]
            "中级工", "初级工", "HR-2026-01", True, "昆钢")
        assert "13912345678" not in e.employer_phone_enc  # type: ignore[union-attr]
    sheet = load_workbook(io.BytesIO(client.get(f"/console/classes/{cid}/export/employment").content)).active
    assert any("昆钢" in str(c) for row in sheet.iter_rows(values_only=True) for c in row)
    # another unit's trainee, by its own class's URL or under one of mine: 404
    assert client.get(f"/console/classes/{other_id}/trainees/{theirs_id}").status_code == 404
    assert client.get(f"/console/classes/{cid}/trainees/{theirs_id}").status_code == 404


def test_the_same_form_sent_twice_at_once_creates_one_class(desk, engine) -> None:  # type: ignore[no-untyped-def]
    """Two requests with one form token at the same moment (two threads of the server): one class, and both
    answered with it (on PostgreSQL the second waits on the unique key, then finds the first)."""
    li, web, _ids = desk
    client = signed_in(web, li)
    page = client.get("/console/classes/new").text
    request = re.search(r'name="request" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    good = web_form(class_form()) | {"csrf": csrf_of(page), "request": request}
    answers = posted_twice_at_once(client, "/console/classes/new", good)
    assert len(answers) == 2 and answers[0] == answers[1] and answers[0][0] == 303, answers
    with Session(engine) as s:
        assert len(s.exec(select(TrainingClass)).all()) == 1
