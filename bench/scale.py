"""Scale-out on one PostgreSQL server: 1 and then 2 ``yunling serve`` processes behind the WeChat and Telegram
webhooks, under a realistic mix from distinct users walking multi-step conversations.

    python bench/scale.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        [--users 500] [--messages 3000] [--connections 40] [--processes 1,2]

For each process count, a fresh database is created on the server (and dropped after). The processes are
the real command line, ``python -m bot.cli serve --host 127.0.0.1 --port P`` (the first with the delivery
worker and scheduler, the others ``--no-background``), with ``/metrics`` on, as deployed. Telegram's Bot API
and WeChat's API are the local stand-ins of tests/; all traffic stays on 127.0.0.1.

Users: half WeChat (safe mode, encrypted), half Telegram (webhook with its secret). Each user has a script of
messages: about 60 % free-text questions (tests/data/questions.jsonl, through the real search), 30 % flow
answers (menu, a section, a choice, cancel), 10 % events (WeChat: subscribe / menu click; Telegram: /start).
``--connections`` clients each walk one user's script at a time, message after message as a person does:
WeChat waits for the HTTP reply, Telegram for the webhook's 200. Messages go to the processes in turn, so a
user's consecutive messages land on different processes (the hard case for ordering).

Printed per process count: messages/s, p50/p99 of the HTTP answer, errors, and from the database afterwards:
lost (acknowledged but never processed), duplicated (processed twice: the dedupe table's key is unique, so
this counts extra replies at the Telegram stand-in), per-user order violations (a user's messages processed
in another order than sent, from ``processed_message.processed_at``), and server CPU per message. Where the
CPU went, in cores over the run: each server process, PostgreSQL (its postmaster and backends, when the
server runs on this machine), this client with the stand-ins, and the machine's other users (all busy CPU
of /proc/stat less those), with the load average: on a shared machine, what the CPU allowed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]  # bench/telegram.py shadows
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from standins import serve as serve_standin  # noqa: E402
from telegram_standin import TOKEN as TG_TOKEN  # noqa: E402
from telegram_standin import TelegramStandIn, text_update  # noqa: E402
from wechat_standin import APP_ID, APP_SECRET, WeChatStandIn  # noqa: E402

from storage.db import make_engine  # noqa: E402

WX_TOKEN, AES_KEY = "scale-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TG_SECRET, DATA_KEY, METRICS_TOKEN = "scale-secret", "scale-data-key", "scale-metrics"
FLOW_STEPS = ("菜单", "1", "1", "取消", "菜单", "2", "取消")
EVENT_KINDS = ("subscribe", "click")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def postgres_pid(url: str) -> int | None:
    """The postmaster of the server at ``url``, when it runs on this machine (its data directory is readable)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            data = conn.execute(text("SHOW data_directory")).scalar()
        return int((Path(str(data)) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    finally:
        engine.dispose()


def tree_cpu(pid: int | None) -> float:
    """CPU seconds of a server and its children (PostgreSQL's backends): live ones, and those ended (reaped
    into the parent's children's time)."""
    if pid is None:
        return 0.0
    f = _stat(pid)
    if f is None:
        return 0.0
    ticks = sum(int(x) for x in f[11:15])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (c := _stat(int(entry.name))) is not None and c[1] == str(pid):
            ticks += sum(int(x) for x in c[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every core (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK"), sum(fields) / os.sysconf("SC_CLK_TCK")


def scripts(users: int, messages: int, seed: int = 20) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(channel, user key, [(kind, text)]) per user: the mix drawn per message, flows walked in order."""
    rng = random.Random(seed)
    questions = [json.loads(line)["question"] for line in (ROOT / "tests/data/questions.jsonl").open(encoding="utf-8")]
    per_user = max(1, messages // users)
    out = []
    for u in range(users):
        channel = "wechat" if u % 2 == 0 else "telegram"
        key = f"oSCALE{u:022d}" if channel == "wechat" else str(2_000_000 + u)
        steps: list[tuple[str, str]] = []
        flow_at = rng.randrange(len(FLOW_STEPS))
        for _ in range(per_user):
            r = rng.random()
            if r < 0.6:
                steps.append(("question", rng.choice(questions)))
            elif r < 0.9:
                steps.append(("flow", FLOW_STEPS[flow_at % len(FLOW_STEPS)]))
                flow_at += 1
            else:
                steps.append(("event", rng.choice(EVENT_KINDS) if channel == "wechat" else "/start"))
        out.append((channel, key, steps))
    return out


class WeChatClient:
    """Builds signed, encrypted pushes with wechatpy (as WeChat's servers do)."""

    def __init__(self) -> None:
        from wechatpy.crypto import WeChatCrypto

        self.crypto = WeChatCrypto(WX_TOKEN, AES_KEY, APP_ID)
        self.seq = int(time.time() * 1000) % 10**9 * 1000

    def request(self, openid: str, kind: str, body: str) -> tuple[dict, bytes, str]:
        import xmltodict

        self.seq += 1
        now = int(time.time())
        head = (f"<ToUserName><![CDATA[gh_scale]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{now}</CreateTime>")
        if kind == "event":
            event = "subscribe" if body == "subscribe" else "CLICK"
            event_key = "" if event == "subscribe" else "cmd:help"
            # Events have no MsgId: the webhook's dedupe key is sender + CreateTime + event + EventKey
            # (bot/wechat/protocol.py); one per second per user.
            xml = (f"<xml>{head}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
                   f"<EventKey><![CDATA[{event_key}]]></EventKey></xml>")
            key = f"wx:{openid}:{now}:{event.lower()}:{event_key}"
        else:
            xml = (f"<xml>{head}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{body}]]></Content>"
                   f"<MsgId>{self.seq}</MsgId></xml>")
            key = f"wx:{self.seq}"
        nonce = str(self.seq)
        env = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, str(now)))["xml"]
        payload = f"<xml><ToUserName><![CDATA[gh_scale]]></ToUserName><Encrypt><![CDATA[{env['Encrypt']}]]></Encrypt></xml>"
        signature = hashlib.sha1("".join(sorted([WX_TOKEN, str(now), nonce])).encode()).hexdigest()
        return ({"signature": signature, "timestamp": str(now), "nonce": nonce, "openid": openid,
                 "encrypt_type": "aes", "msg_signature": env["MsgSignature"]}, payload.encode(), key)


async def drive(bases: list[str], plan: list, connections: int, telegram_on_first: bool = False) -> dict:
    wx = WeChatClient()
    latencies: list[float] = []
    by_channel: dict[str, list[float]] = {"wechat": [], "telegram": []}
    errors: list[str] = []
    sent: dict[str, list[str]] = defaultdict(list)  # user -> message keys in the order acknowledged
    acked: set[str] = set()
    users = iter(plan)
    turn = [0]
    update_ids = iter(range(50_000_000 + int(time.time()) % 10**6 * 100, 10**12))

    async def client(https: list[httpx.AsyncClient]) -> None:
        for channel, key, steps in users:
            last_event = 0.0
            for kind, body in steps:
                http = https[turn[0] % len(https)]
                turn[0] += 1
                if channel == "telegram" and telegram_on_first:
                    http = https[0]  # --telegram-on-one
                if channel == "wechat":
                    if kind == "event":  # one event per user per second (the key has CreateTime in seconds)
                        await asyncio.sleep(max(0.0, 1.05 - (time.monotonic() - last_event)))
                        last_event = time.monotonic()
                    params, payload, mkey = wx.request(key, kind, body)
                    t0 = time.perf_counter()
                    try:
                        r = await http.post("/wechat", params=params, content=payload)
                    except httpx.HTTPError as exc:
                        errors.append(type(exc).__name__)
                        continue
                    ok = r.status_code == 200 and ("<Encrypt>" in r.text or r.text == "success")
                else:
                    uid = next(update_ids)
                    mkey = f"tg:{uid}"
                    update = text_update(int(key), body, update_id=uid)
                    t0 = time.perf_counter()
                    try:
                        r = await http.post("/telegram", json=update,
                                            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
                    except httpx.HTTPError as exc:
                        errors.append(type(exc).__name__)
                        continue
                    ok = r.status_code == 200
                latencies.append(time.perf_counter() - t0)
                by_channel[channel].append(latencies[-1])
                if ok:
                    sent[f"{channel}:{key}"].append(mkey)
                    acked.add(mkey)
                else:
                    errors.append(f"{channel} {r.status_code}")

    https_per_client = [[httpx.AsyncClient(base_url=b, timeout=30, limits=httpx.Limits(max_connections=1))
                         for b in bases] for _ in range(connections)]
    start = time.perf_counter()
    await asyncio.gather(*(client(h) for h in https_per_client))
    seconds = time.perf_counter() - start
    for group in https_per_client:
        for c in group:
            await c.aclose()
    return {"seconds": seconds, "latencies": latencies, "errors": errors, "sent": sent, "acked": acked,
            "latency_by_channel": by_channel}


def start_servers(n: int, url: str, wx_api: str, tg_api: str, cwd: Path) -> list[tuple[subprocess.Popen, str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YUNLING_DATABASE_URL": url, "YUNLING_DATA_KEY": DATA_KEY,
           "YUNLING_WECHAT_TOKEN": WX_TOKEN, "YUNLING_WECHAT_APP_ID": APP_ID, "YUNLING_WECHAT_AES_KEY": AES_KEY,
           "YUNLING_WECHAT_APP_SECRET": APP_SECRET, "YUNLING_WECHAT_API_BASE_URL": wx_api,
           "YUNLING_TELEGRAM_TOKEN": TG_TOKEN, "YUNLING_TELEGRAM_BASE_URL": tg_api,
           "YUNLING_TELEGRAM_WEBHOOK_SECRET": TG_SECRET, "YUNLING_METRICS_TOKEN": METRICS_TOKEN,
           "YUNLING_LOG_LEVEL": "WARNING"}
    out = []
    for i in range(n):
        port = free_port()
        argv = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if i > 0:
            argv.append("--no-background")
        out.append((subprocess.Popen(argv, cwd=cwd, env=env), f"http://127.0.0.1:{port}"))
        try:
            if i == 0:  # the first migrates the schema; the others start on it
                wait_healthy(out[-1][1])
        except BaseException:
            stop_servers(out)
            raise
    try:
        for _p, base in out:
            wait_healthy(base)
    except BaseException:
        stop_servers(out)
        raise
    return out


def stop_servers(servers: list[tuple[subprocess.Popen, str]]) -> None:
    for p, _b in servers:
        p.send_signal(signal.SIGTERM)
    for p, _b in servers:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base} did not become healthy")


def outcome(url: str, sent: dict[str, list[str]], acked: set[str], settle_s: float, quiet: bool = False) -> dict:
    """Wait for queued (Telegram) messages to be processed, then read the processing order per user."""
    engine = make_engine(url)
    deadline = time.monotonic() + settle_s
    processed: dict[str, object] = {}
    while True:
        with engine.connect() as conn:
            processed = {k: t for k, t in conn.execute(text("SELECT message_key, processed_at FROM processed_message"))}
        if acked <= processed.keys() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    engine.dispose()
    missing = acked - processed.keys()
    lost = len(missing)
    if missing and not quiet:
        print("    not processed, e.g.: " + ", ".join(sorted(missing)[:4]))
    by_channel: dict[str, int] = {"wechat": 0, "telegram": 0}
    for user, keys in sent.items():
        times = [processed[k] for k in keys if k in processed]
        by_channel[user.split(":")[0]] += sum(1 for a, b in itertools.pairwise(times) if b < a)  # type: ignore[operator]
    return {"lost": lost, "violations": sum(by_channel.values()), "by_channel": by_channel}


def run_once(admin_url: str, n: int, plan: list, connections: int, wx_api: str, tg: TelegramStandIn,
             tmp: Path, telegram_on_first: bool = False) -> dict:
    name = "yunling_scale_" + uuid.uuid4().hex[:8]
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    tg.calls.clear()
    servers = start_servers(n, url, wx_api, tg.url, tmp)  # type: ignore[attr-defined]
    try:
        cpu0 = [cpu_seconds(p.pid) for p, _b in servers]
        pg_pid = postgres_pid(url)
        pg0, machine0, wall0 = tree_cpu(pg_pid), machine_cpu(), time.perf_counter()
        own0 = time.process_time()
        result = asyncio.run(drive([b for _p, b in servers], plan, connections, telegram_on_first))
        result["client_cpu"] = time.process_time() - own0
        result["backlog"] = outcome(url, {}, result["acked"], settle_s=0, quiet=True)["lost"]
        # Queued Telegram updates are still handled: wait (bounded), then stop the servers gracefully
        # (they finish what they received) and count what was never processed.
        outcome(url, {}, result["acked"], settle_s=120, quiet=True)
        result["cpu_each"] = [cpu_seconds(p.pid) - c0 for (p, _b), c0 in zip(servers, cpu0, strict=True)]
        result["cpu"] = sum(result["cpu_each"])  # including the queued work
        result["window"] = time.perf_counter() - wall0
        result["client_cpu_all"] = time.process_time() - own0
        result["pg_cpu"] = tree_cpu(pg_pid) - pg0 if pg_pid else None
        machine1 = machine_cpu()
        result["machine_busy"] = machine1[0] - machine0[0]
        result["machine_all"] = machine1[1] - machine0[1]
        result["load"] = os.getloadavg()[0]
    finally:
        stop_servers(servers)
    try:
        result.update(outcome(url, result["sent"], result["acked"], settle_s=0))
        tg_updates = sum(len(k) for u, k in result["sent"].items() if u.startswith("telegram:"))
        replies = len(tg.of("sendMessage", "sendDocument", "sendPhoto"))
        result["tg_replies"], result["tg_updates"] = replies, tg_updates
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return result


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="PostgreSQL URL of a database to connect to for CREATE DATABASE")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--messages", type=int, default=3000, help="total messages (spread over the users)")
    parser.add_argument("--connections", type=int, default=40, help="users active at a time")
    parser.add_argument("--processes", default="1,2", help="process counts to measure (default 1,2)")
    parser.add_argument("--telegram-on-one", action="store_true", help="send every Telegram update to the first "
                        "process (what deploy/nginx did before a chat's order held across processes), to compare")
    args = parser.parse_args()
    if not args.db.startswith("postgresql"):
        raise SystemExit("--db must be a PostgreSQL URL: the scale-out is measured on one PostgreSQL server")
    plan = scripts(args.users, args.messages)
    kinds = [k for _c, _u, steps in plan for k, _t in steps]
    mix = {k: kinds.count(k) / len(kinds) for k in ("question", "flow", "event")}
    print(f"load average before: {os.getloadavg()[0]:.1f} (this machine's other users share its CPUs)")
    print(f"scale bench: {len(kinds)} messages from {args.users} users (WeChat and Telegram, half each), mix "
          + ", ".join(f"{k} {v:.0%}" for k, v in mix.items())
          + f"; {args.connections} users at a time; {os.cpu_count()} CPUs; PostgreSQL")
    import tempfile

    rates: dict[int, float] = {}
    wx_standin = WeChatStandIn().start()
    tg = TelegramStandIn()
    try:
        with serve_standin(tg.app()) as tg_url, tempfile.TemporaryDirectory() as tmp:
            tg.url = tg_url  # type: ignore[attr-defined]
            for n in (int(x) for x in args.processes.split(",")):
                r = run_once(args.db, n, plan, args.connections, wx_standin.base_url, tg, Path(tmp),
                             args.telegram_on_one)
                count = len(r["latencies"])
                rates[n] = count / r["seconds"]
                print(f"  {n} process{'es' if n > 1 else ''}: {rates[n]:6.0f} msg/s   p50 {pct(r['latencies'], 50):6.1f} ms"
                      f"   p99 {pct(r['latencies'], 99):7.1f} ms   errors {len(r['errors'])}   queued at the end {r['backlog']}   lost {r['lost']}"
                      f"   order violations {r['violations']}   server CPU {r['cpu'] / max(count, 1) * 1000:.1f} ms/msg"
                      f"   Telegram replies {r['tg_replies']} for {r['tg_updates']} updates")
                print(f"    CPU busy: servers {r['cpu'] / r['seconds']:.2f} cores, this client and the stand-ins "
                      f"{r['client_cpu'] / r['seconds']:.2f} cores (of {os.cpu_count()}); violations by channel: "
                      + ", ".join(f"{c} {v}" for c, v in r["by_channel"].items()))
                w = r["window"]
                pg = f"{r['pg_cpu'] / w:.2f}" if r["pg_cpu"] is not None else "? (not on this machine)"
                others = r["machine_busy"] - r["cpu"] - r["client_cpu_all"] - (r["pg_cpu"] or 0.0)
                print(f"    over the {w:.0f} s of sending and settling, in cores: servers "
                      + " + ".join(f"{c / w:.2f}" for c in r["cpu_each"]) + f", PostgreSQL {pg}, this client and the "
                      f"stand-ins {r['client_cpu_all'] / w:.2f}, other users of the machine {others / w:.2f}; machine "
                      f"busy {r['machine_busy'] / w:.2f} of {r['machine_all'] / w:.0f} (load average {r['load']:.1f}); "
                      f"CPU per message: servers {r['cpu'] / max(count, 1) * 1000:.1f} ms, PostgreSQL "
                      + (f"{r['pg_cpu'] / max(count, 1) * 1000:.1f} ms" if r["pg_cpu"] is not None else "?"))
                print("    HTTP answer by channel: " + ", ".join(
                    f"{c} p50 {pct(v, 50):.1f} ms p99 {pct(v, 99):.1f} ms" for c, v in r["latency_by_channel"].items()))
                if r["errors"]:
                    print("    errors: " + ", ".join(sorted(set(r["errors"])))[:300])
    finally:
        wx_standin.stop()
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if 1 in rates and 2 in rates:
        print(f"  2 processes / 1 process: {rates[2] / rates[1]:.2f}x (target >= 1.6x when CPU allows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
