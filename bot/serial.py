"""One thread for a process's handling of messages, with group commit for the dispatcher.

SQLite runs one write transaction at a time, so threads of one process only queue for it; a single thread
does the same work without the waiting. Messages for the dispatcher that are waiting together when the
thread comes round share one transaction (:meth:`Dispatcher.handle_many`): a transaction's set-up and
commit are paid once per batch. Other work runs on its own, in arrival order with the messages.

On PostgreSQL the handling is Python under the GIL, so threads add little but switching, and a
transaction's bookkeeping (SQLAlchemy's session and pool, the commit's round trip) costs more than on SQLite:
batches cost a quarter to a third less CPU per message than a pool of threads each handling one message
(``bench/wechat.py --db``: 4.9 ms against 6.8-7.6 ms). There ``ordered`` wraps each batch's handling, to
take its chats' locks across processes (:mod:`storage.chat_order`).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from sqlmodel import Session

from handlers.dispatch import After, Dispatcher, Guard
from handlers.types import DispatchResult, Incoming
from storage.channel_store import run_steps
from storage.db import run_in_transaction

log = logging.getLogger(__name__)

_STOP = object()
Ordered = Callable[[list[Incoming], Callable[[], list[DispatchResult]]], list[DispatchResult]]


class SerialWorker(Executor):
    """An executor with one thread; :meth:`dispatch` batches messages (see the module's doc)."""

    def __init__(self, dispatcher: Dispatcher, *, max_batch: int = 32, name: str = "db",
                 ordered: Ordered | None = None) -> None:
        """``ordered(incomings, handle)``: runs ``handle()`` (the batch's handling, which returns its results)
        and returns what it returned, with whatever must surround it (the chats' locks)."""
        self.dispatcher, self.max_batch, self.name, self.ordered = dispatcher, max_batch, name, ordered
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.batches = self.messages = 0  # for benchmarks and tests: how much batching happened

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._put(("call", fn, args, kwargs))

    def dispatch(self, incoming: Incoming, guard: Guard | None = None, after: After | None = None,
                 before: Callable[[Session], object] | None = None,
                 recorded: Future[object] | None = None) -> Future[DispatchResult]:
        """Handle ``incoming`` in a batch (see :meth:`Dispatcher.handle_many`). ``before`` runs in a transaction
        of its own that commits before the batch's, with the ``before`` of the batch's other messages (the
        WeChat webhook records each message in the inbox there, behind its replay guard); ``recorded`` is
        resolved once it committed, with what ``before`` returned. When that is not None the message is held:
        not handled, its result ``DispatchResult(held=...)``."""
        return self._put(("dispatch", incoming, guard, after, before, recorded))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            if wait:
                thread.join()

    def _put(self, work: tuple[Any, ...]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new work after shutdown")
            self._queue.put((future, work))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            items, stop = [first], False
            while len(items) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                items.append(item)
            live = [(f, w) for f, w in items if f.set_running_or_notify_cancel()]
            for kind, group in itertools.groupby(live, key=lambda fw: fw[1][0]):
                self._run_group(kind, list(group))
            if stop:
                return

    def _run_group(self, kind: str, group: list[tuple[Future[Any], tuple[Any, ...]]]) -> None:
        if kind == "call":
            for future, (_kind, fn, args, kwargs) in group:
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # handed to whoever waits on the future
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            return
        self.batches += 1
        self.messages += len(group)
        befores = [w[4] for _f, w in group if w[4] is not None]
        if befores:
            try:
                verdicts = iter(run_in_transaction(self.dispatcher.engine, lambda s: run_steps(s, befores)))
            except BaseException as exc:  # nothing was recorded, so nothing is handled: the callers refuse
                log.error("batch of %d messages not recorded (%s)", len(group), type(exc).__name__)
                for future, w in group:
                    future.set_exception(exc)
                    if w[5] is not None:
                        w[5].set_exception(exc)
                return
            admitted = []
            for future, w in group:
                held = next(verdicts) if w[4] is not None else None
                if held is not None:  # its ``before`` held it (a replayed request): not handled
                    future.set_result(DispatchResult(held=held))
                else:
                    admitted.append((future, w))
                if w[5] is not None:
                    w[5].set_result(held)
            group = admitted
            if not group:
                return
        batch = [(w[1], w[2], w[3]) for _f, w in group]
        try:
            if self.ordered is None:
                results = self.dispatcher.handle_many(batch)
            else:
                results = self.ordered([w[1] for _f, w in group], lambda: self.dispatcher.handle_many(batch))
        except BaseException as exc:  # handle_many apologises for failures itself: the locks, or a bug
            log.exception("batch of %d messages failed", len(group))
            for future, _w in group:
                future.set_exception(exc)
            return
        for (future, _w), result in zip(group, results, strict=True):
            future.set_result(result)
