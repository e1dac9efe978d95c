"""One chat at a time, in order, across processes: the lock under which a chat's inbox rows are handled.

A platform is told "we have it" (Telegram's 200, WeChat's ``success``) once a message is in the inbox; the
message is handled afterwards, and with several processes the person's next message may reach another
process first. So handling goes by chat: the process that handles a message takes the chat's lock, then
handles every row of that chat still in the inbox up to and including its own, in order (Telegram's
``update_id``, which increases per bot; for WeChat the order the rows were recorded), and sends their
replies before it lets the lock go. Whoever holds the lock drains the chat's queue; a message whose row is
gone when its own process gets the lock was handled by another, and is dropped. A row left by a process
that died is handled by the chat's next message, whichever process gets it, or by any process that starts;
nobody waits for a dead process. The lock is

* on PostgreSQL, an advisory transaction lock (``pg_advisory_xact_lock``) on a 64-bit hash of the channel and
  chat (:func:`chat_key`), taken by a transaction on a connection of its own that stays open through the
  handling and the sends. It goes with that transaction: at its end, or when the process dies and the
  connection closes, or when the server ends a session idle in it for ``IDLE_LIMIT_S`` (a process stalled
  with the lock); a lost connection is discarded, never returned to the pool. These connections are
  psycopg's own, kept by :class:`_Connections`, not SQLAlchemy's: a lock and its release are two round
  trips per message, and SQLAlchemy's pool and transaction bookkeeping around them cost more CPU than the
  statements (``bench/wechat_db.py``);
* on SQLite, a lock of this process only (SQLite serves one process).

Threads of one process queue first on the process's own lock of the chat, so a process holds at most one
connection per chat, and a process's waiting threads hold none. A batch of messages (the WeChat webhook's,
:mod:`bot.serial`) takes its chats' locks together, in ascending order of key, on one connection.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import weakref
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from storage.prepared import Prepared

log = logging.getLogger(__name__)
_LOCK_SQL = "SELECT pg_advisory_xact_lock(%(k)s)"
Read = tuple[Prepared, Mapping[str, Any]]  # a statement and its parameters, read under a lock

IDLE_LIMIT_S = 300  # a lock transaction idle this long (a stalled process) is ended by the server
# Connections kept open for locks per process (Telegram holds at most bot.telegram.app.ORDER_SLOTS, the WeChat
# webhook one for its batch and one per sweep): opening one per lock would cost more than the lock.
LOCK_CONNECTIONS = 16


def chat_key(channel: str, chat: str) -> int:
    """A chat's lock key and ``inbox.chat``: a signed 64-bit hash (PostgreSQL's ``bigint``) of channel and chat,
    so the inbox keeps no chat id in clear."""
    digest = hashlib.blake2b(f"{channel}:{chat}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _Local:
    """A process-local lock that can be weakly referenced and released by another thread than its taker."""

    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


class _Connections:
    """psycopg connections in autocommit, for the chat locks of one database: the idle ones kept (the last
    returned is the next handed out), at most ``LOCK_CONNECTIONS`` of them; more are opened when needed."""

    def __init__(self, engine: Engine) -> None:
        _args, params = engine.dialect.create_connect_args(engine.url)
        self._params = {**params, "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 30,
                        "options": f"-c idle_in_transaction_session_timeout={IDLE_LIMIT_S * 1000}"}
        self._dialect = engine.dialect
        self.Error: type[Exception] = engine.dialect.loaded_dbapi.Error  # psycopg's
        self._idle: list[Any] = []
        self._guard = threading.Lock()

    def get(self) -> tuple[Any, bool]:
        """A connection, and whether it was pooled (it may have been closed by the server since)."""
        with self._guard:
            if self._idle:
                return self._idle.pop(), True
        import psycopg

        return psycopg.connect(**self._params, autocommit=True), False

    def put(self, connection: Any) -> None:
        with self._guard:
            if not connection.closed and len(self._idle) < LOCK_CONNECTIONS:
                self._idle.append(connection)
                return
        connection.close()

    def dispose(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
        for connection in idle:
            with contextlib.suppress(Exception):
                connection.close()

    def error(self, exc: Exception, sql: str, connection: Any) -> Exception:
        """``exc`` as SQLAlchemy raises a driver's error (parameters hidden), so that callers see one kind."""
        lost = bool(connection.closed or connection.broken)
        return DBAPIError.instance(sql, None, exc, self.Error, hide_parameters=True, dialect=self._dialect,
                                   connection_invalidated=lost)


class Held:
    """Chats' locks, held until :meth:`release`. ``connection``: the locks' own psycopg connection on
    PostgreSQL (reads made on it see every row committed before the locks were granted), None on SQLite."""

    def __init__(self, locals_: list[_Local], connection: Any = None,
                 rows: dict[int, list[tuple[Any, ...]]] | None = None, pool: _Connections | None = None) -> None:
        self._locals, self.connection, self._pool = locals_, connection, pool
        self._rows = rows or {}  # per chat, what the read given to ChatLocks.acquire_all returned, under the lock
        self._released = False

    def take(self, key: int) -> list[tuple[Any, ...]] | None:
        """The rows read with chat ``key``'s lock (None: none, or taken already: they are read once)."""
        return self._rows.pop(key, None)

    def read(self, statement: Prepared, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """``statement``'s rows, read on the lock's connection, in its transaction."""
        assert self.connection is not None and self._pool is not None
        plan, args = statement.args(self._pool._dialect, params)
        try:
            return Prepared.rows(plan, self.connection.execute(plan.sql, args).fetchall())
        except self._pool.Error as exc:
            raise self._pool.error(exc, plan.sql, self.connection) from exc

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        try:
            if self.connection is not None and self._pool is not None:
                try:
                    self.connection.execute("ROLLBACK")  # ends the transaction: the advisory locks go with it
                    self._pool.put(self.connection)
                except Exception as exc:  # the session is gone (and its locks with it): never pool it again
                    log.warning("chat lock connection lost (%s); discarded", type(exc).__name__)
                    with contextlib.suppress(Exception):
                        self.connection.close()
        finally:
            for local in reversed(self._locals):
                local.lock.release()


class ChatLocks:
    """The chat locks of one database, for one process (:func:`chat_locks`)."""

    def __init__(self, engine: Engine) -> None:
        self._locals: weakref.WeakValueDictionary[int, _Local] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()
        # Connections of their own: a lock's connection is open as long as the chat is being handled, and
        # must not take the handling transactions' places in the main pool.
        self._pool = _Connections(engine) if engine.dialect.name == "postgresql" else None

    def acquire(self, key: int, read: Read | None = None) -> Held:
        """Wait for the chat's lock (first this process's, then the database's). ``read``: a statement run on
        the lock's connection once the lock is granted, in the same round trip as the lock (and its BEGIN),
        its rows in ``Held.take(key)`` (on PostgreSQL; None on SQLite)."""
        return self.acquire_all({key: read})

    def acquire_all(self, reads: Mapping[int, Read | None]) -> Held:
        """The locks of several chats (the keys of ``reads``), held together, as :meth:`acquire` takes one: in
        ascending order of key, so that two holders of several never wait on each other, and on PostgreSQL in
        one transaction on one connection, whose BEGIN, locks and reads go in one round trip (a batch of
        messages pays one lock and one release, not one per chat)."""
        keys = sorted(reads)
        taken: list[_Local] = []
        try:
            for key in keys:
                with self._guard:
                    local = self._locals.get(key)
                    if local is None:
                        local = self._locals[key] = _Local()
                local.lock.acquire()
                taken.append(local)
            if self._pool is None:
                return Held(taken)
            connection, rows = self._locked([(key, reads[key]) for key in keys])
            return Held(taken, connection, rows, self._pool)
        except BaseException:
            for local in reversed(taken):
                local.lock.release()
            raise

    def _locked(self, reads: list[tuple[int, Read | None]]) -> tuple[Any, dict[int, list[tuple[Any, ...]]]]:
        """A connection whose transaction holds the advisory locks, and the rows of each read: BEGIN, the locks
        and the reads go in one round trip (psycopg's pipeline), the reads running once every lock is granted,
        with a snapshot taken then. A pooled connection the server closed meanwhile (a restart) fails its first
        statement and is replaced once, instead of a ping per lock."""
        pool = self._pool
        assert pool is not None
        plans = [(key, *read[0].args(pool._dialect, read[1])) for key, read in reads if read is not None]
        sql = plans[0][1].sql if plans else _LOCK_SQL  # what an error names (the pipeline fails as a whole)
        for attempt in (1, 2):
            connection, pooled = pool.get()
            try:
                with connection.pipeline():
                    connection.execute("BEGIN")
                    for key, _read in reads:
                        connection.execute(_LOCK_SQL, {"k": key})
                    cursors = []
                    for key, plan, args in plans:
                        cursors.append((key, plan, connection.execute(plan.sql, args)))
                return connection, {key: Prepared.rows(plan, cursor.fetchall()) for key, plan, cursor in cursors}
            except pool.Error as exc:
                lost = connection.closed or connection.broken
                with contextlib.suppress(Exception):
                    connection.close()
                if attempt == 2 or not (lost and pooled):
                    raise pool.error(exc, sql, connection) from exc
                pool.dispose()  # the server went away (a restart): the other idle ones are gone too
            except BaseException:
                with contextlib.suppress(Exception):
                    connection.close()
                raise
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        if self._pool is not None:
            self._pool.dispose()


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, ChatLocks] = weakref.WeakKeyDictionary()
_BY_ENGINE_GUARD = threading.Lock()


def chat_locks(engine: Engine) -> ChatLocks:
    """The one :class:`ChatLocks` of ``engine`` in this process (every adapter of the process shares it)."""
    with _BY_ENGINE_GUARD:
        locks = _BY_ENGINE.get(engine)
        if locks is None:
            locks = _BY_ENGINE[engine] = ChatLocks(engine)
        return locks
