"""Broadcast throughput through a local HTTP stand-in of the Telegram Bot API (a Starlette app under uvicorn
in its own process).

1. Limiter lifted: 10 000 recipients; the pipeline's messages/s from release to the last record (target
   >= 1 000/s on SQLite).
2. Limiter on (Telegram: 30/s overall, 1/s per chat): a shorter run with some chats receiving several
   messages; the rates are measured at the stand-in from the arrival times.

    .venv/bin/python bench/broadcast.py [--n 10000] [--limited 300] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from standins import BotApiHttpSender, BotApiStandIn, RawBotApiSender, seed_subscribers  # noqa: E402

from bot.delivery import NO_LIMITS, TELEGRAM_LIMITS, DeliveryWorker  # noqa: E402
from handlers.notifications import release_due_broadcasts  # noqa: E402
from storage import repo_cases as rc  # noqa: E402
from storage import repo_outbox as ro  # noqa: E402
from storage import repositories as repo  # noqa: E402
from storage.db import init_db, make_engine, session_scope  # noqa: E402


def start_standin() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "standins.py"), "serve-botapi"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def broadcast_to(engine, programme: str) -> int:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        b = rc.create_broadcast(session=s, author_person_id=None, unit="云南省总工会", now=now, text="基准测试通知",
                                segment={"kind": "subscribers", "programme": programme})
        rc.set_broadcast_status(session=s, broadcast=b, status="scheduled", from_statuses=("draft",), actor=None,
                                now=now, scheduled_at=now)
        return release_due_broadcasts(session=s, now=now)


async def drain(worker: DeliveryWorker, sender: BotApiHttpSender) -> None:
    await worker.drain()
    await sender.aclose()


def lifted(url: str, db: str, n: int, client: str, first_chat: int) -> None:
    engine = make_engine(db)
    init_db(engine)
    seed_subscribers(engine, n, programme="craftsman", first_chat=first_chat)
    before = httpx.get(f"{url}/stats").json()["delivered"]
    t0 = time.perf_counter()
    queued = broadcast_to(engine, "craftsman")
    t1 = time.perf_counter()
    sender = RawBotApiSender(url, connections=32) if client == "raw" else BotApiHttpSender(url, max_connections=32)
    worker = DeliveryWorker(engine, {"telegram": sender}, limits={"telegram": NO_LIMITS}, batch_size=500,
                            concurrency=32, flush_every=250)
    asyncio.run(drain(worker, sender))  # type: ignore[arg-type]
    t2 = time.perf_counter()
    with session_scope(engine) as s:
        sent = ro.report(session=s, broadcast_id=1).sent
    delivered = httpx.get(f"{url}/stats").json()["delivered"] - before
    tag = f"[lifted/{client}]"
    print(f"{tag} {queued} recipients queued in {t1 - t0:.2f} s ({queued / (t1 - t0):,.0f}/s)")
    print(f"{tag} {sent} sent and recorded in {t2 - t1:.2f} s: {sent / (t2 - t1):,.0f} messages/s "
          f"(delivered at the stand-in: {delivered}; {engine.dialect.name})")
    print(f"{tag} end to end (release + delivery): {sent / (t2 - t0):,.0f} messages/s")


def limited(url: str, db: str, n: int) -> None:
    engine = make_engine(db)
    init_db(engine)
    before = len(httpx.get(f"{url}/dump").json()["hits"])
    people = seed_subscribers(engine, n // 2, programme="studio", first_chat=900_000)
    queued = broadcast_to(engine, "studio")
    with session_scope(engine) as s:  # bursts: 5 messages in a row to each of 10 chats, per-chat spacing matters
        for i in range(5):
            for pid in people[:10]:
                repo.enqueue(session=s, person_id=pid, body={"text": f"第{i + 2}条"}, dedupe_key=f"burst:{pid}:{i}")
    sender = BotApiHttpSender(url)
    worker = DeliveryWorker(engine, {"telegram": sender}, limits={"telegram": TELEGRAM_LIMITS}, batch_size=100)
    t0 = time.perf_counter()
    asyncio.run(drain(worker, sender))
    took = time.perf_counter() - t0
    dump = httpx.get(f"{url}/dump").json()
    dump["hits"] = dump["hits"][before:]
    seen = BotApiStandIn.from_dump(dump)
    total = queued + 5 * len(people[:10])
    print(f"[limited] {total} messages to {len(people)} chats in {took:.1f} s: {total / took:.1f}/s average")
    print(f"[limited] at the stand-in: max {seen.max_in_window(1.0)} messages in any 1 s window (limit 30); "
          f"shortest gap within one chat {seen.min_chat_gap():.3f} s (limit 1 s)")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--limited", type=int, default=300)
    p.add_argument("--db", default="")
    p.add_argument("--httpx", action="store_true", help="also run the lifted pass with the httpx sender")
    args = p.parse_args()
    proc, url = start_standin()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            lifted(url, args.db or f"sqlite:///{tmp}/lifted.db", args.n, "raw", 100_000)
            if args.httpx:
                lifted(url, args.db or f"sqlite:///{tmp}/lifted2.db", args.n, "httpx", 500_000)
            limited(url, args.db or f"sqlite:///{tmp}/limited.db", args.limited)
    finally:
        proc.kill()
        proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
