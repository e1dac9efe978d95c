"""``yunling subsidy``: text in both languages, --json numbers and articles, usage errors."""

from __future__ import annotations

import json

import pytest

from bot.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["subsidy", *argv])
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_upgrade_text_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--project", "upgrade", "--standard", "1200", "--trainees", "40")
    assert code == 0
    assert "职工（农民工）技能提升培训" in out
    assert "33,600.00" in out and "14,400.00" in out  # 48 000 × 70 % and the 30 % rest
    assert "第九条" in out


def test_upgrade_text_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--project", "upgrade", "--standard", "1234.57", "--trainees", "1", "--lang", "en")
    assert code == 0
    assert "Provincial federation pays 70%" in out and "864.19" in out and "370.38" in out
    assert "Art. 9" in out


def test_upgrade_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--project", "upgrade", "--standard", "1234.57", "--trainees", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["province_share"] == 864.19 and data["min_local_share"] == 370.38
    assert data["total"] == 1234.57 and data["trainees"] == 1
    assert data["articles"] == [{"measure": "training", "article": 9}]


@pytest.mark.parametrize(("days", "per_person", "total"), [(30, 2400, 72000), (31, 3600, 108000)])
def test_poverty_json_living_allowance_jump(capsys: pytest.CaptureFixture[str], days: int, per_person: int,
                                            total: int) -> None:
    code, out, _ = run(capsys, "--project", "poverty", "--days", str(days), "--trainees", "30", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["living_allowance_per_person"] == per_person and data["living_allowance_total"] == total
    assert data["total"] == total and data["tuition"] == 0
    assert isinstance(data["total"], int)
    assert data["articles"] == [{"measure": "training", "article": 10}]


def test_poverty_json_with_tuition_and_appraisal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--project", "poverty", "--days", "14", "--trainees", "10", "--tuition", "20000.5",
                       "--appraisal-fee", "150", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["living_allowance_total"] == 11200 and data["appraisal_total"] == 1500
    assert data["tuition"] == 20000.5 and data["total"] == 32700.5
    # a 14-day poverty class also cites the 15-day rule of Art. 7
    assert data["articles"] == [{"measure": "training", "article": 10}, {"measure": "training", "article": 7}]


def test_poverty_text_shows_the_jump_and_exclusions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--project", "poverty", "--days", "31", "--trainees", "2")
    assert code == 0
    assert "3600" in out and "2400" in out and "基本建设" in out and "第十条" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--project", "poverty", "--trainees", "10"], "needs --days"),
    (["--project", "upgrade", "--trainees", "10"], "needs --standard"),
    (["--project", "upgrade", "--standard", "-5", "--trainees", "10"], "non-negative"),
    (["--project", "upgrade", "--standard", "abc", "--trainees", "10"], "not an amount"),
    (["--project", "poverty", "--days", "0", "--trainees", "10"], "at least 1"),
    (["--project", "poverty", "--days", "10", "--trainees", "-3"], "at least 1"),
    (["--project", "poverty", "--days", "10", "--trainees", "3", "--tuition", "-1"], "non-negative"),
    (["--project", "poverty", "--days", "10", "--trainees", "3", "--appraisal-fee", "nan"], "non-negative"),
    (["--project", "upgrade", "--standard", "10", "--trainees", "3", "--days", "5"], "poverty only"),
    (["--project", "poverty", "--standard", "10", "--days", "5", "--trainees", "3"], "upgrade only"),
    (["--project", "other", "--trainees", "3"], "invalid choice"),
])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and "usage: yunling subsidy" in err


@pytest.mark.parametrize("command", ["subsidy", "ask"])
def test_quick_commands_do_not_load_the_conversations(command: str) -> None:
    """`yunling subsidy` and `yunling ask` must start fast: no flow registry, database layer or documents."""
    import subprocess
    import sys

    code = (f"import sys, bot.commands.{command}; "
            "heavy = ('handlers.flows', 'handlers.flow', 'sqlmodel', 'docx', 'openpyxl', 'pypinyin'); "
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


@pytest.mark.parametrize("argv", [["subsidy", "--project", "poverty", "--trainees", "40", "--days", "20"],
                                  ["ask", "云岭工匠每年评几个"]])
def test_output_into_a_closed_pipe_ends_quietly(argv: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`yunling … | head -1`: the reader goes away after one line; no traceback, exit 0."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    # `true` reads nothing and is gone before the command writes: its first write meets a closed pipe
    script = f"{sys.executable} -m bot.cli {' '.join(argv)} | true; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(root)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_the_help_states_the_shares_as_the_measure_does(capsys) -> None:  # type: ignore[no-untyped-def]
    """第九条's 70% and 30%, printed as such (not "70%%")."""
    from knowledge.rules.subsidy import PROVINCE_RATE

    with pytest.raises(SystemExit):
        main(["subsidy", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert f"pays {int(PROVINCE_RATE * 100)}% of the catalogue" in out and "at least 30% (Art. 9)" in out
    assert "%%" not in out
