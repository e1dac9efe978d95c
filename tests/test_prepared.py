"""storage.prepared: the hot statements on the DBAPI cursor give what ``Connection.execute`` gives, are seen
by the engine's statement listeners, and fail as SQLAlchemy's errors do (parameters hidden)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, exc
from sqlmodel import Session

from storage import repositories as repo
from storage.db import run_in_transaction
from storage.prepared import Prepared


def test_the_joined_read_gives_what_execute_gives(engine) -> None:  # type: ignore[no-untyped-def]
    seen = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)

    def setup(s: Session) -> None:
        who, conv = repo.identify_and_load(session=s, channel="wechat", user_key="u1")
        repo.mark_seen(session=s, who=who, at=seen)
        conv.recent, conv.updated_at = '["你好"]', seen + timedelta(minutes=5)
        repo.store_conversation(session=s, conv=conv)

    run_in_transaction(engine, setup)
    params = {"channel": "wechat", "user_key": "u1"}
    with Session(engine) as s:
        conn = s.connection()
        for stmt in (repo._WHO_AND_CONV, repo._WHO_AND_CONV_LOCKED):
            if stmt is repo._WHO_AND_CONV_LOCKED and engine.dialect.name != "postgresql":
                continue
            expected = [tuple(r) for r in conn.execute(stmt, params).all()]
            got = Prepared(stmt).run(conn, params)
            assert got == expected and len(got) == 1
            assert got[0][2] == seen and got[0][2].tzinfo is not None  # last_inbound_at, an aware UTC datetime
            assert got[0][-1] == seen + timedelta(minutes=5)  # updated_at
            assert '["你好"]' in got[0]


def test_listeners_see_the_statements(engine) -> None:  # type: ignore[no-untyped-def]
    before: list[str] = []
    after: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: before.append(a[2]))
    event.listen(engine, "after_cursor_execute", lambda *a: after.append(a[2]))
    fresh = run_in_transaction(engine, lambda s: repo.mark_processed_pair(session=s, first=("wechat-nonce", "1:n"),
                                                                           second=("wechat", "m1")))
    again = run_in_transaction(engine, lambda s: repo.mark_processed_pair(session=s, first=("wechat-nonce", "1:n"),
                                                                           second=("wechat", "m2")))
    assert fresh == (True, True) and again == (False, True)
    pairs = [s for s in before if "processed_message" in s]
    assert len(pairs) == 2 and [s for s in after if "processed_message" in s] == pairs


def test_errors_are_sqlalchemys_with_parameters_hidden(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    stmt = Prepared(text("INSERT INTO processed_message (channel, message_key, processed_at) "
                         "VALUES (:c, :k, :at)"))
    now = datetime.now(UTC)
    run_in_transaction(engine, lambda s: stmt.run(s.connection(), {"c": "x", "k": "secret-530102199003073250",
                                                                    "at": now}))
    with pytest.raises(exc.IntegrityError) as raised:
        run_in_transaction(engine, lambda s: stmt.run(s.connection(), {"c": "x", "k": "secret-530102199003073250",
                                                                        "at": now}))
    # As Connection.execute under hide_parameters: no parameters in the message (PostgreSQL's own DETAIL of a
    # unique violation names the key, with either path).
    assert "[parameters:" not in str(raised.value)
    if engine.dialect.name == "sqlite":
        assert "530102199003073250" not in str(raised.value)


def test_expanding_parameters_are_refused(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        Prepared(repo._SETTLE_MANY).plan(engine.dialect)


def test_statements_run_together_give_what_each_gives_alone_and_fail_alike(engine) -> None:  # type: ignore[no-untyped-def]
    """``run_together`` (one round trip on PostgreSQL: psycopg's pipeline) returns each statement's rows, runs
    them in order (the second sees the first's write), and a failing one raises SQLAlchemy's error."""
    from sqlalchemy import text

    from storage.prepared import run_together

    run_in_transaction(engine, lambda s: repo.mark_processed(session=s, channel="c", message_key="k1"))
    count = Prepared(text("SELECT count(*) FROM processed_message WHERE channel = :c"))
    add = Prepared(text("INSERT INTO processed_message (channel, message_key, processed_at) "
                        "VALUES (:c, :k, CURRENT_TIMESTAMP)"))
    with Session(engine) as s:
        conn = s.connection()
        got = run_together(conn, [(count, {"c": "c"}), (add, {"c": "c", "k": "k2"}), (count, {"c": "c"})])
        assert got == [[(1,)], [], [(2,)]]
        s.rollback()
    with Session(engine) as s, pytest.raises(exc.IntegrityError):
        run_together(s.connection(), [(count, {"c": "c"}), (add, {"c": "c", "k": "k1"})])


def test_a_transaction_begun_with_its_first_statement_ends_as_any_other(engine) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL the BEGIN goes with the first statement (the connection in autocommit for it): committed
    or rolled back, through the session or the pool's reset, the connection comes back out of autocommit, and
    the next transaction on it is one (a savepoint needs a transaction block)."""
    from sqlalchemy import text

    one = Prepared(text("SELECT 1"))
    raws = []

    def first(session: Session) -> None:
        assert one.run(session.connection(), {}) == [(1,)]
        raws.append(session.connection().connection.dbapi_connection)

    def failing(session: Session) -> None:
        first(session)
        raise RuntimeError("rolled back")

    run_in_transaction(engine, first)
    with pytest.raises(RuntimeError):
        run_in_transaction(engine, failing)
    with Session(engine) as s:  # ended by the pool's reset, not by the session
        first(s)
    for raw in raws:
        assert not getattr(raw, "autocommit", False)

    def nested(session: Session) -> None:
        with session.begin_nested():
            repo.mark_processed(session=session, channel="c", message_key="nested")

    run_in_transaction(engine, first)
    run_in_transaction(engine, lambda s: repo.mark_processed(session=s, channel="c", message_key="k0"))
    run_in_transaction(engine, nested)
