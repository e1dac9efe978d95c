"""Training classes through the clerk's flow: registration with the rules of 第六、七条, approval, sessions,
the roster (one by one and from .xlsx), exports of 附件3 / 附件4 / 附件6 / the sign-in sheet, certificates,
outcomes and the employment rate; a clerk of another unit sees nothing."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import docx
import pytest
from conftest import columns_holding
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from handlers import training_exports
from handlers import training_sheets as sheets
from handlers.cite import cite
from handlers.flows.training import FORM
from handlers.forms_docx import DOCX_MIME, approval_docx
from handlers.services import exports
from handlers.services.errors import RuleViolation
from handlers.services.training import add_trainee, register_class, save_class
from handlers.types import Attachment
from knowledge import loader
from knowledge.idcard import check_digit
from knowledge.rules.training import CATEGORIES, POVERTY_MIN_DAYS
from knowledge.text import squash
from storage import repo_training as repo
from storage.db import session_scope
from storage.models import AuditEvent

SOURCE = Path("/work/shared/source/yunnan-union-measures-2020.txt")
UNIT = "昆明市总工会"
KEY = "test-key-not-secret"


def make_id(seq: int, *, female: bool = False, born: str = "19900307") -> str:
    body = f"530102{born}{seq % 100:02d}"
    body += str((seq % 5) * 2 + (0 if female else 1))  # 17th digit: odd = male
    return body + check_digit(body)


def class_form(project: str = "upgrade", *, days: int = 20, cats: dict[str, int] | None = None) -> dict:
    cats = cats if cats is not None else ({"employed": 2, "migrant": 1} if project == "upgrade" else {"poor": 3})
    total = sum(cats.values())
    start = date(2026, 3, 2)
    form = {"project": project, "training_unit": "昆明市职业技能培训中心", "training_unit_address": "昆明市盘龙区",
            "class_address": "昆明市盘龙区北京路1号", "responsible_person": "赵主任", "responsible_phone": "13800001111",
            "head_teacher": "钱老师", "head_teacher_phone": "0871-65123456", "trade": "电工", "level": "中级工",
            "men": total - 1, "women": 1, "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=days - 1)).isoformat(), "total_hours": 120}
    form.update({f"cat_{k}": v for k, v in cats.items()})
    return form


def register_by_chat(clerk, form: dict, before: dict | None = None) -> None:  # type: ignore[no-untyped-def]
    """Answer every question of the registration form from ``form``; ``before``: field key -> what the clerk
    does at that field's question before answering it."""
    clerk.say("培训班管理")
    clerk.say(choice="new")
    for key, kind, _prompt in FORM:
        if before and key in before:
            before[key](clerk)
        if kind == "project":
            clerk.say(choice=form["project"])
        elif kind == "sexes":
            clerk.say(f"{form['men']} {form['women']}")
        else:
            clerk.say(str(form.get(key, 0)))


# -- the facts used, against the source text ---------------------------------------------------------------
def test_quotes_and_annex_columns_match_the_source() -> None:
    source = squash(SOURCE.read_text(encoding="utf-8"))
    for number in (6, 7, 18, 19, 21, 22):  # the articles the training flows cite, quoted from the source
        citation = cite("zh", "training", number)
        assert citation.label.endswith(loader.article("training", number).label)
        assert squash(loader.article("training", number).label) in source
        assert squash(citation.quote.removesuffix("…")) in squash(loader.article("training", number).text), number
    # Columns of the exported sheets are the annexes' own columns, as printed.
    assert "\t".join(sheets.roster_columns()) in SOURCE.read_text(encoding="utf-8")
    assert "\t".join(sheets.employment_columns()) in SOURCE.read_text(encoding="utf-8")
    assert "15天" in squash(loader.article("training", 7).text) and POVERTY_MIN_DAYS == 15
    assert "学员学习签到制度" in loader.article("training", 19).text


def at_class(clerk, code: str, action: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """The class flow open at class ``code``'s actions, and ``action`` chosen there."""
    clerk.say("/classes")
    clerk.say(code)
    if action is not None:
        clerk.say(choice=action)


# -- registration through the flow -------------------------------------------------------------------------
@pytest.mark.parametrize(("project", "days", "cats", "expect"), [
    ("upgrade", 3, {"employed": 2, "migrant": 1}, None),
    ("poverty", POVERTY_MIN_DAYS, {"poor": 2, "poverty_migrant": 1}, None),
    ("poverty", POVERTY_MIN_DAYS - 1, {"poor": 3}, "at least 15 days"),
    ("poverty", 20, {"poor": 2, "employed": 1}, "cannot be trained"),
    ("upgrade", 5, {"employed": 1, "poor": 2}, "cannot be trained"),
])
def test_registration_validated_by_the_rules(person, engine, project, days, cats, expect) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    register_by_chat(clerk, class_form(project, days=days, cats=cats))
    with Session(engine) as s:
        stored = repo.classes_of_unit(session=s, unit=UNIT)
    if expect is None:
        assert "save" in clerk.choice_values(), clerk.text
        clerk.say(choice="save")
        assert "registered" in clerk.text
        with Session(engine) as s:
            (cls,) = repo.classes_of_unit(session=s, unit=UNIT)
        assert cls.code == "KM2603" and cls.status == "pending" and cls.project == project
        stored_cats = repo.class_categories(cls)
        assert {k: n for k, n in stored_cats.items() if n} == cats and set(stored_cats) == set(CATEGORIES)
        assert cls.responsible_phone_enc and "13800001111" not in cls.responsible_phone_enc
    else:
        assert "save" not in clerk.choice_values()
        assert expect in clerk.text
        article = 7 if "days" in expect else 6
        assert any(c.article == article for c in clerk.last.citations)
        assert stored == []


def test_registration_fix_the_dates_then_save(person, engine) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    register_by_chat(clerk, class_form("poverty", days=10))
    assert "10 days" in clerk.text and "fix:dates" in clerk.choice_values()
    clerk.say(choice="fix:dates")
    clerk.say("2026-03-02")
    clerk.say("2026-03-16")  # 15 days, both ends included
    assert "save" in clerk.choice_values(), clerk.text
    clerk.say(choice="save")
    clerk.say(choice="details")
    assert "15 days" in clerk.text


def test_chinese_registration_messages(person) -> None:
    clerk = person("bob", clerk=UNIT)
    register_by_chat(clerk, class_form("poverty", days=10))
    assert "15" in clerk.text and "第七条" in "".join(c.label for c in clerk.last.citations)


@pytest.mark.parametrize(("locale", "warning", "anyway", "registered"), [
    ("zh", "提示（审批单位可同意例外）：", "仍然登记（审批单位同意例外）", "已登记"),
    ("en", "Warning (the approving union may allow an exception):",
     "Register anyway (the approving union allows the exception)", "registered"),
])
def test_a_short_poverty_class_is_registered_only_by_choosing_the_exception(  # type: ignore[no-untyped-def]
        person, engine, locale, warning, anyway, registered) -> None:
    """第七条: 15 days "原则上" (in principle), so the approving union may allow a shorter class: it is warned
    about with the article, saved only by the explicit choice, and the audit row records the exception."""
    clerk = person("bob", clerk=UNIT, locale=locale)
    register_by_chat(clerk, class_form("poverty", days=8))
    assert warning in clerk.text and anyway in clerk.text and "✗" not in clerk.text
    assert any(c.article == 7 for c in clerk.last.citations)
    assert "save" not in clerk.choice_values() and "save_anyway" in clerk.choice_values()
    clerk.say(choice="save")  # a plain save is no acknowledgement
    with Session(engine) as s:
        assert repo.classes_of_unit(session=s, unit=UNIT) == []
    clerk.say(choice="save_anyway")
    assert registered in clerk.text, clerk.text
    with Session(engine) as s:
        (cls,) = repo.classes_of_unit(session=s, unit=UNIT)
        (row,) = s.exec(select(AuditEvent).where(AuditEvent.action == "training.class_registered")).all()
    assert (cls.end_date - cls.start_date).days + 1 == 8 and row.subject == f"class:{cls.code}"
    assert "poverty_too_short" in row.detail and "days=8" in row.detail and "Art. 7" in row.detail


def test_a_hard_violation_still_refuses_even_with_a_short_poverty_class(person, engine) -> None:
    """Only the 15 days are "in principle": a category the project does not train (第六条) refuses the class,
    with no choice to register it anyway, in the chat and in the service."""
    form = class_form("poverty", days=8, cats={"poor": 2, "employed": 1})
    clerk = person("bob", clerk=UNIT, locale="en")
    register_by_chat(clerk, form)
    assert "cannot be registered yet" in clerk.text and "cannot be trained" in clerk.text
    assert "save" not in clerk.choice_values() and "save_anyway" not in clerk.choice_values()
    clerk.say(choice="save_anyway")  # not offered: refused all the same
    assert "KM2603" not in clerk.text and "cannot be registered yet" in clerk.text
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation):
            register_class(s, key=KEY, unit=UNIT, actor=None, form=form, allow_exception=True)
        with pytest.raises(RuleViolation):  # the soft one alone is refused without the acknowledgement
            register_class(s, key=KEY, unit=UNIT, actor=None, form=class_form("poverty", days=8))
        assert repo.classes_of_unit(session=s, unit=UNIT) == []


def test_the_command_line_registers_a_short_poverty_class_only_with_allow_short(  # type: ignore[no-untyped-def]
        settings, engine, capsys, monkeypatch) -> None:
    from bot.cli import main
    monkeypatch.setenv("YUNLING_DATA_KEY", settings.data_key)
    args = ["training", "class", "add", "--unit", UNIT, "--db", settings.database_url, "--lang", "en",
            "--project", "poverty", "--training-unit", "中心", "--training-unit-address", "盘龙区",
            "--class-address", "北京路1号", "--responsible", "赵主任", "--responsible-phone", "13800001111",
            "--head-teacher", "钱老师", "--head-teacher-phone", "0871-65123456", "--trade", "电工",
            "--men", "2", "--women", "1", "--start", "2026-03-02", "--end", "2026-03-09", "--hours", "120"]
    assert main([*args, "--category", "poor=3"]) == 1
    assert "--allow-short" in capsys.readouterr().err
    assert main([*args, "--category", "poor=2", "--category", "employed=1", "--allow-short"]) == 1  # Art. 6 refuses
    assert "cannot be trained" in capsys.readouterr().err
    with Session(engine) as s:
        assert repo.classes_of_unit(session=s, unit=UNIT) == []
    assert main([*args, "--category", "poor=3", "--allow-short"]) == 0
    assert "Art. 7" in capsys.readouterr().err
    with Session(engine) as s:
        (row,) = s.exec(select(AuditEvent).where(AuditEvent.action == "training.class_registered")).all()
    assert row.detail.startswith("cli; ") and "poverty_too_short" in row.detail


def test_bad_answers_are_asked_again(person) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.say("培训班管理")
    clerk.say(choice="new")
    clerk.say(choice="upgrade")
    for text in ("中心", "地址", "班址", "赵主任"):
        clerk.say(text)
    clerk.say("12345")
    assert "mobile number" in clerk.text
    clerk.say("13800001111")
    assert "head teacher" in clerk.text


def test_a_negative_head_count_and_a_class_of_no_hours_are_asked_again(person) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    form = class_form()

    def at(key: str):  # type: ignore[no-untyped-def]
        def check(c) -> None:  # type: ignore[no-untyped-def]
            if key == "sexes":
                c.say("20 -1")
                assert "two numbers" in c.text, c.text
            else:
                c.say("0")
                assert "at least 1" in c.text, c.text
        return check

    register_by_chat(clerk, form, before={"sexes": at("sexes"), "total_hours": at("total_hours")})
    assert "save" in clerk.choice_values(), clerk.text


# -- a class fixture ---------------------------------------------------------------------------------------
def _class(engine, project: str = "upgrade", approved: bool = True, unit: str = UNIT) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        cls = save_class(s, key=KEY, unit=unit, created_by=None, form=class_form(project))
        if approved:
            repo.approve_class(session=s, cls=cls, approved_by="孙主席", at=datetime.now(UTC))
        return cls.code


def test_approval_session_and_trainee_by_chat(person, engine) -> None:
    code = _class(engine, approved=False)
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code)
    assert "not approved yet" in clerk.text
    clerk.say(choice="approve")
    clerk.say("孙主席")
    assert "Approval of class" in clerk.text and clerk.replies[0].citations[0].article == 18
    assert "approve" not in clerk.choice_values()
    clerk.say(choice="session")
    clerk.say("2026-04-30")
    assert "must fall within" in clerk.text
    clerk.say("2026-03-02")
    clerk.say("12:00-09:00")
    assert "09:00-12:00" in clerk.text
    clerk.say("09:00-12:00")
    clerk.say("-")
    assert "2026-03-02 09:00–12:00 added" in clerk.text
    clerk.say(choice="trainee")
    clerk.say("530102199003071235")  # wrong check digit
    assert "check digit" in clerk.text
    clerk.say(make_id(1))
    clerk.say("张三")
    clerk.say(choice="employed")
    clerk.say("昆明钢铁")
    clerk.say("13912345678")
    assert "张三" in clerk.text and make_id(1) not in clerk.text
    clerk.say(choice="trainee")
    clerk.say(make_id(1))
    assert "already on the roster" in clerk.text
    with Session(engine) as s:
        cls = repo.get_class(session=s, code=code)
        (e,) = repo.enrolments_of(session=s, class_id=cls.id)
        assert cls.status == "approved" and cls.approved_by == "孙主席"
        assert e.sex == "男" and e.category == "employed" and repo.reveal(KEY, e.phone_enc) == "13912345678"
        assert e.id_hash == repo.id_hash(KEY, make_id(1)) and make_id(1) not in e.id_enc


def test_a_trainee_added_by_mistake_is_taken_off_but_not_one_with_sign_ins(person, engine) -> None:
    code = _class(engine)
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        lines = [repo.RosterLine(name=n, sex="男", id_number=make_id(i), category="employed", trade="电工")
                 for i, n in ((1, "张三"), (2, "李四"))]
        first, _second = (repo.add_enrolment(session=s, key=KEY, class_id=cls.id, line=ln) for ln in lines)
        sess = repo.add_session(session=s, class_id=cls.id, day=date(2026, 3, 2), start=time(9), end=time(12),
                                place="")
        repo.sign_in(session=s, enrolment_id=first.id, session_id=sess.id, at=datetime.now(UTC), channel="wechat")
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code, "remove")
    picks = {c.label: c.value for c in clerk.replies[-1].choices}
    clerk.say(choice=picks["张三"])
    assert make_id(1) not in clerk.text and make_id(1)[-4:] in clerk.text  # masked
    # Said before anything is asked: no "take them off?" that is then refused.
    assert "sign-ins (1)" in clerk.text and "stay on the roster" in clerk.text and "yes" not in clerk.choice_values()
    clerk.say(choice="no")
    clerk.say(choice="remove")
    clerk.say(choice=picks["李四"])
    clerk.say(choice="no")
    assert "stays on the roster" in clerk.text
    clerk.say(choice="remove")
    clerk.say(choice=picks["李四"])
    clerk.say(choice="yes")
    assert "李四 is taken off the roster" in clerk.text
    with Session(engine) as s:
        cls = repo.get_class(session=s, code=code)
        assert [e.name for e in repo.enrolments_of(session=s, class_id=cls.id)] == ["张三"]
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "training.trainee_removed")).one()


def test_clerk_of_another_unit_sees_and_changes_nothing(person, engine) -> None:
    code = _class(engine, approved=False)
    other = person("carol", clerk="曲靖市总工会", locale="en")
    other.say("/classes")
    assert code not in other.text
    other.say(code)
    assert "No class with that code belongs to your unit" in other.text
    other.say(f"c:{code}")
    assert "No class" in other.text
    worker = person("dave", locale="en")
    worker.say("/classes")
    assert "only for authorised union clerks" in worker.text
    with Session(engine) as s:
        assert repo.get_class(session=s, code=code).status == "pending"


# -- roster import ---------------------------------------------------------------------------------------
def roster_sheet(rows: list[list]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(["云南省工会职工（农民工）技能培训项目实名制汇总表"])
    ws.append(["上报单位（签章）：昆明市总工会"])
    ws.append(list(sheets.roster_columns()))
    for r in rows:
        ws.append(r)
    ws.append(["汇总情况：", "本次共有___人取证"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def good_rows() -> list[list]:
    return [["张三", "男", make_id(1), "昆钢", "在岗职工", "电工", "", "", "", "13912345678"],
            ["李四", "女", make_id(2, female=True), "", "农民工", "", "", "", "", ""],
            ["王五", "", make_id(3), "", "城镇失业人员和转岗职工", "", "中级", "", "", ""]]


def test_import_good_sheet(engine) -> None:
    code = _class(engine)
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=roster_sheet(good_rows()))
    assert (added, errors) == (3, [])
    with Session(engine) as s:
        entries = repo.enrolments_of(session=s, class_id=repo.get_class(session=s, code=code).id)
    assert [(e.name, e.sex, e.category, e.trade) for e in entries] == [
        ("张三", "男", "employed", "电工"), ("李四", "女", "migrant", "电工"), ("王五", "男", "unemployed", "电工")]
    assert entries[2].cert_level == "中级工"


def test_the_roster_takes_only_the_categories_the_project_trains(person, engine) -> None:
    """第六条: an upgrading class trains employed workers, migrant workers and the unemployed; a poverty-project
    class registered poor labourers and the project's migrant workers. A sheet with another category imports
    nothing and names the row; the chat offers only the project's categories, and the service refuses others."""
    code, poverty = _class(engine), _class(engine, "poverty")
    rows = [*good_rows(), ["赵六", "男", make_id(4), "", "建档立卡贫困劳动力", "", "", "", "", ""]]
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=roster_sheet(rows))
        assert added == 0 and [e.row for e in errors] == [7]  # after the title, header rows and three good rows
        assert "Art. 6" in sheets.format_errors(lambda m, **k: m.format(**k), errors)[0]
        pclass = repo.get_class(session=s, code=poverty)
        with pytest.raises(RuleViolation):
            add_trainee(s, key=KEY, cls=pclass, line=repo.RosterLine(name="钱七", sex="男", id_number=make_id(5),
                                                                     category="employed"))
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, poverty, "trainee")
    clerk.say(make_id(6))
    clerk.say("孙八")
    assert set(clerk.choice_values()) == {"poor", "poverty_migrant"}, clerk.choice_values()


def test_import_bad_rows_reported_and_nothing_imported(engine) -> None:
    code = _class(engine)
    rows = [
        *good_rows(),
        ["", "男", make_id(4), "", "在岗职工"],                      # row 7: missing name
        ["赵六", "男", "530102199003071235", "", "在岗职工"],          # row 8: bad check digit
        ["孙七", "男", make_id(5), "", "工人"],                       # row 9: unknown category
        ["周八", "男", make_id(1), "", "在岗职工"],                    # row 10: duplicate of row 4
    ]
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=roster_sheet(rows))
    assert added == 0
    assert [e.row for e in errors] == [7, 8, 9, 10]
    from handlers.i18n import translator

    texts = sheets.format_errors(translator("en"), errors)
    assert "name is missing" in texts[0] and "check digit" in texts[1]
    assert "unknown trainee category “工人”" in texts[2] and "already on row 4" in texts[3]
    assert all("530102199003071235" not in t for t in texts)
    zh = sheets.format_errors(translator("zh"), errors)
    assert zh[0].startswith("第7行")
    with Session(engine) as s:
        assert repo.enrolments_of(session=s, class_id=repo.get_class(session=s, code=code).id) == []


def test_import_refuses_people_already_on_the_roster_and_non_xlsx(engine) -> None:
    code = _class(engine)
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        assert sheets.import_roster(session=s, key=KEY, cls=cls, data=roster_sheet(good_rows()[:1]))[0] == 1
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=roster_sheet(good_rows()))
        assert added == 0 and [e.row for e in errors] == [4]
        added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=b"not a workbook")
        assert added == 0 and errors[0].row == 0


def _xlsx(data: bytes, name: str = "roster.xlsx") -> Attachment:
    return Attachment("document", name, data, sheets.XLSX_MIME)


def test_a_clerk_imports_the_roster_by_sending_the_file_in_chat(person, engine) -> None:
    code = _class(engine)
    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.say("/classes")
    clerk.say(choice=f"c:{code}")
    assert "import" in clerk.choice_values()
    clerk.say(choice="import")
    assert "Annex 4" in clerk.text
    clerk.say("here it comes")  # text instead of the file
    assert "send the .xlsx file itself" in clerk.text
    bad = [*good_rows(), ["", "男", make_id(4), "", "在岗职工"]]
    clerk.say(upload=_xlsx(roster_sheet(bad)))
    assert "Nothing was imported" in clerk.text and "Row 7" in clerk.text and "name is missing" in clerk.text
    with Session(engine) as s:
        assert repo.enrolments_of(session=s, class_id=repo.get_class(session=s, code=code).id) == []
    clerk.say(upload=_xlsx(roster_sheet(good_rows())))
    assert f"Trainees imported into the roster of class {code}: 3" in clerk.text
    assert "trainees on the roster: 3" in clerk.text  # back at the class's menu
    with Session(engine) as s:
        names = [e.name for e in repo.enrolments_of(session=s, class_id=repo.get_class(session=s, code=code).id)]
        assert names == ["张三", "李四", "王五"]
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "training.roster_imported")).one().detail == "3 rows"


def test_the_import_is_not_offered_where_people_cannot_send_files(person, engine) -> None:
    code = _class(engine)
    clerk = person("wx-bob", clerk=UNIT, locale="en", channel="wechat")
    clerk.say("/classes")
    clerk.say(choice=f"c:{code}")
    assert "trainee" in clerk.choice_values() and "import" not in clerk.choice_values()


def test_a_file_nobody_asked_for_is_acknowledged_with_the_menu(person) -> None:
    alice = person("alice", locale="en")
    alice.say(upload=_xlsx(roster_sheet(good_rows())))
    assert "I received your file" in alice.text and alice.choice_values()


def test_oversized_and_bomb_workbooks_are_refused_before_they_are_read(engine) -> None:
    code = _class(engine)
    rows = [["张三", "男", make_id(1), "", "在岗职工"]] * (sheets.MAX_ROWS + 5)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:  # 30 MB of zeros in a ~30 KB zip
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        _added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=roster_sheet(rows))
        assert "more than {n} rows" in errors[0].reasons[0][0]
        _added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=buf.getvalue())
        assert errors[0].reasons[0][0] == "The workbook is too large to be a class roster."
        assert len(buf.getvalue()) < 100_000


def encrypted(data: bytes, password: str = "roster-pw") -> bytes:
    """The workbook as Excel saves it with "Encrypt with password" (msoffcrypto-tool, ECMA-376 agile)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def merged_sheet(rows: list[list], merge: str) -> bytes:
    book = load_workbook(io.BytesIO(roster_sheet(rows)))
    book.active.merge_cells(merge)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_password_protected_and_merged_workbooks_are_refused_with_their_reason(engine) -> None:
    code = _class(engine)
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        locked = encrypted(roster_sheet(good_rows()))
        assert locked.startswith(sheets.OLE_MAGIC)
        _added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=locked)
        assert "protected by a password" in errors[0].reasons[0][0]
        _added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=merged_sheet(good_rows(), "D5:D6"))
        assert (errors[0].row, errors[0].reasons[0][0][:12]) == (5, "merged cells")
        # a merged title above the header (as in the exported 附件4) is fine
        added, errors = sheets.import_roster(session=s, key=KEY, cls=cls, data=merged_sheet(good_rows(), "A1:J1"))
        assert (added, errors) == (3, [])


# -- exports ---------------------------------------------------------------------------------------------
def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def assert_printable(ws, *, header_row: int, rows: int, landscape: bool) -> None:  # type: ignore[no-untyped-def]
    """Ready to print: A4, the heading row repeated on every page, all columns on one page's width, and each
    column of the table (heading and ``rows`` rows) wide enough for what it holds."""
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == ("landscape" if landscape else "portrait")
    assert ws.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    for col in ws.iter_cols(min_row=header_row, max_row=header_row + rows):
        widest = max(_display_width(str(c.value)) for c in col if c.value is not None)
        assert ws.column_dimensions[col[0].column_letter].width >= min(widest, 50), (col[0].column_letter, widest)


def _fill(engine, code: str) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        sheets.import_roster(session=s, key=KEY, cls=cls, data=roster_sheet(good_rows()))
        a, b, _c = repo.enrolments_of(session=s, class_id=cls.id)
        repo.set_certificate(session=s, enrolment=a, level="中级工", hr_no="HR-001", union_no="GH-001",
                             prior_level="初级工")
        repo.set_certificate(session=s, enrolment=b, level="初级工", hr_no="HR-002", union_no="GH-002")
        repo.set_outcome(session=s, key=KEY, enrolment=a, employed=True, place="昆明", employer="昆钢",
                         employer_phone="0871-65000000")
        repo.set_outcome(session=s, key=KEY, enrolment=b, employed=False)


def test_roster_export_laid_out_like_annex4(person, engine) -> None:
    code = _class(engine)
    _fill(engine, code)
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code, "x:roster")
    (doc,) = clerk.replies[0].attachments
    assert doc.filename.endswith(".xlsx") and clerk.replies[0].citations[0].article == 21
    ws = load_workbook(io.BytesIO(doc.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "云南省工会职工（农民工）技能培训项目实名制汇总表"
    assert tuple(rows[2]) == sheets.roster_columns()
    assert rows[3][:3] == ("张三", "男", make_id(1)) and rows[3][6:9] == ("中级工", "HR-001", "GH-001")
    assert_printable(ws, header_row=3, rows=3, landscape=True)
    summary = next(r for r in rows if r[0] == "汇总情况：")
    # 2 certified: 1 junior, 1 intermediate, 0 senior; 1 promotion junior->intermediate; 1 woman.
    assert summary[1] == ("本次共有2人取证，其中：1.初级工1人；中级工1人；高级工0人；2.初级工晋升为中级工的有1人，"
                          "中级工晋升为高级工的有0人；3.女职工（农民工）培训取证的有1人。")
    # The reporting union's contact, written in by hand: not the training unit's head (附件3's 负责人) nor a phone.
    footer = next(r for r in rows if str(r[0]).startswith("联系人"))
    assert "赵主任" not in str(footer) and "13800001111" not in str(footer) and "上报时间" in str(footer), footer


def test_employment_export_and_rate(person, engine, clock) -> None:
    code = _class(engine, project="poverty")
    clock.now = clock.now.replace(month=4, day=1)  # after the class: outcomes are recorded (第二十二条)
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        rows = [[n, "", make_id(i), "", "贫困劳动力"] for i, n in enumerate(["甲", "乙", "丙", "丁", "戊"], 1)]
        assert sheets.import_roster(session=s, key=KEY, cls=cls, data=roster_sheet(rows))[0] == 5
        for e in repo.enrolments_of(session=s, class_id=cls.id)[:3]:  # 3 of 5 = 60 %: passes exactly
            repo.set_outcome(session=s, key=KEY, enrolment=e, employed=True, place="昆明", employer="某厂")
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code, "rate")
    assert "3 of 5" in clerk.text and "meets the minimum of 60%" in clerk.text
    assert clerk.replies[0].citations[0].article == 7
    clerk.say(choice="outcome")
    clerk.say("丙")
    clerk.say(choice="no")
    assert "not employed" in clerk.text
    clerk.say(choice="rate")
    assert "at least 60%; 2 of 5 trainees employed is 40.0%" in clerk.text
    clerk.say(choice="x:employment")
    ws = load_workbook(io.BytesIO(clerk.replies[0].attachments[0].data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "云南省工会职工（农民工）技能培训就业情况统计表"
    assert tuple(rows[2]) == sheets.employment_columns()
    assert rows[3][0] == "甲" and rows[3][6:8] == ("昆明", "某厂") and rows[5][10] == "未就业"
    assert_printable(ws, header_row=3, rows=5, landscape=True)
    rate = next(r for r in rows if r[0] == "就业率：")
    # 丁 and 戊 not followed up yet: 4 of 5 could still be employed, so the sheet filed upward says no failure.
    assert rate[1].startswith("2/5 = 40.0%") and "尚有2人待跟踪，暂不能判断" in rate[1] and "未达到" not in rate[1]
    with session_scope(engine) as s:
        for e in repo.enrolments_of(session=s, class_id=repo.get_class(session=s, code=code).id)[3:]:
            repo.set_outcome(session=s, key=KEY, enrolment=e, employed=False)
    clerk.say(choice="x:employment")
    rows = list(load_workbook(io.BytesIO(clerk.replies[0].attachments[0].data)).active.iter_rows(values_only=True))
    rate = next(r for r in rows if r[0] == "就业率：")
    assert rate[1].startswith("2/5 = 40.0%") and "未达到" in rate[1]


# 附件3 filled from class_form(): the annex's boxes in its order (label, value; 培训对象 once beside its rows).
ANNEX3_FILLED = [
    "培训类型", "职工（农民工）技能提升培训", "培训单位", "昆明市职业技能培训中心", "培训单位地址", "昆明市盘龙区",
    "培训班地址", "昆明市盘龙区北京路1号", "负责人", "赵主任", "联系电话", "13800001111", "班主任", "钱老师",
    "联系电话", "0871-65123456", "培训专业", "电工", "培训等级", "中级工", "培训人数", "3人", "男", "2人", "女", "1人",
    "培训对象", "在岗职工", "2人", "农民工", "1人", "城镇失业人员和转岗职工", "0人", "贫困劳动力", "0人",
    "助力脱贫攻坚专项技能培训项目农民工", "0人", "培训时间", "2026-03-02至2026-03-21", "总课时", "120",
]
ANNEX3_OPINIONS = ("县（市、区）总工会意见", "州（市）或省级产业、系统、公司工会审批意见")


def form_cells(document) -> list[str]:  # type: ignore[no-untyped-def]
    """Texts of the form's boxes in reading order, a merged box (across or down) once."""
    seen: list = []
    out = []
    for row in document.tables[0].rows:
        for cell in row.cells:
            if not any(cell._tc is tc for tc in seen):
                seen.append(cell._tc)
                out.append(cell.text)
    return out


def approval_export(engine, code: str):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        return exports.training_sheet(s, key=KEY, cls=cls, sheet="approval", now=datetime.now(UTC), actor=None)


def assert_annex3(data: bytes) -> None:
    """The class of class_form() on 附件3: title, boxes in the annex's order, blank reviewing boxes, the note."""
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs[0] == "云南省工会职工（农民工）技能培训班审批表"
    texts = form_cells(document)
    assert texts[:len(ANNEX3_FILLED)] == ANNEX3_FILLED
    county_label, county, approving_label, approving = texts[len(ANNEX3_FILLED):]
    assert (county_label, approving_label) == ANNEX3_OPINIONS
    assert county.startswith("已具备开班条件，申请开班。\n")  # printed for the county union to sign under
    for box in (county.removeprefix("已具备开班条件，申请开班。"), approving):  # nothing filled in for the unions
        assert "经办人：" in box and "负责人：" in box and "（单位签章）" in box
        for printed in ("经办人：", "负责人：", "（单位签章）", "年", "月", "日", "_"):
            box = box.replace(printed, "")
        assert not box.split(), box
    assert paragraphs[-1] == loader.annex("training", 3).notes[0]


def test_approval_form_export_laid_out_like_annex3(engine) -> None:
    code = _class(engine, approved=False)  # filed before the approval (第十八条)
    out = approval_export(engine, code)
    assert out.filename == f"附件3-培训班审批表-{code}.docx" and out.mime == DOCX_MIME and out.article == 18
    assert_annex3(out.data)
    with Session(engine) as s:
        (row,) = s.exec(select(AuditEvent).where(AuditEvent.action == "training.export_approval"))
    assert row.subject == f"class:{code}" and row.actor_person_id is None


def test_the_approval_form_follows_the_annex_as_printed() -> None:
    """The labels of the form, in its order, are the annex's (the source's 附件3), and so is its county box."""
    source = squash(SOURCE.read_text(encoding="utf-8"))
    annex3 = source[source.index(squash("附件 3 云南省工会职工（农民工）技能培训班审批表")):source.index(squash("附件 4 云南省"))]
    blank = form_cells(docx.Document(io.BytesIO(approval_docx({}))))
    labels = [t for t in blank if t and "经办人" not in t]
    assert labels == [t for t in ANNEX3_FILLED if t in labels] + list(ANNEX3_OPINIONS)
    at = 0
    for label in labels:
        at = annex3.index(squash(label), at) + 1  # each after the one before
    assert squash("已具备开班条件，申请开班。") in annex3 and squash("（单位签章）") in annex3


@pytest.mark.parametrize(("locale", "asked", "said"), [
    ("en", {"choice": "x:approval"}, "Here is the approval form 附件3-培训班审批表-"),
    ("en", {"text": "export annex 3"}, "Print it for the unions to sign and seal"),
    ("zh", {"text": "导出附件3"}, "已按本班登记信息填好审批表（附件3）"),
    ("zh", {"text": "审批表"}, "并存档备查"),
    ("zh", {"text": "导出 附件三"}, "请打印后交审批单位签署、盖章"),
])
def test_a_clerk_gets_the_approval_form_from_the_class_menu(person, engine, locale: str, asked: dict,  # type: ignore[no-untyped-def]
                                                            said: str) -> None:
    code = _class(engine, approved=False)
    clerk = person("bob", clerk=UNIT, locale=locale)
    at_class(clerk, code)
    offered = {c.value: c.label for c in clerk.last.choices}
    assert offered["x:approval"] == {"en": "Export the approval form (Annex 3)", "zh": "导出培训班审批表（附件3）"}[locale]
    clerk.say(**asked)
    (doc,) = clerk.replies[0].attachments
    assert doc.filename == f"附件3-培训班审批表-{code}.docx" and doc.mime == DOCX_MIME
    assert said in clerk.replies[0].text and clerk.replies[0].citations[0].article == 18
    assert {"en": "record the approval here", "zh": "请在此登记审批结果"}[locale] in clerk.replies[0].text
    assert_annex3(doc.data)
    assert "x:approval" in clerk.choice_values()  # back at the class menu


@pytest.mark.parametrize(("typed", "name"), [("导出附件3", "附件3-培训班审批表"), ("export annex 4", "附件4-实名制汇总表")])
def test_a_class_paper_asked_for_at_the_top_level_is_given(person, engine, typed: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """A trial's clerk typed `导出附件3` at the main menu and got only the class desk: with one class, its paper at
    once; with two, the class is asked, then the paper comes."""
    code = _class(engine, approved=False)
    clerk = person(f"top-{len(typed)}", clerk=UNIT)
    clerk.say(typed)
    assert clerk.replies[0].attachments and clerk.replies[0].attachments[0].filename.startswith(name), clerk.text
    assert code in clerk.replies[0].attachments[0].filename
    other = _class(engine)
    again = person(f"top2-{len(typed)}", clerk=UNIT)
    again.say(typed)
    assert not any(r.attachments for r in again.replies) and f"c:{other}" in again.choice_values(), again.text
    again.say(choice=f"c:{other}")
    assert again.replies[0].attachments[0].filename.startswith(name) and other in \
        again.replies[0].attachments[0].filename, again.text


def test_the_other_exports_are_asked_for_by_their_annex_too_and_an_approved_class_is_not_told_to_record_it(  # type: ignore[no-untyped-def]
        person, engine) -> None:
    code = _class(engine)
    clerk = person("bob", clerk=UNIT, locale="zh")
    at_class(clerk, code)
    for typed, name in (("导出附件4", "附件4-实名制汇总表"), ("export annex 6", "附件6-就业情况统计表"),
                        ("导出审批表", "附件3-培训班审批表")):
        clerk.say(typed)
        assert clerk.replies[0].attachments[0].filename.startswith(name), (typed, clerk.text)
    assert "请在此登记审批结果" not in clerk.replies[0].text  # approved already
    clerk.say("导出附件5")  # the certificate is printed by the provincial federation: no export of it
    assert not clerk.replies[0].attachments and "请从选项中选择一项" in clerk.text


def test_certificates_recorded_by_chat(person, engine, clock) -> None:
    code = _class(engine)
    _fill(engine, code)
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code, "cert")  # the class runs until 2026-03-21: refused before a trainee is asked for
    assert "certificates are recorded after the training ends (Art. 21)" in clerk.text and "Which trainee" not in \
        clerk.text, clerk.text
    assert clerk.replies[0].citations[0].article == 21 and "cert" in clerk.choice_values()
    clerk.say(choice="outcome")
    assert "employment outcome is recorded after the training (Art. 22)" in clerk.text, clerk.text
    clock.now = clock.now.replace(month=3, day=21, hour=18)  # its last day
    clerk.say("菜单")
    at_class(clerk, code, "cert")
    clerk.say("王五")
    clerk.say(choice="高级工")
    clerk.say(choice="中级工")
    clerk.say("HR 003")
    assert "certificate number" in clerk.text
    clerk.say("HR-003")
    clerk.say("GH-003")
    assert "HR no. HR-003" in clerk.text and clerk.replies[0].citations[0].article == 21
    with Session(engine) as s:
        entries = repo.enrolments_of(session=s, class_id=repo.get_class(session=s, code=code).id)
    summary = training_exports.roster_summary(entries)
    assert (summary.certified, summary.senior, summary.intermediate_to_senior) == (3, 1, 1)


def test_the_console_sends_a_local_file_with_slash_file(engine, settings, tmp_path) -> None:
    from dataclasses import replace

    from bot.app import App
    from bot.console import ConsoleChat
    from handlers.registry import build_dispatcher

    code = _class(engine)
    s = replace(settings, clerks={"console:local": UNIT})
    chat = ConsoleChat(App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s)), locale="en")
    (tmp_path / "roster.xlsx").write_bytes(roster_sheet(good_rows()))
    assert "cannot be read" in chat.say(f"/file {tmp_path / 'nope.xlsx'}")[0].text
    chat.say("/classes")
    chat.say(code)
    chat.say("Import the roster from an .xlsx file")
    replies = chat.say(f"/file {tmp_path / 'roster.xlsx'}")
    assert f"Trainees imported into the roster of class {code}: 3" in replies[0].text


def test_no_id_number_in_clear_in_the_conversation_while_a_trainee_is_added(person, engine) -> None:
    """The clerk types the ID, then stops part-way: the conversation keeps it only encrypted."""
    from conftest import columns_holding

    code = _class(engine)
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code, "trainee")
    clerk.say(make_id(7))
    clerk.say("李四")
    assert columns_holding(engine, make_id(7)) == []
    clerk.say(choice="migrant")
    clerk.say("-")
    clerk.say("13912345678")
    assert "李四" in clerk.text and make_id(7) not in clerk.text
    with Session(engine) as s:
        (e,) = repo.enrolments_of(session=s, class_id=repo.get_class(session=s, code=code).id)
        assert repo.reveal(KEY, e.id_enc) == make_id(7) and e.sex == "男"
    assert columns_holding(engine, make_id(7), "13912345678") == []


def test_no_phone_in_clear_in_the_conversation_while_a_class_is_registered(person, engine) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    form = class_form()

    def answer(key: str, kind: str) -> None:
        if kind == "project":
            clerk.say(choice=form["project"])
        elif kind == "sexes":
            clerk.say(f"{form['men']} {form['women']}")
        else:
            clerk.say(str(form.get(key, 0)))

    clerk.say("培训班管理")
    clerk.say(choice="new")
    stop = [k for k, _kind, _p in FORM].index("trade")  # stopped part-way, after both phone numbers
    for key, kind, _prompt in FORM[:stop]:
        answer(key, kind)
    assert columns_holding(engine, "13800001111") == []  # the mobile; the landline is an office's
    for key, kind, _prompt in FORM[stop:]:
        answer(key, kind)
    clerk.say(choice="save")
    assert "registered" in clerk.text
    assert columns_holding(engine, "13800001111") == []


def test_a_session_is_moved_and_given_a_new_place_by_chat(person, engine) -> None:
    code = _class(engine)
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code)
    assert "approved by 孙主席 on" in clerk.text
    clerk.say(choice="session")
    clerk.say("2026-03-02")
    clerk.say("09:00-12:00")
    clerk.say("第一教室")
    clerk.say(choice="change")
    (picked,) = [v for v in clerk.choice_values() if v.startswith("s:")]
    clerk.say(choice=picked)
    clerk.say(choice="move")
    clerk.say("2026-03-03")
    clerk.say("13:00-16:00")
    assert "Session changed to 2026-03-03 13:00–16:00" in clerk.text
    clerk.say(choice="change")
    clerk.say(choice=picked)
    clerk.say(choice="place")
    clerk.say("第二教室")
    assert "Session changed to 2026-03-03 13:00–16:00" in clerk.text
    with Session(engine) as s:
        (sess,) = repo.sessions_of(session=s, class_id=repo.get_class(session=s, code=code).id)
        assert (sess.day.isoformat(), f"{sess.start:%H:%M}", f"{sess.end:%H:%M}", sess.place) == \
            ("2026-03-03", "13:00", "16:00", "第二教室")


def test_registration_is_a_form_with_back_skip_and_save(person) -> None:
    """The class form is the engine's form kind: the same back, skip and save words as every form."""
    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.say("培训班管理")
    clerk.say(choice="new")
    clerk.say(choice="upgrade")
    clerk.say("昆明市职业技能培训中心")
    assert "Address of the training unit" in clerk.text
    clerk.say("back")
    assert "Training unit" in clerk.text
    clerk.say("skip")
    assert "cannot be skipped" in clerk.text
    clerk.say("昆明市职业技能培训中心")
    clerk.say("save")
    assert "kept with its 2 of 19 answers" in clerk.text and "not registered" in clerk.text
    clerk.say("培训班管理")
    clerk.say(choice="new")  # a second form: the one kept is said to be replaced if this one is left unsaved
    assert "kept before stays until this one is registered or left unsaved" in clerk.text


def _answer(clerk, form: dict, key: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    if kind == "project":
        clerk.say(choice=form["project"])
    elif kind == "sexes":
        clerk.say(f"{form['men']} {form['women']}")
    else:
        clerk.say(str(form.get(key, 0)))


@pytest.mark.parametrize("leave", ["menu", "取消", "/cases", "idle", "handoff then menu"])
def test_a_form_left_unsaved_is_kept_and_goes_on_where_it_stopped(person, engine, clock, leave) -> None:
    """A clerk 12 answers into the class form who leaves it (a word that works everywhere, another function,
    an idle chat, a hand-off and then the menu) finds it again: offered at 培训班管理, the next question
    where it stopped, and the class registered with every answer given before."""
    clerk = person("bob", clerk=UNIT, locale="en")
    form = class_form()
    clerk.say("培训班管理")
    clerk.say(choice="new")
    stop = [k for k, _kind, _p in FORM].index("cat_employed")
    for key, kind, _prompt in FORM[:stop]:
        _answer(clerk, form, key, kind)
    if leave == "idle":
        clock.advance(hours=3)
        clerk.say("hello")
        assert "idle for a while" in clerk.text
    elif leave == "handoff then menu":
        clerk.say("人工")
        clerk.say("menu")
    else:
        clerk.say(leave)
    assert f"kept with its {stop} of 19 answers" in clerk.text, clerk.text
    assert columns_holding(engine, "13800001111") == []  # kept as the conversation held it: encrypted
    clerk.say("培训班管理")
    assert clerk.choice_values()[-1] == "resume" and f"{stop} of 19 answers" in clerk.text  # last: classes keep their numbers
    clerk.say(choice="resume")
    assert "How many trainees are" in clerk.text  # the first question not answered
    for key, kind, _prompt in FORM[stop:]:
        _answer(clerk, form, key, kind)
    clerk.say(choice="save")
    assert "registered" in clerk.text
    clerk.say(choice="details")
    assert "赵主任" in clerk.text and "电工" in clerk.text
    clerk.say("menu")
    clerk.say("培训班管理")
    assert "resume" not in clerk.choice_values()  # registered: nothing kept any more


def test_a_form_finished_or_never_started_keeps_nothing(person, engine) -> None:
    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.say("培训班管理")
    clerk.say("menu")  # at the pick list: no form yet
    assert "kept" not in clerk.text
    clerk.say("培训班管理")
    clerk.say(choice="new")
    clerk.say("menu")  # asked the project, nothing answered
    assert "kept" not in clerk.text
    clerk.say("培训班管理")
    assert "resume" not in clerk.choice_values()


def test_any_answer_is_corrected_from_the_review_by_its_number(person, engine) -> None:
    """A mistyped unit, address or phone is corrected from the review (by "Change another answer" and its
    number, or "改5" typed), without the rest asked again."""
    clerk = person("bob", clerk=UNIT, locale="en")
    register_by_chat(clerk, class_form())
    clerk.say(choice="fix:other")
    listed = clerk.text
    assert "[2] Training unit (培训单位): 昆明市职业技能培训中心" in listed
    assert "[6] Phone of the person responsible: 13800001111" in listed  # the clerk's own entry, to check it
    clerk.say("2")
    assert "Training unit" in clerk.text
    clerk.say("昆明市第二职业技能培训中心")
    assert "Corrected." in clerk.text and "昆明市第二职业技能培训中心" in clerk.text and "save" in clerk.choice_values()
    clerk.say("改 5")
    assert "Name of the person responsible" in clerk.text
    clerk.say("孙主任")
    clerk.say("just some words")  # no option: asked again, nothing registered
    assert "save" in clerk.choice_values()
    clerk.say(choice="save")
    with Session(engine) as s:
        (cls,) = repo.classes_of_unit(session=s, unit=UNIT)
    assert (cls.training_unit, cls.responsible_person, cls.trade) == ("昆明市第二职业技能培训中心", "孙主任", "电工")


def test_class_dates_typed_without_a_year_are_the_coming_ones(person, clock) -> None:
    """"3月20日" typed in December is next March; a day a few days back stays this year (a class registered
    late); the review shows the year."""
    clock.now = clock.now.replace(year=2026, month=12, day=2)
    clerk = person("bob", clerk=UNIT, locale="en")
    form = class_form() | {"start_date": "11月30日", "end_date": "1月5日"}
    register_by_chat(clerk, form)
    assert "2026-11-30 to 2027-01-05" in clerk.text, clerk.text


def test_a_name_field_takes_a_name_not_a_phone_number_or_a_digit() -> None:
    """A phone number typed one field early ("13812345678" as 负责人), or "1", is no name on 附件3/附件4."""
    from handlers.services.errors import InvalidInput
    from handlers.services.training import CLASS_FIELDS, parse_field

    assert CLASS_FIELDS["responsible_person"] == CLASS_FIELDS["head_teacher"] == "name"
    assert parse_field("name", " 李四 ") == "李四" and parse_field("name", "Zhao Wu") == "Zhao Wu"
    for typed in ("13812345678", "1", "李", "王5"):
        with pytest.raises(InvalidInput):
            parse_field("name", typed)
    assert parse_field("text", "13812345678") == "13812345678"  # an address or a trade may hold digits


@pytest.mark.parametrize(("typed", "kept"), [
    ("0871-65123456", "0871-65123456"), ("0871-6512-3456", "0871-65123456"), ("0871 6512 3456", "0871-65123456"),
    ("(0871)65123456", "0871-65123456"), ("0871－65123456", "0871-65123456"), ("010-12345678", "010-12345678"),
    ("0871-123", None), ("6512345", None),
])
def test_a_landline_is_read_as_letterheads_write_it(typed: str, kept: str | None) -> None:
    """The 附件3 contact's phone as clerks copy it from letterheads: one form kept, a number without its area
    code refused (the form is filed upward, out of the area)."""
    from handlers.services.training import landline, parse_field

    assert landline(typed) == kept
    if kept is not None:
        assert parse_field("phone", typed) == kept


def test_a_question_at_the_level_is_no_level(person) -> None:  # type: ignore[no-untyped-def]
    """"这个培训最少要几天？" typed where the class form asks the level is answered or said to be no answer, and
    the level asked again: it was stored and printed on 附件3 as the level."""
    clerk = person("lvl", clerk=UNIT)

    def ask(c) -> None:  # type: ignore[no-untyped-def]
        c.say("这个培训最少要几天？")
        assert "等级" in c.last.text, c.text  # asked again

    register_by_chat(clerk, {**class_form(), "level": "初级工"}, before={"level": ask})
    assert "初级工" in clerk.text and "几天" not in clerk.text.split("等级")[-1], clerk.text


def test_the_class_menus_keep_their_numbers(person, engine) -> None:
    """A clerk types the number they remember: "add a trainee" is the same number before and after the
    approval, and the review's corrections the same whether or not the class can be saved yet."""
    code = _class(engine, approved=False)
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code)
    before = clerk.choice_values()
    clerk.say(choice="approve")
    clerk.say("孙主席")
    after = clerk.choice_values()
    assert "approve" in before and "approve" not in after
    assert before.index("trainee") == after.index("trainee") and before.index("remove") == after.index("remove")
    other = person("carol", clerk=UNIT, locale="en")
    register_by_chat(other, class_form("poverty", days=10, cats={"poor": 2, "employed": 1}))  # refused: no save
    blocked = other.choice_values()
    other.say(choice="fix:numbers")
    other.say("2 1")
    for key in CATEGORIES:
        other.say("3" if key == "poor" else "0")
    warned = other.choice_values()  # still short: only the explicit exception
    other.say(choice="fix:dates")
    other.say("2026-03-02")
    other.say("2026-03-16")
    ready = other.choice_values()
    assert "save" not in blocked and "save" not in warned and "save" in ready
    assert blocked.index("fix:other") == ready.index("fix:other") and blocked == ready[:len(blocked)]
    assert warned[:-1] == blocked and warned[-1] == "save_anyway"


def test_a_roster_line_pasted_whole_at_the_id_question(person, engine) -> None:
    """"王小明 530102199003070016 13812345678" pasted where the ID number is asked: the ID number and the name are
    taken from it (the ID shown masked), and the form goes on to the category; never "an ID has 18 characters"."""
    code = _class(engine)
    clerk = person("bob", clerk=UNIT, locale="en")
    at_class(clerk, code, "trainee")
    clerk.say(f"王小明 {make_id(7)} 13812345678")
    assert "Noted: 王小明" in clerk.text and make_id(7) not in clerk.text and "employed" in clerk.choice_values()
    clerk.say(choice="employed")
    clerk.say("-")
    assert "王小明" in clerk.text and "added to the roster" in clerk.text  # the phone pasted is not asked again
    at_class(clerk, code, "trainee")
    clerk.say(f"Wang Lei, {make_id(8)}")  # a name in Latin letters, no phone
    assert "Noted: Wang Lei" in clerk.text
    clerk.say(choice="migrant")
    clerk.say("-")
    clerk.say("0871 6512 3456")  # 附件4's 联系方式 may be a landline
    with Session(engine) as s:
        first, second = repo.enrolments_of(session=s, class_id=repo.get_class(session=s, code=code).id)
        assert first.name == "王小明" and first.id_hash == repo.id_hash(KEY, make_id(7))
        assert repo.reveal(KEY, first.phone_enc) == "13812345678"
        assert second.name == "Wang Lei" and repo.reveal(KEY, second.phone_enc) == "0871-65123456"



@pytest.mark.parametrize(("locale", "start", "end", "shown"), [
    ("zh", "今天", "12月8号", "2026-12-02"),
    ("en", "Dec 10", "Dec 24", "2026-12-10"),
    ("en", "10 December 2026", "December 24", "2026-12-10"),
])
def test_class_dates_typed_as_people_say_them(person, clock, locale, start, end, shown) -> None:
    """今天, 号 for 日 and English month names are dates at the class form, as at every date step."""
    clock.now = clock.now.replace(year=2026, month=12, day=2)
    clerk = person(f"d{start}", clerk=UNIT, locale=locale)
    register_by_chat(clerk, class_form() | {"start_date": start, "end_date": end})
    assert shown in clerk.text and "2026-03-02" not in clerk.text, clerk.text


@pytest.mark.parametrize(("locale", "day", "times", "added"), [
    ("en", "Mar 3", "9am to 12", "2026-03-03 09:00–12:00"),
    ("en", "tomorrow", "2 to 4:30pm", "2026-03-03 14:00–16:30"),
    ("zh", "3月4号", "下午2点到4点半", "2026-03-04 14:00–16:30"),
    ("zh", "明天", "上午9点至11点", "2026-03-03 09:00–11:00"),
])
def test_a_session_takes_dates_and_times_as_people_say_them(person, engine, locale, day, times, added) -> None:
    code = _class(engine)
    clerk = person(f"s{day}", clerk=UNIT, locale=locale)
    at_class(clerk, code, "session")
    clerk.say(day)
    clerk.say(times)
    clerk.say("-")
    assert added in clerk.text, clerk.text


def test_an_english_class_form_reads_the_level_and_notes_the_chinese_print(person, engine) -> None:  # type: ignore[no-untyped-def]
    """A trial's English-speaking clerk typed "intermediate" (stored as such on the Chinese 附件3) and English names:
    the level is the form's 中级工, and the review says the forms are printed in Chinese."""
    clerk = person("bob-en-form", clerk=UNIT, locale="en")
    clerk.say("Manage training classes")
    clerk.say(choice="new")
    clerk.say(choice="upgrade")
    for typed in ("Kunming Technician College", "1 Qingnian Road", "Workshop 3", "Li Ming", "13987654321",
                  "Wang Fang", "13987654322", "Electrician", "Intermediate level", "20 10", "30", "0", "0", "0", "0",
                  "2026-12-07", "2026-12-25", "40"):
        clerk.say(typed)
    assert "Trade and level: Electrician, 中级工" in clerk.text, clerk.text
    assert "printed in Chinese" in clerk.text
    zh = person("bob-zh-form", clerk=UNIT)
    zh.say("培训班管理")
    zh.say(choice="new")
    zh.say(choice="upgrade")
    for typed in ("昆明市职业技能培训中心", "昆明市盘龙区", "3号车间", "李明", "13987654321", "王芳", "13987654322", "电工",
                  "中级工", "20 10", "30", "0", "0", "0", "0", "2026-12-07", "2026-12-25", "40"):
        zh.say(typed)
    assert "中级工" in zh.text and "英文" not in zh.text, zh.text


def test_the_age_of_an_id_number_is_in_full_years() -> None:
    from knowledge.idcard import id_age

    born = make_id(7, born="19900307")
    assert [id_age(born, day) for day in (date(2026, 3, 6), date(2026, 3, 7), date(2026, 12, 2))] == [35, 36, 36]
    assert id_age(born[:-1] + ("0" if born[-1] != "0" else "1"), date(2026, 12, 2)) is None  # a wrong check digit
    assert id_age("", date(2026, 12, 2)) is None
