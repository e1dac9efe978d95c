"""Acknowledged means kept: ``kill -9`` a real ``yunling serve`` in the middle of a flood, restart it, count.

    .venv/bin/python bench/crash.py [--count 1500] [--kill-after 500] [--pg postgresql+psycopg://…/postgres]
                                    [--legs telegram,wechat,wechat-slow]

Per leg, on a fresh database (SQLite in a temporary directory, and with ``--pg`` also a fresh database on
that PostgreSQL server): starts ``python -m bot.cli serve`` against the local Telegram Bot API and WeChat
API stand-ins (``tests/telegram_standin.py``, ``tests/wechat_standin.py``, served by this process on
127.0.0.1), floods it with ``--count`` updates from as many people (one message each, so every reply
names its update), ``kill -9``s it once ``--kill-after`` of them are acknowledged, starts it again, sends
again what was not acknowledged (as the platforms do), waits until the inbox and the outbox are empty and
the replies stop, and counts:

* acknowledged but never processed (no ``processed_message`` row): must be 0;
* processed twice: a person answered more than once other than by a reply row the delivery worker sent
  again from the outbox (a second handling would send its own replies too): must be 0;
* answered twice: a reply the dead process sent but had not yet marked sent, sent again from the outbox
  after the grace (the at-least-once window of a direct send);
* acknowledged and processed but never answered (the reply was lost between the commit and the send).

Legs: ``telegram`` (webhook: acknowledged = HTTP 200); ``wechat`` (safe mode, the 4-second deadline:
acknowledged = a passive reply or ``success``); ``wechat-slow`` (a reply deadline of 1 ms, so answers come
after it: ``success``, then customer-service messages). Prints one line of figures per leg.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/telegram.py would shadow python-telegram-bot's package; the stand-ins live in tests/.
sys.path = [str(ROOT), str(ROOT / "tests"), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from storage.db import make_engine  # noqa: E402

TG_SECRET = "crash-bench-Secret"
WX_TOKEN, WX_AES = "crashbench", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DATA_KEY = "crash-bench-data-key"
SETTLE_S = 3.0  # the replies count as final when nothing changed for this long
MAX_WAIT_S = 300.0  # bound on waiting for a leg to settle (late WeChat replies wait 60 s in the outbox)


@dataclass
class Leg:
    name: str
    db: str
    sent: int = 0
    acked: set[str] = field(default_factory=set)  # people whose update was acknowledged
    passive: Counter[str] = field(default_factory=Counter)  # WeChat passive replies per person
    late_acks: int = 0  # WeChat "success"
    ack_rate: float = 0.0
    cpu_s: float = 0.0
    recovered: int = 0
    killed_at: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """``python -m bot.cli serve`` in a subprocess, its log in a file."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env, self.workdir, self.port = env, workdir, free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        log = (self.workdir / f"serve{self.starts}.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port)], cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180  # a loaded 2-CPU machine takes a while to load the knowledge index
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode}; see {log.name}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("serve did not start within 180 s")

    def kill(self) -> float:
        assert self.proc is not None
        cpu = cpu_of(self.proc.pid)
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return cpu

    def stop(self) -> float:
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        cpu = cpu_of(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return cpu


# -- requests ------------------------------------------------------------------------------------------
def telegram_requests(count: int, run: int) -> list[tuple[str, dict, bytes]]:
    from telegram_standin import text_update

    out = []
    for n in range(count):
        chat = 10_000_000 + n
        body = json.dumps(text_update(chat, "菜单", update_id=run * 10_000 + n)).encode()
        out.append((str(chat), {}, body))
    return out


def wechat_requests(count: int, run: int, attempt: int = 0) -> list[tuple[str, dict, bytes]]:
    """One text message per person; ``attempt`` > 0: WeChat's retry of the same messages (fresh nonces)."""
    import xmltodict
    from wechat_standin import APP_ID
    from wechatpy.crypto import WeChatCrypto

    crypto = WeChatCrypto(WX_TOKEN, WX_AES, APP_ID)
    now = int(time.time())
    out = []
    for n in range(count):
        openid = f"oCRASH{run % 10**6:06d}{n:016d}"
        xml = (f"<xml><ToUserName><![CDATA[gh_crash]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
               f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[菜单]]></Content>"
               f"<MsgId>{run * 10**6 + n}</MsgId></xml>")
        nonce = f"{run}{attempt}{n:07d}"
        env = xmltodict.parse(crypto.encrypt_message(xml, nonce, str(now)))["xml"]
        body = f"<xml><ToUserName><![CDATA[gh_crash]]></ToUserName><Encrypt><![CDATA[{env['Encrypt']}]]></Encrypt></xml>"
        signature = hashlib.sha1("".join(sorted([WX_TOKEN, str(now), nonce])).encode()).hexdigest()
        out.append((openid, {"signature": signature, "timestamp": str(now), "nonce": nonce, "openid": openid,
                             "encrypt_type": "aes", "msg_signature": env["MsgSignature"]}, body.encode()))
    return out


async def flood(leg: Leg, server: Server, path: str, requests: list[tuple[str, dict, bytes]], *,
                kill_after: int | None, concurrency: int = 32) -> None:
    """Send ``requests`` (once each), recording acknowledgements; with ``kill_after``, SIGKILL the server as
    soon as that many are acknowledged (requests in flight then fail: not acknowledged)."""
    headers = {"content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    queue = iter(requests)
    killed = asyncio.Event()
    t0, acked0 = time.perf_counter(), len(leg.acked)

    async def worker(client: httpx.AsyncClient) -> None:
        for who, params, body in queue:
            if killed.is_set():
                return
            leg.sent += 1
            try:
                r = await client.post(path, params=params, content=body, headers=headers)
            except httpx.HTTPError:
                continue  # the server died under this request: not acknowledged
            if r.status_code != 200:
                continue
            leg.acked.add(who)
            if path == "/wechat":
                if r.text == "success":
                    leg.late_acks += 1
                else:
                    leg.passive[who] += 1
            if kill_after is not None and len(leg.acked) >= kill_after and not killed.is_set():
                killed.set()
                leg.killed_at = len(leg.acked)
                leg.ack_rate = (len(leg.acked) - acked0) / (time.perf_counter() - t0)
                leg.cpu_s += server.kill()

    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(httpx.AsyncClient(base_url=server.url, timeout=30,
                                                                     limits=httpx.Limits(max_connections=1)))
                   for _ in range(concurrency)]
        await asyncio.gather(*(worker(c) for c in clients))


def reader(url: str):  # type: ignore[no-untyped-def]
    """A plain engine for counting: storage.db's SQLite engine begins every transaction IMMEDIATE (a write
    lock), which would compete with the server."""
    return create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})


def resent_replies(url: str) -> Counter[str]:
    """Reply rows the delivery worker sent, by message key (``tg:<update>``, ``wx:<id>``)."""
    engine = reader(url)
    try:
        with engine.connect() as conn:
            # Rows the worker sent were claimed (claimed_at); rows marked sent after a direct send were not.
            rows = conn.execute(text("SELECT dedupe_key FROM outbox WHERE kind = 'reply' AND status = 'sent' "
                                     "AND claimed_at IS NOT NULL")).all()
    finally:
        engine.dispose()
    return Counter(":".join(k.split(":")[:2]) for (k,) in rows)


def db_counts(url: str, channel: str) -> tuple[set[str], int, int]:
    """(processed message keys of ``channel``, inbox rows, open outbox rows)."""
    engine = reader(url)
    try:
        with engine.connect() as conn:
            keys = {k for (k,) in conn.execute(text("SELECT message_key FROM processed_message WHERE channel = :c"),
                                               {"c": channel})}
            inbox = conn.execute(text("SELECT count(*) FROM inbox")).scalar_one()
            outbox = conn.execute(text("SELECT count(*) FROM outbox WHERE status IN ('pending','sending','failed')"
                                       )).scalar_one()
    finally:
        engine.dispose()
    return keys, int(inbox), int(outbox)


def inbox_rows_now(url: str) -> int:
    engine = reader(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM inbox")).scalar_one())
    finally:
        engine.dispose()


async def run_leg(kind: str, db_url: str, count: int, kill_after: int, tg_standin, wx_standin,  # type: ignore[no-untyped-def]
                  workdir: Path) -> str:
    from wechat_standin import APP_ID, APP_SECRET

    leg = Leg(kind, db_url)
    run = time.time_ns() // 1000 % 10**6
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YUNLING_DATABASE_URL": db_url, "YUNLING_DATA_KEY": DATA_KEY,
           "YUNLING_LOG_LEVEL": "WARNING", "YUNLING_CLERKS": ""}
    if kind == "telegram":
        env.update(YUNLING_TELEGRAM_TOKEN=tg_standin.token, YUNLING_TELEGRAM_BASE_URL=tg_standin.url,
                   YUNLING_TELEGRAM_WEBHOOK_SECRET=TG_SECRET)
        requests, path, channel = telegram_requests(count, run), "/telegram", "telegram"
        keys = {who: f"tg:{json.loads(body)['update_id']}" for who, _p, body in requests}
    else:
        env.update(YUNLING_WECHAT_TOKEN=WX_TOKEN, YUNLING_WECHAT_AES_KEY=WX_AES, YUNLING_WECHAT_APP_ID=APP_ID,
                   YUNLING_WECHAT_APP_SECRET=APP_SECRET, YUNLING_WECHAT_API_BASE_URL=wx_standin.base_url,
                   YUNLING_WECHAT_REPLY_DEADLINE_S="0.001" if kind == "wechat-slow" else "4.0")
        requests, path, channel = wechat_requests(count, run), "/wechat", "wechat"
        keys = {who: f"wx:{run * 10**6 + n}" for n, (who, _p, _b) in enumerate(requests)}
    server = Server(env, workdir)
    server.start()
    await flood(leg, server, path, requests, kill_after=kill_after)
    left_in_inbox = inbox_rows_now(db_url)
    server.start()  # the restart: it finds the inbox rows of the dead process
    # The platforms send again what they had no acknowledgement for.
    again = requests if kind == "telegram" else wechat_requests(count, run, attempt=1)
    await flood(leg, server, path, [r for r in again if r[0] not in leg.acked], kill_after=None)

    def answers() -> Counter[str]:
        if kind == "telegram":
            return Counter(c.chat for c in tg_standin.of("sendMessage") if c.chat in keys)
        got = Counter(m.get("touser", "") for m in wx_standin.sent("message/custom/send")
                      if m.get("touser", "") in keys)
        return got + leg.passive

    deadline, last, stable_since = time.monotonic() + MAX_WAIT_S, None, time.monotonic()
    while time.monotonic() < deadline:
        processed, inbox, outbox = db_counts(db_url, channel)
        now = (sum(answers().values()), len(processed), inbox, outbox)
        if now != last:
            last, stable_since = now, time.monotonic()
        elif inbox == 0 and outbox == 0 and time.monotonic() - stable_since >= SETTLE_S:
            break
        await asyncio.sleep(0.5)
    leg.cpu_s += server.stop()
    processed, inbox, outbox = db_counts(db_url, channel)
    got = answers()
    acked = leg.acked
    unprocessed = sum(1 for who in acked if keys[who] not in processed)
    resent = resent_replies(db_url)
    twice = sum(1 for who in keys if got[who] - resent[keys[who]] > 1)
    answered_twice = sum(1 for who in keys if got[who] > 1)
    unanswered = sum(1 for who in acked if keys[who] in processed and got[who] == 0)
    never = sum(1 for who in keys if keys[who] not in processed)
    extra = f", {leg.late_acks} answered 'success'" if kind.startswith("wechat") else ""
    return (f"{kind:12s} {'postgresql' if db_url.startswith('postgresql') else 'sqlite':10s} "
            f"killed after {leg.killed_at} acks ({leg.ack_rate:.0f} acks/s{extra}); inbox rows left by the dead "
            f"process {left_in_inbox}; after restart: acknowledged {len(acked)}/{count}, acknowledged but "
            f"unprocessed {unprocessed}, processed twice {twice}, answered twice {answered_twice}, processed but "
            f"unanswered {unanswered}, never "
            f"processed {never}; inbox {inbox}, open outbox {outbox}; server CPU {leg.cpu_s:.1f} s "
            f"({leg.cpu_s / max(count, 1) * 1000:.1f} ms/update)")


@contextlib.contextmanager
def fresh_pg(url: str):  # type: ignore[no-untyped-def]
    name = "crash_" + uuid.uuid4().hex[:10]
    admin = make_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1500, help="updates per leg (default 1500)")
    parser.add_argument("--kill-after", type=int, default=500, help="kill -9 after this many acks (default 500)")
    parser.add_argument("--pg", metavar="URL", help="also run every leg on a fresh database of this server")
    parser.add_argument("--legs", default="telegram,wechat,wechat-slow")
    parser.add_argument("--no-sqlite", action="store_true", help="with --pg: PostgreSQL only")
    args = parser.parse_args()
    if args.kill_after >= args.count:
        parser.error("--kill-after must be below --count")

    from standins import serve
    from telegram_standin import TelegramStandIn
    from wechat_standin import WeChatStandIn

    tg_standin = TelegramStandIn()
    wx_standin = WeChatStandIn().start()
    print(f"{args.count} updates per leg, kill -9 after {args.kill_after} acknowledgements, restart; "
          f"one update per person", flush=True)
    try:
        with serve(tg_standin.app()) as tg_url, tempfile.TemporaryDirectory() as tmp:
            tg_standin.url = tg_url  # type: ignore[attr-defined]
            # A killed server leaves requests to the stand-ins half sent: uvicorn logs each with a traceback.
            logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
            for kind in args.legs.split(","):
                with contextlib.ExitStack() as stack:
                    urls = [] if args.no_sqlite and args.pg else [f"sqlite:///{Path(tmp) / (kind + '.db')}"]
                    if args.pg:
                        urls.append(stack.enter_context(fresh_pg(args.pg)))
                    for url in urls:
                        print(asyncio.run(run_leg(kind, url, args.count, args.kill_after, tg_standin, wx_standin,
                                                  Path(tmp))), flush=True)
    finally:
        wx_standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
