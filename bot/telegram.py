"""The Telegram adapter on python-telegram-bot 22: updates in, replies out, and the outbox sender.

Updates arrive by long polling (PTB's ``Updater``) or through ``POST /telegram`` of our Starlette app,
following PTB's custom-webhook example: the secret header is checked in constant time, the body is parsed
with ``Update.de_json`` and put on ``application.update_queue``. That queue (:class:`DurableQueue`) records
each update in the ``inbox`` table (encrypted) before ``put`` returns, so the webhook answers 200, and the
poller asks for the next offset, only for updates kept durably; the transaction that handles an update
deletes its row, and a process that starts handles the rows a dead one left, in order, before any new
update. The same transaction puts the replies in the outbox, due a minute later (``REPLY_GRACE``); they are
sent at once from here and marked sent, so only a process that dies in between leaves them to the
delivery worker. One ``TypeHandler`` turns each update
into a neutral :class:`Incoming`, runs the synchronous dispatcher in a worker thread and sends the
replies. Updates run concurrently, but one at a time per chat and in arrival order
(:class:`PerChatProcessor`), so a person's messages are never reordered. A repeated update id is
dropped by the dispatcher's dedupe on ``message_key`` ("tg:<update_id>").

Replies are sent as HTML: only ``& < >`` need escaping (MarkdownV2 has 18 reserved characters, most of
them common in Chinese regulation text: ``. ( ) - ! [ ]``...), and escaping line by line means a long
text can be split on line boundaries without ever cutting an entity or a tag. Choices become an inline
keyboard; a value too long for the 64-byte ``callback_data`` is stored under a short token
(:mod:`storage.models_telegram`). A tapped keyboard is replaced by a single "✓ label" marker, so old
buttons cannot be tapped twice.

Pacing is not done here: the delivery worker paces outbox messages (PTB's AIORateLimiter does not keep
1 message/s per chat), and conversation replies answer the person who just wrote.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import html
import json
import logging
import re
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.error import RetryAfter as TgRetryAfter
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.app import App
from bot.senders import Permanent, Recipient, RetryAfter, Transient, Unreachable
from handlers.dispatch import GLOBAL_COMMANDS, pseudonym
from handlers.i18n import N_, Translate, translator
from handlers.settings import Settings
from handlers.types import (
    MAX_UPLOAD,
    Attachment,
    Choice,
    DispatchResult,
    Incoming,
    Reply,
    bounded_key,
    clean_field,
    reply_to_dict,
)
from storage import models_telegram as store
from storage import repo_inbox, repo_outbox
from storage import repositories as repo
from storage.crypto import decrypt as decrypt_at_rest
from storage.crypto import encrypt as encrypt_at_rest
from storage.db import run_in_transaction

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 256 * 1024  # an update is a few KB; anything near this is not from Telegram
MAX_MESSAGE = 4096  # Bot API: text of one message, in UTF-16 code units after entity parsing
MAX_CALLBACK = 64  # Bot API: callback_data, in bytes
MAX_BUTTONS = 100  # Bot API: buttons of one inline keyboard
MAX_LABEL = 120
MAX_QUOTE = 600  # a citation's quoted sentence(s) in the footer
CHOSEN = "x"  # callback data of the "✓ label" marker left on a tapped keyboard
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BREAK_AFTER = " \t。；，、,.;!?！？)）"

SORRY = N_("Sorry, something went wrong while answering you. Please send your message again in a moment, "
           "or type /menu to start over.")
PLEASE_CHOOSE = N_("Please choose:")
BUTTON_EXPIRED = N_("This button is no longer valid. Please type /menu.")
FILE_TOO_LARGE = N_("That file is too large (the limit is 1 MB). A class roster is much smaller; please check "
                    "you sent the right file.")
FILE_NOT_FETCHED = N_("I could not fetch your file from Telegram. Please send it again in a moment.")
# Command menu (set_my_commands), in this order. A name is registered when the dispatcher (start, menu,
# help, cancel) or a flow answers "/<name>"; a flow's command is described by the flow's title.
COMMANDS = ("start", "menu", "help", "cancel", "status", "craftsman", "subsidy", "calendar", "human", "lang")
GLOBAL_DESCRIPTIONS = {
    "start": N_("Introduction and main menu"),
    "menu": N_("Main menu"),
    "help": N_("How to use the assistant"),
    "cancel": N_("Cancel the current step"),
}


# -- pure helpers ----------------------------------------------------------------------------------
def deep_link(bot_username: str, payload: str) -> str:
    """``https://t.me/<bot>?start=<payload>``: opening it sends ``/start <payload>`` to the bot."""
    if not _PAYLOAD.match(payload):
        raise ValueError("a deep-link payload is 1-64 characters of A-Z, a-z, 0-9, _ and -")
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def token_of(value: str) -> str:
    """A short, stable token for a choice value (22 characters of base64url of its SHA-256)."""
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()[:16]).decode().rstrip("=")


def callback_data(value: str) -> str:
    """``v:<value>`` when it fits in 64 bytes, else ``t:<token>`` (the value is stored server-side)."""
    data = "v:" + value
    return data if len(data.encode()) <= MAX_CALLBACK else "t:" + token_of(value)


def normalize_phone(raw: str) -> str:
    """A shared contact's number as the flows expect it: mainland numbers without +86."""
    digits = re.sub(r"[^\d]", "", raw or "")
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits


def to_incoming(update: Update, *, now: datetime, payload_prefixes: Sequence[str] = (),
                lookup: Callable[[str], str | None] = lambda _token: None,
                upload: Attachment | None = None) -> Incoming | None:
    """The neutral message of an update, or None for updates we do not answer (edits, channel posts,
    bots, the ✓ marker). ``lookup`` resolves a ``t:<token>`` button to its stored value; ``upload`` is
    the message's document, already fetched."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    # Every field is cleaned here (clean_field): a JSON number where text belongs, lone surrogates, NUL.
    base: dict[str, Any] = {
        "channel": "telegram", "user_key": str(user.id), "chat_key": str(chat.id),
        "message_key": bounded_key(f"tg:{update.update_id}"), "received_at": now,
        "locale": clean_field(user.language_code) or None, "display_name": clean_field(user.first_name)[:100],
    }
    query = update.callback_query
    if query is not None:
        data = clean_field(query.data)
        if data.startswith("v:"):
            return Incoming(**base, choice=data[2:])
        if data.startswith("t:"):
            value = lookup(data[2:])
            return Incoming(**base, choice=value) if value is not None else None
        return None
    msg = update.message
    if msg is None:
        return None
    if msg.contact is not None:
        # Only the person's own number counts; it goes to the flow, never to a log.
        own = msg.contact.user_id == user.id
        return Incoming(**base, event="contact",
                        text=normalize_phone(clean_field(msg.contact.phone_number)) if own else "")
    if msg.document is not None:
        return Incoming(**base, text=clean_field(msg.caption), upload=upload)
    text = clean_field(msg.text)
    if text.startswith("/"):
        head, _, rest = text.partition(" ")
        text = head.split("@", 1)[0] + (" " + rest if rest else "")  # "/menu@YunlingBot" -> "/menu"
        if head.split("@", 1)[0] == "/start":
            payload = rest.strip()
            if payload and _PAYLOAD.match(payload) and payload.startswith(tuple(payload_prefixes)):
                return Incoming(**base, payload=payload)
            return Incoming(**base, text="/start")
    return Incoming(**base, text=text)


# -- rendering -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outgoing:
    """One Bot API call of a rendered reply; ``choices`` become its inline keyboard."""

    kind: Literal["text", "document", "photo"]
    html: str = ""
    attachment: Attachment | None = None
    choices: tuple[Choice, ...] = ()


def _hard_split(line: str, limit: int) -> list[str]:
    """Escape one over-long line into pieces of at most ``limit``, cutting after a space or punctuation
    when one is in the second half of the piece."""
    pieces: list[str] = []
    while line:
        size, cut, last_break = 0, 0, -1
        for i, ch in enumerate(line):
            cost = utf16_len(html.escape(ch, quote=False))
            if size + cost > limit:
                break
            size += cost
            cut = i + 1
            if ch in _BREAK_AFTER:
                last_break = i + 1
        if cut < len(line) and last_break > cut // 2:
            cut = last_break
        pieces.append(html.escape(line[:cut], quote=False))
        line = line[cut:]
    return pieces


def split_units(units: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack escaped lines into messages of at most ``limit``, breaking only between lines."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for unit in units:
        if not current and not unit.strip():
            continue  # a message never starts with blank lines
        n = utf16_len(unit)
        if current and size + 1 + n > limit:
            chunks.append(current)
            current, size = [], 0
        size += n + (1 if current else 0)
        current.append(unit)
    if current:
        chunks.append(current)
    out = []
    for chunk in chunks:
        text = "\n".join(chunk).strip("\n")
        if text.strip():
            out.append(text)
    return out


def _citation_unit(label: str, quote: str, gist: str) -> str:
    unit = f"📖 <b>{html.escape(label, quote=False)}</b>"
    body = quote if len(quote) <= MAX_QUOTE else quote[:MAX_QUOTE - 1] + "…"
    if gist:
        body = f"{body}\n{gist[:MAX_QUOTE]}" if body else gist[:MAX_QUOTE]
    if body:
        unit += f"\n<blockquote expandable>{html.escape(body, quote=False)}</blockquote>"
    return unit


def render(reply: Reply, _: Translate, limit: int = MAX_MESSAGE) -> list[Outgoing]:
    """The Bot API calls of one reply: its text split under the limit (citations as a footer of
    expandable quotes), then its files; the keyboard goes on the last call."""
    units: list[str] = []
    for line in reply.text.splitlines():
        units.extend(_hard_split(line, limit) if utf16_len(html.escape(line, quote=False)) > limit
                     else [html.escape(line, quote=False)])
    if reply.citations:
        units.append("")
        units.extend(_citation_unit(c.label, c.quote, c.gist) for c in reply.citations)
    texts = split_units(units, limit)
    if not texts and reply.choices and not reply.attachments:
        texts = [html.escape(_(PLEASE_CHOOSE), quote=False)]
    items: list[Outgoing] = [Outgoing("text", html=t) for t in texts]
    for a in reply.attachments:
        items.append(Outgoing("photo" if a.kind == "image" else "document", attachment=a))
    if items and reply.choices:
        items[-1] = replace(items[-1], choices=reply.choices[:MAX_BUTTONS])
    return items


def long_values(items: Sequence[Outgoing]) -> dict[str, str]:
    """``{token: value}`` for every choice value that needs a server-side token."""
    return {token_of(c.value): c.value for it in items for c in it.choices
            if callback_data(c.value).startswith("t:")}


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.label[:MAX_LABEL] or c.value[:MAX_LABEL],
                                                       callback_data=callback_data(c.value))] for c in choices])


async def send_items(bot: Bot, chat_id: int | str, items: Sequence[Outgoing]) -> None:
    """Send rendered items in order. Telegram errors propagate (the caller maps or reports them)."""
    for it in items:
        markup = keyboard(it.choices)
        if it.kind == "text":
            await bot.send_message(chat_id, it.html, parse_mode=ParseMode.HTML, reply_markup=markup,
                                   link_preview_options=LinkPreviewOptions(is_disabled=True))
        elif it.attachment is not None:
            file = InputFile(it.attachment.data, filename=it.attachment.filename)
            if it.kind == "photo":
                await bot.send_photo(chat_id, file, reply_markup=markup)
            else:
                await bot.send_document(chat_id, file, reply_markup=markup)


# -- the application -------------------------------------------------------------------------------
class PerChatProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once, but one at a time per chat, in arrival order
    (asyncio locks wake their waiters first-in first-out)."""

    def __init__(self, max_concurrent_updates: int = 128) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else id(update)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


INBOX = "telegram"  # the inbox's channel
INBOX_RETRY_S = 1.0  # the poller waits this long before recording an update again when the database fails
REPLY_GRACE = timedelta(seconds=60)  # a reply's outbox row waits this long for the direct send to mark it sent
MARK_SENT_EVERY_S = 0.05  # sent replies are marked in the outbox in batches this often


def inbox_key(update: Update) -> str:
    return bounded_key(f"tg:{update.update_id}")


def reply_key(update: Update, n: int) -> str:
    return f"{inbox_key(update)}:reply:{n}"


class DurableQueue(asyncio.Queue):
    """PTB's update queue, whose ``put`` returns once the update is recorded in the inbox. The webhook
    answers 200 after ``put``; PTB's poller puts a batch before it confirms the batch's offset with the next
    ``getUpdates``. ``put_nowait`` queues without recording (updates read back from the inbox)."""

    def __init__(self, record: Callable[[Update], Awaitable[None]]) -> None:
        super().__init__()
        self._record = record
        self.polling = False  # set while PTB's poller feeds the queue: it retries instead of raising

    async def put(self, item: Any) -> None:
        if isinstance(item, Update):
            while True:
                try:
                    await self._record(item)
                    break
                except Exception as exc:
                    if not self.polling:
                        raise  # the webhook answers 503 and Telegram tries again later
                    log.error("telegram update %s not recorded (%s); retrying before confirming it",
                              item.update_id, type(exc).__name__)
                    await asyncio.sleep(INBOX_RETRY_S)
        self.put_nowait(item)


def api_urls(base: str) -> tuple[str, str]:
    """(base_url, base_file_url) for PTB from the server root of ``YUNLING_TELEGRAM_BASE_URL``
    (a Local Bot API server or a stand-in, e.g. ``http://127.0.0.1:8081``)."""
    root = base.rstrip("/")
    root = root.removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


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


class TelegramBot:
    """The PTB application of one :class:`App`, its update handler, error handler and webhook."""

    def __init__(self, app: App, *, max_concurrent_updates: int = 128, dispatch_threads: int = 4) -> None:
        s = app.settings
        if not s.telegram_token:
            raise ValueError("YUNLING_TELEGRAM_TOKEN is not set")
        self.app, self.settings = app, s
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
            if self.running:
                await self.application.stop()
            await self._mark_sent()
            await self.application.shutdown()
            self._executor.shutdown(wait=False)  # idle: Application.stop() waited for every update
            self._inbox.shutdown(wait=False)
            self._marks.shutdown(wait=False)
            _BOTS.pop(id(self.app), None)
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

    # -- the inbox ---------------------------------------------------------------------------------
    def _record_sync(self, update: Update) -> None:
        # ASCII JSON: a lone surrogate in a text stays an escape (the adapter drops it when it reads the update)
        body = encrypt_at_rest(self.settings.data_key, json.dumps(update.to_dict()))
        run_in_transaction(self.app.engine, lambda s: repo_inbox.record(
            session=s, channel=INBOX, message_key=inbox_key(update), body=body))

    async def _record(self, update: Update) -> None:
        await asyncio.get_running_loop().run_in_executor(self._inbox, self._record_sync, update)

    def _settle_sync(self, update: Update) -> None:
        run_in_transaction(self.app.engine, lambda s: repo_inbox.settle(
            session=s, channel=INBOX, message_key=inbox_key(update)))

    async def _settle(self, update: Update) -> None:
        await asyncio.get_running_loop().run_in_executor(self._inbox, self._settle_sync, update)

    async def recover(self) -> int:
        """Queue the updates recorded but not handled (a process died holding them), oldest first, before
        any new update; returns how many. Their keys make a second handling a dropped duplicate."""
        rows = await asyncio.get_running_loop().run_in_executor(self._inbox, lambda: run_in_transaction(
            self.app.engine, lambda s: repo_inbox.pending(session=s, channel=INBOX)))
        for key, body in rows:
            try:
                update = Update.de_json(json.loads(decrypt_at_rest(self.settings.data_key, body)),
                                        self.application.bot)
            except Exception as exc:  # a row no key or parser can read: drop it, loudly
                log.error("telegram inbox row %s unreadable (%s); dropped", key, type(exc).__name__)
                await asyncio.get_running_loop().run_in_executor(self._inbox, lambda k=key: run_in_transaction(
                    self.app.engine, lambda s: repo_inbox.settle(session=s, channel=INBOX, message_key=k)))
                continue
            self.queue.put_nowait(update)
        if rows:
            log.warning("telegram: %d updates received before a restart and not handled; handling them now",
                        len(rows))
        return len(rows)

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
        if update.callback_query is not None and not await self._acknowledge(update.callback_query):
            await self._settle(update)
            return
        now = datetime.now(UTC)
        upload = None
        if update.message is not None and update.message.document is not None:
            upload, problem = await self._fetch(update)
            if problem:
                _ = translator(update.effective_user.language_code if update.effective_user else None)
                assert update.effective_chat is not None
                await self._settle(update)
                await send_items(context.bot, update.effective_chat.id,
                                 [Outgoing("text", html=html.escape(_(problem), quote=False))])
                return
        loop = asyncio.get_running_loop()
        result, items = await loop.run_in_executor(self._executor, self._dispatch, update, now, upload)
        if result is None or result.duplicate:
            if result is not None:
                log.info("telegram update %s was processed before; dropped", update.update_id)
            return
        assert update.effective_chat is not None
        await send_items(context.bot, update.effective_chat.id, items)
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
            await asyncio.get_running_loop().run_in_executor(self._marks, lambda: run_in_transaction(
                self.app.engine, lambda s: repo_outbox.mark_sent(session=s, dedupe_keys=keys, now=now)))
        except Exception as exc:  # they stay pending: the delivery worker sends them again after the grace
            log.error("telegram: %d sent replies not marked in the outbox (%s)", len(keys), type(exc).__name__)

    async def _fetch(self, update: Update) -> tuple[Attachment | None, str]:
        """The document a person sent, fetched from Telegram; or the problem to tell them (size, network)."""
        assert update.message is not None and update.message.document is not None
        doc = update.message.document
        if doc.file_size and doc.file_size > MAX_UPLOAD:
            log.info("telegram: document of %d bytes in update %s refused", doc.file_size, update.update_id)
            return None, FILE_TOO_LARGE
        try:
            data = bytes(await (await doc.get_file()).download_as_bytearray())
        except TelegramError as exc:
            log.warning("telegram: document of update %s not fetched (%s)", update.update_id, type(exc).__name__)
            return None, FILE_NOT_FETCHED
        if len(data) > MAX_UPLOAD:
            return None, FILE_TOO_LARGE
        name = (doc.file_name or "upload").replace("/", "_")[:120]
        return Attachment(kind="document", filename=name, data=data,
                          mime=doc.mime_type or "application/octet-stream"), ""

    def _dispatch(self, update: Update, now: datetime,
                  upload: Attachment | None = None) -> tuple[DispatchResult | None, list[Outgoing]]:
        """In a worker thread: resolve a button token, run the dispatcher, render, store long values."""
        engine = self.app.engine

        def lookup(token: str) -> str | None:
            return run_in_transaction(engine, lambda s: store.value_of(session=s, token=token))

        incoming = to_incoming(update, now=now, payload_prefixes=self._prefixes, lookup=lookup, upload=upload)
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
        result = self.app.dispatcher.handle(incoming, guard=lambda s: repo_inbox.settle(
            session=s, channel=INBOX, message_key=key), after=lambda s, r: self._keep_replies(s, update, r))
        _ = translator(result.locale)
        items = [it for reply in result.replies for it in render(reply, _)]
        tokens = long_values(items)
        if tokens:
            run_in_transaction(engine, lambda s: store.remember_values(session=s, tokens=tokens))
        return result, items

    def _keep_replies(self, session: Any, update: Update, result: DispatchResult) -> None:
        """In the handling transaction: the replies, in the outbox, due after the grace (see the module doc)."""
        user = update.effective_user
        identity = repo.find_identity(session=session, channel="telegram", user_key=str(user.id)) if user else None
        if identity is None or not result.replies:
            return
        now = datetime.now(UTC)
        repo_outbox.bulk_enqueue(session=session, kind="reply", now=now, due=now + REPLY_GRACE, rows=[
            (identity.person_id, json.dumps(reply_to_dict(r), ensure_ascii=False), reply_key(update, n))
            for n, r in enumerate(result.replies)])

    async def _acknowledge(self, query: CallbackQuery) -> bool:
        """Answer the tap and replace the keyboard by a "✓ label" marker. False when the tap is to be
        ignored: the marker itself, a second tap on the same keyboard, an unknown button."""
        data = clean_field(query.data)
        msg = query.message
        key = (msg.chat.id, msg.message_id) if msg is not None else None
        if not data.startswith(("v:", "t:")) or (key is not None and key in self._tapped):
            with contextlib.suppress(TelegramError):
                await query.answer()
            return False
        if key is not None:
            self._tapped[key] = None
            while len(self._tapped) > 10_000:
                self._tapped.popitem(last=False)
        with contextlib.suppress(TelegramError):
            await query.answer()
        markup = getattr(msg, "reply_markup", None)
        label = next((b.text for row in (markup.inline_keyboard if markup else ()) for b in row
                      if b.callback_data == data), "")
        with contextlib.suppress(BadRequest):  # too old to edit, or already edited
            await query.edit_message_reply_markup(InlineKeyboardMarkup(
                [[InlineKeyboardButton(f"✓ {label}"[:MAX_LABEL], callback_data=CHOSEN)]]))
        return True

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log once, with the update id and a pseudonym (never the text or the ids), and apologise."""
        err = context.error
        if not isinstance(update, Update):
            log.error("telegram error outside an update: %s", type(err).__name__, exc_info=err)
            return
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
            await context.bot.send_message(chat.id, _(SORRY))


_BOTS: dict[int, TelegramBot] = {}


def telegram_for(app: App) -> TelegramBot:
    """The one :class:`TelegramBot` of ``app``: the webhook route and ``yunling serve`` share it."""
    bot = _BOTS.get(id(app))
    if bot is None or bot.app is not app:
        bot = _BOTS[id(app)] = TelegramBot(app)
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


# -- outbox sender ---------------------------------------------------------------------------------
def _retry_seconds(exc: TgRetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns while moving retry_after from int to timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Delivers outbox replies (``bot.senders`` contract, channel "telegram"). No pacing here: the
    delivery worker paces. A reply split into several calls remembers how far it got, so a retry after
    a failure in the middle does not repeat the parts already delivered (within this process)."""

    channel = "telegram"

    def __init__(self, settings: Settings, engine: Any = None, *, timeout: float = 10.0) -> None:
        if not settings.telegram_token:
            raise ValueError("YUNLING_TELEGRAM_TOKEN is not set")
        self.settings, self.engine, self.timeout = settings, engine, timeout
        self._bot: Bot | None = None
        self._progress: OrderedDict[str, int] = OrderedDict()

    def _make_bot(self) -> Bot:
        # Created on first use, so its HTTP client belongs to the delivery worker's event loop.
        request = HTTPXRequest(connection_pool_size=64, connect_timeout=self.timeout,
                               read_timeout=self.timeout, write_timeout=self.timeout,
                               pool_timeout=self.timeout, media_write_timeout=self.timeout * 2)
        url, file_url = api_urls(self.settings.telegram_base_url or "https://api.telegram.org")
        return Bot(self.settings.telegram_token, base_url=url, base_file_url=file_url, request=request)

    async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        items = render(reply, translator(self.settings.default_locale))
        tokens = long_values(items)
        if tokens and self.engine is not None:
            await asyncio.to_thread(run_in_transaction, self.engine,
                                    lambda s: store.remember_values(session=s, tokens=tokens))
        if self._bot is None:
            self._bot = self._make_bot()
        done = self._progress.get(dedupe_key, 0)
        try:
            for i in range(done, len(items)):
                await send_items(self._bot, recipient.chat_key, items[i:i + 1])
                self._progress[dedupe_key] = i + 1
                while len(self._progress) > 10_000:
                    self._progress.popitem(last=False)
        except TgRetryAfter as exc:
            raise RetryAfter(_retry_seconds(exc), "telegram flood control") from None
        except Forbidden as exc:
            raise Unreachable(f"telegram: {exc.message[:120]}") from None
        except BadRequest as exc:
            raise Permanent(f"telegram: {exc.message[:120]}") from None
        except NetworkError as exc:  # includes TimedOut and 5xx answers
            raise Transient(f"telegram {type(exc).__name__}: {exc.message[:120]}") from None
        except InvalidToken as exc:  # a configuration error: keep the message until the token is fixed
            raise Transient(f"telegram {type(exc).__name__}") from None
        except TelegramError as exc:
            raise Permanent(f"telegram {type(exc).__name__}: {exc.message[:120]}") from None
        self._progress.pop(dedupe_key, None)

    async def aclose(self) -> None:
        if self._bot is not None:
            await self._bot.shutdown()


def make_sender(app: App) -> TelegramSender | None:
    """For :func:`bot.scheduler.default_senders`: a sender when a token is configured (text-only replies
    through the lean HTTP path of :mod:`bot.telegram_lean`)."""
    if not app.settings.telegram_token:
        return None
    from bot.telegram_lean import LeanTelegramSender

    return LeanTelegramSender(app.settings, app.engine)


__all__ = ["DurableQueue", "Outgoing", "PerChatProcessor", "TelegramBot", "TelegramSender", "callback_data", "deep_link",
           "make_sender", "render", "routes", "settings_problems", "split_units", "telegram_for", "to_incoming"]
