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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
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

    def run(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute in ``conn``'s transaction; the rows it returns (none for a statement without rows)."""
        plan = self.plan(conn.dialect)
        binds = plan.binds
        if plan.defaults:
            params = {**plan.defaults, **params}
        args: Sequence[Any] | dict[str, Any]
        if plan.names is not None:
            args = tuple(binds[n](params[n]) if n in binds else params[n] for n in plan.names)
        else:
            args = {n: binds[n](v) if n in binds else v for n, v in params.items()}
        if not conn.in_transaction():  # as Connection.execute would begin it (a rollback must end it)
            conn.begin()
        events = conn._has_events or conn.engine._has_events
        dbapi_conn: Any = conn.connection.dbapi_connection
        cursor = dbapi_conn.cursor()
        try:
            if events:
                conn.dispatch.before_cursor_execute(conn, cursor, plan.sql, args, None, False)
            dbapi_error = conn.dialect.loaded_dbapi.Error
            try:
                cursor.execute(plan.sql, args)
                raw = cursor.fetchall() if cursor.description is not None else []
            except dbapi_error as exc:
                # A connection the server closed (a restart) is invalidated, as SQLAlchemy does, so that the
                # caller can tell (``connection_invalidated``) and the pool does not hand it out again.
                lost = bool(conn.dialect.is_disconnect(exc, dbapi_conn, cursor))
                if lost:
                    conn.invalidate(exc)
                raise DBAPIError.instance(plan.sql, None, exc, dbapi_error, hide_parameters=True,
                                          dialect=conn.dialect, connection_invalidated=lost) from exc
            if events:
                conn.dispatch.after_cursor_execute(conn, cursor, plan.sql, args, None, False)
        finally:
            with contextlib.suppress(Exception):
                cursor.close()
        procs = plan.results
        if not raw or not any(procs):
            return [tuple(row) for row in raw]
        return [tuple(p(v) if p is not None else v for p, v in zip(procs, row, strict=True)) for row in raw]
