"""500 trainees signing in to one session within one minute of simulated time, through the dispatcher.

    .venv/bin/python bench/signin.py [--trainees 500] [--threads 4] [--pg postgresql+psycopg://...]

Every trainee does the first, binding sign-in (签到 -> class code -> session code -> last 6 of the ID
number: four messages), then scans the QR payload again, which must answer "already signed in", and a
duplicate delivery of that last message, which must be dropped. Received times are spread over the
first minute of the session. Prints per database: trainees signed, lost (must be 0), doubles (must be
0), throughput and p50/p95 latency per message and per complete sign-in. PostgreSQL runs when
YUNLING_BENCH_PG_URL (or --pg) is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func
from sqlmodel import select

from handlers.registry import build_dispatcher
from handlers.services.signin_codes import current_code
from handlers.settings import Settings
from handlers.types import Incoming
from knowledge.idcard import check_digit
from storage import repo_training as repo
from storage.db import init_db, make_engine, session_scope
from storage.models_training import Attendance

TZ = ZoneInfo("Asia/Shanghai")
KEY = "bench-key-not-secret"
DAY, START, END = date(2026, 3, 2), clock_time(9, 0), clock_time(12, 0)


def id_number(i: int) -> str:
    body = f"530102199{i % 10}0{1 + i % 9}{10 + i % 18}{i:03d}"
    return body + check_digit(body)


def setup(url: str, trainees: int) -> tuple[str, int, int]:
    engine = make_engine(url)
    init_db(engine)
    code = "B" + uuid.uuid4().hex[:7].upper()  # a fresh class per run, also on a shared PostgreSQL
    with session_scope(engine) as s:
        cls = repo.create_class(session=s, key=KEY, categories={"employed": trainees}, fields=dict(
            code=code, unit="基准测试工会", project="upgrade", training_unit="基准培训中心", trade="电工",
            start_date=DAY, end_date=DAY, men=trainees, women=0, total_hours=3))
        repo.approve_class(session=s, cls=cls, approved_by="bench", at=datetime.now(TZ))
        sess = repo.add_session(session=s, class_id=cls.id or 0, day=DAY, start=START, end=END, place="bench")
        for i in range(trainees):
            repo.add_enrolment(session=s, key=KEY, class_id=cls.id or 0, line=repo.RosterLine(
                name=f"学员{i}", sex="男", id_number=id_number(i), category="employed"))
        ids = (cls.id or 0, sess.id or 0)
    engine.dispose()
    return code, *ids


def run(url: str, trainees: int, threads: int) -> dict[str, float]:
    code, _class_id, session_id = setup(url, trainees)
    engine = make_engine(url)
    d = build_dispatcher(engine, Settings(database_url=url, data_key=KEY))
    with session_scope(engine) as s:
        sess = repo.get_session(session=s, session_id=session_id)
        assert sess is not None
    opened = datetime.combine(DAY, START, TZ)
    run_id = uuid.uuid4().hex[:6]
    latencies: list[float] = []
    signins: list[float] = []
    confirmations: dict[int, int] = {}
    lock = threading.Lock()

    def trainee(i: int) -> None:
        at = opened + timedelta(seconds=60 * i / trainees)  # all within the first minute
        user = f"t{run_id}-{i}"
        session_code = current_code(sess, at)
        steps = [("签到", None), (code, None), (session_code, None), (id_number(i)[-6:], None),
                 ("", f"signin_{code}_{session_code}")]
        t_first = time.perf_counter()
        signed = 0
        for n, (text, payload) in enumerate(steps):
            inc = Incoming(channel="bench", user_key=user, message_key=f"{user}-{n}", received_at=at,
                           text=text, payload=payload, locale="en")
            t0 = time.perf_counter()
            result = d.handle(inc)
            took = time.perf_counter() - t0
            texts = " ".join(r.text for r in result.replies)
            signed += texts.count("Signed in at")
            with lock:
                latencies.append(took)
                if n == 3:
                    signins.append(time.perf_counter() - t_first)
            if n == 4:
                assert "already signed in" in texts, texts
                t0 = time.perf_counter()
                assert d.handle(inc).duplicate  # the same delivery again is dropped
                with lock:
                    latencies.append(time.perf_counter() - t0)
        with lock:
            confirmations[i] = signed

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(trainee, range(trainees)))
    elapsed = time.perf_counter() - start
    with session_scope(engine) as s:
        rows = s.exec(select(Attendance.enrolment_id, func.count()).where(Attendance.session_id == session_id)
                      .group_by(Attendance.enrolment_id)).all()
    engine.dispose()
    latencies.sort()
    signins.sort()
    return {
        "signed": len(rows),
        "lost": trainees - len(rows),
        "doubles": sum(n - 1 for _e, n in rows if n > 1) + sum(c - 1 for c in confirmations.values() if c > 1),
        "messages": len(latencies),
        "rate": len(latencies) / elapsed,
        "signins_per_s": len(signins) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "signin_p95_ms": signins[int(len(signins) * 0.95)] * 1000,
        "seconds": elapsed,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trainees", type=int, default=500)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--pg", default=os.environ.get("YUNLING_BENCH_PG_URL", ""))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        if args.pg:
            targets.append(("postgresql", args.pg))
        for name, url in targets:
            r = run(url, args.trainees, args.threads)
            print(f"{name:10s} trainees={args.trainees} threads={args.threads} signed={r['signed']} "
                  f"lost={r['lost']} doubles={r['doubles']} messages={r['messages']} in {r['seconds']:.1f} s "
                  f"rate={r['rate']:.0f} msg/s ({r['signins_per_s']:.0f} sign-ins/s) "
                  f"p50={r['p50_ms']:.1f} ms p95={r['p95_ms']:.1f} ms sign-in p95={r['signin_p95_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
