"""The blind set of "check me" messages and their near misses (tests/data/selfcheck_*.jsonl, bench/selfcheck.py):
the test split (writer B) is frozen by hash, and what the routing makes of each split holds its measured level."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from knowledge.facts import extract, lead

DATA = Path(__file__).parent / "data"
TEST_SHA256 = "e2102475378173b7cc757a16badb76a3f8848aff17de2a9636d417bc7fea6f80"


def _rows(split: str) -> list[dict]:
    path = DATA / f"selfcheck_{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _accuracy(rows: list[dict]) -> float:
    def said(message: str) -> str:
        found = lead(message, extract(message))
        return "check" if found is not None and found.opens else "answer"

    return sum(said(r["message"]) == r["label"] for r in rows) / len(rows)


def test_the_test_split_is_frozen() -> None:
    blob = (DATA / "selfcheck_test.jsonl").read_bytes()
    assert hashlib.sha256(blob).hexdigest() == TEST_SHA256


def test_every_line_is_labelled() -> None:
    dev, test = _rows("dev"), _rows("test")
    assert len(dev) == 359 and len(test) == 120  # one of writer D's 120 was also one of B's: left out of dev
    assert {r["writer"] for r in dev} == {"A", "C", "D"}  # writer B's lines are the test split, and only there
    assert not {r["message"] for r in dev} & {r["message"] for r in test}
    for r in dev + test:
        assert r["label"] in ("check", "answer") and r["lang"] in ("zh", "en") and r["message"].strip()
        assert r["programme"] in ("craftsman", "studio", "station", "training")


def test_the_routing_keeps_its_measured_level() -> None:
    # Measured 2026-12-01: dev 0.967 (tuned on), test 0.833 (never tuned on); a regression shows here. Later the
    # same day, after tuning the facts and the routing on round 3's self-descriptions (dev only) and taking back
    # the facts that tuning read into rule questions: test 0.825 here (lead() alone; 0.817 in between, its lines
    # unread) and 0.842 through the dispatcher (bench/selfcheck.py; dev 0.983 there).
    assert _accuracy(_rows("dev")) >= 0.95
    assert _accuracy(_rows("test")) >= 0.82


def test_rule_questions_are_seldom_read_as_a_case() -> None:
    """The blind FAQ questions (train and dev splits; each was written to be answered by an article) that the
    facts read as a case described and open a check for. Some are ("两个高级技师愿意一起推荐我，材料要交到哪");
    a rise is facts read into rule questions: tuning the facts on round 3 first added 419 of them (技师站 read as
    the grade 技师, "class", "prefecture union", "on the job"...), all taken back. Measured 2026-12-01: 2 645 of
    42 015 (2 684 before that tuning)."""
    opened = 0
    for path in sorted(DATA.glob("blind*.jsonl")):
        if "test" in path.name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line) if line.strip() else {}
            if r and r.get("split") != "test":
                facts = extract(r["question"])
                found = lead(r["question"], facts)
                opened += found is not None and found.opens and bool(facts.personal)
    assert opened <= 2700
