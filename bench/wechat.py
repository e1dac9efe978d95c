"""Encrypted (safe-mode) WeChat messages through the webhook of ``yunling serve``, on loopback.

    .venv/bin/python bench/wechat.py [--users 500] [--per-user 6] [--concurrency 20] [--db URL]
    .venv/bin/python bench/wechat.py --text 菜单 [--count 2000]      # the old single-text run
    .venv/bin/python bench/wechat.py --py-spy /tmp/wechat.raw         # the server profiled over the timed run
    .venv/bin/python bench/wechat.py --search-cache 0                 # no question taken from the search cache

Starts ``yunling serve``'s server in a subprocess (the real ``/wechat`` webhook with the dispatcher and a
SQLite database in a temporary directory, unless ``--db`` is given; no delivery worker) plus a bare
Starlette endpoint (``/bare``, which reads the body) in the same server. The default load is the realistic
mix of ``bench/mix.py``: questions, flow steps and events, each simulated person sending the next message
only once the answer to the previous one came back; ``--concurrency`` people at a time, one connection
each. Every reply is decrypted and compared with the answer the same script gets from the dispatcher
in-process (a reference run on its own database); a reply that differs, an apology, a bare ``success``
(the 4-second deadline missed) or a non-200 is a failure. Prints messages/s, p50/p99 latency, the
server's CPU per message (from /proc: the stable figure on a shared machine) and the bare endpoint's.
The mix draws its questions at random from the blind set, so many repeat (the share is printed): the
search cache answers those without searching (and the facts cache, sized by the same setting, without reading
them again), and ``--search-cache 0`` gives the figure of a mix in which no question repeats.
Targets: server CPU <= 2.5 ms per message on SQLite (<= 4 ms on PostgreSQL), p99 <= 100 ms at 20 in
flight, no failure.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/telegram.py would shadow python-telegram-bot's package for the server's imports.
sys.path = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

TOKEN, APP_ID = "bench-token", "wxbench000000000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


METRICS_TOKEN = "bench-metrics-token"


def serve(port: int, db_url: str, search_cache: int) -> None:
    """``yunling serve``'s own server (no background worker), plus the bare endpoint beside it."""

    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from bot.app import build_app, settle
    from bot.commands.serve import build_server, run_server
    from handlers.settings import Settings

    settings = Settings(database_url=db_url, data_key="bench-key", wechat_token=TOKEN, wechat_app_id=APP_ID,
                        wechat_aes_key=AES_KEY, log_level="WARNING", search_cache_entries=search_cache,
                        metrics_token=METRICS_TOKEN)
    server = build_server(build_app(settings), host="127.0.0.1", port=port, background=False)

    async def bare(request: Request) -> PlainTextResponse:
        await request.body()
        return PlainTextResponse("success")

    server.config.app.router.routes.append(Route("/bare", bare, methods=["POST"]))
    settle()
    run_server(server)


def _load_mix():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_mix", ROOT / "bench" / "mix.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_mix"] = module
    spec.loader.exec_module(module)
    return module


class Envelope:
    """Signs and encrypts push XML as WeChat does; decrypts the passive replies."""

    def __init__(self) -> None:
        from wechatpy.crypto import WeChatCrypto

        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        self.run = time.time_ns() // 1000 % 10**9  # MsgIds and nonces unique to this run (a --db outlives it)
        self.n = 0
        self.last_event: dict[tuple[str, str], int] = {}  # (openid, event and key) -> its last CreateTime

    def xml(self, openid: str, step) -> str:  # type: ignore[no-untyped-def]
        self.n += 1
        now = int(time.time())
        if step.event:
            # Events have no MsgId: WeChat (and the webhook) take the same event, key and second from one
            # person for a retry. A person who taps the same item (or follows) again does so a second later.
            what = (openid, f"{step.event}:{step.key}")
            now = max(now, self.last_event.get(what, 0) + 1)
            self.last_event[what] = now
        head = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
                f"</FromUserName><CreateTime>{now}</CreateTime>")
        if step.event == "subscribe":
            return head + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>"
        if step.event == "click":
            return (head + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
                    f"<EventKey><![CDATA[{step.key}]]></EventKey></xml>")
        return (head + f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{step.text}]]></Content>"
                f"<MsgId>{self.run * 10**7 + self.n}</MsgId></xml>")

    def request(self, xml: str) -> tuple[dict, bytes]:
        import hashlib

        import xmltodict

        now = int(time.time())
        nonce = f"{self.run}{self.n:07d}"
        env = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, str(now)))["xml"]
        body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{env['Encrypt']}]]></Encrypt></xml>"
        signature = hashlib.sha1("".join(sorted([TOKEN, str(now), nonce])).encode()).hexdigest()
        return ({"signature": signature, "timestamp": str(now), "nonce": nonce, "encrypt_type": "aes",
                 "msg_signature": env["MsgSignature"]}, body.encode())

    def content(self, reply_xml: str) -> str | None:
        """The text of a passive reply; None for ``success`` or anything not a text reply."""
        import xmltodict

        if "<Encrypt>" not in reply_xml:
            return None
        envelope = xmltodict.parse(reply_xml)["xml"]
        plain = self.crypto.decrypt_message(reply_xml, envelope["MsgSignature"], envelope["TimeStamp"],
                                            envelope["Nonce"])
        return xmltodict.parse(plain)["xml"].get("Content")


def expected_replies(scripts, db_url: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """What each step of each script should get back, from the dispatcher in-process on its own database,
    built as the webhook builds its Incoming and rendered as its passive reply."""
    from datetime import UTC, datetime

    from bot.wechat.protocol import passive_parts
    from handlers.registry import build_dispatcher
    from handlers.settings import Settings
    from handlers.types import Incoming
    from storage.db import init_db, make_engine

    engine = make_engine(db_url)
    init_db(engine)
    d = build_dispatcher(engine, Settings(database_url=db_url, data_key="bench-key"))
    out = []
    for u, script in enumerate(scripts):
        answers = []
        for i, step in enumerate(script):
            kw: dict = {"text": step.text}
            if step.event == "subscribe":
                kw = {"text": "/start", "event": "subscribe"}
            elif step.event == "click":
                kw = {"choice": step.key, "event": "menu"}
            result = d.handle(Incoming(channel="wechat", user_key=openid_of(u), message_key=f"ref{u}:{i}",
                                       received_at=datetime.now(UTC), **kw))
            answers.append(passive_parts(result.replies, None)[0] if result.replies else "")
        out.append(answers)
    engine.dispose()
    return out


# Openids unique to this run: a --db database outlives it, and a person it already knows would not get the
# first message's privacy notice the reference answers expect.
_RUN = time.time_ns() // 1000 % 10**9


def openid_of(u: int) -> str:
    return f"oB{_RUN:09d}{u:017d}"


# One person's messages whose database statements are counted: what each costs once the person is known
# (their first message, with the privacy notice and the new person's rows, is left out).
COUNTED = (("first message (not counted)", "question", "你好", "", ""),
           ("free-text question", "question", "云岭工匠获得者有什么奖励", "", ""),
           ("question the FAQ abstains on", "question", "技能培训的生活补助是多少", "", ""),
           ("flow entry", "flow", "云岭工匠", "", ""),
           ("flow step", "flow", "2", "", ""),
           ("flow step", "flow", "1", "", ""),
           ("flow cancel", "flow", "取消", "", ""),
           ("event: menu click", "event", "", "click", "cmd:help"),
           ("event: follow", "event", "", "subscribe", ""))


def statement_counts(db_url: str) -> list[tuple[str, int, int]]:
    """(message, statements, commits) of :data:`COUNTED`, sent one after the other through the real webhook
    in this process (the same app as the server's, SQLite's database thread or PostgreSQL's pool): every
    statement sent to the database counts (a SQLAlchemy ``before_cursor_execute`` listener on every engine,
    the chat locks' own included); transaction ends (commits and rollbacks) apart."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    with warnings.catch_warnings():  # Starlette prefers httpx2 for its TestClient; httpx is what we have
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from starlette.applications import Starlette

    from bot.app import build_app, settle
    from bot.wechat.webhook import WeChatWebhook
    from handlers.settings import Settings

    mix = _load_mix()
    settings = Settings(database_url=db_url, data_key="bench-key", wechat_token=TOKEN, wechat_app_id=APP_ID,
                        wechat_aes_key=AES_KEY, log_level="WARNING")
    app = build_app(settings)
    # The index loaded first, as the server does: on a loaded machine the first question's cold start alone
    # could pass the reply deadline ("success" instead of the answer).
    settle()
    hook = WeChatWebhook(app)  # without the start-up recovery (a read of the inbox that is no message's)
    web = Starlette(routes=hook.routes())
    counts = [0, 0]

    def statement(*_args: object) -> None:
        counts[0] += 1

    def end(*_args: object) -> None:
        counts[1] += 1

    env, out = Envelope(), []
    openid = f"oCOUNT{env.run:022d}"
    with TestClient(web) as client:
        client.get("/healthz")
        event.listen(Engine, "before_cursor_execute", statement)
        event.listen(Engine, "commit", end)
        event.listen(Engine, "rollback", end)
        try:
            for label, kind, text, what, key in COUNTED:
                counts[:] = [0, 0]
                params, body = env.request(env.xml(openid, mix.Step(kind, text=text, event=what, key=key)))
                res = client.post("/wechat", params={**params, "openid": openid}, content=body)
                assert res.status_code == 200 and env.content(res.text), (label, res.status_code, res.text[:200])
                out.append((label, *counts))
        finally:
            event.remove(Engine, "before_cursor_execute", statement)
            event.remove(Engine, "commit", end)
            event.remove(Engine, "rollback", end)
    hook.close()
    app.engine.dispose()
    return out[1:]



async def run_clients(base: str, concurrency: int, worker) -> float:  # type: ignore[no-untyped-def]
    """``concurrency`` keep-alive clients, each connected (and the client's collector frozen) before the
    clock starts, each running ``worker(client)``; the seconds it took."""
    import httpx

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
    return elapsed

async def drive_mix(base: str, scripts, expected, concurrency: int):  # type: ignore[no-untyped-def]
    """Each of ``concurrency`` connections plays one person's script at a time, message after answer."""
    import httpx

    env = Envelope()
    latencies: list[float] = []
    answers: list[tuple[int, int, int, str]] = []  # user, step, status, body
    users = iter(range(len(scripts)))

    async def worker(client: httpx.AsyncClient) -> None:
        for u in users:
            for i, step in enumerate(scripts[u]):
                params, body = env.request(env.xml(openid_of(u), step))
                t0 = time.perf_counter()
                res = await client.post("/wechat", params={**params, "openid": openid_of(u)}, content=body)
                latencies.append(time.perf_counter() - t0)
                answers.append((u, i, res.status_code, res.text))

    elapsed = await run_clients(base, concurrency, worker)
    wrong = []
    for u, i, status, text in answers:
        got = env.content(text) if status == 200 else None
        if got is None or got != expected[u][i]:
            wrong.append((u, i, status, got or text, expected[u][i]))
    return len(answers) / elapsed, latencies, wrong


def build_requests(count: int, users: int, text: str = "菜单", first_user: int = 0) -> list[tuple[dict, bytes]]:
    env = Envelope()
    out = []
    for n in range(count):
        openid = openid_of(first_user + n % users)
        params, body = env.request(env.xml(openid, _load_mix().Step("question", text=text)))
        out.append(({**params, "openid": openid}, body))
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
    elapsed = await run_clients(base, concurrency, worker)
    return len(requests) / elapsed, latencies, failures


def server_cpu(pid: int, system: bool = False) -> float:
    """CPU seconds the server process has used (user + system, or system alone), from /proc; 0 where there
    is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[12]) + (0 if system else int(fields[11]))) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds per thread of the server (thread id -> user + system), from /proc."""
    out: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def search_cache(base: str) -> tuple[int, int, int, int]:
    """The server's FAQ search cache (hits, misses) and facts cache (hits, misses) so far, from its /metrics."""
    import urllib.request

    req = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as res:
        body = res.read().decode()
    found = dict.fromkeys(("search hit", "search miss", "facts hit", "facts miss"), 0)
    for line in body.splitlines():
        for key in found:
            cache, result = key.split()
            if line.startswith(f'yunling_{cache}_cache_total{{result="{result}"}}'):
                found[key] = int(float(line.split()[-1]))
    return found["search hit"], found["search miss"], found["facts hit"], found["facts miss"]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> int:
    from handlers.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=500, help="simulated people (default 500)")
    parser.add_argument("--per-user", type=int, default=6, help="messages of each person's script (default 6)")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary directory)")
    parser.add_argument("--text", default="", help="instead of the mix, every message says this (e.g. 菜单); "
                        "replies are then only checked to be encrypted")
    parser.add_argument("--count", type=int, default=2000, help="messages with --text")
    parser.add_argument("--py-spy", metavar="FILE", help="record the server with py-spy (collapsed stacks, "
                        "--format raw) during the timed run; only threads holding the GIL are sampled (a thread "
                        "waiting on the database in C would otherwise count as busy)")
    parser.add_argument("--search-cache", type=int, default=Settings.search_cache_entries, metavar="N",
                        help="the server's YUNLING_SEARCH_CACHE_ENTRIES (default %(default)s; 0: every question "
                        "searched, as if no question were asked twice)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.db, args.search_cache)
        return 0

    if os.environ.get("PYTHONHASHSEED") != "0":
        # The reference answers and the server's must come from processes that iterate sets alike: with
        # different hash seeds, the order of runners-up that score the same can differ.
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], {**os.environ, "PYTHONHASHSEED": "0"})
    mix = _load_mix()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        counted = statement_counts(db_url if args.db else f"sqlite:///{Path(tmp) / 'count.db'}")
        scripts = mix.scripts(args.users, args.per_user)
        expected = None
        if not args.text:
            t0 = time.perf_counter()
            expected = expected_replies(scripts, f"sqlite:///{Path(tmp) / 'reference.db'}")
            print(f"reference answers computed in-process in {time.perf_counter() - t0:.1f} s")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--db", db_url,
                                   "--search-cache", str(args.search_cache)],
                                  cwd=tmp, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            base = f"http://127.0.0.1:{port}"
            mix.wait_healthy(base)
            # Senders the timed run never uses: its people must write for the first time in it, as in the
            # reference run (a first message carries the privacy notice).
            warm = build_requests(200, 200, "你好", first_user=10**6)
            asyncio.run(drive(base, "/wechat", warm, args.concurrency, True))
            asyncio.run(drive(base, "/bare", warm, args.concurrency, False))
            bare_reqs = build_requests(args.count if args.text else sum(map(len, scripts)), args.users, "菜单")
            cpu = server_cpu(server.pid)
            bare_rate, bare_lat, bare_fail = asyncio.run(drive(base, "/bare", bare_reqs, args.concurrency, False))
            bare_cpu, cpu = server_cpu(server.pid) - cpu, server_cpu(server.pid)
            spy = None
            if args.py_spy:
                spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(server.pid),
                                        "--format", "raw", "-r", "200", "--nonblocking", "--gil", "-o", args.py_spy],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1.0)  # attached before the clock starts
            threads, sys_cpu = thread_cpu(server.pid), server_cpu(server.pid, system=True)
            cache_before = search_cache(base)
            if args.text:
                timed = build_requests(args.count, args.users, args.text)
                hook_rate, hook_lat, hook_fail = asyncio.run(drive(base, "/wechat", timed, args.concurrency, True))
                wrong: list = []
                n = len(timed)
            else:
                hook_rate, hook_lat, wrong = asyncio.run(drive_mix(base, scripts, expected, args.concurrency))
                hook_fail, n = len(wrong), len(hook_lat)
            hook_cpu, sys_cpu = server_cpu(server.pid) - cpu, server_cpu(server.pid, system=True) - sys_cpu
            threads = {tid: t - threads.get(tid, 0.0) for tid, t in thread_cpu(server.pid).items()}
            hits, misses, facts_hits, facts_misses = (
                a - b for a, b in zip(search_cache(base), cache_before, strict=True))
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=10)

    what = repr(args.text) if args.text else f"realistic mix ({mix.shares(scripts)})"
    print(f"WeChat webhook bench: {n} encrypted messages, {what}, {args.concurrency} in flight, "
          f"{args.users} senders, {db_url.split(':')[0].split('+')[0]}")
    print(f"  bare Starlette endpoint : {bare_rate:8.0f} req/s   p50 {pct(bare_lat, 50):6.1f} ms   "
          f"p99 {pct(bare_lat, 99):6.1f} ms   failures {bare_fail}")
    print(f"  /wechat (safe mode)     : {hook_rate:8.0f} msg/s   p50 {pct(hook_lat, 50):6.1f} ms   "
          f"p99 {pct(hook_lat, 99):6.1f} ms   failures {hook_fail}" +
          ("" if args.text else " (each reply decrypted and compared with the reference answer)"))
    print(f"  server CPU per message  : /wechat {hook_cpu / n * 1000:.2f} ms (target <= 2.5 ms on SQLite, "
          f"<= 4 ms on PostgreSQL), of which system {sys_cpu / n * 1000:.2f} ms; bare "
          f"{bare_cpu / len(bare_reqs) * 1000:.2f} ms")
    loop_cpu = threads.get(server.pid, 0.0)
    busiest = sorted((t for tid, t in threads.items() if tid != server.pid), reverse=True)
    print(f"  per thread per message  : event loop {loop_cpu / n * 1000:.2f} ms; other threads " +
          ", ".join(f"{t / n * 1000:.2f}" for t in busiest[:3] if t > 0) + " ms")
    questions = [st.text for sc in scripts for st in sc if st.kind == "question"]
    print(f"  FAQ search cache        : {hits} of {hits + misses} searches taken from it (entries "
          f"{args.search_cache}); {1 - len(set(questions)) / max(len(questions), 1):.0%} of this mix's questions "
          "repeat an earlier one" + ("" if args.search_cache else " (--search-cache 0: every question searched)"))
    print(f"  facts cache             : {facts_hits} of {facts_hits + facts_misses} readings of a message taken from it "
          "(the same setting; at least the few texts one message reads twice)")
    print(f"  ratio to bare {hook_rate / bare_rate:.0%}; p99 {pct(hook_lat, 99):.1f} ms (target <= 100 ms)")
    lock = " (PostgreSQL: not counting the chat lock's own connection, BEGIN + lock + read, then ROLLBACK)" \
        if db_url.startswith("postgresql") else ""
    print(f"  database statements per message of a known person (+ commits and rollbacks){lock}: " +
          "; ".join(f"{label} {n} (+{c})" for label, n, c in counted))
    for u, i, status, got, want in wrong[:5]:
        at = next((k for k, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
        at = max(at, 20)  # a slice from at - 20 must not wrap around
        print(f"  WRONG user {u} step {i} (HTTP {status}), from character {at}: got {got[at - 20:at + 80]!r}, "
              f"expected {want[at - 20:at + 80]!r}")
    return 0 if hook_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
