"""Updates per second end to end through the Telegram webhook, and latency per update.

    python bench/telegram.py [--updates 2000] [--users 200] [--connections 20] [--db URL]

``yunling serve``'s server (uvicorn on 127.0.0.1, ``POST /telegram`` with the secret header) runs the
real python-telegram-bot application and dispatcher; its answers go to the local Bot API stand-in
(tests/telegram_standin.py), which timestamps each ``sendMessage``. ``--connections`` conversations run
at a time, interleaved over ``--users`` people; each posts an update and waits for its answer before the
next. Per update: the webhook's HTTP answer time (the update is only queued) and the end-to-end time
until its answer reached the stand-in.
The FAQ is an echo (each answer names its update), so the figure is the adapter plus the dispatcher's
full bookkeeping (dedupe, identity, state, commit), not the search (bench/retrieval.py measures that).
The server runs in its own process (``--server``, started by this script); the stand-in and the clients
share this one, as Telegram would be elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# This script is named telegram.py: its own folder must not shadow the python-telegram-bot package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from standins import serve  # noqa: E402
from telegram_standin import TOKEN, TelegramStandIn, echo_faq, text_update  # noqa: E402

from bot.app import App  # noqa: E402
from bot.commands.serve import build_server  # noqa: E402
from bot.telegram.app import SECRET_HEADER, WEBHOOK_PATH  # noqa: E402
from handlers.registry import build_dispatcher  # noqa: E402
from handlers.settings import Settings  # noqa: E402
from storage.db import init_db, make_engine  # noqa: E402

SECRET = "bench-secret"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def drive(base: str, standin: TelegramStandIn, updates: int, users: int, connections: int) -> dict:
    """``connections`` conversations at a time; each posts an update and waits for its answer (as a person
    does) before the next, so the latency is service time, not the backlog of an overloaded queue."""
    loop = asyncio.get_running_loop()
    waiting: dict[str, asyncio.Future[float]] = {}

    def arrived(call) -> None:  # type: ignore[no-untyped-def]  # in the stand-in's thread
        future = waiting.get(call.text)
        if future is not None:
            loop.call_soon_threadsafe(lambda: future.done() or future.set_result(call.at))

    standin.listener = arrived
    todo = iter([(1_000_000 + i % users, i) for i in range(updates)])  # (user id, sequence)
    e2e: list[float] = []
    http_times: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for user, seq in todo:  # the iterator is shared: each update is taken once
                body = text_update(user, f"bench message {seq}", update_id=10_000 + seq)
                answer = waiting[f"echo: bench message {seq}"] = loop.create_future()
                t0 = time.monotonic()
                r = await http.post(WEBHOOK_PATH, json=body, headers={SECRET_HEADER: SECRET})
                http_times.append(time.monotonic() - t0)
                assert r.status_code == 200, r.status_code
                e2e.append(await asyncio.wait_for(answer, 60) - t0)

    start = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    seconds = time.monotonic() - start
    assert len(e2e) == updates == len(standin.of("sendMessage")), "an answer is missing or was sent twice"
    return {"rate": updates / seconds, "seconds": seconds, "e2e": e2e, "http": http_times}


def run_server(api: str, url: str) -> None:
    """The server process: ``yunling serve``'s server with the echo FAQ; prints its port, runs until SIGTERM."""
    settings = Settings(database_url=url, data_key="bench-key", telegram_token=TOKEN, telegram_base_url=api,
                        telegram_webhook_secret=SECRET, log_level="WARNING")
    engine = make_engine(url)
    init_db(engine)
    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings, faq=echo_faq))
    server = build_server(app, port=0, background=False)

    async def serve_and_announce() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            print(f"PORT {server.servers[0].sockets[0].getsockname()[1]}", flush=True)
        await task

    asyncio.run(serve_and_announce())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--server", metavar="API_URL", help=argparse.SUPPRESS)  # internal: the server process
    args = parser.parse_args()
    if args.server:
        run_server(args.server, args.db)
        return

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.db"
        standin = TelegramStandIn()
        with serve(standin.app()) as api:
            child = subprocess.Popen([sys.executable, __file__, "--server", api, "--db", url],
                                     stdout=subprocess.PIPE, text=True)
            try:
                line = child.stdout.readline() if child.stdout else ""
                if not line.startswith("PORT "):
                    raise SystemExit("server did not start")
                result = asyncio.run(drive(f"http://127.0.0.1:{line.split()[1]}", standin, args.updates,
                                           args.users, args.connections))
            finally:
                child.send_signal(signal.SIGTERM)  # graceful: drains, then exits
                child.wait(timeout=30)
    e2e, http = result["e2e"], result["http"]
    db = url.split(":", 1)[0]
    print(f"telegram webhook ({db}, {args.updates} updates, {args.users} users, {args.connections} connections): "
          f"{result['rate']:.0f} updates/s end to end in {result['seconds']:.2f} s")
    print(f"  end to end (POST -> sendMessage at the stand-in): p50 {pct(e2e, .5) * 1000:.1f} ms, "
          f"p95 {pct(e2e, .95) * 1000:.1f} ms, max {max(e2e) * 1000:.1f} ms, mean {statistics.mean(e2e) * 1000:.1f} ms")
    print(f"  webhook HTTP answer: p50 {pct(http, .5) * 1000:.1f} ms, p95 {pct(http, .95) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
