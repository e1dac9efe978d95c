"""The README's two commands stay true: CI runs the test command exactly as written, and the start
command starts the console chat."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = text.split("## Two commands", 1)[1]
    return re.findall(r"```sh\n(.+?)\n```", first, flags=re.S)[:2]


def test_ci_runs_the_readme_test_command() -> None:
    start, tests = _commands()
    assert "yunling chat" in start and "pip install" in start
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests.strip() in ci


def test_the_console_chat_answers_piped_input(tmp_path, monkeypatch, capsys) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # the default database and its key file land here
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("菜单\n1\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "云岭工匠" in out and "1." in out
    assert (tmp_path / "yunling.db").exists() and (tmp_path / "yunling.db.key").exists()
