"""The sign-in screen in a real browser: Debian's Chromium, headless, against the page served by uvicorn.
WeChat configured and no Telegram username: the WeChat QR code only, the class, the place and the live count.
The screenshot is kept in .test-artifacts/ (or $YUNLING_TEST_ARTIFACTS) for a person to look at."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn
from PIL import Image
from test_signin import ALICE, code_now, setup_class, sign
from test_signin_screen import IN_CLASS, PUBLIC, _session
from wechat_standin import APP_ID, APP_SECRET, running

from bot.app import App
from bot.signin_screen import SigninScreen
from bot.web import build_web_app
from handlers.registry import build_dispatcher
from handlers.services.signin_codes import current_code, screen_token

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("YUNLING_TEST_ARTIFACTS") or ROOT / ".test-artifacts")
WINDOW = (1280, 900)

wechat_api = pytest.fixture(running, name="wechat_api")


@contextmanager
def serving(web) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def chromium(tmp_path: Path, url: str, *args: str) -> str:
    """Chromium headless on ``url``: no network but this machine, a profile of its own."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
           "--no-first-run", f"--user-data-dir={tmp_path / 'chromium'}", "--host-resolver-rules=MAP * ~NOTFOUND, "
           "EXCLUDE 127.0.0.1", f"--window-size={WINDOW[0]},{WINDOW[1]}", "--virtual-time-budget=3000", *args, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_the_screen_in_chromium(person, engine, settings, clock, wechat_api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, session_id = setup_class(engine)
    clock.now = IN_CLASS
    sign(person("alice", locale="en"), code, code_now(engine, session_id, clock), ALICE[-6:])
    sess, cls = _session(engine, session_id)
    s = replace(settings, public_url=PUBLIC, wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET,
                wechat_api_base_url=wechat_api.base_url, telegram_bot_username="")
    app = App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s))
    web = build_web_app(app, providers=())
    web.router.routes.extend(SigninScreen(app, clock=lambda: IN_CLASS.timestamp()).routes())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "signin-screen.png"
    shot.unlink(missing_ok=True)
    with serving(web) as base:
        url = f"{base}/signin/{screen_token(sess)}"
        dom = chromium(tmp_path, url, "--dump-dom")
        chromium(tmp_path, url, f"--screenshot={shot}")

    text = re.sub(r"<[^>]+>", " ", dom)
    assert current_code(sess, IN_CLASS) in text
    assert f"{cls.training_unit} {cls.trade}" in text and "301教室" in text
    assert "已签到：1 / 3 人" in text
    figures = re.findall(r"<figure>.*?</figure>", dom, flags=re.S)
    assert len(figures) == 1 and "showqrcode?ticket=" in figures[0] and "微信" in figures[0]
    assert "Telegram" not in dom and "qr.png" not in dom and "t.me" not in dom

    with Image.open(shot) as image:
        assert image.size == WINDOW
        colours = image.convert("L").getcolors(maxcolors=256 * 256) or []
        dark = sum(n for n, level in colours if level < 100)
        assert len(colours) > 2 and dark > 2000  # text drawn, not a blank page
