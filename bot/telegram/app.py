"""The Telegram adapter's application on python-telegram-bot 22: life cycle, updates in, replies out.

Updates arrive by long polling (PTB's ``Updater``) or through ``POST /telegram`` of our Starlette app,
following PTB's custom-webhook example: the secret header is checked in constant time, the body is parsed
with ``Update.de_json`` and put on ``application.update_queue``. That queue
(:class:`bot.telegram.updates.DurableQueue`) records each update in the ``inbox`` table (encrypted) before
``put`` returns, so the webhook answers 200, and the poller asks for the next offset, only for updates kept
durably; the transaction that handles an update deletes its row, and a process that starts handles the
rows a dead one left, in order, before any new update. The same transaction puts the replies in the outbox,
due a minute later (``REPLY_GRACE``); they are sent at once from here and marked sent, so only a process
that dies in between leaves them to the delivery worker. One ``TypeHandler`` turns each update into a
neutral :class:`Incoming` (:mod:`bot.telegram.inbound`), runs the synchronous dispatcher in a worker thread
and sends the replies (:mod:`bot.telegram.render`). Updates run concurrently, but one at a time per chat
(:class:`bot.telegram.updates.PerChatProcessor`), and in update order across processes: a chat's update is
handled under the chat's lock, after the chat's earlier updates still in the inbox, whichever process
received them (:mod:`bot.telegram.inbox`, :mod:`storage.chat_order`). A repeated update id is dropped by the dispatcher's dedupe on ``message_key`` ("tg:<update_id>").
A tapped keyboard is replaced by a single "✓ label" marker, so old buttons cannot be tapped twice.

Pacing is not done here: the delivery worker paces outbox messages (PTB's AIORateLimiter does not keep
1 message/s per chat), and conversation replies answer the person who just wrote. The database is reached
only through the :class:`TelegramStore` the composition root gives (:meth:`bot.app.App.telegram_store`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import json
import logging
import re
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import BotCommand, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import App
from bot.telegram.inbound import fetch_document, inbox_key, reply_key, to_incoming
from bot.telegram.inbox import InboxQueue
from bot.telegram.render import Outgoing, acknowledge, long_values, render, send_items
from bot.telegram.sender import api_urls
from bot.telegram.updates import DurableQueue, PerChatProcessor
from handlers.dispatch import GLOBAL_COMMANDS
from handlers.i18n import N_, translator
from handlers.settings import Settings
from handlers.types import Attachment, DispatchResult, Reply, reply_to_dict
from knowledge.text import pseudonym
from storage.channel_store import TelegramStore

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 256 * 1024  # an update is a few KB; anything near this is not from Telegram
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
REPLY_GRACE = timedelta(seconds=60)  # a reply's outbox row waits this long for the direct send to mark it sent
MARK_SENT_EVERY_S = 0.05  # sent replies are marked in the outbox in batches this often
ORDER_SLOTS = 8  # chats handled at once by one process (each holds a chat lock, on PostgreSQL a connection)

SORRY = N_("Sorry, something went wrong while answering you. Please send your message again in a moment, "
           "or type /menu to start over.")
BUTTON_EXPIRED = N_("This button is no longer valid. Please type /menu.")
# Command menu (set_my_commands), in this order. A name is registered when the dispatcher (start, menu,
# help, cancel) or a flow answers "/<name>"; a flow's command is described by the flow's title.
COMMANDS = ("start", "menu", "help", "cancel", "status", "craftsman", "subsidy", "calendar", "human", "lang")
GLOBAL_DESCRIPTIONS = {
    "start": N_("Introduction and main menu"),
    "menu": N_("Main menu"),
    "help": N_("How to use the assistant"),
    "cancel": N_("Cancel the current step"),
}



def settings_problems(settings: Settings, *, polling: bool = False, webhook_url: str = "") -> list[str]:
    """What is missing or wrong for the requested Telegram mode, as sentences for the operator."""
    problems = []
    wanted = polling or webhook_url or settings.telegram_webhook_secret
    if wanted and not settings.telegram_token:
        problems.append("YUNLING_TELEGRAM_TOKEN is not set (the token @BotFather gave you)")
    if settings.telegram_webhook_secret and not _SECRET.match(settings.telegram_webhook_secret):
        problems.append("YUNLING_TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    if webhook_url and not settings.telegram_webhook_secret:
        problems.append("a webhook URL needs YUNLING_TELEGRAM_WEBHOOK_SECRET, so that only Telegram can post to it")
    if webhook_url and not webhook_url.startswith("https://"):
        problems.append("Telegram only posts to https:// webhook URLs")
    return problems


class TelegramBot(InboxQueue):
    """The PTB application of one :class:`App`, its update handler, error handler and webhook."""

    def __init__(self, app: App, *, max_concurrent_updates: int = 128, dispatch_threads: int = 4,
                 store: TelegramStore | None = None) -> None:
        s = app.settings
        if not s.telegram_token:
            raise ValueError("YUNLING_TELEGRAM_TOKEN is not set")
        self.app, self.settings = app, s
        self.store = store or app.telegram_store()
        self.queue = DurableQueue(self._record)
        builder = Application.builder().token(s.telegram_token).concurrent_updates(
            PerChatProcessor(max_concurrent_updates)).update_queue(self.queue)
        if s.telegram_base_url:
            url, file_url = api_urls(s.telegram_base_url)
            builder = builder.base_url(url).base_file_url(file_url)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._prefixes = tuple(p for f in app.dispatcher.flows.values() for p in f.payload_prefixes)
        self._tapped: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._lifecycle = asyncio.Lock()
        # The dispatcher's own threads: a few are enough (SQLite serialises writers, and more threads only
        # add lock waits and GIL hand-offs); raise it for PostgreSQL.
        self._executor = ThreadPoolExecutor(dispatch_threads, thread_name_prefix="telegram")
        self._inbox = ThreadPoolExecutor(2, thread_name_prefix="telegram-inbox")  # recording before the 200
        self._sent: list[str] = []  # outbox keys of replies sent directly, to be marked sent
        # Marks have a thread of their own: behind the recording of a flood of updates they would lag, and a
        # reply sent but not marked when the process dies is sent again from the outbox.
        self._marks = ThreadPoolExecutor(1, thread_name_prefix="telegram-marks")
        self._mark_task: asyncio.Task[None] | None = None
        # Chat locks are waited for on threads of their own (a wait may last as long as another process
        # handles the chat); at most ORDER_SLOTS chats at once, so a thread is always free to release one.
        self._locks = ThreadPoolExecutor(ORDER_SLOTS, thread_name_prefix="telegram-order")
        self._order_slots = asyncio.Semaphore(ORDER_SLOTS)
        self._sweep_task: asyncio.Task[None] | None = None
        self.polling = False
        # PTB logs whole updates (text, phone numbers) at DEBUG; never let that reach our logs.
        ptb_log = logging.getLogger("telegram")
        ptb_log.setLevel(max(logging.INFO, ptb_log.getEffectiveLevel()))

    # -- life cycle --------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.application.running

    async def start(self, *, polling: bool = False, webhook_url: str = "", poll_interval: float = 0.0,
                    poll_timeout: float = 10.0) -> None:
        """Initialise (getMe), register the command menu, start processing updates; then either long
        polling or (with ``webhook_url``) ``setWebhook`` with the secret token."""
        async with self._lifecycle:
            if self.running:
                return
            await self.application.initialize()
            await self.register_commands()
            await self.recover()
            await self.application.start()
            self._sweep_task = asyncio.create_task(self._sweeping())
            if polling:
                assert self.application.updater is not None
                self.queue.polling = True
                await self.application.updater.start_polling(
                    poll_interval=poll_interval, timeout=timedelta(seconds=poll_timeout),
                    allowed_updates=list(ALLOWED_UPDATES))
                self.polling = True
            elif webhook_url:
                await self.application.bot.set_webhook(
                    webhook_url, secret_token=self.settings.telegram_webhook_secret,
                    allowed_updates=list(ALLOWED_UPDATES))
            log.info("telegram bot @%s started (%s)", self.application.bot.username,
                     "polling" if polling else "webhook")

    async def stop(self) -> None:
        """Graceful shutdown in PTB's order: stop fetching (updater), finish every update already
        received (``Application.stop`` joins the update queue), then release the HTTP clients."""
        async with self._lifecycle:
            updater = self.application.updater
            if updater is not None and updater.running:
                await updater.stop()
            self.polling = False
            if self._sweep_task is not None:
                self._sweep_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._sweep_task
                self._sweep_task = None
            if self.running:
                await self.application.stop()
            await self._mark_sent()
            await self.application.shutdown()
            self._executor.shutdown(wait=False)  # idle: Application.stop() waited for every update
            self._locks.shutdown(wait=False)
            self._inbox.shutdown(wait=False)
            self._marks.shutdown(wait=False)
            if self.app.adapters.get("telegram") is self:
                del self.app.adapters["telegram"]
            log.info("telegram bot stopped")

    async def register_commands(self) -> None:
        """The command menu in Chinese (``language_code="zh"``) and, by default, in English."""
        described = {name: desc for name, desc in GLOBAL_DESCRIPTIONS.items() if name in GLOBAL_COMMANDS}
        for flow in self.app.dispatcher.flows.values():
            for word in flow.commands:
                if word.startswith("/") and word[1:] in COMMANDS:
                    described.setdefault(word[1:], flow.title)
        for code, locale in (("zh", "zh"), (None, "en")):
            _ = translator(locale)
            commands = [BotCommand(name, _(described[name])[:256]) for name in COMMANDS if name in described]
            try:
                await self.application.bot.set_my_commands(commands, language_code=code)
            except TelegramError as exc:  # the menu is a convenience; serve anyway
                log.warning("set_my_commands(%s) failed: %s", code or "default", type(exc).__name__)

    # -- webhook -----------------------------------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        return [Route(WEBHOOK_PATH, self.webhook, methods=["POST"])]

    async def webhook(self, request: Request) -> Response:
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode()):
            log.warning("telegram webhook refused (403): %s secret token", "wrong" if given else "missing")
            return PlainTextResponse("forbidden", status_code=403)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            log.warning("telegram webhook refused (413): body of %s bytes", length)
            return PlainTextResponse("too large", status_code=413)
        body, size = bytearray(), 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                log.warning("telegram webhook refused (413): body over %d bytes", MAX_BODY)
                return PlainTextResponse("too large", status_code=413)
            body += chunk
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # de_json raises whatever a malformed nested object provokes
            log.warning("telegram webhook refused (400): malformed update (%s)", type(exc).__name__)
            return PlainTextResponse("bad request", status_code=400)
        if not self.running:  # Telegram retries a non-2xx answer later
            log.warning("telegram webhook: update %s arrived while the bot is not running (503)",
                        update.update_id)
            return PlainTextResponse("not running", status_code=503)
        try:
            await self.queue.put(update)  # recorded in the inbox when it returns
        except Exception as exc:
            log.error("telegram webhook: update %s not recorded (%s); 503", update.update_id, type(exc).__name__)
            return PlainTextResponse("busy", status_code=503)
        return Response(status_code=200)

    # -- handlers ----------------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One update, in its chat's order across processes (see :mod:`storage.chat_order`)."""
        chat = update.effective_chat
        if chat is None:  # nothing we answer (to_incoming drops it); no order to keep
            await self._handle(update)
            return
        await self._in_order(self.store.chat_of(str(chat.id)), update)

    async def _handle(self, update: Update) -> None:
        """One update: acknowledge a tap, fetch a document, dispatch, send the replies."""
        if update.callback_query is not None and not await acknowledge(update.callback_query, self._tapped):
            await self._settle(update)
            return
        now = datetime.now(UTC)
        upload = None
        if update.message is not None and update.message.document is not None:
            upload, problem = await fetch_document(update)
            if problem:
                _ = translator(update.effective_user.language_code if update.effective_user else None)
                assert update.effective_chat is not None
                await self._settle(update)
                await send_items(self.application.bot, update.effective_chat.id,
                                 [Outgoing("text", html=html.escape(_(problem), quote=False))])
                return
        loop = asyncio.get_running_loop()
        result, items = await loop.run_in_executor(self._executor, self._dispatch, update, now, upload)
        if result is None or result.duplicate:
            if result is not None:
                log.info("telegram update %s was processed before; dropped", update.update_id)
            return
        assert update.effective_chat is not None
        try:
            await send_items(self.application.bot, update.effective_chat.id, items)
        except (NetworkError, RetryAfter) as exc:
            if isinstance(exc, BadRequest):  # the reply itself is refused: a failed update (apology, logged)
                raise
            # Handled and committed, its replies kept in the outbox: the delivery worker sends them after the
            # grace. Not a failed update (no apology, no traceback): the network or a rate limit on the way out.
            log.warning("telegram update %s: direct send failed (%s); its replies go out from the outbox",
                        update.update_id, type(exc).__name__)
            return
        self._sent.extend(reply_key(update, n) for n in range(len(result.replies)))
        if self._mark_task is None or self._mark_task.done():
            self._mark_task = asyncio.create_task(self._mark_sent(MARK_SENT_EVERY_S))

    async def _mark_sent(self, after_s: float = 0.0) -> None:
        """Mark the replies sent since the last time in the outbox (one transaction for all of them)."""
        if after_s:
            await asyncio.sleep(after_s)
        keys, self._sent = self._sent, []
        if not keys:
            return
        now = datetime.now(UTC)
        try:
            await asyncio.get_running_loop().run_in_executor(self._marks, self.store.mark_sent, keys, now)
        except Exception as exc:  # they stay pending: the delivery worker sends them again after the grace
            log.error("telegram: %d sent replies not marked in the outbox (%s)", len(keys), type(exc).__name__)

    def _dispatch(self, update: Update, now: datetime,
                  upload: Attachment | None = None) -> tuple[DispatchResult | None, list[Outgoing]]:
        """In a worker thread: resolve a button token, run the dispatcher, render, store long values."""
        incoming = to_incoming(update, now=now, payload_prefixes=self._prefixes, lookup=self.store.value_of,
                               upload=upload)
        if incoming is None:
            self._settle_sync(update)
            query, user = update.callback_query, update.effective_user
            if query is None or not (query.data or "").startswith("t:") or user is None:
                return None, []
            # A token no longer stored (the table was cleaned): say so instead of staying silent.
            _ = translator(user.language_code)
            return DispatchResult(replies=[Reply(text=_(BUTTON_EXPIRED))]), [Outgoing("text", html=html.escape(
                _(BUTTON_EXPIRED), quote=False))]
        key = inbox_key(update)
        # The inbox row goes in the transaction that handles the update (or, when the step fails and rolls
        # back, with the guard run on its own): handled once, or still there for the next start.
        result = self.app.dispatcher.handle(incoming, guard=lambda s: self.store.settle_in(s, key),
                                            after=lambda s, r: self._keep_replies(s, update, r))
        _ = translator(result.locale)
        items = [it for reply in result.replies for it in render(reply, _)]
        tokens = long_values(items)
        if tokens:
            self.store.remember_values(tokens)
        return result, items

    def _keep_replies(self, session: Session, update: Update, result: DispatchResult) -> None:
        """In the handling transaction: the replies, in the outbox, due after the grace (see the module doc)."""
        user = update.effective_user
        if user is None or not result.replies:
            return
        now = datetime.now(UTC)
        self.store.enqueue_in(session, str(user.id), [(reply_to_dict(r), reply_key(update, n))
                                                      for n, r in enumerate(result.replies)],
                              due=now + REPLY_GRACE, now=now)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        err = context.error
        if not isinstance(update, Update) or err is None:
            log.error("telegram error outside an update: %s", type(err).__name__, exc_info=err)
            return
        await self._failed(update, err)

    async def _failed(self, update: Update, err: BaseException) -> None:
        """Log once, with the update id and a pseudonym (never the text or the ids), and apologise."""
        with contextlib.suppress(Exception):  # not handled again at the next start: it failed, we apologise
            await self._settle(update)
        user, chat = update.effective_user, update.effective_chat
        who = pseudonym("telegram", str(user.id)) if user else "-"
        log.error("telegram update %s of %s failed: %s", update.update_id, who, type(err).__name__,
                  exc_info=err)
        if chat is None or isinstance(err, Forbidden):
            return
        _ = translator(user.language_code if user else None)
        with contextlib.suppress(TelegramError):
            await self.application.bot.send_message(chat.id, _(SORRY))


def telegram_for(app: App) -> TelegramBot:
    """The one :class:`TelegramBot` of ``app``: the webhook route and ``yunling serve`` share it."""
    bot = app.adapters.get("telegram")
    if not isinstance(bot, TelegramBot):
        bot = app.adapters["telegram"] = TelegramBot(app)
    return bot


def routes(app: App) -> list[BaseRoute]:
    """``POST /telegram`` for :func:`bot.web.build_web_app` when a webhook secret is configured."""
    s = app.settings
    if not s.telegram_webhook_secret:
        log.info("Telegram webhook off: YUNLING_TELEGRAM_WEBHOOK_SECRET is not set")
        return []
    problems = settings_problems(s)
    if problems:
        log.warning("Telegram webhook off: %s", "; ".join(problems))
        return []
    return telegram_for(app).routes()


def make_sender(app: App) -> Any:
    """For :func:`bot.scheduler.default_senders`: a sender when a token is configured (text-only replies
    through the lean HTTP path of :class:`bot.telegram.sender.LeanTelegramSender`)."""
    if not app.settings.telegram_token:
        return None
    from bot.telegram.sender import LeanTelegramSender

    return LeanTelegramSender(app.settings, app.telegram_store())
