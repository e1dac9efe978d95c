"""FAQ search latency, this tree's ``knowledge.search`` against another commit's, in one process.

    .venv/bin/python bench/search_ab.py [--old main] [--rounds 5] [--n 750] [--stages]

The other commit's ``knowledge/search`` is copied to a temporary package (its imports renamed) and both
searches run, alternating round by round (old, new, new, old, ...), over the first ``--n`` questions of
tests/data/blind_round21.jsonl, each question once per round. Prints, per round, the p50 / p95 of each
(wall clock per ``search()``; the machine may be shared: the minimum and the range over the rounds are
the figures to quote) and the CPU per search. ``--stages`` also times ``prepare()`` (the candidates'
features) apart from the ranking. Runs with PYTHONHASHSEED=0, as the benches do.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "blind_round21.jsonl"


def _old_package(ref: str, into: Path) -> str:
    """``knowledge/search`` of ``ref`` as the package ``knowledge_search_old`` under ``into``."""
    name = "knowledge_search_old"
    pkg = into / name
    pkg.mkdir()
    files = subprocess.run(["git", "ls-tree", "--name-only", f"{ref}:knowledge/search"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if f.endswith(".py"):
            text = subprocess.run(["git", "show", f"{ref}:knowledge/search/{f}"], cwd=ROOT, capture_output=True,
                                  text=True, check=True).stdout
            (pkg / f).write_text(re.sub(r"\bknowledge\.search\b", name, text), encoding="utf-8")
    return name


def _spread(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[int(len(ms) * 0.95)]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", default="main", help="the commit to compare with (default: main)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--n", type=int, default=750)
    p.add_argument("--stages", action="store_true", help="time prepare() apart too")
    args = p.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], {**os.environ, "PYTHONHASHSEED": "0"})
    sys.path.insert(0, str(ROOT))
    questions = list(dict.fromkeys(json.loads(line)["question"] for line in QUESTIONS.open(encoding="utf-8")
                                   if line.strip()))[: args.n]
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, tmp)
        old = importlib.import_module(_old_package(args.old, Path(tmp)))
        new = importlib.import_module("knowledge.search")
        old_core = importlib.import_module(old.__name__ + ".core")
        new_core = importlib.import_module("knowledge.search.core")
        for mod in (old, new):
            mod.index()
            for q in questions[:20]:  # warm the code paths, not the questions (their caches hold 8)
                mod.search(q)
        figures: dict[str, list[tuple[float, float, float]]] = {"old": [], "new": []}
        stages: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(args.rounds):
            order = [("old", old, old_core), ("new", new, new_core)]
            if r % 2:
                order.reverse()
            for label, mod, core in order:
                gc.collect()
                ms = []
                c0 = time.process_time()
                for q in questions:
                    t = time.perf_counter()
                    mod.search(q)
                    ms.append((time.perf_counter() - t) * 1000)
                cpu = (time.process_time() - c0) / len(questions) * 1000
                p50, p95 = _spread(ms)
                figures[label].append((p50, p95, cpu))
                line = f"round {r + 1} {label}: p50 {p50:.3f}  p95 {p95:.3f}  CPU {cpu:.3f} ms/search"
                if args.stages:
                    t = time.perf_counter()
                    for q in questions:
                        core.prepare(q)
                    stages[label].append((time.perf_counter() - t) / len(questions) * 1000)
                    line += f"  prepare {stages[label][-1]:.3f} ms"
                print(line, flush=True)
        for label in ("old", "new"):
            rows = figures[label]
            p50s, p95s, cpus = ([row[i] for row in rows] for i in range(3))
            print(f"{label} ({args.old if label == 'old' else 'this tree'}): p50 {min(p50s):.3f}-{max(p50s):.3f}  "
                  f"p95 {min(p95s):.3f}-{max(p95s):.3f}  CPU {min(cpus):.3f}-{max(cpus):.3f} ms/search "
                  f"({len(rows)} rounds of {len(questions)} questions; min-max)"
                  + (f"; prepare {min(stages[label]):.3f}-{max(stages[label]):.3f} ms" if args.stages else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
