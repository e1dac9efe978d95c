"""Start-up of the ``yunling`` command: ``--help`` of each command and one ``ask``, each in a fresh
interpreter (as a person at a terminal meets it). Prints the median wall time and CPU time of N runs.

Processes start as an installation starts them, the project's bytecode compiled (``bench/installed.py``).
``ask`` is measured twice: the first run on a machine (an empty cache directory: it builds the search
index and the message catalog and stores them, :mod:`knowledge.cache`), then later runs reading them.

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

from installed import installed_env  # noqa: E402  (bench/installed.py)

from bot.cli import COMMANDS  # noqa: E402


def measure(argv: list[str], runs: int, cwd: str, cache: str, *, fresh: bool = False) -> tuple[float, float]:
    env = installed_env(YUNLING_CACHE_DIR=cache)
    walls, cpus = [], []
    for _ in range(runs):
        if fresh:
            for f in Path(cache).iterdir():
                f.unlink()
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
    ask = ["ask", "云岭工匠每年评几个"]
    cases = [("", ["--help"]), *(("", [name, "--help"]) for name in COMMANDS),
             ("first run, empty cache", ask), ("later runs", ask), ("typo question", ["ask", "申包工匠要啥条件"]),
             ("traditional question", ["ask", "雲嶺工匠評選條件"])]
    # no .env, no database: what `ask` meets on a fresh machine
    with tempfile.TemporaryDirectory() as cwd, tempfile.TemporaryDirectory() as cache:
        print(f"{'command':58} {'wall s':>8} {'cpu s':>8}")
        for note, argv in cases:
            wall, cpu = measure(argv, args.runs, cwd, cache, fresh=note.startswith("first"))
            print(f"{' '.join(argv) + (f' ({note})' if note else ''):58} {wall:8.3f} {cpu:8.3f}")
        left = sorted(p.name for p in Path(cwd).iterdir())
        print(f"files left in the working directory: {left or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
