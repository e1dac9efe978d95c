"""``yunling serve``: clear errors on missing settings; a real uvicorn server with health check, Telegram
webhook and long polling, the delivery worker and scheduler, and a clean shutdown."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from telegram_standin import make_app, running, text_update

from bot.cli import main
from bot.commands.serve import build_server
from bot.telegram.app import SECRET_HEADER, telegram_for

SECRET = "serve-secret"


@pytest.fixture
def clean_env(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    for key in list(os.environ):
        if key.startswith("YUNLING_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no .env file


@pytest.mark.parametrize(("argv", "env", "says"), [
    (["--telegram"], {}, "YUNLING_TELEGRAM_TOKEN is not set"),
    (["--webhook-url", "https://x.example/telegram"], {"YUNLING_TELEGRAM_TOKEN": "1:a"},
     "needs YUNLING_TELEGRAM_WEBHOOK_SECRET"),
    (["--webhook-url", "http://x.example/telegram"], {"YUNLING_TELEGRAM_TOKEN": "1:a",
                                                     "YUNLING_TELEGRAM_WEBHOOK_SECRET": "abc"}, "https://"),
    ([], {"YUNLING_TELEGRAM_WEBHOOK_SECRET": "abc"}, "YUNLING_TELEGRAM_TOKEN is not set"),
    (["--telegram", "--webhook-url", "https://x.example/telegram"],
     {"YUNLING_TELEGRAM_TOKEN": "1:a", "YUNLING_TELEGRAM_WEBHOOK_SECRET": "abc"}, "exclude each other"),
])
def test_missing_settings_give_a_clear_error(clean_env, monkeypatch, capsys, tmp_path, argv, env, says) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main(["serve", *argv, "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert code == 2
    assert says in capsys.readouterr().err


standin = pytest.fixture(running, name="standin")


def test_server_runs_webhook_polling_and_background_and_stops_cleanly(engine, settings, standin) -> None:
    app = make_app(engine, settings, standin.url, telegram_webhook_secret=SECRET)
    earlier = {t for t in threading.enumerate() if t.name == "delivery"}

    def delivery_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "delivery" and t.is_alive()} - earlier

    server = build_server(app, host="127.0.0.1", port=0, polling=True, background=True)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    bot = telegram_for(app)
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert bot.running and bot.polling
        assert delivery_threads()

        standin.push(text_update(31, "by polling"))
        r = httpx.post(f"{base}/telegram", json=text_update(32, "by webhook", update_id=777),
                       headers={SECRET_HEADER: SECRET})
        assert r.status_code == 200
        assert httpx.post(f"{base}/telegram", json=text_update(32, "x", update_id=778)).status_code == 403
        standin.wait_for(lambda s: len(s.of("sendMessage")) == 2)
        assert sorted(c.text for c in standin.of("sendMessage")) == ["echo: by polling", "echo: by webhook"]
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert not bot.running and not bot.polling
    assert not delivery_threads()
