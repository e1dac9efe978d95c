"""``yunling serve``: the web server (health check, WeChat and Telegram webhooks), optionally Telegram long
polling, and the delivery worker with its scheduler.

Start-up order: delivery and scheduler threads, then the Telegram bot (getMe, command menu, polling or
setWebhook), then uvicorn accepts requests. On SIGINT/SIGTERM uvicorn stops accepting and finishes the
requests in flight, then the lifespan shutdown stops Telegram polling, lets the bot finish every update
it has received, and stops the delivery worker after its current round.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from bot.commands.common import add_db_option, settings_from

if TYPE_CHECKING:
    import uvicorn

    from bot.app import App

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the server: webhooks, Telegram polling, delivery and scheduler",
                       description="Serves /healthz, the WeChat webhook (/wechat, when YUNLING_WECHAT_TOKEN is "
                       "set) and the Telegram webhook (/telegram, when YUNLING_TELEGRAM_WEBHOOK_SECRET is set); "
                       "with --telegram also runs the Telegram bot by long polling. The delivery worker and the "
                       "scheduler run in the same process unless --no-background is given.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--telegram", action="store_true", help="run the Telegram bot by long polling "
                   "(needs YUNLING_TELEGRAM_TOKEN)")
    p.add_argument("--webhook-url", metavar="URL", default="", help="public https URL of /telegram to register "
                   "with Telegram's setWebhook (needs YUNLING_TELEGRAM_WEBHOOK_SECRET)")
    p.add_argument("--no-background", action="store_true", help="do not run the delivery worker and the "
                   "scheduler in this process")
    p.add_argument("--verbose", action="store_true", help="also log each run of the scheduler's jobs "
                   "(APScheduler at INFO: a line every 2 seconds)")
    add_db_option(p)
    p.set_defaults(func=run)


def problems_of(app_settings: Any, *, polling: bool, webhook_url: str) -> list[str]:
    problems = []
    if polling and webhook_url:
        problems.append("--telegram (polling) and --webhook-url exclude each other: Telegram delivers updates "
                        "one way or the other")
    if polling or webhook_url or app_settings.telegram_webhook_secret:
        from bot.telegram import settings_problems

        problems += settings_problems(app_settings, polling=polling, webhook_url=webhook_url)
    return problems


def start_background_work(app: App) -> Any:
    """Hook: the delivery worker and scheduler of :mod:`bot.scheduler` (imported lazily), or None when
    that module is not installed."""
    try:
        from bot.scheduler import start_background
    except ModuleNotFoundError as exc:
        if exc.name not in ("bot.scheduler", "bot.delivery"):
            raise
        log.warning("delivery worker and scheduler not available (%s missing)", exc.name)
        return None
    return start_background(app)


def build_server(app: App, *, host: str = "127.0.0.1", port: int = 8000, polling: bool = False,
                 webhook_url: str = "", background: bool = True) -> uvicorn.Server:
    """The uvicorn server of ``yunling serve`` (``await server.serve()`` runs it; ``should_exit`` stops it)."""
    import uvicorn

    from bot.web import build_web_app

    telegram = None
    if polling or webhook_url or app.settings.telegram_webhook_secret:
        from bot.telegram import telegram_for

        telegram = telegram_for(app)

    @asynccontextmanager
    async def lifespan(_web: Any) -> AsyncIterator[None]:
        work = await asyncio.to_thread(start_background_work, app) if background else None
        try:
            if telegram is not None:
                try:
                    await telegram.start(polling=polling, webhook_url=webhook_url)
                except Exception as exc:
                    log.error("Telegram did not start (%s): check YUNLING_TELEGRAM_TOKEN and "
                              "YUNLING_TELEGRAM_BASE_URL", type(exc).__name__)
                    raise
            yield
        finally:
            if telegram is not None:
                await telegram.stop()
            if work is not None:
                await asyncio.to_thread(work.shutdown)
            wechat = sys.modules.get("bot.wechat")
            if wechat is not None:  # the webhook's threads, once the requests in flight are answered
                await asyncio.to_thread(wechat.close_webhooks)

    web = build_web_app(app, lifespan=lifespan)
    config = uvicorn.Config(web, host=host, port=port, lifespan="on", access_log=False,  # query strings
                            log_level=app.settings.log_level.lower(),  # (WeChat's openid) stay out of logs
                            log_config=None,  # uvicorn's lines and tracebacks go through the redacting handler
                            timeout_graceful_shutdown=15)
    return uvicorn.Server(config)


def run(args: argparse.Namespace) -> int:
    from bot.app import build_app, settle
    from bot.logs import setup_logging

    settings = settings_from(args)
    problems = problems_of(settings, polling=args.telegram, webhook_url=args.webhook_url)
    if problems:
        for problem in problems:
            print(f"yunling serve: {problem}", file=sys.stderr)
        return 2
    app = build_app(settings)
    setup_logging(settings.log_level, settings, verbose=args.verbose, fmt=settings.log_format)
    server = build_server(app, host=args.host, port=args.port, polling=args.telegram,
                          webhook_url=args.webhook_url, background=not args.no_background)
    settle()
    asyncio.run(server.serve())
    if not server.started:
        print("yunling serve: start-up failed (see the log above)", file=sys.stderr)
        return 1
    return 0
