"""``/healthz`` says whether the database answers, for load balancers and supervisors."""

from __future__ import annotations

from pathlib import Path

from wechat_standin import TestClient

from bot.app import App
from bot.web import build_web_app
from handlers.registry import build_dispatcher
from storage.db import make_engine


def test_healthy_when_the_database_answers(engine, settings) -> None:
    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    res = TestClient(build_web_app(app, providers=())).get("/healthz")
    assert res.status_code == 200 and res.json() == {"status": "ok"}


def test_unavailable_when_the_schema_is_missing_or_the_server_is_down(settings, tmp_path: Path, caplog) -> None:
    for url in (f"sqlite:///{tmp_path / 'empty.db'}",  # a database file without our schema
                "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1"):  # nothing listens on port 9
        engine = make_engine(url)
        app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
        res = TestClient(build_web_app(app, providers=())).get("/healthz")
        assert res.status_code == 503 and res.json()["status"] == "unavailable", url
        engine.dispose()
    assert caplog.text.count("health check: database unavailable") == 2
