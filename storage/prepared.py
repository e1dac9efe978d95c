"""Hot statements compiled once per dialect and run on the transaction's own DBAPI cursor.

SQLAlchemy's execution path costs about 60-70 us per statement on top of the database's own work (measured:
the joined identity and conversation read, 84 us through ``Connection.execute`` and 11 us on the cursor):
the compiled cache's key, the execution context, the parameters' and the result's set-up. The webhook's
hot statements -- a few per message -- are run here instead: the SQL is compiled once per dialect by
SQLAlchemy, with its bind and result processors (the same conversions of datetimes, on SQLite and
PostgreSQL, as ``Connection.execute``), and executed on the cursor of the connection the session holds,
inside its transaction. What the rest of the code relies on stays:

* the engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners see every statement (the
  statement counts of ``tests/test_hot_path.py`` and ``bench/wechat.py``);
* a DBAPI error is raised as SQLAlchemy's wrapped error, parameters hidden (``hide_parameters``), so the busy
  retries of :func:`storage.db.run_in_transaction` and the logs behave as before.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...] | None  # positional parameters in this order; None: named (a dict)
    binds: Mapping[str, Callable[[Any], Any]]  # bind name -> the type's bind processor
    results: tuple[Callable[[Any], Any] | None, ...]  # per result column: the type's result processor
    defaults: Mapping[str, Any]  # the values bound in the statement itself (a LIMIT's number)


class Prepared:
    """A Core statement (or a typed ``text()``) whose parameters are all plain bind parameters, run with
    :meth:`run`. Statements with expanding (``IN``) or literal-rendered parameters do not qualify."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def plan(self, dialect: Dialect) -> _Plan:
        found = self._plans.get(dialect.name)
        if found is None:
            compiled: Any = self.statement.compile(dialect=dialect)
            if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
                raise ValueError("Prepared takes only plain bind parameters")
            names = tuple(compiled.positiontup) if compiled.positional else None
            results = tuple(rc[3]._cached_result_processor(dialect, None) for rc in compiled._result_columns)
            defaults = {name: b.effective_value for b, name in compiled.bind_names.items() if not b.required}
            found = self._plans[dialect.name] = _Plan(compiled.string, names, dict(compiled._bind_processors),
                                                      results, defaults)
        return found

    def args(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[_Plan, Sequence[Any] | dict[str, Any]]:
        """The plan and the DBAPI parameters of ``params``, through the types' bind processors."""
        plan = self.plan(dialect)
        binds = plan.binds
        if plan.defaults:
            params = {**plan.defaults, **params}
        if plan.names is not None:
            return plan, tuple(binds[n](params[n]) if n in binds else params[n] for n in plan.names)
        return plan, {n: binds[n](v) if n in binds else v for n, v in params.items()}

    def run(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute in ``conn``'s transaction; the rows it returns (none for a statement without rows)."""
        return run_together(conn, [(self, params)])[0]

    @staticmethod
    def rows(plan: _Plan, raw: Sequence[Any]) -> list[tuple[Any, ...]]:
        procs = plan.results
        if not raw or not any(procs):
            return [tuple(row) for row in raw]
        return [tuple(p(v) if p is not None else v for p, v in zip(procs, row, strict=True)) for row in raw]


_PIPELINED_BEGIN = "_yunling_pipelined_begin"  # set on the dialect of an engine made by pipelined_begins
_BEGIN = _Plan("BEGIN", None, {}, (), {})
_BEGUN_HERE: weakref.WeakSet[Any] = weakref.WeakSet()  # psycopg connections in autocommit for our BEGIN
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE


def pipelined_begins(engine: Engine) -> None:
    """On psycopg, a transaction whose first statement goes through this module sends its BEGIN with that
    statement, in one round trip: psycopg would send its own BEGIN and wait for it. The connection is put in
    autocommit for the explicit BEGIN and taken out of it when the transaction ends (the dialect's commit and
    rollback, which the pool's reset uses too)."""
    dialect: Any = engine.dialect
    if dialect.driver != "psycopg" or getattr(dialect, _PIPELINED_BEGIN, False):
        return
    setattr(dialect, _PIPELINED_BEGIN, True)
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def ended(connection: Any) -> None:
        raw = getattr(connection, "dbapi_connection", connection)  # SQLAlchemy passes the pool's proxy
        if raw is not None and raw in _BEGUN_HERE and raw.info.transaction_status == _IDLE:
            _BEGUN_HERE.discard(raw)
            raw.autocommit = False

    def do_commit(dbapi_connection: Any) -> None:
        try:
            raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
            if raw is not None and raw in _LATER:
                _send_later(raw, commit=True)  # the transaction's last writes and its COMMIT, one round trip
            else:
                commit(dbapi_connection)
        finally:
            ended(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        if raw is not None:
            _LATER.pop(raw, None)  # never sent: nothing to undo
        try:
            rollback(dbapi_connection)
        finally:
            ended(dbapi_connection)

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

    event.listen(engine, "before_cursor_execute", _send_later_first)


def _send_later_first(_conn: Connection, cursor: Any, *_args: Any) -> None:
    """Any other statement of the transaction (ORM flushes, savepoints, Core, driver SQL) runs after the writes
    queued before it, as it would have if they had been sent at once."""
    raw = getattr(cursor, "connection", None)
    if raw is not None and raw in _LATER:
        _send_later(raw, commit=False)


# Writes whose outcome nobody reads (run_later), per psycopg connection, with the SQLAlchemy connection that
# queued them (its events see them when they are sent).
_LATER: weakref.WeakKeyDictionary[Any, tuple[Connection, list[tuple[_Plan, Any]]]] = weakref.WeakKeyDictionary()


def run_later(conn: Connection, steps: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> None:
    """Statements whose rows and row counts nobody reads (an UPDATE of the conversation, an INSERT … ON CONFLICT
    DO NOTHING), executed in ``conn``'s transaction in order. On psycopg, inside a transaction begun by
    :func:`run_together`, they are not sent now: they go in one round trip with the transaction's next
    statement or with its COMMIT (``pipelined_begins``' commit), whichever comes first; a rollback drops
    them. Their parameters are taken now. A failure then raises from that statement or from the commit,
    which rolls the transaction back: nothing of it is kept. Elsewhere they run at once."""
    dbapi_conn: Any = conn.connection.dbapi_connection if conn.in_transaction() else None
    if dbapi_conn is None or dbapi_conn not in _BEGUN_HERE or dbapi_conn.info.transaction_status == _IDLE:
        run_together(conn, steps)
        return
    queued = _LATER.get(dbapi_conn)
    if queued is None:
        queued = _LATER[dbapi_conn] = (conn, [])
    queued[1].extend(step.args(conn.dialect, params) for step, params in steps)


def _send_later(dbapi_conn: Any, *, commit: bool) -> None:
    """The writes queued on ``dbapi_conn`` (and its COMMIT), in one pipeline: one round trip."""
    conn, queued = _LATER.pop(dbapi_conn)
    events = conn._has_events or conn.engine._has_events
    cursors = [dbapi_conn.cursor() for _ in queued]
    try:
        if events:
            for cursor, (plan, args) in zip(cursors, queued, strict=True):
                conn.dispatch.before_cursor_execute(conn, cursor, plan.sql, args, None, False)
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            with dbapi_conn.pipeline():
                for cursor, (plan, args) in zip(cursors, queued, strict=True):
                    cursor.execute(plan.sql, args)
                if commit:  # (in autocommit since our BEGIN: not psycopg's own transaction)
                    dbapi_conn.execute("COMMIT")
        except dbapi_error as exc:
            if commit:  # as the driver's commit would raise it: SQLAlchemy's commit wraps it (and sees a disconnect)
                raise
            # Before another statement: raised as run_together raises (the busy retries read SQLAlchemy's error;
            # a lost connection is found and discarded by the rollback that follows).
            lost = bool(conn.dialect.is_disconnect(exc, dbapi_conn, None))
            raise DBAPIError.instance(queued[-1][0].sql, None, exc, dbapi_error, hide_parameters=True,
                                      dialect=conn.dialect, connection_invalidated=lost) from exc
        if events:
            for cursor, (plan, args) in zip(cursors, queued, strict=True):
                conn.dispatch.after_cursor_execute(conn, cursor, plan.sql, args, None, False)
    finally:
        for cursor in cursors:
            with contextlib.suppress(Exception):
                cursor.close()


def run_together(conn: Connection, steps: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> list[list[tuple[Any, ...]]]:
    """Statements executed one after the other in ``conn``'s transaction, and the rows of each. On psycopg
    (PostgreSQL) several go in one round trip (pipeline mode, with the transaction's BEGIN when it is the
    first): each runs when the one before it is done, with its own snapshot, as if sent alone. A failure
    raises as :meth:`Prepared.run` does."""
    planned = [step.args(conn.dialect, params) for step, params in steps]
    if not conn.in_transaction():  # as Connection.execute would begin it (a rollback must end it)
        conn.begin()
    events = conn._has_events or conn.engine._has_events
    dbapi_conn: Any = conn.connection.dbapi_connection
    first = later = 0
    if dbapi_conn in _LATER:  # the writes queued before these statements, sent first in the same round trip
        _owner, queued = _LATER.pop(dbapi_conn)
        planned, later = [*queued, *planned], len(queued)
    if getattr(conn.dialect, _PIPELINED_BEGIN, False) and not dbapi_conn.autocommit \
            and dbapi_conn.info.transaction_status == _IDLE:  # the transaction's first statement
        dbapi_conn.autocommit = True
        _BEGUN_HERE.add(dbapi_conn)
        planned, first = [(_BEGIN, ()), *planned], 1
    cursors = [dbapi_conn.cursor() for _ in planned]
    dbapi_error = conn.dialect.loaded_dbapi.Error
    out: list[list[tuple[Any, ...]]] = []
    try:
        if events:  # (not the BEGIN: it is the one psycopg would have sent, which nobody sees either)
            for cursor, (plan, args) in zip(cursors[first:], planned[first:], strict=True):
                conn.dispatch.before_cursor_execute(conn, cursor, plan.sql, args, None, False)
        try:
            pipeline = dbapi_conn.pipeline() if len(planned) > 1 and hasattr(dbapi_conn, "pipeline") \
                else contextlib.nullcontext()
            with pipeline:
                for cursor, (plan, args) in zip(cursors, planned, strict=True):
                    cursor.execute(plan.sql, args)
            for cursor, (plan, _args) in zip(cursors[first + later:], planned[first + later:], strict=True):
                out.append(Prepared.rows(plan, cursor.fetchall() if cursor.description is not None else []))
        except dbapi_error as exc:
            # A connection the server closed (a restart) is invalidated, as SQLAlchemy does, so that the
            # caller can tell (``connection_invalidated``) and the pool does not hand it out again.
            lost = bool(conn.dialect.is_disconnect(exc, dbapi_conn, cursors[-1]))
            if lost:
                conn.invalidate(exc)
            raise DBAPIError.instance(planned[-1][0].sql, None, exc, dbapi_error, hide_parameters=True,
                                      dialect=conn.dialect, connection_invalidated=lost) from exc
        if events:
            for cursor, (plan, args) in zip(cursors[first:], planned[first:], strict=True):
                conn.dispatch.after_cursor_execute(conn, cursor, plan.sql, args, None, False)
    finally:
        for cursor in cursors:
            with contextlib.suppress(Exception):
                cursor.close()
    return out
