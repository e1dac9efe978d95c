"""The delivery worker: drains the outbox through the platform senders (:mod:`bot.senders` contract).

One round: claim a batch of due rows (atomically, with a lease -- :mod:`storage.repo_outbox`), send them
concurrently under each platform's rate limits, and write each result back within ``flush_interval``
seconds. Outcomes: sent; ``Transient``/timeout -> retry with exponential backoff; ``RetryAfter`` -> the
platform is paused and the message retried after the time asked; ``Unreachable`` -> that identity is
marked unreachable and the person's next identity is tried, else dead; ``Permanent`` -> dead; dead also
after ``max_attempts``. The guarantee this gives is stated and tested in docs/delivery.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.logs import message_id, message_id_var
from bot.metrics import observe_delivery
from bot.render import render_text
from bot.senders import Permanent, Recipient, RetryAfter, Sender, Transient, Unreachable
from handlers.types import Reply, reply_from_dict
from storage import repo_outbox as ro
from storage.db import run_in_transaction
from storage.models import Identity, OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """Pacing of one platform. None lifts a limit."""

    per_second: float | None = None  # messages per second over all chats
    per_chat_interval: float | None = None  # seconds between two messages to the same chat
    per_minute: int | None = None  # messages per rolling minute over all chats
    # Safety (s) added to each window, so that jitter on the way cannot make the far end see more than the
    # limit in any window: 30 within 1.1 s, one per chat every 1.1 s.
    jitter: float = 0.1


NO_LIMITS = Limits()
# Telegram Bot API FAQ: about 30 messages per second overall, no more than one per second in one chat.
TELEGRAM_LIMITS = Limits(per_second=30, per_chat_interval=1.0)
# WeChat customer-service messages: our own conservative pacing; the 48-hour window and the API's quota
# errors are handled by the WeChat sender (quota -> RetryAfter).
WECHAT_LIMITS = Limits(per_second=20, per_chat_interval=1.0, per_minute=600)
DEFAULT_LIMITS: dict[str, Limits] = {"telegram": TELEGRAM_LIMITS, "wechat": WECHAT_LIMITS, "console": NO_LIMITS}


class RateLimiter:
    """Paces sends: a global spacing, a per-chat spacing, a rolling per-second window and a rolling
    per-minute quota.

    Two steps. Planning reserves a slot in time order (synchronously: no await between check and reserve),
    so concurrent tasks sleep until distinct moments instead of waking together. Departure then checks the
    limits against the times sends actually left and records the moment this one leaves: a task woken late
    (a blocked event loop wakes many at once) waits again rather than leaving in a bunch, so the bound holds
    at the far end, not only on paper. Call :meth:`acquire` immediately before the send, in the same task."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.limits, self.clock, self.sleep = limits, clock, sleep
        self._next_free = 0.0
        self._chat_next: dict[str, float] = {}
        self._minute: deque[float] = deque()
        self._second: deque[float] = deque()
        self._paused_until = 0.0
        # Actual departures: the last one, the last ``per_second`` and ``per_minute`` of them, per chat.
        self._left_last = -1e18
        self._left_second: deque[float] = deque()
        self._left_minute: deque[float] = deque()
        self._left_chat: dict[str, float] = {}

    def pause(self, seconds: float) -> None:
        """The platform said 429: hold every send of this platform for ``seconds``."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, chat: str) -> None:
        await self._plan(chat)
        await self._depart(chat)

    async def _plan(self, chat: str) -> None:
        lim = self.limits
        while True:
            now = self.clock()
            wait = max(self._chat_next.get(chat, 0.0), self._paused_until) - now
            if wait <= 0:
                break
            await self.sleep(wait)
        # Every constraint is a lower bound on the slot; compute them all, then record the slot.
        slot = max(now, self._next_free)
        if lim.per_minute and len(self._minute) >= lim.per_minute:
            slot = max(slot, self._minute[-lim.per_minute] + 60 + lim.jitter)
        cap = max(1, int(lim.per_second)) if lim.per_second else 0
        if cap and len(self._second) >= cap:  # a rolling window on top of the even spacing
            slot = max(slot, self._second[-cap] + 1.0 + lim.jitter)
        if lim.per_minute:
            self._minute.append(slot)
            while len(self._minute) > lim.per_minute:
                self._minute.popleft()
        if lim.per_second:
            self._second.append(slot)
            while len(self._second) > cap:
                self._second.popleft()
            self._next_free = slot + 1.0 / lim.per_second
        if lim.per_chat_interval:
            self._chat_next[chat] = slot + lim.per_chat_interval + lim.jitter
            if len(self._chat_next) > 50_000:  # forget chats whose spacing has long passed
                self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        if slot > now:
            await self.sleep(slot - now)

    def _earliest_departure(self, chat: str) -> float:
        lim = self.limits
        earliest = self._paused_until
        if lim.per_second:
            cap = max(1, int(lim.per_second))
            earliest = max(earliest, self._left_last + 1.0 / lim.per_second)
            if len(self._left_second) >= cap:
                earliest = max(earliest, self._left_second[-cap] + 1.0 + lim.jitter)
        if lim.per_minute and len(self._left_minute) >= lim.per_minute:
            earliest = max(earliest, self._left_minute[-lim.per_minute] + 60 + lim.jitter)
        if lim.per_chat_interval and chat in self._left_chat:
            earliest = max(earliest, self._left_chat[chat] + lim.per_chat_interval + lim.jitter)
        return earliest

    async def _depart(self, chat: str) -> None:
        lim = self.limits
        while (wait := self._earliest_departure(chat) - (now := self.clock())) > 0:
            await self.sleep(wait)
        self._left_last = now
        if lim.per_second:
            self._left_second.append(now)
            while len(self._left_second) > max(1, int(lim.per_second)):
                self._left_second.popleft()
        if lim.per_minute:
            self._left_minute.append(now)
            while len(self._left_minute) > lim.per_minute:
                self._left_minute.popleft()
        if lim.per_chat_interval:
            self._left_chat[chat] = now
            if len(self._left_chat) > 50_000:
                spacing = lim.per_chat_interval + lim.jitter
                self._left_chat = {c: t for c, t in self._left_chat.items() if t > now - spacing}


# -- local senders ---------------------------------------------------------------------------------
class ConsoleSender:
    """Prints messages for local use (``yunling serve`` without platforms, demos)."""

    channel = "console"

    def __init__(self, write: Callable[[str], Any] = print) -> None:
        self.write = write

    async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        self.write(f"[{kind} -> {recipient.channel}:{recipient.chat_key}]\n{render_text(reply)}")


# -- the worker ------------------------------------------------------------------------------------
def _utcnow() -> datetime:
    return datetime.now(UTC)


class DeliveryWorker:
    def __init__(
        self, engine: Engine, senders: Mapping[str, Sender], *, worker_id: str | None = None,
        limits: Mapping[str, Limits] | None = None, batch_size: int = 100, concurrency: int = 32,
        lease_seconds: float = 120.0, max_attempts: int = 6, backoff_base: float = 2.0,
        backoff_max: float = 900.0, send_timeout: float = 20.0, flush_every: int = 50,
        flush_interval: float = 0.2, clock: Callable[[], datetime] = _utcnow, own_channels_only: bool = False,
    ) -> None:
        self.engine, self.senders = engine, dict(senders)
        # Claim only rows of people reachable on this worker's channels (the console chat's worker), so a
        # message for a WeChat user on the same database is left to the server instead of given up.
        self.claim_channels = tuple(self.senders) if own_channels_only else None
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{random.randrange(16**6):06x}"
        lims = {**DEFAULT_LIMITS, **(limits or {})}
        self.limiters = {ch: RateLimiter(lims.get(ch, NO_LIMITS)) for ch in self.senders}
        self.batch_size, self.concurrency = batch_size, concurrency
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts, self.backoff_base, self.backoff_max = max_attempts, backoff_base, backoff_max
        self.send_timeout, self.flush_every, self.flush_interval = send_timeout, flush_every, flush_interval
        self.clock = clock
        self._results: list[ro.Result] = []
        self._unreachable: set[int] = set()  # to be written at the next flush
        self._dead_identities: set[int] = set()  # found unreachable during this round
        self._last_flush = time.monotonic()

    # -- rounds ------------------------------------------------------------------------------
    async def drain_once(self) -> int:
        """Claim one batch, deliver it, record every result. Returns the number of rows handled."""
        now = self.clock()
        ids = run_in_transaction(self.engine, lambda s: ro.claim(
            session=s, worker_id=self.worker_id, limit=self.batch_size, now=now, lease=self.lease,
            channels=self.claim_channels))
        if not ids:
            return 0
        rows, identities = run_in_transaction(self.engine, lambda s: ro.load(session=s, ids=ids))
        self._dead_identities = set()
        sem = asyncio.Semaphore(self.concurrency)

        async def one(row: OutboxMessage) -> None:
            # A late reply's key is "<message key>:late:<n>": its log lines carry the message's id.
            message_id_var.set(message_id(row.dedupe_key.split(":late:")[0]))
            async with sem:
                result = await self._deliver(row, identities.get(row.person_id, []))
            observe_delivery(result)
            self._results.append(result)
            if len(self._results) >= self.flush_every or time.monotonic() - self._last_flush >= self.flush_interval:
                self.flush()

        await asyncio.gather(*(one(r) for r in rows))
        self.flush()
        return len(rows)

    async def drain(self, max_rounds: int | None = None) -> int:
        """Rounds until nothing is due (or ``max_rounds``); returns the rows handled."""
        total, rounds = 0, 0
        while max_rounds is None or rounds < max_rounds:
            n = await self.drain_once()
            total, rounds = total + n, rounds + 1
            if n == 0:
                break
        return total

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None, poll_seconds: float = 5.0) -> None:
        """Drain until ``stop``; when idle, wait for ``wake`` (set by the scheduler's tick) or the poll."""
        wake = wake or asyncio.Event()
        while not stop.is_set():
            try:
                busy = await self.drain_once()
            except Exception:
                log.exception("delivery round failed; retrying shortly")
                busy = 0
            if busy:
                continue
            wake.clear()
            waits = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
            _done, pending = await asyncio.wait(waits, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

    def flush(self) -> None:
        results, self._results = self._results, []
        unreachable, self._unreachable = set(self._unreachable), set()
        self._last_flush = time.monotonic()
        if not results and not unreachable:
            return

        def write(s: Session) -> int:
            ro.mark_unreachable(session=s, identity_ids=unreachable)
            return ro.record(session=s, worker_id=self.worker_id, results=results)

        written = run_in_transaction(self.engine, write)
        if 0 <= written < len(results):  # (-1: the driver does not count executemany rows)
            log.warning("%d results not written: their lease had run out and another worker took them",
                        len(results) - written)

    # -- one message -------------------------------------------------------------------------
    async def _deliver(self, row: OutboxMessage, identities: list[Identity]) -> ro.Result:
        """Send one outbox message to the person's most recently used reachable identity; an identity that
        turns out unreachable is skipped for the next one."""
        attempts = row.attempts + 1
        try:
            reply = reply_from_dict(json.loads(row.body))
        except (ValueError, TypeError, KeyError):
            return ro.Result(row.id or 0, ro.DEAD, attempts, "malformed body")
        last_error = "no reachable identity"
        for ident in self._candidates(identities):
            outcome = await self._send_to(row, attempts, reply, ident)
            if isinstance(outcome, ro.Result):
                return outcome
            last_error = outcome
        return ro.Result(row.id or 0, ro.DEAD, attempts, last_error)

    def _candidates(self, identities: list[Identity]) -> list[Identity]:
        """The identities worth trying, most recently used first."""
        usable = [i for i in identities
                  if i.reachable and i.id not in self._dead_identities and i.channel in self.senders]
        return sorted(usable, key=lambda i: (i.last_inbound_at or i.created_at).timestamp(), reverse=True)

    async def _send_to(self, row: OutboxMessage, attempts: int, reply: Reply, ident: Identity) -> ro.Result | str:
        """One try on one identity: the message's result, or why this identity cannot be reached (try the next)."""
        recipient = Recipient(person_id=row.person_id, channel=ident.channel, user_key=ident.user_key,
                              chat_key=ident.chat_key or ident.user_key, last_inbound_at=ident.last_inbound_at)
        limiter = self.limiters[ident.channel]
        await limiter.acquire(recipient.chat_key)
        try:  # in this task, so the send leaves at the moment the limiter recorded (no task hand-off)
            async with asyncio.timeout(self.send_timeout):
                await self.senders[ident.channel].send(recipient, reply, kind=row.kind, dedupe_key=row.dedupe_key)
        except Unreachable as exc:
            self._unreachable.add(ident.id or 0)
            self._dead_identities.add(ident.id or 0)
            return f"unreachable on {ident.channel}: {exc}"
        except RetryAfter as exc:
            limiter.pause(exc.seconds)
            return self._retry(row, attempts, f"rate limited on {ident.channel}: {exc}", ident.channel,
                               delay=exc.seconds)
        except Permanent as exc:
            return ro.Result(row.id or 0, ro.DEAD, attempts, f"permanent on {ident.channel}: {exc}",
                             channel=ident.channel)
        except (Transient, TimeoutError) as exc:
            what = str(exc) or "timeout"
            return self._retry(row, attempts, f"transient on {ident.channel}: {what}", ident.channel)
        except Exception as exc:  # a sender bug: retry, log the type only (messages may quote data)
            log.warning("sender %s raised %s", ident.channel, type(exc).__name__)
            return self._retry(row, attempts, f"error on {ident.channel}: {type(exc).__name__}", ident.channel)
        return ro.Result(row.id or 0, ro.SENT, attempts, sent_at=self.clock(), channel=ident.channel)

    def _retry(self, row: OutboxMessage, attempts: int, error: str, channel: str,
               delay: float | None = None) -> ro.Result:
        if attempts >= self.max_attempts:
            return ro.Result(row.id or 0, ro.DEAD, attempts, f"gave up after {attempts} attempts; {error}",
                             channel=channel)
        if delay is None:
            delay = min(self.backoff_max, self.backoff_base * 2 ** (attempts - 1)) * random.uniform(0.8, 1.2)
        return ro.Result(row.id or 0, ro.FAILED, attempts, error, next_attempt_at=self.clock() + timedelta(
            seconds=delay), channel=channel)
