"""A fingerprint of the search's outputs, to show that a speed-up changed nothing.

    .venv/bin/python tools/search_fingerprint.py [--limit N] [--dump FILE]

Runs :func:`knowledge.search.search` on every question of tests/data/*.jsonl (every split alike: only
outputs are compared, accuracy is not looked at) and prints two SHA-256 digests: one of what a caller
sees (the hits with their scores rounded to 3 decimals, abstained, reason, sure, likely, the searched
text, the programmes named, p_answer) and one of the ranking model's inputs (every candidate's features,
rounded to 9 decimals, and the query-level signals). Run it before and after a change of
``knowledge/search``: the same digests mean the same answers. ``--dump`` writes one line per question,
to find the first that differs. Runs with PYTHONHASHSEED=0, as the benches do, so that sets iterate
alike from run to run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def questions() -> list[str]:
    """Every question of the data sets, in file order (duplicates kept: the order is the fingerprint's)."""
    out: list[str] = []
    for path in sorted((ROOT / "tests" / "data").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    item = json.loads(line)
                    if isinstance(item.get("question"), str):
                        out.append(item["question"])
    return out


def outputs(question: str) -> str:
    from knowledge.search import search

    r = search(question)
    return json.dumps([[(h.measure, h.article, h.paragraph, round(h.score, 3)) for h in r.hits], r.abstained,
                       r.reason, r.sure, r.likely, r.query, r.named, r.p_answer], ensure_ascii=False)


def inputs(question: str) -> str:
    from knowledge.search.core import prepare

    p = prepare(question)
    return json.dumps([p.reason, [(c.key, c.paragraph, [round(f, 9) for f in c.features]) for c in p.candidates],
                       sorted((k, round(v, 9)) for k, v in p.query.items())], ensure_ascii=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N questions (a quick check)")
    parser.add_argument("--dump", type=Path, help="write each question's outputs, one JSON line each")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], {**os.environ, "PYTHONHASHSEED": "0"})
    sys.path.insert(0, str(ROOT))
    from knowledge.search import index

    index()
    qs = questions()[: args.limit]
    out_hash, in_hash = hashlib.sha256(), hashlib.sha256()
    lines = []
    start = time.process_time()
    for q in qs:
        o = outputs(q)
        out_hash.update(o.encode() + b"\n")
        lines.append(o)
    elapsed = time.process_time() - start
    for q in qs:
        in_hash.update(inputs(q).encode() + b"\n")
    if args.dump:
        args.dump.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{len(qs)} questions, {elapsed / max(len(qs), 1) * 1000:.2f} ms CPU per search")
    print(f"outputs {out_hash.hexdigest()}")
    print(f"inputs  {in_hash.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
