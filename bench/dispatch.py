"""Messages per second through the dispatcher for 1 000 simulated users, and p95 latency per message.

    python bench/dispatch.py [--users 1000] [--threads 4] [--pg postgresql+psycopg://...]

Each user holds a short conversation (greeting, menu pick, language flow, /me, a duplicate delivery),
so every message does the full work: dedupe, identity, state load, routing, state save, commit.
Prints one line per database and thread count. Target: >= 300 messages/s on SQLite with p95 <= 20 ms
(2 cores). SQLite has one writer: threads of a process queue on a lock (storage.db), so more threads add
waiting, not throughput.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.dispatch import Dispatcher
from handlers.settings import Settings
from handlers.types import Incoming
from storage.db import init_db, make_engine

SCRIPT = ["/start", "/lang", "2", "/me", "菜单", "/me"]


def run(url: str, users: int, threads: int, tag: str = "") -> dict[str, float]:
    engine = make_engine(url)
    init_db(engine)
    d = Dispatcher(engine, Settings(database_url=url))
    latencies: list[float] = []

    def converse(u: int) -> None:
        for i, text in enumerate(SCRIPT):
            inc = Incoming(channel="bench", user_key=f"{tag}u{u}", message_key=f"{tag}u{u}-{i}",
                           received_at=datetime.now(UTC), text=text)
            t0 = time.perf_counter()
            result = d.handle(inc)
            latencies.append(time.perf_counter() - t0)
            assert result.replies, (u, text)
            if i == 1:  # a duplicate delivery of the same key is dropped
                t0 = time.perf_counter()
                assert d.handle(inc).duplicate
                latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(converse, range(users)))
    elapsed = time.perf_counter() - start
    engine.dispose()
    latencies.sort()
    return {
        "messages": len(latencies),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--threads", default="1,2,4",
                    help="comma-separated thread counts; each is a separate run (default 1,2,4)")
    ap.add_argument("--pg", default=os.environ.get("YUNLING_BENCH_PG_URL", ""))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        if args.pg:
            targets.append(("postgresql", args.pg))
        for name, url in targets:
            for i, threads in enumerate(int(t) for t in args.threads.split(",")):
                # A fresh SQLite file per run; PostgreSQL runs reuse the server with new user keys.
                run_url = url.replace("bench.db", f"bench{i}.db")
                r = run(run_url, args.users, threads, tag=f"{time.time_ns()}t{threads}")  # unique per run
                print(f"{name:10s} users={args.users} threads={threads} messages={r['messages']} "
                      f"rate={r['rate']:.0f} msg/s p50={r['p50_ms']:.1f} ms p95={r['p95_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
