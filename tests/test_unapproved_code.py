"""Issue 18, item 10: no sign-in code for a class that is not approved (一班一审批, 第十八条) — refused in chat
and on the command line, where trainees would otherwise meet "not approved" in class."""

from __future__ import annotations

import pytest

from bot.cli import main
from tests.test_signin import UNIT, setup_class


def test_chat_refuses_the_code_of_an_unapproved_class(person, engine) -> None:
    code, _sid = setup_class(engine, approved=False)
    clerk = person("teacher", clerk=UNIT, locale="en")
    clerk.say("/classes")
    clerk.say(code)
    clerk.say(choice="code")
    assert "not approved yet" in clerk.text and "Art. 18" in "".join(c.label for r in clerk.replies
                                                                       for c in r.citations)
    assert not any(r.attachments for r in clerk.replies)


def test_cli_refuses_the_code_of_an_unapproved_class(engine, settings, tmp_path, monkeypatch) -> None:
    _code, sid = setup_class(engine, approved=False)
    monkeypatch.setenv("YUNLING_DATA_KEY", settings.data_key)
    with pytest.raises(SystemExit) as stop:
        main(["training", "code", str(sid), "-o", str(tmp_path / "qr.png"), "--as-unit", UNIT,
              "--db", settings.database_url])
    assert "not approved" in str(stop.value)
    assert not (tmp_path / "qr.png").exists()
