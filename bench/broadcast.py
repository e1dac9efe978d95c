"""Broadcast throughput through a local HTTP stand-in of the Telegram Bot API (a Starlette app under uvicorn
in its own process), with the sender production uses: ``bot.telegram.make_sender``'s
:class:`bot.telegram.sender.LeanTelegramSender`.

1. Limiter lifted: ``--n`` recipients; the pipeline's messages/s from release to the last record, and the
   bench process's CPU per message (the stable figure on a shared machine). Target >= 1 000/s on SQLite.
   ``--compare`` adds, labelled, python-telegram-bot's sender (``TelegramSender``, what production used
   before) and the minimal client of ``tests/standins.py`` (a floor, not production).
2. Limiter on (Telegram: 30/s overall, 1/s per chat), ``--runs`` runs: a broadcast plus bursts of 5
   messages to 10 chats; at the stand-in, from arrival times: no 1-s window may hold more than 30 messages
   and no chat two messages less than 1 s apart. Any breach makes the exit status 1.

    .venv/bin/python bench/broadcast.py [--n 10000] [--limited 200] [--runs 10] [--compare] [--db URL]
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
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
# bench/telegram.py would shadow python-telegram-bot's package.
sys.path = [str(ROOT), str(ROOT / "tests"), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from standins import BotApiStandIn, RawBotApiSender, seed_subscribers  # noqa: E402

from bot.delivery import NO_LIMITS, TELEGRAM_LIMITS, DeliveryWorker  # noqa: E402
from bot.telegram.sender import LeanTelegramSender, TelegramSender  # noqa: E402
from handlers.services.broadcasts import release_due_broadcasts  # noqa: E402
from handlers.settings import Settings  # noqa: E402
from storage import repo_cases as rc  # noqa: E402
from storage import repo_outbox as ro  # noqa: E402
from storage import repositories as repo  # noqa: E402
from storage.db import init_db, make_engine, session_scope  # noqa: E402

TOKEN = "TEST:TOKEN"  # the stand-in's
LABELS = {"production": "production sender (LeanTelegramSender)",
          "ptb": "python-telegram-bot sender (TelegramSender, before)",
          "raw": "raw client of tests/standins.py (not production)"}


def start_standin() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "standins.py"), "serve-botapi"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def make(kind: str, url: str) -> Any:
    settings = Settings(telegram_token=TOKEN, telegram_base_url=url)
    if kind == "production":
        return LeanTelegramSender(settings, connections=32)
    if kind == "ptb":
        return TelegramSender(settings)
    return RawBotApiSender(url, connections=32)


def broadcast_to(engine, programme: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        b = rc.create_broadcast(session=s, author_person_id=None, unit="云南省总工会", now=now, text="基准测试通知",
                                segment={"kind": "subscribers", "programme": programme})
        rc.set_broadcast_status(session=s, broadcast=b, status="scheduled", from_statuses=("draft",), actor=None,
                                now=now, scheduled_at=now)
        return b.id or 0, release_due_broadcasts(session=s, now=now)


async def drain(worker: DeliveryWorker, sender: Any) -> None:
    await worker.drain()
    await sender.aclose()


def lifted(url: str, db: str, n: int, kind: str, first_chat: int) -> None:
    engine = make_engine(db)
    init_db(engine)
    seed_subscribers(engine, n, programme="craftsman", first_chat=first_chat)
    before = httpx.get(f"{url}/stats").json()["delivered"]
    t0 = time.perf_counter()
    broadcast_id, queued = broadcast_to(engine, "craftsman")
    t1, c1 = time.perf_counter(), time.process_time()
    sender = make(kind, url)
    worker = DeliveryWorker(engine, {"telegram": sender}, limits={"telegram": NO_LIMITS}, batch_size=500,
                            concurrency=32, flush_every=250)
    asyncio.run(drain(worker, sender))
    t2, c2 = time.perf_counter(), time.process_time()
    with session_scope(engine) as s:
        sent = ro.report(session=s, broadcast_id=broadcast_id).sent
    delivered = httpx.get(f"{url}/stats").json()["delivered"] - before
    tag = f"[lifted/{kind}]"
    print(f"{tag} {LABELS[kind]}")
    print(f"{tag} {queued} recipients queued in {t1 - t0:.2f} s ({queued / (t1 - t0):,.0f}/s)")
    print(f"{tag} {sent} sent and recorded in {t2 - t1:.2f} s: {sent / (t2 - t1):,.0f} messages/s, "
          f"CPU {(c2 - c1) / max(sent, 1) * 1000:.3f} ms/message in this process "
          f"(delivered at the stand-in: {delivered}; {engine.dialect.name}; target >= 1 000/s)")
    print(f"{tag} end to end (release + delivery): {sent / (t2 - t0):,.0f} messages/s")
    engine.dispose()


def limited(url: str, db: str, n: int, run: int) -> bool:
    engine = make_engine(db)
    init_db(engine)
    before = len(httpx.get(f"{url}/dump").json()["hits"])
    people = seed_subscribers(engine, n // 2, programme="studio", first_chat=900_000 + run * 10_000)
    _b, queued = broadcast_to(engine, "studio")
    with session_scope(engine) as s:  # bursts: 5 messages in a row to each of 10 chats, per-chat spacing matters
        for i in range(5):
            for pid in people[:10]:
                repo.enqueue(session=s, person_id=pid, body={"text": f"第{i + 2}条"}, dedupe_key=f"burst:{pid}:{i}")
    sender = make("production", url)
    worker = DeliveryWorker(engine, {"telegram": sender}, limits={"telegram": TELEGRAM_LIMITS}, batch_size=100)
    t0 = time.perf_counter()
    asyncio.run(drain(worker, sender))
    took = time.perf_counter() - t0
    dump = httpx.get(f"{url}/dump").json()
    dump["hits"] = dump["hits"][before:]
    seen = BotApiStandIn.from_dump(dump)
    total = queued + 5 * len(people[:10])
    window, gap = seen.max_in_window(1.0), seen.min_chat_gap() or 0.0
    ok = len(seen.hits) == total and window <= 30 and gap >= 1.0
    print(f"[limited] run {run + 1}: {len(seen.hits)}/{total} messages to {len(people)} chats in {took:.1f} s "
          f"({total / took:.1f}/s); at the stand-in: max {window} in any 1 s window (limit 30), shortest gap "
          f"within one chat {gap:.3f} s (limit 1 s){'' if ok else '  <-- BREACH'}")
    engine.dispose()
    return ok


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--limited", type=int, default=200, help="recipients of each limited run's broadcast x 2")
    p.add_argument("--runs", type=int, default=10, help="limited runs (0: none)")
    p.add_argument("--db", default="")
    p.add_argument("--compare", action="store_true", help="also the PTB sender and the raw client, labelled")
    p.add_argument("--only", choices=("lifted", "limited"), default=None)
    args = p.parse_args()
    proc, url = start_standin()
    breaches = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if args.only != "limited":
                kinds = ["production", "ptb", "raw"] if args.compare else ["production"]
                for i, kind in enumerate(kinds):
                    lifted(url, args.db or f"sqlite:///{tmp}/lifted{i}.db", args.n, kind, 100_000 + i * 200_000)
            if args.only != "lifted":
                for run in range(args.runs):
                    breaches += not limited(url, args.db or f"sqlite:///{tmp}/limited{run}.db", args.limited, run)
                print(f"[limited] {args.runs - breaches} of {args.runs} runs within Telegram's limits")
    finally:
        proc.kill()
        proc.wait()
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
