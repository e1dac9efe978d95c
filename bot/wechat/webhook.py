"""The WeChat official-account webhook (``/wechat``): the Starlette endpoint.

A verified push (:mod:`bot.wechat.protocol`) becomes an :class:`Incoming` -- a message, a follow, a menu
click, or a platform event the dispatcher answers itself (:mod:`handlers.events`) -- and runs in a worker
thread (on SQLite the one database thread of :mod:`bot.serial`, which commits the messages waiting together
at once). The replay guard, (timestamp, nonce) seen once, is recorded in the dispatcher's own transaction.
Done within the deadline: one passive reply (encrypted in safe mode). Not done: ``success`` now, and the
replies follow as customer-service messages (:mod:`bot.wechat.deadline`). WeChat retries a message it got
no answer for; a retry never runs the flow again: it waits for the same job, or gets the cached passive
reply again, or ``success`` when the answer goes out by the customer-service API.

``success`` is a promise WeChat never asks about again, so it is kept on disk: every message is recorded
in the ``inbox`` table (encrypted) in a transaction that commits before the one that handles it, which
deletes the row. A late job's replies go into the outbox in its handling transaction (due a minute later:
the webhook sends them at once and marks them sent). A process that starts handles the inbox rows a dead
one left and sends their replies through the outbox.

The webhook keeps nothing in the database by itself: it goes through the :class:`WeChatStore` the
composition root gives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.senders import Recipient, SendError
from bot.serial import SerialWorker
from bot.wechat.deadline import (
    REPLY_CACHE,
    Answered,
    Job,
    Jobs,
    incoming_json,
    late_key,
    within_deadline,
)
from bot.wechat.inbox import LATE_GRACE, SWEEP_EVERY_S, WeChatInbox
from bot.wechat.protocol import Inbound, Nonce, Protocol, Push, Refused, documents, passive_parts
from bot.wechat.sender import WeChatSender, download_links
from handlers import events
from handlers.choices import is_handoff, is_menu_value
from handlers.dispatch import KeyedGuard
from handlers.types import DispatchResult, Incoming, Reply, reply_to_dict
from knowledge.text import pseudonym
from storage.channel_store import WeChatStore
from storage.errors import Busy

log = logging.getLogger(__name__)
T = TypeVar("T")

PURGE_EVERY_S = 60.0
FOLLOW_EVENTS = ("subscribe", "subscribe_scan", "scan")
_REPLAYED = object()  # the guard's verdict on a (timestamp, nonce) seen before
NONCE_CHANNEL = "wechat-nonce"  # (timestamp, nonce) pairs in processed_message


class WeChatWebhook(WeChatInbox):
    def __init__(self, app: App, *, clock: Callable[[], float] = time.time, sender: WeChatSender | None = None,
                 store: WeChatStore | None = None) -> None:
        s = app.settings
        self.app, self.settings, self.clock = app, s, clock
        self.protocol = Protocol(s, clock)
        self.store = store or app.wechat_store()
        self.sender = sender or WeChatSender(s, app.engine, clock=clock)
        # Messages are handled by one thread, in batches that share a transaction (bot.serial): on SQLite, which
        # runs one write transaction at a time, every database call of the webhook goes through it instead of
        # threads waiting on its lock; on PostgreSQL each batch takes its chats' locks across processes
        # (_in_chat_order), and other database work has threads of its own.
        sqlite = app.engine.dialect.name == "sqlite"
        self._serial = SerialWorker(app.dispatcher, name="wechat-db", ordered=None if sqlite else self._in_chat_order)
        self._db: Executor = self._serial if sqlite else ThreadPoolExecutor(2, thread_name_prefix="wechat-db")
        self._outbound = ThreadPoolExecutor(4, thread_name_prefix="wechat-out")  # late customer-service messages
        self.jobs = Jobs(clock)
        self._last_purge = 0.0
        self._last_sweep = clock()  # the first sweep after SWEEP_EVERY_S: at start, recovery does the same
        self._payload_prefixes = tuple(p for f in app.dispatcher.flows.values() for p in f.payload_prefixes)
        _OPEN.add(self)

    def close(self) -> None:
        """Stop the webhook's threads once the messages in hand are answered and their replies stored
        (server shutdown; tests, whose databases are dropped next)."""
        _OPEN.discard(self)
        self._serial.shutdown(wait=True)
        self._outbound.shutdown(wait=True)
        self._db.shutdown(wait=True)

    def routes(self) -> list[BaseRoute]:
        return [Route("/wechat", self.endpoint, methods=["GET", "POST"])]

    # -- HTTP ------------------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        try:
            if request.method == "GET":
                return self.protocol.verify_url(request.query_params)
            push = await self.protocol.open(request)
            try:
                return await self._answer(push)
            except Refused as r:
                r.who = pseudonym("wechat", push.inbound.openid)
                raise
        except Refused as r:
            log.warning("wechat %s refused (%d): %s [%s]", request.method, r.status, r.reason, r.who)
            return PlainTextResponse({400: "bad request", 403: "forbidden", 413: "too large"}[r.status],
                                     status_code=r.status)
        except Busy:  # the replay guard could not be written: WeChat will try again
            log.error("wechat POST not accepted (503): database busy")
            return PlainTextResponse("busy", status_code=503)

    # -- what a push is ----------------------------------------------------------------------------
    async def _answer(self, push: Push) -> Response:
        inbound = push.inbound
        if inbound.msg_type == "text" and self.settings.wechat_transfer_to_kf and is_handoff(inbound.content):
            # Handed to the account's customer-service seats: the dispatcher has nothing to do.
            if await self._in_db(self._admit, push.nonce) is _REPLAYED:
                raise Refused(403, "replayed (timestamp, nonce)")
            return self.protocol.transfer(push)
        return await self._dispatch(push, self._incoming(inbound))

    def _incoming(self, inbound: Inbound) -> Incoming:
        """The neutral message of a push: text, a follow or a QR scan, a menu click, or another event."""
        kind, event, key = inbound.msg_type, inbound.event, inbound.key
        if kind == "text" or (kind == "voice" and inbound.content.strip()):
            return self._make(inbound, text=inbound.content)
        if kind == "voice":
            return self._make(inbound, event=events.VOICE_UNCLEAR_EVENT)
        if kind != "event":
            return self._make(inbound, event=events.NOT_TEXT)
        if event in FOLLOW_EVENTS:
            if key and key.startswith(self._payload_prefixes) and event != "subscribe":
                return self._make(inbound, payload=key, event=event)
            # A plain follow, or a QR code whose scene no flow knows: welcome and menu.
            return self._make(inbound, text="/start" if event != "scan" else "/menu", event=event)
        if event == "click" and is_menu_value(key):
            return self._make(inbound, choice=key, event="menu")
        return self._make(inbound, event=events.UNFOLLOW if event == "unsubscribe" else events.other(event))

    def _make(self, inbound: Inbound, **kw: str | None) -> Incoming:
        return Incoming(channel="wechat", user_key=inbound.openid, message_key=inbound.dedupe_key,
                        received_at=self._now(), **kw)  # type: ignore[arg-type]

    # -- one message, within the deadline or late -------------------------------------------------
    async def _dispatch(self, push: Push, incoming: Incoming) -> Response:
        key = incoming.message_key
        job, first = self.jobs.claim(key, push.inbound.openid, lambda j: self._start(j, incoming, push.nonce))
        # WeChat's retry while this process still holds the message: its nonce on its own.
        if not first and await self._in_db(self._admit, push.nonce) is _REPLAYED:
            raise Refused(403, "replayed (timestamp, nonce)")
        if isinstance(job, Answered):  # a retry of a message an attempt got the answer to
            return self.protocol.passive(push, job.passive) if job.passive is not None else self.protocol.success()
        try:
            result = await within_deadline(job, self.settings.wechat_reply_deadline_s)
        except BaseException:  # not recorded or not handled (database busy): WeChat tries again
            self.jobs.drop(key, job)
            raise
        if result is None:  # late: the replies go by the customer-service API
            return self.protocol.success()
        if result.held is not None:  # a replay: nothing ran
            self.jobs.drop(key, job)
            if first:
                raise Refused(403, "replayed (timestamp, nonce)")
            return self.protocol.success()  # this attempt's nonce was fresh; the message was handled before
        if result.duplicate and first:
            # Handled before, but not by this process (or long ago): a retry whose answer was lost.
            cached = await self._in_db(self.store.cached, key, self._now())
            self.jobs.answered(key, job, cached or None)
            return self.protocol.passive(push, cached) if cached else self.protocol.success()
        return await self._respond(push, key, job, result)

    def _start(self, job: Job, incoming: Incoming, nonce: Nonce) -> None:
        """Hand a new message to the database thread(s): record it in the inbox, then handle it."""
        key = incoming.message_key
        # The replay guard decides in the recording transaction, before anything (the search, ``success``
        # past the deadline) can happen: a replayed request is neither recorded nor handled.
        before = self.store.inbox_recorder(key, incoming_json(incoming), incoming.received_at,
                                           chat=self.store.chat_of(incoming.user_key),
                                           guard=(NONCE_CHANNEL, nonce.key), replayed=_REPLAYED)
        guard = self._guard(None, settle=key)
        after = self._keep_late(job, key)
        if self.clock() - self._last_sweep > SWEEP_EVERY_S:
            self._last_sweep = self.clock()
            self._db.submit(self._sweep_logged)
        job.future = self._serial.dispatch(incoming, guard, after, before, job.recorded)
        job.future.add_done_callback(lambda _f: self._finished(key, job))

    async def _respond(self, push: Push, key: str, job: Job, result: DispatchResult) -> Response:
        """The passive reply of a job done in time; what does not fit follows by the customer-service API."""
        links = None
        if self.settings.public_url and not result.duplicate and documents(result.replies):
            links = await self._in_db(self._links_of, job, result)
        with job.lock:
            if job.late:
                return self.protocol.success()
            if job.passive is not None:  # another attempt of this message rendered it already
                return self.protocol.passive(push, job.passive)
            if result.duplicate or not result.replies:
                self.jobs.answered(key, job, None)
                return self.protocol.success()
            parts = passive_parts(result.replies, links)
            job.passive = parts[0]
            if not job.cached:  # for WeChat's retries that reach another process (documents with links)
                self._cache_later(key, job.passive)
        self.jobs.answered(key, job, job.passive)
        # Images go by the customer-service API after upload; so do documents when links are on but did not
        # make it into the passive reply (the sender links them, or adds today's note).
        by_api = ("image", "document") if links is None and self.settings.public_url else ("image",)
        images = [Reply(text="", attachments=tuple(a for a in r.attachments if a.kind in by_api))
                  for r in result.replies if any(a.kind in by_api for a in r.attachments)]
        rest = [*(Reply(text=t) for t in parts[1:]), *images]
        # What did not fit goes by the customer-service API once the passive reply is out (in order).
        task = BackgroundTask(self._deliver, key, push.inbound.openid, rest) if rest else None
        return self.protocol.passive(push, job.passive, background=task)

    def _finished(self, key: str, job: Job) -> None:
        """Runs in the worker thread when a dispatch ends: deliver late replies, once."""
        with job.lock:
            job.done_at = self.clock()
            if not job.late or job.future.cancelled() or job.future.exception() is not None:
                return
            result = job.future.result()
            durable = job.durable is result
        self.jobs.answered(key, job, None)  # its attempt answered ``success``; so do its retries
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
        keys = [late_key(key, n) for n in range(total)]
        try:
            self.store.mark_sent(keys[:sent], self._now(), due_now=keys[sent:])
        except Exception as exc:  # the rows stay pending: the delivery worker sends them (again) after the grace
            log.error("wechat late replies of %s not marked (%s)", key, type(exc).__name__)

    def _queue(self, key: str, openid: str, replies: list[Reply], first: int) -> None:
        self.store.enqueue(openid, [(reply_to_dict(r), late_key(key, n)) for n, r in enumerate(replies, first)])

    # -- the database's part ---------------------------------------------------------------------
    def _cache_later(self, key: str, text: str) -> None:
        """Keep a passive reply its handling transaction could not cache (its download links are made after
        the commit): on the database thread(s), without waiting. WeChat's retry comes 5 s after its first
        try at the earliest, so a write a few milliseconds late is as good."""

        def write() -> None:
            try:
                self.store.cache([(key, text)], self._now() + REPLY_CACHE)
            except Exception as exc:  # the cache is an optimisation: log, and go on
                log.error("wechat reply cache: reply of %s not stored (%s)", key, type(exc).__name__)

        with contextlib.suppress(RuntimeError):  # shutting down: the retry gets "success" or the job
            self._db.submit(write)

    async def _in_db(self, work: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, work, *args)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _guard(self, nonce: Nonce | None, *, settle: str = "") -> KeyedGuard:
        """The replay guard as a step of a transaction: record the nonce; ``_REPLAYED`` when it was seen
        before. On its own through :meth:`_admit` (messages that do not reach the dispatcher, WeChat's
        retries); a message's nonce is recorded with its inbox row (``nonce`` None here: the dispatcher's
        guard then settles the row and records the message's key). The pair is kept with the processed
        message keys (as long as they are, far beyond the timestamp window)."""
        now = self._now()

        def then(session: Session) -> object:
            if self.clock() - self._last_purge > PURGE_EVERY_S:
                self._last_purge = self.clock()
                self.store.purge_in(session, now)
            return None

        # The message's inbox row goes with the transaction handling it, deleted with the keys' insert.
        return KeyedGuard(NONCE_CHANNEL, nonce.key if nonce is not None else None, _REPLAYED, then,
                          settle=(self.store.channel, settle) if settle else None)

    def _admit(self, nonce: Nonce) -> object:
        """The replay guard in a transaction of its own (messages that do not reach the dispatcher)."""
        return self.store.run(self._guard(nonce))

    def _in_chat_order(self, incomings: list[Incoming], handle: Callable[[], list[DispatchResult]]
                       ) -> list[DispatchResult]:
        """A batch's handling (PostgreSQL), recorded already, in its people's order across processes: under their
        chats' locks, the messages recorded before a chat's first of the batch and not handled yet (another
        process's, which had not got the lock yet, or a dead one's) are handled first and their replies sent by
        the customer-service API (see :mod:`storage.chat_order`); then ``handle()``, before the locks go."""
        first: dict[int, str] = {}
        for incoming in incomings:
            first.setdefault(self.store.chat_of(incoming.user_key), incoming.message_key)
        held = self.store.lock_all(first)
        try:
            for chat, key in first.items():
                for left, plain in (self.store.queue_of(held, chat, key) or [])[:-1]:
                    self._handle_left(left, plain, send_now=True)
            return handle()
        finally:
            held.release()

    def _keep_late(self, job: Job, key: str, grace: timedelta = LATE_GRACE) -> Callable[[Session, DispatchResult],
                                                                                         None]:
        """The dispatcher's last step in the handling transaction: when ``success`` was answered already, the
        replies go into the outbox with the commit (due after ``grace``); otherwise the passive reply goes
        into the reply cache with the commit, so that WeChat's retry finds it even when this process dies
        before it answers."""

        def after(session: Session, result: DispatchResult) -> None:
            if not job.commit_now():
                if result.replies and not (self.settings.public_url and documents(result.replies)):
                    text = passive_parts(result.replies, None)[0]  # (with links: made after the commit)
                    job.cached = self.store.cache_in(session, [(key, text)], self._now() + REPLY_CACHE)
                return
            with job.lock:
                job.durable = result
            self.store.enqueue_in(session, job.openid, [(reply_to_dict(r), late_key(key, n))
                                                        for n, r in enumerate(result.replies)],
                                  due=self._now() + grace)

        return after

    def _links_of(self, job: Job, result: DispatchResult) -> list[str] | None:
        """The download-link lines of a finished job's documents, stored once however many retries ask."""
        with job.links_lock:
            if job.links is None:
                job.links = download_links(self.settings, self.app.engine, openid=job.openid,
                                           documents=documents(result.replies), locale=result.locale,
                                           now=self._now())
            return job.links


def _recipient(openid: str, now: datetime) -> Recipient:
    return Recipient(person_id=0, channel="wechat", user_key=openid, chat_key=openid, last_inbound_at=now)


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
