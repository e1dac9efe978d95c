"""Start-up of the ``yunling`` command: ``--help`` of each command and one ``ask``, each in a fresh
interpreter (as a person at a terminal meets it). Prints the median wall time and CPU time of N runs.

    .venv/bin/python bench/cli.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli import COMMANDS  # noqa: E402


def measure(argv: list[str], runs: int, cwd: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    walls, cpus = [], []
    for _ in range(runs):
        before = os.times()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot.cli", *argv], cwd=cwd, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = [["--help"], *([name, "--help"] for name in COMMANDS), ["ask", "云岭工匠每年评几个"]]
    with tempfile.TemporaryDirectory() as cwd:  # no .env, no database: what `ask` meets on a fresh machine
        print(f"{'command':34} {'wall s':>8} {'cpu s':>8}")
        for argv in cases:
            wall, cpu = measure(argv, args.runs, cwd)
            print(f"{' '.join(argv):34} {wall:8.3f} {cpu:8.3f}")
        left = sorted(p.name for p in Path(cwd).iterdir())
        print(f"files left in the working directory: {left or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
