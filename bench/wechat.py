"""Encrypted (safe-mode) WeChat text messages per second through the webhook, on loopback.

    .venv/bin/python bench/wechat.py [--count 2000] [--concurrency 20] [--db URL]

Starts ``yunling serve``'s server in a subprocess (the real ``/wechat`` webhook with the dispatcher and a
SQLite database in a temporary directory, unless ``--db`` is given; no delivery worker) plus a bare
Starlette endpoint (``/bare``) in the same server, then drives both with an httpx client holding
``--concurrency`` connections. Request bodies are signed and encrypted before timing starts. Prints
messages/s, p50/p99 latency, the webhook's rate as a share of the bare endpoint's, and (measured
in-process, one message at a time) what each stage of the webhook costs.
Targets: >= 40 % of the bare rate, p99 <= 100 ms at 20 concurrent clients.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/telegram.py would shadow python-telegram-bot's package for the server's imports.
sys.path = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

TOKEN, APP_ID = "bench-token", "wxbench000000000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def serve(port: int, db_url: str) -> None:
    """``yunling serve``'s own server (no background worker), plus the bare endpoint beside it."""
    import asyncio

    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from bot.app import build_app, settle
    from bot.commands.serve import build_server
    from handlers.settings import Settings

    settings = Settings(database_url=db_url, data_key="bench-key", wechat_token=TOKEN, wechat_app_id=APP_ID,
                        wechat_aes_key=AES_KEY, log_level="WARNING")
    server = build_server(build_app(settings), host="127.0.0.1", port=port, background=False)

    async def bare(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("success")

    server.config.app.router.routes.append(Route("/bare", bare, methods=["POST"]))
    settle()
    asyncio.run(server.serve())


def build_requests(count: int, users: int, text: str = "菜单") -> list[tuple[dict, bytes]]:
    from wechatpy.crypto import WeChatCrypto

    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    import hashlib

    import xmltodict

    now = int(time.time())
    # Message ids and nonces unique to this run: a PostgreSQL database given with --db outlives it, and
    # would take a second run's messages for replays.
    run = time.time_ns() // 1000 % 10**9
    out = []
    for n in range(count):
        openid = f"oBENCH{n % users:022d}"
        xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
               f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
               f"<MsgId>{run * 10**7 + n}</MsgId></xml>")
        nonce = f"{run}{n:07d}"
        env = xmltodict.parse(crypto.encrypt_message(xml, nonce, str(now)))["xml"]
        body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{env['Encrypt']}]]></Encrypt></xml>"
        signature = hashlib.sha1("".join(sorted([TOKEN, str(now), nonce])).encode()).hexdigest()
        out.append(({"signature": signature, "timestamp": str(now), "nonce": nonce, "openid": openid,
                     "encrypt_type": "aes", "msg_signature": env["MsgSignature"]}, body.encode()))
    return out


async def drive(base: str, path: str, requests: list[tuple[dict, bytes]], concurrency: int,
                check: bool) -> tuple[float, list[float], int]:
    import httpx

    latencies: list[float] = []
    failures = 0
    queue = iter(requests)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for params, body in queue:
            t0 = time.perf_counter()
            res = await client.post(path, params=params, content=body)
            latencies.append(time.perf_counter() - t0)
            if res.status_code != 200 or (check and "<Encrypt>" not in res.text):
                failures += 1

    # One client per connection: httpx's pool with many connections costs more client CPU than the server.
    # They are made and connected before the clock starts: making one takes ~20 ms (an SSL context) and the
    # first request opens the connection; the first requests would pay for that. The client's collector
    # is kept out of the timing too (its pauses showed up as stalls of ~90 ms).
    clients = [httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=1), timeout=30)
               for _ in range(concurrency)]
    await asyncio.gather(*(c.get("/healthz") for c in clients))
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - start
    for c in clients:
        await c.aclose()
    return len(requests) / elapsed, latencies, failures


def breakdown(requests: list[tuple[dict, bytes]], db_url: str, warm: int) -> dict[str, float]:
    """Milliseconds per message of each stage, in this process, one message at a time (no group commit).
    The first ``warm`` messages are not timed: every sender has written before, as in the timed run."""
    from datetime import UTC, datetime

    from bot.app import App
    from bot.wechat import WeChatWebhook, _envelope_encrypt, _Nonce, parse_inbound
    from handlers.dispatch import Dispatcher
    from handlers.settings import Settings
    from handlers.types import Incoming
    from storage.db import init_db, make_engine

    settings = Settings(database_url=db_url, data_key="bench-key", wechat_token=TOKEN, wechat_app_id=APP_ID,
                        wechat_aes_key=AES_KEY, log_level="WARNING")
    engine = make_engine(db_url)
    init_db(engine)
    hook = WeChatWebhook(App(settings=settings, engine=engine, dispatcher=Dispatcher(engine, settings)))
    stages = {"verify+decrypt+parse": 0.0, "replay guard + dispatcher (one transaction)": 0.0}
    timed = 0
    for n, (params, body) in enumerate(requests):
        if n == warm:
            stages = dict.fromkeys(stages, 0.0)
        timed += n >= warm
        t0 = time.perf_counter()
        inbound = parse_inbound(hook._decrypt(_envelope_encrypt(body)))
        t1 = time.perf_counter()
        guard = hook._guard(_Nonce(f"bd{n}:{params['nonce']}", int(params["timestamp"]), inbound.openid))
        hook.app.dispatcher.handle(Incoming(channel="wechat", user_key=inbound.openid, received_at=datetime.now(UTC),
                                            message_key="bd" + inbound.dedupe_key, text=inbound.content), guard=guard)
        t2 = time.perf_counter()
        for stage, dt in zip(stages, (t1 - t0, t2 - t1), strict=True):
            stages[stage] += dt
    engine.dispose()
    return {k: v / max(timed, 1) * 1000 for k, v in stages.items()}


def server_cpu(pid: int) -> float:
    """CPU seconds the server process has used (user + system), from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--users", type=int, default=500, help="distinct senders (default 500)")
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary directory)")
    parser.add_argument("--text", default="菜单", help="what every message says (default 菜单, the menu; a "
                        "question such as 云岭工匠怎么申报 goes through the FAQ search)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.db)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--db", db_url],
                                  cwd=tmp, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            import httpx

            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if httpx.get(base + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            requests = build_requests(args.count + 200, args.users, args.text)
            warm, timed = requests[:200], requests[200:]  # distinct MsgIds and nonces
            asyncio.run(drive(base, "/wechat", warm, args.concurrency, True))
            asyncio.run(drive(base, "/bare", warm, args.concurrency, False))
            cpu = server_cpu(server.pid)
            bare_rate, bare_lat, bare_fail = asyncio.run(drive(base, "/bare", timed, args.concurrency, False))
            bare_cpu, cpu = server_cpu(server.pid) - cpu, server_cpu(server.pid)
            hook_rate, hook_lat, hook_fail = asyncio.run(drive(base, "/wechat", timed, args.concurrency, True))
            hook_cpu = server_cpu(server.pid) - cpu
        finally:
            server.terminate()
            server.wait(timeout=10)
        stages = breakdown(timed[:args.users + 500], f"sqlite:///{Path(tmp) / 'breakdown.db'}" if not args.db
                           else args.db, warm=args.users)

    print(f"WeChat webhook bench: {args.count} encrypted text messages ({args.text!r}), {args.concurrency} "
          f"concurrent connections, {args.users} senders, {db_url.split(':')[0]}")
    print(f"  bare Starlette endpoint : {bare_rate:8.0f} req/s   p50 {pct(bare_lat, 50):6.1f} ms   "
          f"p99 {pct(bare_lat, 99):6.1f} ms   failures {bare_fail}")
    print(f"  /wechat (safe mode)     : {hook_rate:8.0f} msg/s   p50 {pct(hook_lat, 50):6.1f} ms   "
          f"p99 {pct(hook_lat, 99):6.1f} ms   failures {hook_fail}")
    print(f"  server CPU per request  : bare {bare_cpu / len(timed) * 1000:.2f} ms, /wechat "
          f"{hook_cpu / len(timed) * 1000:.2f} ms (the bare rate is bounded by this client, not the server)")
    print("  server work per message, in-process: " + ", ".join(f"{k} {v:.2f} ms" for k, v in stages.items()))
    ratio = hook_rate / bare_rate
    print(f"  ratio {ratio:.0%} (target >= 40 %), p99 {pct(hook_lat, 99):.1f} ms (target <= 100 ms)")
    return 0 if hook_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
