"""The one ASGI app (Starlette): health check plus the routes each platform adapter contributes.

Adapters expose ``routes(app: App) -> list[BaseRoute]``; ``ROUTE_PROVIDERS`` names them."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.app import App

ROUTE_PROVIDERS = ("bot.wechat", "bot.telegram", "bot.downloads", "bot.signin_screen")


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def build_web_app(app: App, providers: Sequence[str] = ROUTE_PROVIDERS, **kwargs: object) -> Starlette:
    routes: list[BaseRoute] = [Route("/healthz", health)]
    for name in providers:
        routes.extend(importlib.import_module(name).routes(app))
    return Starlette(routes=routes, **kwargs)  # type: ignore[arg-type]
