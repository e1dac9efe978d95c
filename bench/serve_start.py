"""How fast ``yunling serve`` starts: time from launching the process to the first answer on ``/healthz``
(ready: the server accepts requests; 503 while the knowledge index is loading) and to the first 200 (the
index loaded), and the resident memory then. Target: ready <= 1.5 s.

    .venv/bin/python bench/serve_start.py [--runs 3] [--db URL]

Each run starts ``python -m bot.cli serve`` on a fresh port with a SQLite database in a temporary directory
(the schema is created on the first run; later runs find it current, as a restart does), WeChat configured,
no Telegram.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one(db: str) -> tuple[float, float, float, float]:
    port = free_port()
    env = {**os.environ, "YUNLING_DATABASE_URL": db, "YUNLING_DATA_KEY": "bench-key",
           "YUNLING_WECHAT_TOKEN": "bench-token", "YUNLING_WECHAT_APP_ID": "wxbench000000000",
           "YUNLING_WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "YUNLING_LOG_LEVEL": "WARNING"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/healthz"
    ready = loaded = None
    cpu_ready = 0.0
    try:
        while time.perf_counter() - t0 < 60:
            code = status(url)
            if code is not None and ready is None:
                ready = time.perf_counter() - t0
                cpu_ready = cpu_s(proc.pid)
            if code == 200:
                loaded = time.perf_counter() - t0
                break
            if proc.poll() is not None:
                raise SystemExit(f"serve exited with {proc.returncode}")
            time.sleep(0.01)
        mem = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    if ready is None or loaded is None:
        raise SystemExit("serve did not become ready within 60 s")
    return ready, loaded, cpu_ready, mem


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--db", default="")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{tmp}/serve.db"
        results = [one(db) for _ in range(args.runs)]
    for i, (ready, loaded, cpu, mem) in enumerate(results, 1):
        print(f"run {i}: first answer on /healthz {ready:.2f} s (CPU {cpu:.2f} s), first 200 {loaded:.2f} s, "
              f"RSS {mem:.0f} MB")
    readies = [r[0] for r in results]
    print(f"ready (first answer) median {statistics.median(readies):.2f} s, max {max(readies):.2f} s "
          f"(target <= 1.5 s); first 200 median {statistics.median(r[1] for r in results):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
