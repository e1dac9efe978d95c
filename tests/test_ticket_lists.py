"""Issue 18, item 11: ticket lists show age, due time and requester, soonest due first (chat and CLI); one
name for the unit option on every command (--as-unit kept as an alias); `case move` lists its stage keys."""

from __future__ import annotations

import pytest

from bot.cli import main
from tests.test_handoff import _open_ticket

UNIT = "大理白族自治州总工会"


def test_chat_ticket_list_shows_age_due_and_requester(person, clock) -> None:
    _open_ticket(person)
    clock.advance(hours=5)
    clerk = person("li", clerk=UNIT, locale="en")
    clerk.say("tickets")
    (label,) = [c.label for c in clerk.last.choices]
    assert "GD000001" in label and "5h" in label and "due 03-04 09:00" in label and "#" in label, label
    assert "soonest due first" in clerk.text
    zh = person("zhao", clerk=UNIT)  # in Chinese words, not "5h"
    zh.say("处理工单")
    (label,) = [c.label for c in zh.last.choices]
    assert "5小时前提问" in label and "5h" not in label, label


def test_cli_ticket_list_has_age_due_requester_and_both_option_names(person, settings, capsys, monkeypatch) -> None:
    _open_ticket(person)
    monkeypatch.setenv("YUNLING_DATA_KEY", settings.data_key)
    for option in ("--unit", "--as-unit"):
        assert main(["tickets", "list", option, UNIT, "--db", settings.database_url]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].split("\t")[:5] == ["ticket", "status", "age", "due", "requester"]
        assert out[1].startswith("GD000001\topen")


def test_training_commands_take_unit_too(settings, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YUNLING_DATA_KEY", settings.data_key)
    assert main(["training", "class", "list", "--unit", UNIT, "--db", settings.database_url]) == 0


def test_case_move_help_lists_the_stage_keys(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["case", "move", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "preliminary" in text and "publicity" in text and "rejected | withdrawn | disqualified" in text


def test_stage_keys_of_the_command_line_are_the_knowledge_bases() -> None:
    from bot.commands.common import OUTCOME_KEYS, STAGE_KEYS
    from knowledge.rules import case_stages as cs

    assert {p: tuple(s.key for s in cs.stages(p)) for p in cs.PROGRAMMES} == STAGE_KEYS
    assert OUTCOME_KEYS == cs.OUTCOMES
