"""The one ASGI app (Starlette): health check plus the routes each platform adapter contributes.

Adapters expose ``routes(app: App) -> list[BaseRoute]``; ``ROUTE_PROVIDERS`` names them."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.app import App

log = logging.getLogger(__name__)

ROUTE_PROVIDERS = ("bot.wechat", "bot.telegram", "bot.downloads", "bot.signin_screen", "bot.backoffice")


def database_ok(engine: Engine) -> bool:
    """A read of Alembic's version table on a raw connection: the schema is there, and no transaction
    is begun, so SQLite's write lock is not taken."""
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("SELECT version_num FROM alembic_version")
            cursor.fetchall()
        finally:
            raw.close()
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        log.error("health check: database unavailable (%s)", type(exc).__name__)
        return False
    return True


def build_web_app(app: App, providers: Sequence[str] = ROUTE_PROVIDERS, **kwargs: object) -> Starlette:
    async def health(_request: Request) -> JSONResponse:
        """For load balancers and supervisors: 200 when the database answers, 503 when it does not."""
        if await run_in_threadpool(database_ok, app.engine):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)

    from bot import metrics

    metrics.instrument(app.dispatcher)
    routes: list[BaseRoute] = [Route("/healthz", health)]
    if app.settings.metrics_token:
        routes.append(Route("/metrics", metrics.metrics_endpoint(app.engine, app.settings.metrics_token)))
    for name in providers:
        routes.extend(importlib.import_module(name).routes(app))
    return Starlette(routes=routes, middleware=[Middleware(metrics.RequestMetrics, wechat_deadline_s=app.settings
                                                           .wechat_reply_deadline_s)], **kwargs)  # type: ignore[arg-type]
