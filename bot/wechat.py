"""The WeChat official-account webhook (``/wechat``): verification, safe-mode crypto, the 5-second rule.

GET verifies the URL (signature -> echostr). POST accepts plain mode (``signature`` over token, timestamp
and nonce) and safe/compatible mode (``encrypt_type=aes``, ``msg_signature`` also over the ciphertext);
once an AES key is configured, plain POSTs are refused. Signatures are compared in constant time; a
timestamp outside the window or a (timestamp, nonce) seen before is refused -- in plain mode the
signature does not cover the body, so that is the only replay guard. Wrong signature -> 403,
malformed -> 400, oversized -> 413; all logged with the reason and a pseudonym, nothing stored.

The dispatcher runs in a worker thread (on SQLite the one database thread of :mod:`bot.serial`, which
commits the messages waiting together at once); the replay guard is recorded in the dispatcher's own
transaction. Done within the deadline: one passive reply (encrypted in safe mode). Not done: ``success`` now, and the replies follow as customer-service messages. WeChat retries a
message it got no answer for; a retry never runs the flow again: it waits for the same job, or gets the
cached passive reply again, or ``success`` when the answer goes out by the customer-service API.

``success`` is a promise WeChat never asks about again, so it is kept on disk: every message is recorded
in the ``inbox`` table (encrypted) in a transaction that commits before the one that handles it, which
deletes the row. A late job's replies go into the outbox in its handling transaction (due a minute later:
the webhook sends them at once and marks them sent). A process that starts handles the inbox rows a dead
one left and sends their replies through the outbox.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import queue
import secrets
import struct
import threading
import time
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from xml.parsers.expat import ExpatError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.replies import TextReply, TransferCustomerServiceReply

from bot.app import App
from bot.render import render_text
from bot.senders import Recipient, SendError
from bot.serial import SerialWorker
from bot.wechat_api import TEXT_LIMIT_BYTES, WeChatSender, download_links, pack_lines, split_utf8
from handlers.choices import normalize
from handlers.dispatch import KeyedGuard, pseudonym
from handlers.i18n import N_, translator
from handlers.types import (
    Attachment,
    DispatchResult,
    Incoming,
    Reply,
    bounded_key,
    clean_field,
    reply_to_dict,
)
from storage import repo_inbox, repo_outbox, repo_wechat
from storage import repositories as repo
from storage.crypto import decrypt as decrypt_at_rest
from storage.crypto import encrypt as encrypt_at_rest
from storage.db import run_in_transaction
from storage.errors import Busy
from storage.models import Person

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BODY = 64 * 1024
REPLY_CACHE = timedelta(minutes=5)  # WeChat retries within ~15 s; keep answers a little longer
# A finished job is kept in memory this long for WeChat's retries (its three tries span ~15 s); later ones
# find the answer in the database's reply cache. At 700 messages/s, five minutes would hold 200 000 jobs.
JOBS_KEPT_S = 30.0
PURGE_EVERY_S = 60.0
INBOX = "wechat"  # the inbox's channel
LATE_GRACE = timedelta(seconds=60)  # a late reply's outbox row waits this long for the webhook's own send
HANDOFF_WORDS = frozenset({"人工", "转人工", "人工服务", "找人工", "human", "/human", "talk to a person"})
MENU_PREFIXES = ("flow:", "cmd:", "ask:")
SILENT_EVENTS = frozenset({"view", "location", "templatesendjobfinish", "masssendjobfinish"})
_OPENID_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

ONLY_TEXT = N_("Sorry, I can only read text messages for now. Please type your question, or choose from "
               "the menu.")
VOICE_UNCLEAR = N_("Sorry, I could not make out your voice message. Please type your question instead.")


class Refused(Exception):
    def __init__(self, status: int, reason: str, who: str = "-") -> None:
        super().__init__(reason)
        self.status, self.reason, self.who = status, reason, who


@dataclass(frozen=True)
class Inbound:
    """A verified, parsed WeChat push."""

    msg_type: str  # "text", "voice", "image", ..., "event", "unknown"
    event: str  # "subscribe", "subscribe_scan", "scan", "click", ... ("" for messages)
    openid: str  # FromUserName
    account: str  # ToUserName (our account)
    create_time: int
    msg_id: str
    content: str  # text, or the voice recognition
    key: str  # EventKey (the QR scene without "qrscene_")

    @property
    def dedupe_key(self) -> str:
        # WeChat's advice: MsgId for messages, FromUserName + CreateTime for events; bounded, since a
        # signed push may carry a CreateTime of any length.
        if self.msg_type != "event":
            return f"wx:{self.msg_id}"
        return bounded_key(f"wx:{self.openid}:{self.create_time}:{self.event}")


def _field(data: dict, name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise ValueError(f"missing {name}")
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} is not text")
    return value


def _ascii_digits(text: str) -> bool:
    """"0"-"9" only: ``str.isdigit()`` is also true for "²" (which ``int()`` refuses) and for full-width or
    Arabic-Indic digits (which ``int()`` reads), so one moment could be written several ways."""
    return bool(text) and text.isascii() and text.isdigit()


def _ascii_int(text: str) -> int:
    if not _ascii_digits(text):
        raise ValueError("not ASCII digits")
    return int(text)


def parse_inbound(xml_text: str) -> Inbound:
    """Parse a (decrypted) push. Raises :class:`Refused` (400) on anything malformed."""
    if not xml_text.strip():
        raise Refused(400, "empty body")
    try:
        # xmltodict >= 1.0.2 (a declared requirement) refuses any entity declaration, so no entity --
        # external or expanding -- gets through; expat never fetches an external DTD. tests/test_wechat_*
        # send XXE and billion-laughs payloads in both modes.
        msg = parse_message(xml_text)
        if msg is None:
            raise ValueError("nothing parsed")
        data = msg._data
        msg_type = msg.type if msg.type != "unknown" else _field(data, "MsgType", required=True).lower()
        openid = _field(data, "FromUserName", required=True)
        if not 0 < len(openid) <= 64 or not set(openid) <= _OPENID_OK:
            raise ValueError("bad FromUserName")
        create_time = _ascii_int(_field(data, "CreateTime", required=True))
        msg_id = _field(data, "MsgId")
        if msg_type != "event" and (not _ascii_digits(msg_id) or len(msg_id) > 32):
            raise ValueError("bad MsgId")
        event = getattr(msg, "event", "") if msg_type == "event" else ""
        if msg_type == "event" and not event:
            event = _field(data, "Event", required=True).lower()
        content = clean_field(_field(data, "Content")) if msg_type == "text" else ""
        if msg_type == "voice":
            content = clean_field(_field(data, "Recognition"))
        key = clean_field(_field(data, "EventKey")) if msg_type == "event" else ""
        return Inbound(msg_type=msg_type, event=event, openid=openid, account=_field(data, "ToUserName"),
                       create_time=create_time, msg_id=msg_id, content=content, key=key)
    except (ExpatError, KeyError, TypeError, AttributeError, ValueError,
            OverflowError, IndexError) as exc:
        raise Refused(400, f"malformed message ({type(exc).__name__})") from None


def _envelope_encrypt(body: bytes) -> str:
    """The ``Encrypt`` element of a safe-mode envelope. Raises :class:`Refused` (400)."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except (DefusedXmlException, ET.ParseError, ExpatError, ValueError) as exc:
        raise Refused(400, f"malformed envelope ({type(exc).__name__})") from None
    element = root.find("Encrypt")
    if element is None or len(element) or not (element.text or "").strip():
        raise Refused(400, "envelope without Encrypt")
    return element.text.strip()


def signature_of(token: str, *parts: str) -> str:
    """WeChat's SHA-1 over the sorted strings (as wechatpy's WeChatSigner does)."""
    return hashlib.sha1(b"".join(sorted([token.encode(), *(p.encode() for p in parts)]))).hexdigest()


def _cdata_safe(text: str) -> str:
    # wechatpy writes text into CDATA verbatim; a "]]>" inside would end it early.
    return text.replace("]]>", "]]]]><![CDATA[>")


_STOP_WRITER = object()


class BatchWriter:
    """Hands items to ``write`` in batches from one thread. Used for the reply cache: WeChat's retry comes
    5 seconds after its first try at the earliest, so a write a few milliseconds late is as good."""

    def __init__(self, write: Callable[[list], None], linger_s: float = 0.2) -> None:
        self._write, self._linger = write, linger_s
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, item: object) -> None:
        self._queue.put(item)
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wechat-cache", daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        with self._started:
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP_WRITER)
            thread.join()

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            time.sleep(self._linger)
            with contextlib.suppress(queue.Empty):
                while len(batch) < 500:
                    batch.append(self._queue.get_nowait())
            stop = any(item is _STOP_WRITER for item in batch)
            batch = [item for item in batch if item is not _STOP_WRITER]
            if not batch:
                continue
            try:
                self._write(batch)
            except Exception:  # the cache is an optimisation: log, and keep the writer alive
                log.exception("wechat reply cache: %d replies not stored", len(batch))


@dataclass(frozen=True)
class _Nonce:
    key: str  # "timestamp:nonce"
    ts: int
    openid: str = ""


_REPLAYED = object()  # the guard's verdict on a (timestamp, nonce) seen before
NONCE_CHANNEL = "wechat-nonce"  # (timestamp, nonce) pairs in processed_message


@dataclass
class _Job:
    """One message's dispatcher run, shared by WeChat's retries of it."""

    openid: str
    future: Future[DispatchResult] = field(default_factory=Future)
    lock: threading.Lock = field(default_factory=threading.Lock)
    late: bool = False  # an attempt answered "success": the replies go out by the customer-service API
    committing: bool = False  # handled and not late: its transaction is committing, the answer is passive
    durable: DispatchResult | None = None  # the result whose replies went into the outbox with its commit
    cached: bool = False  # its passive reply went into the reply cache with its commit
    recorded: Future[None] = field(default_factory=Future)  # resolved once the message is in the inbox
    passive: str | None = None  # the passive reply text, once given
    created: float = 0.0
    done_at: float | None = None
    links: list[str] | None = None  # download-link lines of its documents, made once (YUNLING_PUBLIC_URL)
    links_lock: threading.Lock = field(default_factory=threading.Lock)


class WeChatWebhook:
    def __init__(self, app: App, *, clock: Callable[[], float] = time.time, sender: WeChatSender | None = None,
                 workers: int | None = None) -> None:
        s = app.settings
        self.app, self.settings, self.clock = app, s, clock
        self.crypto: WeChatCrypto | None = None
        if s.wechat_aes_key:
            try:
                self.crypto = WeChatCrypto(s.wechat_token, s.wechat_aes_key, s.wechat_app_id)
            except (AssertionError, binascii.Error, ValueError) as exc:
                raise ValueError("YUNLING_WECHAT_AES_KEY must be the 43-character EncodingAESKey") from exc
        self.sender = sender or WeChatSender(s, app.engine, clock=clock)
        # SQLite runs one write transaction at a time: every database call of the webhook goes through one
        # thread, instead of threads waiting on its lock, and messages waiting together are committed
        # together (bot.serial).
        sqlite = app.engine.dialect.name == "sqlite"
        self._serial = SerialWorker(app.dispatcher, name="wechat-db") if sqlite else None
        self.executor: Executor = self._serial or ThreadPoolExecutor(workers or 8, thread_name_prefix="wechat")
        self._db: Executor = self._serial or ThreadPoolExecutor(2, thread_name_prefix="wechat-db")
        self._outbound = ThreadPoolExecutor(4, thread_name_prefix="wechat-out")  # late customer-service messages
        # Cached replies are written in batches, through the database thread(s) like everything else.
        self._cache_writer = BatchWriter(lambda batch: self._db.submit(self._store_replies, batch).result())
        self.jobs: dict[str, _Job] = {}
        self._jobs_guard = threading.Lock()
        self._last_purge = self._last_forget = 0.0
        self._payload_prefixes = tuple(p for f in app.dispatcher.flows.values() for p in f.payload_prefixes)
        _OPEN.add(self)

    def close(self) -> None:
        """Stop the webhook's threads once the messages in hand are answered and their replies stored
        (server shutdown; tests, whose databases are dropped next)."""
        _OPEN.discard(self)
        self.executor.shutdown(wait=True)
        self._outbound.shutdown(wait=True)
        self._cache_writer.close()
        self._db.shutdown(wait=True)

    def routes(self) -> list[BaseRoute]:
        return [Route("/wechat", self.endpoint, methods=["GET", "POST"])]

    # -- HTTP ------------------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        try:
            if request.method == "GET":
                return self._verify_url(request)
            return await self._receive(request)
        except Refused as r:
            log.warning("wechat %s refused (%d): %s [%s]", request.method, r.status, r.reason, r.who)
            return PlainTextResponse({400: "bad request", 403: "forbidden", 413: "too large"}[r.status],
                                     status_code=r.status)
        except Busy:  # the replay guard could not be written: WeChat will try again
            log.error("wechat POST not accepted (503): database busy")
            return PlainTextResponse("busy", status_code=503)

    def _verify_url(self, request: Request) -> Response:
        q = request.query_params
        self._check_signature(q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
        self._check_timestamp(q.get("timestamp", ""))
        return PlainTextResponse(q.get("echostr", ""))

    async def _receive(self, request: Request) -> Response:
        q = request.query_params
        who = pseudonym("wechat", q.get("openid", "")) if q.get("openid") else "-"
        body = await self._read_body(request, who)
        ts, nonce = q.get("timestamp", ""), q.get("nonce", "")
        encrypted = q.get("encrypt_type", "").lower() == "aes"
        if encrypted:
            if self.crypto is None:
                raise Refused(400, "encrypted message but no AES key configured", who)
            encrypt = _envelope_encrypt(body)
            self._check_signature(q.get("msg_signature", ""), ts, nonce, encrypt, who=who)
        else:
            if self.crypto is not None:
                raise Refused(403, "plain message refused: safe mode is configured", who)
            self._check_signature(q.get("signature", ""), ts, nonce, who=who)
        self._check_timestamp(ts, who)
        try:
            inbound = parse_inbound(self._decrypt(encrypt) if encrypted else self._text(body))
        except Refused as r:
            r.who = who
            raise
        try:
            return await self._answer(inbound, encrypted, _Nonce(f"{ts}:{nonce}", int(ts)))
        except Refused as r:
            r.who = pseudonym("wechat", inbound.openid)
            raise

    async def _read_body(self, request: Request, who: str) -> bytes:
        length = request.headers.get("content-length", "")
        if _ascii_digits(length) and int(length) > MAX_BODY:
            raise Refused(413, f"body of {length} bytes", who)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise Refused(413, "body over the limit", who)
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_signature(self, given: str, ts: str, nonce: str, *extra: str, who: str = "-") -> None:
        if not (given and ts and nonce) or len(nonce) > 64:
            raise Refused(403, "missing signature parameters", who)
        expected = signature_of(self.settings.wechat_token, ts, nonce, *extra)
        if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
            raise Refused(403, "wrong signature", who)

    def _check_timestamp(self, ts: str, who: str = "-") -> None:
        if not _ascii_digits(ts) or len(ts) > 12:
            raise Refused(403, "bad timestamp", who)
        if abs(self.clock() - int(ts)) > self.settings.wechat_timestamp_window_s:
            raise Refused(403, "timestamp outside the window", who)

    def _decrypt(self, encrypt: str) -> str:
        assert self.crypto is not None
        try:
            return PrpCrypto(self.crypto.key).decrypt(encrypt, self.settings.wechat_app_id)
        except InvalidAppIdException:  # garbage decrypts to a wrong AppID too
            raise Refused(400, "not encrypted for our AppID") from None
        except (binascii.Error, ValueError, struct.error, UnicodeDecodeError, IndexError, TypeError) as exc:
            raise Refused(400, f"undecryptable ({type(exc).__name__})") from None

    @staticmethod
    def _text(body: bytes) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8") from None

    # -- storage ---------------------------------------------------------------------------------
    async def _in_db(self, work: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, work, *args)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _guard(self, nonce: _Nonce, *, reachable: bool = False, settle: str = "") -> Callable[[Session], object]:
        """The replay guard as a step of a transaction: record the nonce; ``_REPLAYED`` when it was seen
        before. Runs as the dispatcher's guard, so a message costs one transaction, or on its own through
        :meth:`_admit`."""
        now = self._now()

        def first(session: Session) -> object:
            # The message's inbox row goes with the transaction that handles (or refuses) it.
            repo_inbox.settle(session=session, channel=INBOX, message_key=settle)
            return None

        def then(session: Session) -> object:
            if self.clock() - self._last_purge > PURGE_EVERY_S:
                self._last_purge = self.clock()
                repo_wechat.purge_expired(session=session, now=now)
            if reachable:  # a follow: the person can be written to again
                repo.set_reachable(session=session, channel="wechat", user_key=nonce.openid, reachable=True)
            return None

        # The pair is kept with the processed message keys (as long as they are, far beyond the timestamp
        # window), and recorded in the same statement as the message's key.
        return KeyedGuard(NONCE_CHANNEL, nonce.key, _REPLAYED, then, first if settle else None)

    def _admit(self, nonce: _Nonce) -> object:
        """The replay guard in a transaction of its own (messages that do not reach the dispatcher)."""
        return run_in_transaction(self.app.engine, self._guard(nonce))

    def _cached_reply(self, message_key: str) -> str | None:
        """The passive reply given to this message before, maybe by another process (WeChat's retry)."""
        row = run_in_transaction(self.app.engine, lambda s: repo_wechat.cached_reply(
            session=s, message_key=message_key, now=self._now()))
        if row is None or not self.settings.data_key:
            return None
        return decrypt_at_rest(self.settings.data_key, row[1])

    def _store_replies(self, batch: list[tuple[str, str]]) -> None:
        if not self.settings.data_key:
            return  # nothing to encrypt them with: the in-process cache alone serves retries
        rows = [(key, encrypt_at_rest(self.settings.data_key, text)) for key, text in batch]
        expires = self._now() + REPLY_CACHE

        run_in_transaction(self.app.engine, lambda s: repo_wechat.cache_replies(
            session=s, replies=rows, kind="text", expires_at=expires))

    def _locale_of(self, openid: str) -> str:
        def work(session):  # type: ignore[no-untyped-def]
            identity = repo.find_identity(session=session, channel="wechat", user_key=openid)
            person = session.get(Person, identity.person_id) if identity else None
            return person.locale if person else self.settings.default_locale

        return run_in_transaction(self.app.engine, work)

    def _set_reachable(self, openid: str, reachable: bool) -> None:
        run_in_transaction(self.app.engine, lambda s: repo.set_reachable(
            session=s, channel="wechat", user_key=openid, reachable=reachable))

    # -- answering -------------------------------------------------------------------------------
    async def _answer(self, inbound: Inbound, encrypted: bool, nonce: _Nonce) -> Response:
        nonce = _Nonce(nonce.key, nonce.ts, inbound.openid)
        kind, event = inbound.msg_type, inbound.event
        if kind == "text" and not (self.settings.wechat_transfer_to_kf and normalize(inbound.content) in HANDOFF_WORDS):
            return await self._dispatch(inbound, encrypted, nonce, self._incoming(inbound, text=inbound.content))
        if kind == "voice" and inbound.content.strip():
            return await self._dispatch(inbound, encrypted, nonce, self._incoming(inbound, text=inbound.content))
        if kind == "event" and event in ("subscribe", "subscribe_scan", "scan"):
            key = inbound.key
            if key and key.startswith(self._payload_prefixes) and event != "subscribe":
                incoming = self._incoming(inbound, payload=key, event=event)
            else:  # a plain follow, or a QR code whose scene no flow knows: welcome and menu
                incoming = self._incoming(inbound, text="/start" if event != "scan" else "/menu", event=event)
            return await self._dispatch(inbound, encrypted, nonce, incoming, reachable=event != "scan")
        if kind == "event" and event == "click" and inbound.key.startswith(MENU_PREFIXES):
            return await self._dispatch(inbound, encrypted, nonce,
                                        self._incoming(inbound, choice=inbound.key, event="menu"))
        # Everything else is answered without the dispatcher: the replay guard runs on its own.
        if await self._in_db(self._admit, nonce) is _REPLAYED:
            raise Refused(403, "replayed (timestamp, nonce)")
        if kind == "text":  # a hand-off word, with transfer to customer-service seats on
            return self._reply(inbound, encrypted, TransferCustomerServiceReply(
                source=inbound.account, target=inbound.openid, time=int(self.clock())))
        if kind == "event":
            if event == "unsubscribe":
                await self._in_db(self._set_reachable, inbound.openid, False)
            elif event not in SILENT_EVENTS:
                log.info("wechat event %s ignored [%s]", event[:40], pseudonym("wechat", inbound.openid))
            return self._success()
        locale = await self._in_db(self._locale_of, inbound.openid)
        message = VOICE_UNCLEAR if kind == "voice" else ONLY_TEXT
        return self._passive(inbound, encrypted, translator(locale)(message))

    def _incoming(self, inbound: Inbound, **kw: str | None) -> Incoming:
        return Incoming(channel="wechat", user_key=inbound.openid, message_key=inbound.dedupe_key,
                        received_at=self._now(), **kw)  # type: ignore[arg-type]

    async def _dispatch(self, inbound: Inbound, encrypted: bool, nonce: _Nonce, incoming: Incoming, *,
                        reachable: bool = False) -> Response:
        key = incoming.message_key
        with self._jobs_guard:
            self._forget_old_jobs()
            job = self.jobs.get(key)
            first = job is None
            if job is None:  # the replay guard runs in the dispatcher's own transaction
                job = _Job(openid=inbound.openid, created=self.clock())
                guard = self._guard(nonce, reachable=reachable, settle=key)
                after, before = self._keep_late(job, key), self._recorder(incoming)
                job.future = (self._serial.dispatch(incoming, guard, after, before, job.recorded)
                              if self._serial is not None else
                              self.executor.submit(self._record_and_handle, incoming, guard, after, before,
                                                   job.recorded))
                self.jobs[key] = job
                job.future.add_done_callback(lambda _f, k=key, j=job: self._finished(k, j))
        # WeChat's retry while this process still holds the message: its nonce on its own.
        if not first and await self._in_db(self._admit, nonce) is _REPLAYED:
            raise Refused(403, "replayed (timestamp, nonce)")
        # Waiting, not wait_for: a timeout must not cancel the job (nor need a shield around it).
        waiter = asyncio.wrap_future(job.future)
        done, _pending = await asyncio.wait((waiter,), timeout=self.settings.wechat_reply_deadline_s)
        if done and waiter.exception() is not None:  # not recorded (database busy): WeChat tries again
            with self._jobs_guard:
                if self.jobs.get(key) is job:
                    del self.jobs[key]
        result = waiter.result() if done else None
        if result is None:
            # "success" promises the answer: not before the message is on disk (it usually is by now).
            await asyncio.wait((asyncio.wrap_future(job.recorded), waiter), return_when=asyncio.FIRST_COMPLETED)
            if job.recorded.done() and job.recorded.exception() is not None:
                raise job.recorded.exception()  # type: ignore[misc]
            with job.lock:
                if not job.future.done() and not job.committing:
                    job.late = True  # the message is in the inbox; its commit puts the replies in the outbox
            if not job.late:  # done, or its commit is under way (replies not kept for later): a moment more
                await asyncio.wait((waiter,))
                result = waiter.result()
        if result is not None and result.held is not None:  # a replay: nothing ran
            with self._jobs_guard:
                if self.jobs.get(key) is job:
                    del self.jobs[key]
            if first:
                raise Refused(403, "replayed (timestamp, nonce)")
            return self._success()  # this attempt's nonce was fresh; the message was handled before
        if result is not None and result.duplicate and first:
            # Handled before, but not by this process (or long ago): a retry whose answer was lost.
            cached = await self._in_db(self._cached_reply, key)
            return self._passive(inbound, encrypted, cached) if cached else self._success()
        links = None
        if result is not None and self.settings.public_url and not result.duplicate and _documents(result.replies):
            links = await self._in_db(self._links_of, job, result)
        with job.lock:
            if job.late:
                return self._success()
            if job.passive is not None:  # another attempt of this message rendered it already
                return self._passive(inbound, encrypted, job.passive)
            result = job.future.result()
            if result.duplicate or not result.replies:
                return self._success()
            parts = _passive_parts(result.replies, links)
            job.passive = parts[0]
            if not job.cached:  # for WeChat's retries that reach another process
                self._cache_writer.put((key, job.passive))
        extra = parts[1:]
        # Images go by the customer-service API after upload; so do documents when links are on but did not
        # make it into the passive reply (the sender links them, or adds today's note).
        by_api = ("image", "document") if links is None and self.settings.public_url else ("image",)
        images = [Reply(text="", attachments=tuple(a for a in r.attachments if a.kind in by_api))
                  for r in result.replies if any(a.kind in by_api for a in r.attachments)]
        # What did not fit goes by the customer-service API once the passive reply is out (in order).
        task = (BackgroundTask(self._deliver, key, inbound.openid, [*(Reply(text=t) for t in extra), *images])
                if extra or images else None)
        return self._passive(inbound, encrypted, job.passive, background=task)

    def _finished(self, key: str, job: _Job) -> None:
        """Runs in the worker thread when a dispatch ends: deliver late replies, once."""
        with job.lock:
            job.done_at = self.clock()
            if not job.late or job.future.cancelled() or job.future.exception() is not None:
                return
            result = job.future.result()
            durable = job.durable is result
        if not result.duplicate and result.replies:  # API calls off the dispatcher's threads
            self._outbound.submit(self._deliver, key, job.openid, result.replies, durable)

    def _deliver(self, key: str, openid: str, replies: list[Reply], durable: bool = False) -> None:
        """Customer-service messages now. ``durable``: the replies are also in the outbox (``_keep_late``);
        those sent are marked sent there, and the rest made due at once when a send fails."""
        for i, reply in enumerate(replies):
            try:
                self.sender.send_sync(_recipient(openid, self._now()), reply, kind="reply",
                                      dedupe_key=f"{key}:{i}")
            except (SendError, RuntimeError) as exc:
                log.error("wechat late reply %d of %s failed (%s); queued in the outbox",
                          i, pseudonym("wechat", openid), exc)
                if durable:
                    self._settle_late(key, sent=i, total=len(replies))
                else:
                    self._queue(key, openid, replies[i:], first=i)
                return
        if durable:
            self._settle_late(key, sent=len(replies), total=len(replies))

    def _settle_late(self, key: str, *, sent: int, total: int) -> None:
        keys = [_late_key(key, n) for n in range(total)]
        now = self._now()

        def work(session: Session) -> None:
            repo_outbox.mark_sent(session=session, dedupe_keys=keys[:sent], now=now)
            repo_outbox.make_due(session=session, dedupe_keys=keys[sent:], now=now)

        try:
            run_in_transaction(self.app.engine, work)
        except Exception as exc:  # the rows stay pending: the delivery worker sends them (again) after the grace
            log.error("wechat late replies of %s not marked (%s)", key, type(exc).__name__)

    # -- the inbox: what "success" promised survives the process ------------------------------------
    def _recorder(self, incoming: Incoming) -> Callable[[Session], object]:
        body = encrypt_at_rest(self.settings.data_key, _incoming_json(incoming))
        return lambda session: repo_inbox.record(session=session, channel=INBOX, message_key=incoming.message_key,
                                                 body=body, at=incoming.received_at)

    def _record_and_handle(self, incoming: Incoming, guard: Callable[[Session], object],
                           after: Callable[[Session, DispatchResult], None],
                           before: Callable[[Session], object], recorded: Future[None]) -> DispatchResult:
        """In a pool thread (PostgreSQL): record the message, commit, then handle it."""
        try:
            run_in_transaction(self.app.engine, before)
        except BaseException as exc:
            recorded.set_exception(exc)
            raise
        recorded.set_result(None)
        return self.app.dispatcher.handle(incoming, guard=guard, after=after)

    def _keep_late(self, job: _Job, key: str, grace: timedelta = LATE_GRACE) -> Callable[[Session, DispatchResult],
                                                                                         None]:
        """The dispatcher's last step in the handling transaction: when ``success`` was answered already, the
        replies go into the outbox with the commit (due after ``grace``); otherwise the passive reply is a
        moment away and the deadline waits for it, and it goes into the reply cache with the commit, so that
        WeChat's retry finds it even when this process dies before it answers."""

        def after(session: Session, result: DispatchResult) -> None:
            with job.lock:
                late = job.late
                if late:
                    job.durable = result
                else:
                    job.committing = True
            if not late:
                if result.replies and self.settings.data_key and not (
                        self.settings.public_url and _documents(result.replies)):  # links: made after the commit
                    text = _passive_parts(result.replies, None)[0]
                    repo_wechat.cache_replies(session=session, kind="text", expires_at=self._now() + REPLY_CACHE,
                                              replies=[(key, encrypt_at_rest(self.settings.data_key, text))])
                    job.cached = True
                return
            identity = repo.find_identity(session=session, channel="wechat", user_key=job.openid)
            if identity is None:
                return
            due = self._now() + grace
            for n, reply in enumerate(result.replies):
                repo.enqueue(session=session, person_id=identity.person_id, body=reply_to_dict(reply),
                             dedupe_key=_late_key(key, n), kind="reply", not_before=due)

        return after

    def recover(self) -> int:
        """Handle the messages a dead process recorded and did not handle, oldest first; their replies go
        through the outbox (customer-service messages). Returns how many were found."""
        rows = run_in_transaction(self.app.engine, lambda s: repo_inbox.pending(session=s, channel=INBOX))
        for key, body in rows:

            def settle(session: Session, k: str = key) -> None:
                repo_inbox.settle(session=session, channel=INBOX, message_key=k)

            try:
                incoming = _incoming_from(decrypt_at_rest(self.settings.data_key, body))
            except Exception as exc:  # unreadable (another data key?): drop it, loudly
                log.error("wechat inbox row %s unreadable (%s); dropped", key, type(exc).__name__)
                run_in_transaction(self.app.engine, settle)
                continue
            job = _Job(openid=incoming.user_key, late=True)
            result = self.app.dispatcher.handle(incoming, guard=settle, after=self._keep_late(job, key, timedelta(0)))
            if job.durable is not result and not result.duplicate and result.replies:  # an apology
                self._queue(key, incoming.user_key, result.replies, first=0)
        if rows:
            log.warning("wechat: %d messages received before a restart and not handled; handled now", len(rows))
        return len(rows)

    def start_recovery(self) -> None:
        """:meth:`recover` on the database thread(s), before or among the first messages."""

        def run() -> None:
            try:
                self.recover()
            except Exception:
                log.exception("wechat inbox recovery failed; it runs again at the next start")

        self._db.submit(run)

    def _queue(self, key: str, openid: str, replies: list[Reply], first: int) -> None:
        def work(session):  # type: ignore[no-untyped-def]
            identity = repo.find_identity(session=session, channel="wechat", user_key=openid)
            if identity is None:
                return
            for n, reply in enumerate(replies, first):
                repo.enqueue(session=session, person_id=identity.person_id, body=reply_to_dict(reply),
                             dedupe_key=_late_key(key, n), kind="reply")

        run_in_transaction(self.app.engine, work)

    def _links_of(self, job: _Job, result: DispatchResult) -> list[str] | None:
        """The download-link lines of a finished job's documents, stored once however many retries ask."""
        with job.links_lock:
            if job.links is None:
                job.links = download_links(self.settings, self.app.engine, openid=job.openid,
                                           documents=_documents(result.replies), locale=result.locale,
                                           now=self._now())
            return job.links

    def _forget_old_jobs(self) -> None:
        now = self.clock()
        if now - self._last_forget < 1.0:
            return
        self._last_forget = now
        horizon = now - JOBS_KEPT_S
        stale = []
        for key, job in self.jobs.items():  # oldest first: stop at the first job that is young enough
            if job.created >= horizon:
                break
            if job.done_at is not None and job.done_at < horizon:
                stale.append(key)
        for key in stale:
            del self.jobs[key]

    # -- responses -------------------------------------------------------------------------------
    @staticmethod
    def _success() -> Response:
        return PlainTextResponse("success")

    def _passive(self, inbound: Inbound, encrypted: bool, text: str,
                 background: BackgroundTask | None = None) -> Response:
        reply = TextReply(source=inbound.account, target=inbound.openid, content=_cdata_safe(text),
                          time=int(self.clock()))
        return self._reply(inbound, encrypted, reply, background)

    def _reply(self, inbound: Inbound, encrypted: bool, reply: TextReply | TransferCustomerServiceReply,
               background: BackgroundTask | None = None) -> Response:
        xml = reply.render()
        if encrypted:
            assert self.crypto is not None
            xml = self.crypto.encrypt_message(xml, secrets.token_hex(8), str(int(self.clock())))
        return Response(xml, media_type="application/xml", background=background)


def _late_key(key: str, n: int) -> str:
    return f"{key}:late:{n}"


_INCOMING_FIELDS = ("channel", "user_key", "message_key", "text", "chat_key", "choice", "payload", "event",
                    "locale", "display_name")


def _incoming_json(incoming: Incoming) -> str:
    data = {name: getattr(incoming, name) for name in _INCOMING_FIELDS}
    data["received_at"] = incoming.received_at.isoformat()
    return json.dumps(data)


def _incoming_from(text: str) -> Incoming:
    data = json.loads(text)
    return Incoming(received_at=datetime.fromisoformat(data.pop("received_at")),
                    **{k: v for k, v in data.items() if k in _INCOMING_FIELDS})


def _documents(replies: list[Reply]) -> list[Attachment]:
    return [a for r in replies for a in r.attachments if a.kind == "document"]


def _passive_parts(replies: list[Reply], links: list[str] | None) -> list[str]:
    """The passive reply first, then what follows by customer-service message. Download links go at the
    end of the passive reply, before any cut, or -- when there are too many -- in messages of their own."""
    if links is None:
        return split_utf8("\n\n".join(render_text(r) for r in replies))
    shown = [Reply(text=r.text, choices=r.choices, citations=r.citations,
                   attachments=tuple(a for a in r.attachments if a.kind != "document")) for r in replies]
    body, block = "\n\n".join(render_text(r) for r in shown), "\n".join(links)
    room = TEXT_LIMIT_BYTES - len(block.encode()) - 2
    if room < TEXT_LIMIT_BYTES // 2:
        return [*split_utf8(body), *pack_lines(links)]
    parts = split_utf8(body, room)
    parts[0] = f"{parts[0]}\n\n{block}" if parts[0].strip() else block
    return parts


def _recipient(openid: str, now: datetime) -> Recipient:
    return Recipient(person_id=0, channel="wechat", user_key=openid, chat_key=openid, last_inbound_at=now)


def make_sender(app: App) -> WeChatSender | None:
    """The outbox's "wechat" sender (see :mod:`bot.scheduler`); None without API credentials."""
    if not (app.settings.wechat_app_id and app.settings.wechat_app_secret):
        return None
    return WeChatSender(app.settings, app.engine)


_OPEN: weakref.WeakSet[WeChatWebhook] = weakref.WeakSet()


def close_webhooks() -> None:
    """Close every webhook of this process (see :meth:`WeChatWebhook.close`)."""
    for hook in list(_OPEN):
        hook.close()


def routes(app: App) -> list[BaseRoute]:
    """The webhook's routes for :func:`bot.web.build_web_app`; none when no WeChat token is configured."""
    if not app.settings.wechat_token:
        log.info("WeChat webhook off: YUNLING_WECHAT_TOKEN is not set")
        return []
    webhook = WeChatWebhook(app)
    webhook.start_recovery()
    return webhook.routes()


__all__ = ["Inbound", "Refused", "WeChatWebhook", "close_webhooks", "make_sender", "parse_inbound", "routes",
           "signature_of"]
