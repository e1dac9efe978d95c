"""``yunling serve`` listens at once and builds the app in a thread: ``/healthz`` says 503 "starting" until
the app (and its knowledge index) is loaded, requests made meanwhile wait for it, and a start-up that
fails stops the server with exit status 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from wechat_standin import TestClient

from bot.commands.serve import Starting

ROOT = Path(__file__).resolve().parent.parent


def _inner() -> Starlette:
    return Starlette(routes=[Route("/healthz", lambda _r: PlainTextResponse("ok")),
                             Route("/hello", lambda _r: PlainTextResponse("hello"), methods=["POST"])])


def test_health_is_503_while_loading_and_requests_wait_for_the_app() -> None:
    go = threading.Event()
    entered: list[str] = []

    @asynccontextmanager
    async def work():  # type: ignore[no-untyped-def]
        entered.append("start")
        yield
        entered.append("stop")

    def load():  # type: ignore[no-untyped-def]
        assert go.wait(10)
        return _inner(), work()

    starting = Starting(load)
    with TestClient(starting) as client:
        res = client.get("/healthz")
        assert res.status_code == 503 and res.json() == {"status": "starting"}
        answers: list[str] = []
        waiting = threading.Thread(target=lambda: answers.append(client.post("/hello").text))
        waiting.start()
        time.sleep(0.3)
        assert answers == [] and waiting.is_alive()  # held until the app is there, not refused
        go.set()
        waiting.join(10)
        assert answers == ["hello"]
        assert client.get("/healthz").text == "ok" and entered == ["start"]
    assert entered == ["start", "stop"]


def test_a_failed_load_is_reported_and_stops() -> None:
    stopped: list[bool] = []

    def load():  # type: ignore[no-untyped-def]
        raise RuntimeError("no database")

    starting = Starting(load, on_failure=lambda: stopped.append(True))
    with TestClient(starting) as client:
        deadline = time.monotonic() + 5
        while not stopped and time.monotonic() < deadline:
            time.sleep(0.01)
        res = client.post("/hello")
        assert res.status_code == 503 and res.json() == {"status": "failed"}
    assert starting.failed and stopped == [True]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUNLING_")}
    return {**env, "YUNLING_DATABASE_URL": db, "YUNLING_DATA_KEY": "test-key", "YUNLING_LOG_LEVEL": "WARNING"}


def test_serve_answers_health_before_and_after_loading(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--no-background"],
                            cwd=ROOT, env=_env(f"sqlite:///{tmp_path / 's.db'}"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    seen: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and 200 not in seen:
            try:
                seen.append(httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code)
            except httpx.TransportError:
                time.sleep(0.02)
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert seen and seen[-1] == 200 and set(seen) <= {503, 200}, seen
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
    finally:
        proc.terminate()
        assert proc.wait(20) in (0, -15)  # uvicorn re-raises the signal it handled


def test_serve_exits_2_naming_the_setting_when_the_database_is_unreachable(tmp_path: Path) -> None:
    port = _free_port()
    db = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1"  # nothing listens on port 9
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--no-background"],
                          cwd=ROOT, env=_env(db), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "YUNLING_DATABASE_URL" in proc.stderr


def test_the_server_runs_on_uvloop() -> None:
    """``yunling serve`` (and the benches that run its server) take uvicorn's loop (uvloop), not asyncio's:
    ``asyncio.run(server.serve())`` would skip uvicorn's loop set-up."""
    import asyncio

    import uvicorn
    import uvloop

    from bot.commands.serve import run_server

    server = uvicorn.Server(uvicorn.Config(_inner(), lifespan="off"))
    loops: list[type] = []

    async def serve(sockets: object = None) -> None:
        loops.append(type(asyncio.get_running_loop()))

    server.serve = serve  # type: ignore[method-assign]
    run_server(server)
    assert loops == [uvloop.Loop]
