"""Build tests/data/words_blind.jsonl from blind writers' files: the words that work everywhere and small
talk, in people's own words (bench/words.py).

    python tools/words_set.py WRITER.jsonl [WRITER.jsonl ...] > tests/data/words_blind.jsonl
    python tools/words_set.py --dev WRITER.jsonl ... >> tests/data/words_blind.jsonl   # a later round: all dev

Each writer's lines are kept as written (id, message, intent, lang, persona); a line with an unknown intent or
an empty message is dropped and reported on stderr. Round 1 was split once, half dev (tuned on) and half test
(frozen: tests/test_words_blind.py checks its hash), stratified by writer and intent, with a fixed seed; a
later round (``--dev``) is all dev, so the test split stays as it was.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 20261201
INTENTS = frozenset({"human", "cancel", "menu", "tickets", "unsubscribe", "language_zh", "language_en", "thanks",
                     "ack", "bye", "done", "question"})


def main(paths: list[str]) -> int:
    all_dev = paths[:1] == ["--dev"]
    paths = paths[1:] if all_dev else paths
    rows: list[dict] = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("intent") not in INTENTS or not str(row.get("message", "")).strip():
                print(f"{path}:{n}: dropped {row!r}", file=sys.stderr)
                continue
            rows.append({k: row[k] for k in ("id", "message", "intent", "lang", "persona") if k in row})
    if len({r["id"] for r in rows}) != len(rows):
        print("duplicate ids", file=sys.stderr)
        return 1
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["id"][:2], row["intent"])].append(row)
    rng = random.Random(SEED)
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda r: r["id"])
        rng.shuffle(members)
        for i, row in enumerate(members):
            row["split"] = "dev" if all_dev or i % 2 == 0 else "test"
    for row in sorted(rows, key=lambda r: r["id"]):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
