"""``yunling ask``: text and JSON output, questions from standard input, bad input, usage errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
BAD_INPUT = [
    "",
    "   \t  ",
    "问" * 10_000,
    "🙂🙂🙂👍",
    "\x00\x07云岭\x1b工匠\x7f每年评几个",
    "云岭工匠 apply 条件 ok？",
    "<script>alert('x')</script>",
    "'; DROP TABLE person; --",
    "SELECT * FROM users WHERE 1=1",
]


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["ask", *argv])
    return code, capsys.readouterr().out


def test_text_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "云岭工匠每年评几个")
    assert code == 0
    assert "20" in out and "《云岭工匠选树管理办法》第三条" in out


def test_json_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--json", "搞培训国家给多少钱")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"question", "answer", "abstained", "citations"}
    assert data["question"] == "搞培训国家给多少钱" and data["abstained"] is False
    assert data["citations"][0] == {"measure": "training", "article": 9, "score": data["citations"][0]["score"]}
    scores = [c["score"] for c in data["citations"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3
    assert "70%" in data["answer"]


def test_top_and_lang_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--json", "--top", "1", "--lang", "en", "云岭工匠每年评几个")
    data = json.loads(out)
    assert code == 0 and len(data["citations"]) == 1
    assert "At most 20" in data["answer"]  # answered in English although asked in Chinese


def test_abstains_honestly(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--json", "上海工匠怎么评")
    data = json.loads(out)
    assert code == 0 and data["abstained"] is True and data["citations"] == []
    assert "云南省总工会" in data["answer"]


def test_questions_from_stdin_one_json_line_each(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["云岭工匠每年评几个", "", "How much is the daily living allowance for trainees?", "公积金怎么提取"]
    code, out = run(capsys, "--json", stdin="\n".join(lines) + "\n", monkeypatch=monkeypatch)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["question"] for r in rows] == lines
    assert [r["abstained"] for r in rows] == [False, True, False, True]
    assert rows[2]["citations"][0]["measure"] == "training" and rows[2]["citations"][0]["article"] == 10


def test_questions_from_stdin_as_text(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run(capsys, stdin="云岭工匠每年评几个\n学员签倒\n", monkeypatch=monkeypatch)
    assert code == 0
    first, second = out.split("\n\n")
    assert "第三条" in first and "第十九条" in second


@pytest.mark.parametrize("question", BAD_INPUT)
def test_bad_input_gets_a_clear_reply(capsys: pytest.CaptureFixture[str], question: str) -> None:
    code, out = run(capsys, "--json", question)
    assert code == 0
    data = json.loads(out)
    assert data["answer"].strip()
    assert len(data["answer"]) <= 1500


@pytest.mark.parametrize("question", BAD_INPUT)
def test_bad_input_as_text(capsys: pytest.CaptureFixture[str], question: str) -> None:
    code, out = run(capsys, question)
    assert code == 0 and out.strip()


@pytest.mark.parametrize("argv", [["--top", "0", "问题"], ["--top", "x", "问题"], ["--lang", "fr", "问题"],
                                  ["--bogus", "问题"]])
def test_usage_errors_exit_non_zero(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ask", *argv])
    assert exc.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_as_a_separate_process() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", "我没上过大学能评工匠吗"],
                         cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60,
                         check=True)
    data = json.loads(out.stdout)
    assert (data["citations"][0]["measure"], data["citations"][0]["article"]) == ("craftsman", 5)
    bad = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--top", "0", "x"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
