"""Every entry point that exports personal data writes one audit row per export: the clerk's chat and
``yunling training export`` (the 附件4 roster and 附件6 employment sheet carry ID numbers, the sign-in sheet
names, the 附件3 approval form the class's contact phones), a person's own data, the application forms filed with a union. The sign-in screen, the only web
page about a class, shows no personal data and writes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from test_drafts import fill_craftsman
from test_signin_screen import IN_CLASS, PUBLIC, _client
from test_training_classes import KEY, UNIT, _class, _fill, assert_annex3

from bot.cli import main as cli
from handlers.services.signin_codes import screen_token
from storage import repo_training as repo
from storage.db import session_scope
from storage.models import AuditEvent

SHEETS = {"roster": "x:roster", "employment": "x:employment", "signin": "x:signin", "approval": "x:approval"}
SUFFIX = {"approval": ".docx"}  # a form to print and sign; the others are .xlsx sheets


def _exports(engine, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _class_with_session(engine) -> str:  # type: ignore[no-untyped-def]
    code = _class(engine)
    _fill(engine, code)
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        repo.add_session(session=s, class_id=cls.id or 0, day=cls.start_date, start=datetime(2026, 3, 2, 9).time(),
                         end=datetime(2026, 3, 2, 12).time(), place="301")
    return code


@pytest.mark.parametrize("sheet", sorted(SHEETS))
def test_the_chat_and_the_cli_each_audit_a_training_export(sheet, person, engine, db_url, tmp_path: Path,
                                                           monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code = _class_with_session(engine)
    action = f"training.export_{sheet}"

    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.say("/classes")
    clerk.say(code)
    clerk.say(choice=SHEETS[sheet])
    if sheet == "signin":
        clerk.say("1")  # the session
    (doc,) = clerk.replies[0].attachments
    assert doc.filename.endswith(SUFFIX.get(sheet, ".xlsx"))
    (chat,) = _exports(engine, action)
    assert chat.subject == f"class:{code}" and chat.actor_person_id is not None and chat.detail == ""

    monkeypatch.setenv("YUNLING_DATA_KEY", KEY)
    out = tmp_path / f"sheet{SUFFIX.get(sheet, '.xlsx')}"
    assert cli(["training", "export", code, "--sheet", sheet, "-o", str(out), "--unit", UNIT, "--db", db_url]) == 0
    assert out.read_bytes()[:2] == b"PK"
    if sheet == "approval":  # the file written is the class's form, as the chat's
        assert_annex3(out.read_bytes())
    rows = _exports(engine, action)
    assert len(rows) == 2
    assert rows[1].subject == f"class:{code}" and rows[1].actor_person_id is None and rows[1].detail == "cli"


def test_a_refused_cli_export_writes_nothing(engine, db_url, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code = _class(engine)  # no sessions: no sign-in sheet
    monkeypatch.setenv("YUNLING_DATA_KEY", KEY)
    with pytest.raises(SystemExit):
        cli(["training", "export", code, "--sheet", "signin", "-o", str(tmp_path / "x.xlsx"), "--unit", UNIT,
             "--db", db_url])
    with pytest.raises(SystemExit):  # another unit's class
        cli(["training", "export", code, "--sheet", "roster", "-o", str(tmp_path / "x.xlsx"), "--unit", "曲靖市总工会",
             "--db", db_url])
    with pytest.raises(SystemExit):  # nor its approval form
        cli(["training", "export", code, "--sheet", "approval", "-o", str(tmp_path / "x.docx"), "--unit",
             "曲靖市总工会", "--db", db_url])
    assert not _exports(engine, "training.export_signin") and not _exports(engine, "training.export_roster")
    assert not _exports(engine, "training.export_approval") and not (tmp_path / "x.docx").exists()


def test_own_data_and_application_forms_exports_are_audited(person, engine) -> None:  # type: ignore[no-untyped-def]
    alice = person("alice")
    fill_craftsman(alice)
    alice.say("export my data")
    assert alice.last.attachments[0].filename == "my-data.json"
    (own,) = _exports(engine, "privacy.export")
    assert own.subject.startswith("person:")

    clerk = person("kmclerk", clerk="昆明市总工会")
    clerk.say("导出申报表")
    assert clerk.last.attachments
    (forms,) = _exports(engine, "drafts.export")
    assert forms.subject == "昆明市总工会"


def test_the_signin_screen_shows_no_personal_data_and_writes_no_audit_row(engine, settings) -> None:  # type: ignore[no-untyped-def]
    code = _class_with_session(engine)
    with session_scope(engine) as s:
        cls = repo.get_class(session=s, code=code)
        (sess,) = repo.sessions_of(session=s, class_id=cls.id or 0)
        names = [e.name for e in repo.enrolments_of(session=s, class_id=cls.id or 0)]
        token, session_id = screen_token(sess), sess.id
    before = len(_all(engine))
    page = _client(engine, replace(settings, public_url=PUBLIC), IN_CLASS).get(f"/signin/{token}")
    assert page.status_code == 200 and str(session_id) in token
    assert names and not any(n in page.text for n in names)
    assert len(_all(engine)) == before


def _all(engine) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return list(s.exec(select(AuditEvent)))
