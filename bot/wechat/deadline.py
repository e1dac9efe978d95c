"""WeChat's 5-second rule: a push gets one passive reply if its answer is ready within the deadline, else
``success`` now and the replies later by the customer-service API.

A message's dispatcher run is a :class:`Job`, kept by message key in :class:`Jobs`, so WeChat's retries of
the message (it tries three times over about 15 s) wait for the same run instead of starting another.
Once answered, a job is kept as an :class:`Answered`, the passive reply alone, for :data:`JOBS_KEPT_S`; a
later retry, or one reaching another process, finds the passive reply in the database's reply cache,
written in the transaction that handled the message.

``success`` is a promise WeChat never asks about again, so it is given only once the message is on disk
(the inbox, :mod:`bot.wechat.webhook`); from then the job is *late* and its handling transaction puts its
replies in the outbox.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from handlers.types import DispatchResult, Incoming

log = logging.getLogger(__name__)

REPLY_CACHE = timedelta(minutes=5)  # WeChat retries within ~15 s; keep answers a little longer
# A finished job is kept in memory this long for WeChat's retries (its three tries span ~15 s); later ones
# find the answer in the database's reply cache. At 700 messages/s, five minutes would hold 200 000 jobs.
JOBS_KEPT_S = 30.0


@dataclass
class Job:
    """One message's dispatcher run, shared by WeChat's retries of it."""

    openid: str
    future: Future[DispatchResult] = field(default_factory=Future)
    lock: threading.Lock = field(default_factory=threading.Lock)
    late: bool = False  # an attempt answered "success": the replies go out by the customer-service API
    committing: bool = False  # handled and not late: its transaction is committing, the answer is passive
    durable: DispatchResult | None = None  # the result whose replies went into the outbox with its commit
    cached: bool = False  # its passive reply went into the reply cache with its commit
    # Resolved once the message is in the inbox (None), or its replay guard held it (what the guard said).
    recorded: Future[object] = field(default_factory=Future)
    passive: str | None = None  # the passive reply text, once given
    created: float = 0.0
    done_at: float | None = None
    links: list[str] | None = None  # download-link lines of its documents, made once (YUNLING_PUBLIC_URL)
    links_lock: threading.Lock = field(default_factory=threading.Lock)

    def commit_now(self) -> bool:
        """In the handling transaction: True when ``success`` was answered already (the replies go into the
        outbox with the commit); otherwise the passive reply is a moment away and the deadline waits for it."""
        with self.lock:
            if not self.late:
                self.committing = True
            return self.late


class Answered(NamedTuple):
    """A job whose attempt got its answer: what a retry of the message gets, instead of the job. Kept as a
    plain tuple of a float and a string, which the garbage collector stops tracking (it untracks exact tuples
    of untracked items, not a NamedTuple's): a job (its futures, their locks and callbacks, the replies and
    their choices) is some sixty objects that every full collection walked, and at a few hundred messages a
    second the jobs of the last half-minute made those collections take 30-50 ms of the webhook's time
    (bench/wechat.py)."""

    done_at: float
    passive: str | None  # the passive reply given; None: ``success`` (late, or nothing to say)


class Jobs:
    """The jobs of this process by message key, oldest first; and those answered, oldest first."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._jobs: dict[str, Job] = {}
        self._answered: dict[str, tuple[float, str | None]] = {}  # Answered's fields
        self._guard = threading.Lock()
        self._last_forget = 0.0

    def __contains__(self, key: str) -> bool:
        return key in self._jobs or key in self._answered

    def claim(self, key: str, openid: str, start: Callable[[Job], None]) -> tuple[Job | Answered, bool]:
        """The job of ``key`` (or its answer, when an attempt got it), and whether this attempt is its first
        (then ``start`` ran with it)."""
        with self._guard:
            self._forget_old()
            if (job := self._jobs.get(key)) is not None:
                return job, False
            if (answer := self._answered.get(key)) is not None:
                return Answered(*answer), False
            job = Job(openid=openid, created=self.clock())
            start(job)
            self._jobs[key] = job
            return job, True

    def answered(self, key: str, job: Job, passive: str | None) -> None:
        """``job`` got its answer (the passive reply, or None for ``success``): keep that alone. A retry still
        waiting on the job has the job itself and gets the same answer from it."""
        with self._guard:
            if self._jobs.get(key) is job:
                del self._jobs[key]
                self._answered[key] = (self.clock(), passive)

    def drop(self, key: str, job: Job) -> None:
        """Forget a job that did not run (not recorded, or a replay), so WeChat's next try starts afresh."""
        with self._guard:
            if self._jobs.get(key) is job:
                del self._jobs[key]

    def _forget_old(self) -> None:
        now = self.clock()
        if now - self._last_forget < 1.0:
            return
        self._last_forget = now
        horizon = now - JOBS_KEPT_S
        stale = []
        for key, job in self._jobs.items():  # oldest first: stop at the first job that is young enough
            if job.created >= horizon:
                break
            if job.done_at is not None and job.done_at < horizon:
                stale.append(key)
        for key in stale:
            del self._jobs[key]
        stale = []
        for key, (done_at, _passive) in self._answered.items():  # in the order answered
            if done_at >= horizon:
                break
            stale.append(key)
        for key in stale:
            del self._answered[key]


async def within_deadline(job: Job, deadline_s: float) -> DispatchResult | None:
    """The job's result if it is ready within the deadline (or its commit is under way then); None when it
    is late: ``success`` may be answered, the message being in the inbox. Raises when the job failed to be
    recorded or handled (database busy: WeChat tries again)."""
    # Waiting, not wait_for: a timeout must not cancel the job (nor need a shield around it).
    waiter = asyncio.wrap_future(job.future)
    done, _pending = await asyncio.wait((waiter,), timeout=deadline_s)
    if done:
        return waiter.result()
    # "success" promises the answer: not before the message is on disk (it usually is by now).
    await asyncio.wait((asyncio.wrap_future(job.recorded), waiter), return_when=asyncio.FIRST_COMPLETED)
    if job.recorded.done() and (failed := job.recorded.exception()) is not None:
        raise failed
    if job.recorded.done() and job.recorded.result() is not None:  # held (a replay): not on disk, no "success"
        await asyncio.wait((waiter,))
        return waiter.result()
    with job.lock:
        if not job.future.done() and not job.committing:
            job.late = True  # the message is in the inbox; its commit puts the replies in the outbox
            return None
    await asyncio.wait((waiter,))  # done, or its commit is under way (replies not kept for later): a moment more
    return waiter.result()


# -- the inbox's copy of a message ----------------------------------------------------------------
_INCOMING_FIELDS = ("channel", "user_key", "message_key", "text", "chat_key", "choice", "payload", "event",
                    "locale", "display_name")


def incoming_json(incoming: Incoming) -> str:
    data = {name: getattr(incoming, name) for name in _INCOMING_FIELDS}
    data["received_at"] = incoming.received_at.isoformat()
    return json.dumps(data)


def incoming_from(text: str) -> Incoming:
    data = json.loads(text)
    return Incoming(received_at=datetime.fromisoformat(data.pop("received_at")),
                    **{k: v for k, v in data.items() if k in _INCOMING_FIELDS})


def late_key(key: str, n: int) -> str:
    """The outbox key of a late message's ``n``-th reply."""
    return f"{key}:late:{n}"
