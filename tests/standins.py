"""Local HTTP stand-ins of remote services, reusable by any test or bench script.

* :func:`serve` runs any ASGI app under uvicorn on 127.0.0.1 with a random port, in a thread.
* :class:`BotApiStandIn` answers Telegram Bot API ``sendMessage`` calls, records every request (chat,
  text, arrival time) and can be told to answer some chats with errors (429 with retry_after, 403, 400,
  500) or to be slow.
* :class:`BotApiHttpSender` is a sender (``bot.senders`` contract) speaking that API over httpx, with the
  Bot API's error mapping; the delivery tests, the kill test and ``bench/broadcast.py`` drive it.

``python tests/standins.py worker --db URL --base-url URL`` runs a delivery worker in its own process
(the kill test starts and SIGKILLs it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.senders import Permanent, Recipient, RetryAfter, Transient, Unreachable
from handlers.types import Reply


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` on 127.0.0.1:<random port> in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit TCP_NODELAY: without it a response written in two pieces waits for the
    # client's delayed ACK (~40 ms per request).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                           backlog=4096))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("stand-in server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class Hit:
    chat: str
    text: str
    at: float  # time.monotonic() at arrival


@dataclass
class BotApiStandIn:
    """A Telegram Bot API stand-in. ``script[chat_id]`` lists (status, json) answers used in turn."""

    token: str = "TEST:TOKEN"
    delay: float = 0.0  # seconds each answer takes
    script: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=lambda: defaultdict(list))
    hits: list[Hit] = field(default_factory=list)  # successful deliveries
    requests: int = 0

    def app(self) -> Starlette:
        return Starlette(routes=[Route(f"/bot{self.token}/sendMessage", self._send, methods=["POST"]),
                                 Route("/stats", self._stats), Route("/dump", self._dump)])

    async def _send(self, request: Request) -> JSONResponse:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        else:  # python-telegram-bot posts form data
            body = dict(parse_qsl((await request.body()).decode()))
        chat, text = str(body.get("chat_id", "")), str(body.get("text", ""))
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        steps = self.script.get(chat)
        if steps:
            status, payload = steps.pop(0)
            if status != 200:
                return JSONResponse(payload, status_code=status)
        if not chat or not text:
            return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: text is empty"}, 400)
        self.hits.append(Hit(chat, text, time.monotonic()))
        return JSONResponse({"ok": True, "result": {  # a whole Message: python-telegram-bot parses it
            "message_id": len(self.hits), "date": int(time.time()), "text": text,
            "chat": {"id": int(chat) if chat.lstrip("-").isdigit() else chat, "type": "private"}}})

    async def _stats(self, _request: Request) -> JSONResponse:
        return JSONResponse({"delivered": len(self.hits), "requests": self.requests})

    async def _dump(self, _request: Request) -> JSONResponse:
        return JSONResponse({"hits": [[h.chat, h.at] for h in self.hits]})

    @classmethod
    def from_dump(cls, data: dict[str, Any]) -> BotApiStandIn:
        """A copy holding the hits another process's stand-in returned from ``/dump``."""
        copy = cls()
        copy.hits = [Hit(chat, "", at) for chat, at in data["hits"]]
        return copy

    def per_chat(self) -> Counter[str]:
        return Counter(h.chat for h in self.hits)

    def max_in_window(self, window: float = 1.0) -> int:
        """The most deliveries that arrived within any ``window`` seconds."""
        times = sorted(h.at for h in self.hits)
        best, j = 0, 0
        for i, t in enumerate(times):
            while t - times[j] >= window:
                j += 1
            best = max(best, i - j + 1)
        return best

    def min_chat_gap(self) -> float | None:
        """The shortest time between two deliveries to the same chat."""
        last: dict[str, float] = {}
        gap: float | None = None
        for h in sorted(self.hits, key=lambda h: h.at):
            if h.chat in last:
                d = h.at - last[h.chat]
                gap = d if gap is None else min(gap, d)
            last[h.chat] = h.at
        return gap


def retry_after(seconds: int) -> tuple[int, dict[str, Any]]:
    return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {seconds}",
                 "parameters": {"retry_after": seconds}}


BLOCKED = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
BAD = (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
BROKEN = (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})


class BotApiHttpSender:
    """Sender over the Bot API's sendMessage, mapping its answers onto the sender contract."""

    def __init__(self, base_url: str, token: str = "TEST:TOKEN", channel: str = "telegram",
                 timeout: float = 5.0, max_connections: int = 100) -> None:
        self.channel, self.url = channel, f"{base_url}/bot{token}/sendMessage"
        self.timeout, self.max_connections = timeout, max_connections
        self._client: httpx.AsyncClient | None = None

    async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        if self._client is None:  # created on the loop that uses it
            self._client = httpx.AsyncClient(timeout=self.timeout, limits=httpx.Limits(
                max_connections=self.max_connections, max_keepalive_connections=self.max_connections))
        try:
            r = await self._client.post(self.url, json={"chat_id": recipient.chat_key, "text": reply.text})
        except httpx.TimeoutException as exc:
            raise Transient("timeout") from exc
        except httpx.TransportError as exc:
            raise Transient(type(exc).__name__) from exc
        if r.status_code == 200:
            return
        data = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        description = str(data.get("description", ""))[:120]
        if r.status_code == 429:
            raise RetryAfter(float(data.get("parameters", {}).get("retry_after", 1)), description)
        if r.status_code == 403:
            raise Unreachable(description)
        if r.status_code >= 500:
            raise Transient(f"http {r.status_code}")
        raise Permanent(f"http {r.status_code}: {description}")

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


class RawBotApiSender:
    """The same contract and error mapping as :class:`BotApiHttpSender` over a minimal HTTP/1.1 keep-alive
    client on asyncio streams: httpx costs ~10 ms of CPU per request here (httpcore retries a failed
    ``import sniffio`` on every call), which would hide the pipeline's own speed in the benchmark."""

    def __init__(self, base_url: str, token: str = "TEST:TOKEN", channel: str = "telegram",
                 connections: int = 32, timeout: float = 5.0) -> None:
        host_port = base_url.split("://", 1)[1]
        self.host, port = host_port.split(":")
        self.port, self.path, self.channel = int(port), f"/bot{token}/sendMessage", channel
        self.timeout = timeout
        self._pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] | None = None
        self.connections = connections

    async def _conn(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._pool is None:
            self._pool = asyncio.Queue()
            for _ in range(self.connections):
                self._pool.put_nowait(None)
        conn = await self._pool.get()
        return conn or await asyncio.open_connection(self.host, self.port)

    async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        import json

        body = json.dumps({"chat_id": recipient.chat_key, "text": reply.text}).encode()
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        reader, writer = await self._conn()
        assert self._pool is not None
        try:
            writer.write(head + body)
            status_line = await asyncio.wait_for(reader.readline(), self.timeout)
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            payload = json.loads(await reader.readexactly(length)) if length else {}
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            writer.close()
            self._pool.put_nowait(None)
            raise Transient(type(exc).__name__) from exc
        self._pool.put_nowait((reader, writer))
        status = int(status_line.split()[1])
        if status == 200:
            return
        description = str(payload.get("description", ""))[:120]
        if status == 429:
            raise RetryAfter(float(payload.get("parameters", {}).get("retry_after", 1)), description)
        if status == 403:
            raise Unreachable(description)
        if status >= 500:
            raise Transient(f"http {status}")
        raise Permanent(f"http {status}: {description}")

    async def aclose(self) -> None:
        while self._pool is not None and not self._pool.empty():
            conn = self._pool.get_nowait()
            if conn is not None:
                conn[1].close()


def seed_subscribers(engine: Any, n: int, *, channel: str = "telegram", programme: str = "craftsman",
                     first_chat: int = 100_000) -> list[int]:
    """``n`` people, each with one identity on ``channel`` (chat ids ``first_chat``...) subscribed to
    ``programme``; returns their person ids. Bulk inserts, for the kill test and the bench."""
    from sqlalchemy import insert
    from sqlmodel import select

    from storage.db import session_scope
    from storage.models import Identity, Person, Subscription

    if n <= 0:
        return []
    tag, now = f"seed{first_chat}-", datetime.now(UTC)
    with session_scope(engine) as s:
        s.execute(insert(Person), [{"display_name": f"{tag}{i}", "locale": "zh", "roles": "", "unit": "",
                                    "prefecture": "", "industry_union": "", "created_at": now,
                                    "last_seen_at": now} for i in range(n)])
        ids = [pid for pid, name in s.exec(select(Person.id, Person.display_name)) if name.startswith(tag)]
        ids.sort()
        s.execute(insert(Identity), [{"person_id": pid, "channel": channel, "user_key": str(first_chat + i),
                                      "chat_key": str(first_chat + i), "reachable": True, "created_at": now}
                                     for i, pid in enumerate(ids)])
        s.execute(insert(Subscription), [{"person_id": pid, "programme": programme, "created_at": now}
                                         for pid in ids])
    return ids


def _worker_main(argv: list[str]) -> int:
    """A delivery worker process: drain the outbox through the stand-in until nothing is open."""
    from bot.delivery import NO_LIMITS, DeliveryWorker
    from storage import repo_outbox as ro
    from storage.db import make_engine, session_scope

    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--base-url", required=True)
    p.add_argument("--lease", type=float, default=2.0)
    p.add_argument("--batch", type=int, default=100)
    args = p.parse_args(argv)
    engine = make_engine(args.db)
    sender = BotApiHttpSender(args.base_url)
    worker = DeliveryWorker(engine, {"telegram": sender}, limits={"telegram": NO_LIMITS}, batch_size=args.batch,
                            concurrency=16, lease_seconds=args.lease, backoff_base=0.2)

    async def main() -> None:
        while True:
            if await worker.drain_once() == 0:
                with session_scope(engine) as s:
                    if ro.open_count(session=s) == 0:
                        break
                await asyncio.sleep(0.2)
        await sender.aclose()

    asyncio.run(main())
    return 0


def _serve_main(delay: float) -> int:
    """A Bot API stand-in in its own process: prints its base URL, serves until killed."""
    standin = BotApiStandIn(delay=delay)
    with serve(standin.app()) as url:
        print(url, flush=True)
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        sys.exit(_worker_main(sys.argv[2:]))
    if sys.argv[1:2] == ["serve-botapi"]:
        sys.exit(_serve_main(float(sys.argv[2]) if len(sys.argv) > 2 else 0.0))
    sys.exit("usage: standins.py worker --db URL --base-url URL | serve-botapi [DELAY]")
