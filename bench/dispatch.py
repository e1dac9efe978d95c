"""Messages per second through the dispatcher, and latency per message, on the realistic mix.

    python bench/dispatch.py [--users 500] [--per-user 6] [--threads 1,2,4] [--pg postgresql+psycopg://...]

Each simulated person plays a script of ``bench/mix.py`` (questions, flow steps, events as the WeChat
adapter builds them), message after answer, plus one duplicate delivery each (which must be dropped).
Every answer is compared with what the same script gets in a reference run (one thread, its own database):
an apology ("service is busy", "something went wrong"), an exception or a different answer is a
failure, not throughput. Prints one line per database and thread count with the CPU per message of this
process. Target: p95 <= 20 ms at 4 threads on SQLite (2 cores). SQLite has one writer: threads queue on a
lock (storage.db), so more threads add waiting, not throughput.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.registry import build_dispatcher  # noqa: E402
from handlers.settings import Settings  # noqa: E402
from handlers.types import DispatchResult, Incoming  # noqa: E402
from storage.db import init_db, make_engine  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_mix", ROOT / "bench" / "mix.py")
assert _spec is not None and _spec.loader is not None
mix = importlib.util.module_from_spec(_spec)
sys.modules["bench_mix"] = mix
_spec.loader.exec_module(mix)


def incoming(user: str, key: str, step) -> Incoming:  # type: ignore[no-untyped-def]
    kw: dict = {"text": step.text}
    if step.event == "subscribe":
        kw = {"text": "/start", "event": "subscribe"}
    elif step.event == "click":
        kw = {"choice": step.key, "event": "menu"}
    return Incoming(channel="wechat", user_key=user, message_key=key, received_at=datetime.now(UTC), **kw)


def texts(result: DispatchResult) -> tuple[str, ...]:
    return tuple(r.text for r in result.replies)


def run(url: str, scripts, threads: int, tag: str, expected=None) -> dict:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    init_db(engine)
    d = build_dispatcher(engine, Settings(database_url=url))
    apologies = {texts(d._apology(Incoming(channel="wechat", user_key="x", message_key="x",
                                           received_at=datetime.now(UTC)), busy=b)) for b in (True, False)}
    latencies: list[float] = []
    answers: dict[tuple[int, int], tuple[str, ...]] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def converse(u: int) -> None:
        user = f"{tag}u{u}"
        for i, step in enumerate(scripts[u]):
            inc = incoming(user, f"{tag}u{u}-{i}", step)
            t0 = time.perf_counter()
            try:
                result = d.handle(inc)
                again = d.handle(inc) if i == 1 else None  # a duplicate delivery of the same key is dropped
            except Exception as exc:  # handle() never raises; if it does, that is a failure
                with lock:
                    failures.append(f"user {u} step {i}: {type(exc).__name__}")
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)
                answers[(u, i)] = texts(result)
                if texts(result) in apologies:
                    failures.append(f"user {u} step {i}: apology")
                elif expected is not None and expected[(u, i)] != texts(result):
                    failures.append(f"user {u} step {i}: a different answer")
                if again is not None and not again.duplicate:
                    failures.append(f"user {u} step {i}: duplicate not dropped")

    cpu0, start = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(converse, range(len(scripts))))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
    engine.dispose()
    latencies.sort()
    n = max(len(latencies), 1)
    return {"messages": len(latencies), "rate": len(latencies) / elapsed, "cpu_ms": cpu / n * 1000,
            "p50_ms": statistics.median(latencies) * 1000, "p95_ms": latencies[int(n * 0.95)] * 1000,
            "failures": failures, "answers": answers}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--per-user", type=int, default=6)
    ap.add_argument("--threads", default="1,2,4",
                    help="comma-separated thread counts; each is a separate run (default 1,2,4)")
    ap.add_argument("--pg", default=os.environ.get("YUNLING_BENCH_PG_URL", ""))
    args = ap.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":  # answers compared across runs: iterate sets alike
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], {**os.environ, "PYTHONHASHSEED": "0"})
    scripts = mix.scripts(args.users, args.per_user)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        reference = run(f"sqlite:///{tmp}/reference.db", scripts, 1, "ref")
        bad += len(reference["failures"])
        expected = reference["answers"]
        print(f"mix: {mix.shares(scripts)}; reference run (1 thread, answers recorded): "
              f"{len(reference['failures'])} failures")
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        if args.pg:
            targets.append(("postgresql", args.pg))
        for name, url in targets:
            for i, threads in enumerate(int(t) for t in args.threads.split(",")):
                run_url = url.replace("bench.db", f"bench{i}.db")  # a fresh SQLite file per run
                r = run(run_url, scripts, threads, tag=f"{time.time_ns()}t{threads}", expected=expected)
                bad += len(r["failures"])
                print(f"{name:10s} users={args.users} threads={threads} messages={r['messages']} "
                      f"rate={r['rate']:.0f} msg/s CPU={r['cpu_ms']:.2f} ms/msg p50={r['p50_ms']:.1f} ms "
                      f"p95={r['p95_ms']:.1f} ms failures={len(r['failures'])}"
                      + (f" (first: {r['failures'][0]})" if r["failures"] else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
