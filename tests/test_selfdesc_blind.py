"""Round 3 of the blind self-descriptions (tests/data/selfdesc_round3_*.jsonl, bench/selfdesc.py): the test split
(writers B and D) is frozen by hash, and what the fact extraction and the routing make of each split holds its
measured level."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from bench import selfdesc

DATA = Path(__file__).parent / "data"
TEST_SHA256 = "e8eb7dffff9c76b80ca865bb6fa8762598a9e8358f79e3a6f8cc243b530814c8"


def _rows(split: str) -> list[dict]:
    path = DATA / f"selfdesc_round3_{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_test_split_is_frozen() -> None:
    assert hashlib.sha256((DATA / "selfdesc_round3_test.jsonl").read_bytes()).hexdigest() == TEST_SHA256


def test_every_line_is_labelled_and_the_writers_are_apart() -> None:
    dev, test = _rows("dev"), _rows("test")
    assert len(dev) == len(test) == 160
    assert {r["writer"] for r in dev} == {"A", "C"} and {r["writer"] for r in test} == {"B", "D"}
    assert not {r["message"] for r in dev} & {r["message"] for r in test}
    for r in dev + test:
        assert r["lang"] in ("zh", "en") and r["message"].strip() and isinstance(r["facts"], dict)
        assert r["check"] in selfdesc.CHECKS


@pytest.mark.parametrize(("split", "routing", "f1"), [
    # Measured 2026-12-01 (bench/selfdesc.py). Unseen, first: dev routing 0.894, F1 0.877; test 0.925, 0.858.
    # After tuning on dev alone: dev 0.994, 0.951; test (never tuned on) 0.956, 0.885. Then facts read into the
    # blind FAQ questions were taken back (test_selfcheck_blind.test_rule_questions_are_seldom_read_as_a_case):
    # dev 0.994, 0.949; test 0.944, 0.878.
    ("dev", 0.99, 0.94),
    ("test", 0.94, 0.87),
])
def test_the_extraction_keeps_its_measured_level(split: str, routing: float, f1: float, capsys) -> None:
    assert selfdesc.main(["--file", str(DATA / f"selfdesc_round3_{split}.jsonl"), "--json", "--no-turns"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["routing_accuracy"] >= routing and figures["f1"] >= f1
