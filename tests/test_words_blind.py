"""The blind set of the words that work everywhere and small talk (tests/data/words_blind.jsonl, bench/words.py):
its test split is frozen by hash, and no phrase of the patterns was learnt from it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA = Path(__file__).parent / "data" / "words_blind.jsonl"
TEST_SHA256 = "f3d7c176379956281ff185b06dc35884726e495fba4dbcb624feb5da3525b3b2"
INTENTS = {"human", "cancel", "menu", "tickets", "unsubscribe", "language_zh", "language_en", "thanks", "ack", "bye",
           "done", "question"}


def _rows() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_test_split_is_frozen() -> None:
    test = sorted((r for r in _rows() if r["split"] == "test"), key=lambda r: r["id"])
    blob = "\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in test)
    assert hashlib.sha256(blob.encode()).hexdigest() == TEST_SHA256


def test_every_line_is_labelled_and_split_once() -> None:
    rows = _rows()
    assert len({r["id"] for r in rows}) == len(rows) == 1560  # round 1 (520, split once), rounds 2 and 3 (520 each, dev)
    assert {r["intent"] for r in rows} == INTENTS and {r["split"] for r in rows} == {"dev", "test"}
    assert all(r["message"].strip() and r["lang"] in ("zh", "en") for r in rows)
