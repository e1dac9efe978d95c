"""``yunling serve``: the web server (health check, WeChat and Telegram webhooks), optionally Telegram long
polling, and the delivery worker with its scheduler.

Start-up order: uvicorn accepts requests at once (within about half a second) while a thread builds the
app (imports, schema upgrade, knowledge index; :class:`Starting`): until then ``/healthz`` answers 503
``{"status": "starting"}`` and any other request waits for the app (WeChat gives a message 5 s). Then the
delivery and scheduler threads start, then the Telegram bot (getMe, command menu, polling or setWebhook). On SIGINT/SIGTERM uvicorn stops accepting and finishes the
requests in flight, then the lifespan shutdown stops Telegram polling, lets the bot finish every update
it has received, and stops the delivery worker after its current round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

from bot.commands.common import add_db_option, settings_from

if TYPE_CHECKING:
    import uvicorn

    from bot.app import App
    from handlers.settings import Settings

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
        from bot.telegram.app import settings_problems

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


@asynccontextmanager
async def running_work(app: App, *, polling: bool = False, webhook_url: str = "",
                       background: bool = True) -> AsyncIterator[None]:
    """The delivery worker and scheduler (``background``) and the Telegram bot, while the context lasts."""
    telegram = None
    if polling or webhook_url or app.settings.telegram_webhook_secret:
        from bot.telegram.app import telegram_for

        telegram = telegram_for(app)
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


def _config(web: Any, host: str, port: int, log_level: str) -> uvicorn.Config:
    import uvicorn

    return uvicorn.Config(web, host=host, port=port, lifespan="on", access_log=False,  # query strings
                          log_level=log_level.lower(),  # (WeChat's openid) stay out of logs
                          log_config=None,  # uvicorn's lines and tracebacks go through the redacting handler
                          timeout_graceful_shutdown=15)


def run_server(server: uvicorn.Server) -> None:
    """Run ``server`` until it stops, on uvicorn's event loop (uvloop where installed): unlike
    ``asyncio.run(server.serve())``, which gets asyncio's own loop. Each message of the WeChat webhook wakes the
    loop from the database thread (``call_soon_threadsafe``); uvloop's wake-up and I/O cost less CPU."""
    server.run()


def build_server(app: App, *, host: str = "127.0.0.1", port: int = 8000, polling: bool = False,
                 webhook_url: str = "", background: bool = True) -> uvicorn.Server:
    """The uvicorn server of an app already built (``await server.serve()`` runs it; ``should_exit`` stops
    it): requests are accepted once the background work and Telegram have started."""
    from bot.web import build_web_app

    if polling or webhook_url or app.settings.telegram_webhook_secret:
        from bot.telegram.app import telegram_for

        telegram_for(app)  # its routes are part of the web app

    def lifespan(_web: Any) -> Any:
        return running_work(app, polling=polling, webhook_url=webhook_url, background=background)

    import uvicorn

    web = build_web_app(app, lifespan=lifespan)
    return uvicorn.Server(_config(web, host, port, app.settings.log_level))


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Starting:
    """An ASGI app that serves at once while ``load`` (run in a thread) builds the real one.

    Until the real app is there, ``/healthz`` answers 503 ``{"status": "starting"}`` and other requests wait
    for it (up to ``wait_s``, then 503). ``load`` returns the real ASGI app and an async context manager of
    the work that runs beside it (entered after loading, left at shutdown). When loading or that work
    fails, the error is logged, ``failed`` is set and ``on_failure`` is called (it stops the server)."""

    def __init__(self, load: Callable[[], tuple[Any, Any]], *, wait_s: float = 30.0,
                 on_failure: Callable[[], None] = lambda: None) -> None:
        self.load, self.wait_s, self.on_failure = load, wait_s, on_failure
        self.inner: Any = None
        self.failed = False
        self.error: BaseException | None = None
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._work = AsyncExitStack()

    async def _start(self) -> None:
        assert self._ready is not None
        try:
            inner, work = await asyncio.to_thread(self.load)
            await self._work.enter_async_context(work)
            self.inner = inner
        except Exception as exc:
            from bot.config import ConfigurationError

            if not isinstance(exc, ConfigurationError):  # (that one names the setting: the caller says it)
                log.exception("start-up failed")
            self.failed, self.error = True, exc
            self.on_failure()
        finally:
            self._ready.set()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._ready = asyncio.Event()
                self._task = asyncio.create_task(self._start())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._task is not None:
                    await self._task  # a thread cannot be interrupted: let loading finish, then stop
                await self._work.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self.inner is None and scope["type"] == "http":
            if scope["path"] != "/healthz" and self._ready is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._ready.wait(), self.wait_s)
            if self.inner is None:
                body = b'{"status":"failed"}' if self.failed else b'{"status":"starting"}'
                await send({"type": "http.response.start", "status": 503, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"1")]})
                await send({"type": "http.response.body", "body": body})
                return
        if self.inner is None:  # a websocket before the app is there
            await send({"type": "websocket.close", "code": 1013})
            return
        await self.inner(scope, receive, send)


def build_starting_server(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000,
                          polling: bool = False, webhook_url: str = "", background: bool = True,
                          verbose: bool = False) -> tuple[uvicorn.Server, Starting]:
    """The uvicorn server of ``yunling serve``: listening at once, the app built in a thread (see
    :class:`Starting`)."""
    import uvicorn

    server_box: list[uvicorn.Server] = []

    def load() -> tuple[Any, Any]:
        from bot.app import build_app, settle
        from bot.logs import setup_logging
        from bot.web import build_web_app

        app = build_app(settings)
        setup_logging(settings.log_level, settings, verbose=verbose, fmt=settings.log_format)  # (build_app set it up without --verbose)
        if polling or webhook_url or settings.telegram_webhook_secret:
            from bot.telegram.app import telegram_for

            telegram_for(app)
        web = build_web_app(app)
        settle()
        return web, running_work(app, polling=polling, webhook_url=webhook_url, background=background)

    def stop() -> None:
        server_box[0].should_exit = True

    starting = Starting(load, on_failure=stop)
    server = uvicorn.Server(_config(starting, host, port, settings.log_level))
    server_box.append(server)
    return server, starting


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    problems = problems_of(settings, polling=args.telegram, webhook_url=args.webhook_url)
    if problems:
        for problem in problems:
            print(f"yunling serve: {problem}", file=sys.stderr)
        return 2
    if not settings.data_key:  # checked by build_app too, but before listening is clearer
        from bot.config import ConfigurationError

        raise ConfigurationError("YUNLING_DATA_KEY is not set: it encrypts ID and phone numbers at rest and is "
                                 "required with a server database")
    from bot.logs import setup_logging

    setup_logging(settings.log_level, settings, verbose=args.verbose, fmt=settings.log_format)
    server, starting = build_starting_server(settings, host=args.host, port=args.port, polling=args.telegram,
                                             webhook_url=args.webhook_url, background=not args.no_background,
                                             verbose=args.verbose)
    run_server(server)
    from bot.config import ConfigurationError

    if isinstance(starting.error, ConfigurationError):  # a wrong data key, an unreachable database: exit 2
        raise starting.error
    if not server.started or starting.failed:
        print("yunling serve: start-up failed (see the log above)", file=sys.stderr)
        return 1
    return 0
