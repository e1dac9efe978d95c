"""Engine creation, schema upgrade and transactions with retry on a busy database.

SQLite: WAL, foreign keys, a busy timeout, and write transactions that begin IMMEDIATE -- under WAL a
deferred read-then-write transaction can still fail with "database is locked" despite the busy
timeout, because SQLite cannot upgrade a reader that saw an older snapshot.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Table, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

from storage.errors import Busy

log = logging.getLogger(__name__)
T = TypeVar("T")
# Called once per busy retry (the metrics count them); storage imports nothing above it.
BUSY_HOOKS: list[Callable[[], None]] = []
CONNECT_TIMEOUT_S = 5  # per address tried; a host with an IPv4 and an IPv6 address stays under 10 s

MODEL_MODULES = ("storage.models", "storage.models_cases", "storage.models_training", "storage.models_tickets",
                 "storage.models_applications", "storage.models_wechat", "storage.models_telegram",
                 "storage.models_files", "storage.models_console", "storage.models_questions")


def import_all_models() -> None:
    """Import every table module so ``SQLModel.metadata`` knows the whole schema."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def make_engine(url: str, *, busy_timeout_ms: int = 2000, echo: bool = False) -> Engine:
    """Statement parameters are hidden (``hide_parameters``): SQL errors and echo logs would otherwise print
    them, ID numbers and phones among them."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        # WAL is a property of the database file: set it once here. Switching it on every new pooled
        # connection takes a lock that does not wait for the busy timeout, and made concurrent starts fail.
        if ":memory:" not in url and url != "sqlite://":
            raw = engine.raw_connection()  # outside any transaction, which the mode switch requires
            try:
                raw.cursor().execute("PRAGMA journal_mode=WAL")
            finally:
                raw.close()
        return engine
    # An unreachable server fails in seconds with its reason instead of hanging on TCP's own timeout.
    connect_args = {} if "connect_timeout" in url else {"connect_timeout": CONNECT_TIMEOUT_S}
    # LIFO: the connection used last is handed out next, so under any load the same few stay warm (and are not
    # pinged, below) while the rest age out.
    engine = create_engine(url, echo=echo, hide_parameters=True, pool_size=10, max_overflow=20, pool_use_lifo=True,
                           connect_args=connect_args)
    _ping_when_idle(engine)
    from storage.prepared import pipelined_begins

    pipelined_begins(engine)  # a transaction's BEGIN with its first hot statement, in one round trip
    return engine


PING_IDLE_S = 2.0  # a pooled connection unused this long is pinged before it is handed out
_IDLE_SINCE = "yunling.idle_since"


def _ping_when_idle(engine: Engine) -> None:
    """The pool's pre-ping, for connections that sat idle: a server restart (or a dropped session) leaves the
    pool's connections dead, and the next transaction on one would fail. SQLAlchemy's ``pool_pre_ping`` pings
    at every checkout -- a round trip per transaction; under load a connection comes back to the pool within
    milliseconds, so only one unused for ``PING_IDLE_S`` is pinged, and a dead one is replaced before it is
    handed out (``DisconnectionError``: the pool discards it and connects anew)."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)  # None: connected for this checkout
        if since is None or time.monotonic() - since < PING_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("pooled connection did not answer its ping") from exc


_AT_COMMIT = "yunling.at_commit"  # session.info: {key: (flush, rows)}, written just before the commit


def at_commit(session: Session, key: object, flush: Callable[[Session, list[Any]], None]) -> list[Any]:
    """A list of rows kept with ``session``'s transaction under ``key``: whatever the transaction's steps add
    to it is handed to ``flush`` just before the commit (in the same transaction), once, in one statement
    instead of one per step: the messages of a group-committed batch cache their passive replies this way.
    A rollback drops the rows. They do not follow savepoints: rows added inside a savepoint that is rolled
    back are written all the same."""
    pending: dict[object, tuple[Callable[[Session, list[Any]], None], list[Any]]] = session.info.setdefault(
        _AT_COMMIT, {})
    entry = pending.get(key)
    if entry is None:
        entry = pending[key] = (flush, [])
    return entry[1]


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    pending = session.info.pop(_AT_COMMIT, None)
    for flush, rows in (pending or {}).values():
        if rows:
            flush(session, rows)


@event.listens_for(Session, "after_soft_rollback")
def _drop_at_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_AT_COMMIT, None)


def init_db(engine: Engine) -> None:
    """Bring the schema to the newest version (Alembic migrations; see :mod:`storage.migrate`)."""
    from storage.migrate import upgrade

    upgrade(engine)


def is_busy_error(exc: BaseException) -> bool:
    """True for transient contention: SQLite "database is locked", PostgreSQL serialization/deadlock."""
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        return code in ("40001", "40P01", "55P03")
    return False


_WRITERS: dict[str, threading.RLock] = {}
_WRITERS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock | contextlib.nullcontext[None]:
    """SQLite has one writer at a time. Threads of one process queue on a lock here instead of polling the
    file lock: SQLite's busy handler is unfair, and under a steady load a waiting thread could be starved
    past the busy timeout. Other processes still wait through the busy timeout."""
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    key = str(engine.url.database)
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, threading.RLock())


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    with _writer_lock(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def run_in_transaction(engine: Engine, work: Callable[[Session], T], *, attempts: int = 4) -> T:
    """Run ``work`` in a transaction, retrying the whole of it when the database is busy."""

    def once() -> T:
        with session_scope(engine) as session:
            return work(session)

    return _retrying(once, attempts)


def _retrying(once: Callable[[], T], attempts: int) -> T:
    """``once()``, run again after a growing pause while the database is busy; :class:`Busy` after the last
    attempt, any other error at once."""
    delay = 0.05
    for attempt in range(1, attempts + 1):
        try:
            return once()
        except Exception as exc:
            if not is_busy_error(exc) or attempt == attempts:
                if is_busy_error(exc):
                    raise Busy(str(exc)) from exc
                raise
            for hook in BUSY_HOOKS:
                hook()
            log.warning("database busy (attempt %d/%d), retrying: %s", attempt, attempts,
                        str(getattr(exc, "orig", exc))[:120])
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def create_all(engine: Engine) -> None:
    import_all_models()
    SQLModel.metadata.create_all(engine)


def table(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel class (SQLModel does not declare ``__table__`` to type checkers)."""
    found = sa_inspect(model).local_table
    assert isinstance(found, Table)
    return found


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (its result is a CursorResult; ``Session.execute`` says Result)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
