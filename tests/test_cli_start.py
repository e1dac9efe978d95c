"""The ``yunling`` command starts fast where nothing heavy is needed: ``--help`` of any command builds its
parser without the conversations, the database layer, documents or the knowledge base; ``ask`` needs no
database and leaves no key file behind. (Timings: bench/cli.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("handlers.flows", "handlers.flow", "handlers.answering", "sqlalchemy", "sqlmodel", "docx", "openpyxl",
         "pypinyin", "uvicorn", "starlette", "telegram", "wechatpy", "knowledge.loader", "knowledge.search",
         "storage.db", "qrcode", "PIL")


def test_help_imports_nothing_heavy() -> None:
    """``--help`` of every command (and of a subcommand) in one interpreter, then a look at what it loaded."""
    helps = [["--help"], *([name, "--help"] for name in COMMANDS), ["training", "export", "--help"],
             ["case", "move", "--help"]]
    code = ("import sys, contextlib, io\n"
            "from bot.cli import main\n"
            f"for argv in {helps!r}:\n"
            "    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):\n"
            "        main(argv)\n"
            "    assert 'usage: yunling' in out.getvalue(), (argv, out.getvalue())\n"
            "    print(' '.join(argv), ','.join(m for m in " + repr(HEAVY) + " if m in sys.modules), sep='|')\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == len(helps)
    assert [line for line in lines if not line.endswith("|")] == []


def test_choices_match_the_knowledge_base() -> None:
    from bot.commands.common import CATEGORY_KEYS, PROGRAMME_KEYS, PROJECT_KEYS
    from knowledge.rules import case_stages, training

    assert tuple(case_stages.PROGRAMMES) == PROGRAMME_KEYS
    assert tuple(sorted(training.PROJECTS)) == PROJECT_KEYS
    assert tuple(training.CATEGORIES) == CATEGORY_KEYS


def test_ask_leaves_no_key_file(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    for key in [k for k in os.environ if k.startswith("YUNLING_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    assert main(["ask", "云岭工匠每年评几个"]) == 0
    assert "第" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
