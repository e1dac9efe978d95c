"""FAQ answer latency as production meets it: questions the process has not seen yet, the reply composed
(``handlers.answering.answer``: search + direct answer + citations), and the cold start of a fresh
process for each kind of question (plain, pinyin typo, traditional characters, English), since typo and
traditional questions load tables that plain ones do not. Processes start as an installation starts them,
the project's bytecode compiled (``bench/installed.py``).

    .venv/bin/python bench/answer_latency.py [--runs 3]

Latency: a fresh process loads the index, then answers each question of the blind set's dev and test
splits once (no question twice, none seen before), plus a 10 000-character question. Cold start: a fresh
process per question, time from launch to the printed answer, and the same for ``yunling ask``.
Targets: p95 <= 1 ms for the search, a 10 000-character question <= 2 ms, cold start <= 0.8 s for any
question (search figures come from ``bench/retrieval.py``; these include composing the reply).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from installed import installed_env  # bench/installed.py (this script's folder is on the path)

ROOT = Path(__file__).resolve().parent.parent
BLIND = ROOT / "tests" / "data" / "blind.jsonl"
COLD = {"plain": "云岭工匠每年评几个", "pinyin typo": "云岭工匠申包要什么材料",
        "traditional": "雲嶺工匠評選條件是什麼", "English": "How many Yunling Craftsmen are named each year?"}

LATENCY = r"""
import json, sys, time
t0 = time.perf_counter()
from handlers.answering import answer
from knowledge.search import index
index()
load = time.perf_counter() - t0
out, cpu = [], []
for q in json.load(sys.stdin):
    t, c = time.perf_counter(), time.thread_time()
    answer(q, contact="x")
    cpu.append((time.thread_time() - c) * 1000)
    out.append((time.perf_counter() - t) * 1000)
print(json.dumps({"load": load, "ms": out, "cpu": cpu}))
"""
FIRST = ("import sys; from handlers.answering import answer; from bot.render import render_text; "
         "print(render_text(answer(sys.argv[1], contact='x').reply))")


def latency(questions: list[str]) -> tuple[float, list[float], list[float]]:
    """Load time, then wall-clock and CPU (this thread's) milliseconds per question. On a shared machine
    the wall clock also measures other processes; the CPU time is the stable figure."""
    out = subprocess.run([sys.executable, "-c", LATENCY], input=json.dumps(questions, ensure_ascii=False),
                         cwd=ROOT, env=installed_env(), capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    return data["load"], data["ms"], data["cpu"]


def _spread(ms: list[float]) -> str:
    ms = sorted(ms)
    return f"p50 {statistics.median(ms):.2f}  p95 {ms[int(len(ms) * 0.95)]:.2f}  max {ms[-1]:.2f}"


def cold(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (user + system, the process and its threads) of ``runs`` fresh processes."""
    walls, cpus = [], []
    for _ in range(runs):
        before, t = os.times(), time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=installed_env(), check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
    return walls, cpus


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3, help="cold starts per question")
    args = p.parse_args()
    with BLIND.open(encoding="utf-8") as fh:
        blind = [json.loads(line) for line in fh if line.strip()]
    questions = list(dict.fromkeys(q["question"] for q in blind if q["split"] in ("dev", "test")))
    long = "我" * 10_000 + "能评云岭工匠吗"
    load, ms, cpu = latency([*questions, long])
    print(f"answer latency (search + reply composed, {len(ms) - 1} questions unseen by the process, ms): "
          f"wall {_spread(ms[:-1])}; CPU {_spread(cpu[:-1])}; a 10 000-character question {ms[-1]:.2f} "
          f"(CPU {cpu[-1]:.2f}); index loaded in {load:.2f} s")
    for kind, question in COLD.items():
        first, first_cpu = cold([sys.executable, "-c", FIRST, question], args.runs)
        cli, cli_cpu = cold([sys.executable, "-m", "bot.cli", "ask", question], args.runs)
        print(f"cold start, {kind:<12} {question!r}: first answer of a fresh process median "
              f"{statistics.median(first):.2f} s (max {max(first):.2f}, CPU {statistics.median(first_cpu):.2f}); "
              f"`yunling ask` median {statistics.median(cli):.2f} s (max {max(cli):.2f}, CPU "
              f"{statistics.median(cli_cpu):.2f})  (target <= 0.8 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
