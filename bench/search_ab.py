"""FAQ search latency, this tree's ``knowledge.search`` against another commit's, in one process.

    .venv/bin/python bench/search_ab.py [--old main] [--rounds 5] [--n 750] [--stages]

The other commit's ``knowledge/search`` is copied to a temporary package (its imports renamed) and both
searches run over the first ``--n`` questions of tests/data/blind_round21.jsonl, each question through
both one after the other (which first alternating), once per round. Prints, per round, the p50 / p95 of
each (wall clock per ``search()``), and the p50 / p95 / mean of each question's minimum over the rounds
(the machine may be shared: the figure least disturbed by other processes). ``--stages`` times the
search's stages too (each wrapped in a timer, in both trees alike, which adds its own small cost): per
stage, the mean over the questions of each question's minimum over the rounds. Runs with
PYTHONHASHSEED=0, as the benches do.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "blind_round21.jsonl"
# (module, object, attribute) of each stage timed with --stages, and its label.
STAGES = [("examples", "Examples", "nearest", "nearest examples"),
          ("examples", "Classifier", "probability_array", "classifier"),
          ("core", None, "_candidates", "candidates' features"),
          ("bm25", "BM25", "score_dense", "BM25"),
          ("core", None, "_best_unit_arrays", "best units"),
          ("indexing", "Index", "correct", "typo correction"),
          ("core", None, "_terms", "terms"),
          ("core", None, "_bonuses", "keywords, intents"),
          ("core", None, "simplified", "traditional -> simplified"),
          ("examples", "Examples", "unknown_share", "unknown share"),
          ("core", "Prepared", "scope_features", "scope features"),
          ("ranking", "Ranker", "rank_logits", "rank logits")]


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
    # The compiled sums too, when ``ref``'s C source is this tree's: both sides then run the same native code
    # (otherwise the old side runs the numpy code, and the comparison says so).
    source = subprocess.run(["git", "show", f"{ref}:knowledge/search/_postings.c"], cwd=ROOT, capture_output=True)
    here = ROOT / "knowledge" / "search" / "_postings.c"
    built = sorted((ROOT / "knowledge" / "search").glob("_postings*.so"))
    if source.returncode == 0 and here.exists() and source.stdout == here.read_bytes() and built:
        shutil.copy(built[0], pkg / built[0].name)
    return name


def _spread(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[int(len(ms) * 0.95)]


def _timed(package: str, spent: dict[str, float]) -> None:
    """Wrap each of STAGES in ``package`` with a timer adding its seconds to ``spent[label]``."""
    for module, owner, attribute, label in STAGES:
        mod = importlib.import_module(f"{package}.{module}")
        holder = getattr(mod, owner) if owner else mod
        inner = getattr(holder, attribute)

        def wrapper(*a: object, _inner: Callable = inner, _label: str = label, **k: object) -> object:
            t = time.perf_counter()
            try:
                return _inner(*a, **k)
            finally:
                spent[_label] += time.perf_counter() - t

        setattr(holder, attribute, wrapper)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", default="main", help="the commit to compare with (default: main)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--n", type=int, default=750)
    p.add_argument("--stages", action="store_true", help="time the search's stages too")
    args = p.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], {**os.environ, "PYTHONHASHSEED": "0"})
    sys.path.insert(0, str(ROOT))
    questions = list(dict.fromkeys(json.loads(line)["question"] for line in QUESTIONS.open(encoding="utf-8")
                                   if line.strip()))[: args.n]
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, tmp)
        mods: dict[str, ModuleType] = {"old": importlib.import_module(_old_package(args.old, Path(tmp))),
                                       "new": importlib.import_module("knowledge.search")}
        spent: dict[str, dict[str, float]] = {label: dict.fromkeys((s[3] for s in STAGES), 0.0) for label in mods}
        if args.stages:
            for label, mod in mods.items():
                _timed(mod.__name__, spent[label])
        for label, mod in mods.items():
            native = importlib.import_module(f"{mod.__name__}.postings").native is not None
            print(f"{label}: {'the compiled sums' if native else 'the numpy sums'}")
            mod.index()
            for q in questions[:20]:  # warm the code paths, not the questions (their caches hold 8)
                mod.search(q)
        # Per round, each question through both searches, one after the other, which first alternating from
        # question to question (a load spike of the shared machine hits both alike); the minimum of a
        # question's times over the rounds is its time with the least interference.
        ms: dict[str, list[list[float]]] = {"old": [], "new": []}
        stage: dict[str, list[list[dict[str, float]]]] = {"old": [], "new": []}
        for r in range(args.rounds):
            for label in ms:
                ms[label].append([])
                stage[label].append([])
            gc.collect()
            for i, q in enumerate(questions):
                pair = ["old", "new"] if (i + r) % 2 else ["new", "old"]
                for label in pair:
                    for s in spent[label]:
                        spent[label][s] = 0.0
                    t = time.perf_counter()
                    mods[label].search(q)
                    ms[label][-1].append((time.perf_counter() - t) * 1000)
                    stage[label][-1].append(dict(spent[label]))
            line = "  ".join(f"{label} p50 {_spread(ms[label][-1])[0]:.3f} p95 {_spread(ms[label][-1])[1]:.3f}"
                             for label in ms)
            print(f"round {r + 1}: {line}", flush=True)
        for label in ms:
            rounds = [_spread(row) for row in ms[label]]
            best = [min(times) for times in zip(*ms[label], strict=True)]
            p50, p95 = _spread(best)
            print(f"{label} ({args.old if label == 'old' else 'this tree'}): per round p50 "
                  f"{min(r[0] for r in rounds):.3f}-{max(r[0] for r in rounds):.3f}  p95 "
                  f"{min(r[1] for r in rounds):.3f}-{max(r[1] for r in rounds):.3f}; each question's minimum over "
                  f"{args.rounds} rounds: p50 {p50:.3f}  p95 {p95:.3f}  mean {statistics.fmean(best):.3f} ms")
        if args.stages:
            means = {label: {s: statistics.fmean(min(rnd[i][s] for rnd in stage[label]) for i in range(len(questions)))
                             * 1e6 for s in spent[label]} for label in ms}
            print(f"{'stage (us per search, mean of minima)':<40}{'old':>8}{'new':>8}")
            for s in spent["old"]:
                print(f"{s:<40}{means['old'][s]:>8.1f}{means['new'][s]:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
