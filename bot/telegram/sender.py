"""Telegram replies from the outbox: :class:`TelegramSender` (python-telegram-bot, every kind of reply) and
:class:`LeanTelegramSender`, the one production uses, with a lean path for text.

The Telegram outbox sender built for broadcasts: text goes out through one keep-alive HTTP/1.1 client on
asyncio streams (:class:`KeepAliveClient`, responses parsed by httptools), and of the Bot API's answer only
the status, ``description`` and ``parameters`` are read. python-telegram-bot over httpx spent most of a
broadcast's CPU in httpcore's per-request pool scan and in parsing every reply into objects
(``bench/broadcast.py``: 133 messages/s against 1 000+ here).

:class:`LeanTelegramSender` is a :class:`TelegramSender`: replies with a keyboard or a file
go through it unchanged; replies that render to text only take the lean path. Both keep the same contract
(:mod:`bot.senders`) and map the Bot API's answers the way PTB's errors are mapped there
(:func:`error_of`), and both remember how far a reply split into several messages got.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import warnings
from collections import OrderedDict
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httptools
from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.error import RetryAfter as TgRetryAfter
from telegram.request import HTTPXRequest

from bot.senders import Permanent, Recipient, RetryAfter, SendError, Transient, Unreachable
from bot.telegram.render import long_values, render, send_items
from handlers.i18n import translator
from handlers.settings import Settings
from handlers.types import Reply
from storage.channel_store import TelegramStore


def api_urls(base: str) -> tuple[str, str]:
    """(base_url, base_file_url) for PTB from the server root of ``YUNLING_TELEGRAM_BASE_URL``
    (a Local Bot API server or a stand-in, e.g. ``http://127.0.0.1:8081``)."""
    root = base.rstrip("/")
    root = root.removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


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

    def __init__(self, settings: Settings, store: TelegramStore | None = None, *, timeout: float = 10.0) -> None:
        if not settings.telegram_token:
            raise ValueError("YUNLING_TELEGRAM_TOKEN is not set")
        self.settings, self.store, self.timeout = settings, store, timeout
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
        if tokens and self.store is not None:
            await asyncio.to_thread(self.store.remember_values, tokens)
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



IDLE_S = 20.0  # a pooled connection idle longer than this is closed rather than reused (servers drop them)


class HttpError(Exception):
    """The connection broke or the answer was not HTTP."""


class _Response:
    """httptools callbacks: status, body, completion, keep-alive."""

    __slots__ = ("body", "done", "keep_alive", "parser")

    def __init__(self) -> None:
        self.body: list[bytes] = []
        self.done = self.keep_alive = False
        self.parser = httptools.HttpResponseParser(self)

    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()  # (reset once the message is complete)

    def on_body(self, data: bytes) -> None:
        self.body.append(data)

    def on_message_complete(self) -> None:
        self.done = True


class KeepAliveClient:
    """POSTs JSON over at most ``connections`` kept-alive HTTP/1.1 connections (TLS for https). No retries:
    a request that fails is the caller's to retry (the delivery worker does), so nothing is sent twice by
    this client."""

    def __init__(self, base_url: str, *, connections: int = 32, timeout: float = 10.0) -> None:
        parts = urlsplit(base_url)
        self.tls = parts.scheme == "https"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if self.tls else 80)
        self.host_header = parts.netloc.rsplit("@", 1)[-1].encode("latin-1")
        self.timeout, self.connections = timeout, connections
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self._slots: asyncio.Semaphore | None = None
        self._ssl: ssl.SSLContext | None = None
        self.opened = 0  # connections opened so far

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self._idle:
            reader, writer, since = self._idle.pop()
            if time.monotonic() - since < IDLE_S and not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        if self.tls and self._ssl is None:
            self._ssl = ssl.create_default_context()
        self.opened += 1
        return await asyncio.open_connection(self.host, self.port, ssl=self._ssl if self.tls else None)

    async def post_json(self, path: str, payload: dict[str, Any]) -> tuple[int, bytes]:
        """(status, body) of ``POST path`` with ``payload`` as JSON; :class:`HttpError` or TimeoutError."""
        if self._slots is None:  # made on the loop that uses it
            self._slots = asyncio.Semaphore(self.connections)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        head = (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: " + self.host_header +
                b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        async with self._slots:
            reader = writer = None
            try:
                async with asyncio.timeout(self.timeout):
                    reader, writer = await self._connect()
                    writer.write(head + body)
                    response = _Response()
                    while not response.done:
                        data = await reader.read(65536)
                        if not data:
                            raise HttpError("connection closed before the answer was complete")
                        response.parser.feed_data(data)
            except (OSError, httptools.HttpParserError, HttpError) as exc:
                if writer is not None:
                    writer.close()
                raise HttpError(type(exc).__name__) from exc
            except BaseException:  # a timeout or a cancellation mid-request: the connection is unusable
                if writer is not None:
                    writer.close()
                raise
            if response.keep_alive:
                self._idle.append((reader, writer, time.monotonic()))
            else:
                writer.close()
            return response.parser.get_status_code(), b"".join(response.body)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for _reader, writer, _since in idle:
            writer.close()


def error_of(status: int, body: bytes) -> SendError | None:
    """The contract's error for a Bot API answer, None for success: what PTB raises for that answer, mapped
    as :class:`TelegramSender` maps it (retry_after -> RetryAfter; migrate_to_chat_id, 400 and
    409 -> Permanent; 403 -> Unreachable; 401/404 (a bad token) and anything else -> Transient)."""
    if 200 <= status <= 299:
        return None
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {}
    description = str(data.get("description") or f"HTTP {status}")[:120]
    parameters = data.get("parameters")
    if isinstance(parameters, dict):
        if parameters.get("migrate_to_chat_id"):
            return Permanent("telegram ChatMigrated: the group moved to a supergroup")
        if retry := parameters.get("retry_after"):
            return RetryAfter(float(retry), "telegram flood control")
    if status == 403:
        return Unreachable(f"telegram: {description}")
    if status in (401, 404):
        return Transient("telegram InvalidToken")
    if status in (400, 409):
        return Permanent(f"telegram: {description}")
    return Transient(f"telegram NetworkError: {description}")


class LeanTelegramSender(TelegramSender):
    """:class:`TelegramSender` with a lean path for replies that render to text only (broadcasts,
    notifications without buttons or files)."""

    def __init__(self, settings: Settings, store: TelegramStore | None = None, *, timeout: float = 10.0,
                 connections: int = 32) -> None:
        super().__init__(settings, store, timeout=timeout)
        root, _file_root = api_urls(settings.telegram_base_url or "https://api.telegram.org")
        self.client = KeepAliveClient(root, connections=connections, timeout=timeout)
        self.path = f"{urlsplit(root).path}{settings.telegram_token}/sendMessage"
        self._translate = translator(settings.default_locale)

    async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        if reply.choices or reply.attachments:
            await super().send(recipient, reply, kind=kind, dedupe_key=dedupe_key)
            return
        items = render(reply, self._translate)
        if any(it.kind != "text" or it.choices for it in items):
            await super().send(recipient, reply, kind=kind, dedupe_key=dedupe_key)
            return
        done = self._progress.get(dedupe_key, 0)
        for i in range(done, len(items)):
            try:
                status, body = await self.client.post_json(self.path, {
                    "chat_id": recipient.chat_key, "text": items[i].html, "parse_mode": "HTML",
                    "link_preview_options": {"is_disabled": True}})
            except TimeoutError:
                raise Transient("telegram TimedOut") from None
            except HttpError as exc:
                raise Transient(f"telegram NetworkError: {exc}") from None
            if (error := error_of(status, body)) is not None:
                raise error
            if len(items) > 1:
                self._progress[dedupe_key] = i + 1
                while len(self._progress) > 10_000:
                    self._progress.popitem(last=False)
        self._progress.pop(dedupe_key, None)

    async def aclose(self) -> None:
        await self.client.aclose()
        await super().aclose()


