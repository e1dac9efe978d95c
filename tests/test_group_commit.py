"""Group commit: several messages in one transaction (Dispatcher.handle_many) and the one-thread worker
that batches them (bot.serial). A batch must answer exactly as the messages would one by one,
and a failing step must cost only its own message."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from sqlmodel import Session, select
from test_engine import TEST_FLOW

from bot.serial import SerialWorker
from handlers.dispatch import Dispatcher
from handlers.flows import FLOWS, faq_answer
from handlers.registry import build_dispatcher
from handlers.types import Incoming
from storage import repositories as repo
from storage.db import run_in_transaction
from storage.models import Conversation, Identity, Person, ProcessedMessage
from tests.conftest import TZ

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


@pytest.fixture
def d(engine, settings) -> Dispatcher:
    return build_dispatcher(engine, settings, flows=(*FLOWS, TEST_FLOW), faq=faq_answer)


def msg(user: str, key: str, text: str) -> Incoming:
    return Incoming(channel="console", user_key=user, message_key=key, received_at=NOW, text=text)


def texts(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in result.replies)


def test_a_batch_answers_as_one_by_one_would(d, engine) -> None:
    def script(tag: str) -> list[Incoming]:
        ann, bob = f"ann{tag}", f"bob{tag}"
        return [msg(ann, f"{tag}1", "/quiz"), msg(bob, f"{tag}2", "/quiz"), msg(ann, f"{tag}3", "2"),
                msg(bob, f"{tag}4", "1"), msg(ann, f"{tag}5", "33"), msg(ann, f"{tag}5", "33"),
                msg(bob, f"{tag}6", "菜单"), msg(bob, f"{tag}7", "/lang"), msg(bob, f"{tag}8", "2"),
                msg(bob, f"{tag}9", "menu")]

    batched = d.handle_many([(m, None) for m in script("b")])
    one_by_one = [d.handle(m) for m in script("s")]
    assert [texts(r) for r in batched] == [texts(r) for r in one_by_one]
    assert "done blue 33" in texts(batched[4])  # ann's quiz ran through within the batch
    assert batched[5].duplicate and not batched[5].replies  # the same key twice: once
    # bob switched to English in the batch: the next message of the batch already reads it.
    assert batched[8].locale == batched[9].locale == "en" and batched[6].locale == "zh"
    assert "What would you like to do?" in texts(batched[9])
    with Session(engine) as s:
        assert len(s.exec(select(ProcessedMessage)).all()) == 18
        assert len(s.exec(select(Identity)).all()) == 4


def test_a_failing_step_rolls_back_the_batch_and_costs_only_its_own_message(d, engine, caplog) -> None:
    d.handle(msg("ann", "1", "/quiz"))
    d.handle(msg("ann", "2", "1"))
    results = d.handle_many([(msg("bob", "3", "/quiz"), None), (msg("ann", "4", "99"), None),
                             (msg("cat", "5", "菜单"), None)])
    assert "Colour?" in texts(results[0])
    assert texts(results[1]) == texts(d._apology(msg("ann", "4", "99"), busy=False))
    assert results[2].replies and not results[2].duplicate
    assert "rolled back" in caplog.text
    with Session(engine) as s:
        names = {p.display_name for p in s.exec(select(Person))}
        assert "SHOULD-NOT-PERSIST" not in names
        keys = {p.message_key for p in s.exec(select(ProcessedMessage))}
        assert {"3", "5"} <= keys  # the others were handled again, on their own, and kept
        assert len(s.exec(select(Conversation)).all()) == 3


def test_a_guard_that_holds_a_message_stops_only_that_message(d, engine) -> None:
    def guard(nonce: str):  # type: ignore[no-untyped-def]
        def run(session):  # type: ignore[no-untyped-def]
            return None if repo.mark_processed(session=session, channel="nonce", message_key=nonce) else "replay"
        return run

    first = d.handle_many([(msg("ann", "1", "菜单"), guard("n1")), (msg("bob", "2", "菜单"), guard("n2"))])
    again = d.handle_many([(msg("ann", "3", "菜单"), guard("n1")), (msg("bob", "4", "菜单"), guard("n3"))])
    assert first[0].replies and first[1].replies
    assert again[0].held == "replay" and not again[0].replies
    assert again[1].replies and again[1].held is None
    with Session(engine) as s:
        assert {p.message_key for p in s.exec(select(ProcessedMessage))} == {"1", "2", "4", "n1", "n2", "n3"}


def test_the_worker_batches_waiting_messages_in_order_with_other_work(d, engine) -> None:
    worker = SerialWorker(d)
    gate = threading.Event()
    order: list[str] = []
    blocker = worker.submit(gate.wait, 5)  # holds the thread while the rest queue up
    futures = [worker.dispatch(msg(f"u{n}", f"k{n}", "菜单")) for n in range(5)]
    middle = worker.submit(lambda: order.append("call") or len(order))
    futures += [worker.dispatch(msg(f"u{n}", f"k{n + 5}", "/quiz")) for n in range(3)]
    gate.set()
    assert blocker.result(5) is True
    results = [f.result(5) for f in futures]
    assert all(r.replies for r in results)
    assert middle.result(5) == 1
    assert worker.messages == 8 and worker.batches == 2  # five, then three: the call kept its place
    worker.shutdown()
    with pytest.raises(RuntimeError):
        worker.submit(time.time)


def test_the_worker_records_a_batchs_inbox_rows_in_one_statement_in_order(d, engine, settings) -> None:
    from sqlalchemy import event

    from storage.channel_store import ChannelStore

    store = ChannelStore(engine, settings.data_key, "console")
    worker = SerialWorker(d)
    gate = threading.Event()
    inserts: list[bool] = []

    def watch(_conn, _cursor, statement, _params, _context, many):  # type: ignore[no-untyped-def]
        if statement.upper().startswith("INSERT INTO INBOX"):
            inserts.append(many)

    blocker = worker.submit(gate.wait, 5)
    event.listen(engine, "before_cursor_execute", watch)
    try:
        futures = [worker.dispatch(msg(f"u{n}", f"i{n}", "菜单"), before=store.inbox_recorder(f"i{n}", f"body {n}"))
                   for n in range(4)]
        gate.set()
        assert blocker.result(5) is True
        assert all(f.result(5).replies for f in futures)
    finally:
        event.remove(engine, "before_cursor_execute", watch)
        worker.shutdown()
    assert inserts == [True]  # one executemany
    with Session(engine) as s:
        from storage.models import InboxUpdate

        rows = s.exec(select(InboxUpdate.message_key).order_by(InboxUpdate.id)).all()  # type: ignore[arg-type]
    assert list(rows) == [f"i{n}" for n in range(4)]  # nothing settles them here: no keyed guard


def test_a_batchs_replay_guards_decide_before_its_rows_are_recorded(d, engine, settings) -> None:
    """Inbox rows behind a guard key (WeChat's (timestamp, nonce)): a key seen before, or earlier in the same
    batch, holds its message -- not recorded, not handled, ``recorded`` resolved with the guard's verdict."""
    from concurrent.futures import Future

    from storage.channel_store import ChannelStore
    from storage.models import InboxUpdate, ProcessedMessage

    store = ChannelStore(engine, settings.data_key, "console")
    replayed = object()
    worker = SerialWorker(d)
    run_in_transaction(engine, lambda s: repo.mark_processed(session=s, channel="nonce", message_key="old"))
    gate = threading.Event()
    blocker = worker.submit(gate.wait, 5)
    nonces = ["n1", "old", "n2", "n1"]
    recorded: list[Future[object]] = [Future() for _ in nonces]
    futures = [worker.dispatch(msg(f"u{n}", f"g{n}", "菜单"), before=store.inbox_recorder(
        f"g{n}", f"body {n}", guard=("nonce", nonce), replayed=replayed), recorded=recorded[n])
        for n, nonce in enumerate(nonces)]
    gate.set()
    assert blocker.result(5) is True
    results = [f.result(5) for f in futures]
    worker.shutdown()
    assert [r.held is replayed for r in results] == [False, True, False, True]
    assert results[0].replies and results[2].replies and not results[1].replies
    assert [r.result(5) is replayed for r in recorded] == [False, True, False, True]
    with Session(engine) as s:
        kept = s.exec(select(InboxUpdate.message_key).order_by(InboxUpdate.id)).all()  # type: ignore[arg-type]
        keys = set(s.exec(select(ProcessedMessage.message_key)).all())
    assert list(kept) == ["g0", "g2"] and {"n1", "n2", "old"} <= keys and "g1" not in keys


def test_the_worker_hands_exceptions_of_other_work_to_the_caller(d) -> None:
    worker = SerialWorker(d)

    def broken() -> None:
        raise ValueError("nope")

    with pytest.raises(ValueError, match="nope"):
        worker.submit(broken).result(5)
    assert worker.dispatch(msg("ann", "1", "菜单")).result(5).replies  # the thread lives on
    worker.shutdown()


def test_settle_loads_the_index_and_freezes_what_is_alive() -> None:
    import gc

    from bot.app import settle
    from knowledge.search import index

    index.cache_clear()
    try:
        settle()
        assert index.cache_info().currsize == 1  # loaded before the first question
        assert gc.get_freeze_count() > 10_000  # the index and the libraries are out of the collector's way
    finally:
        gc.unfreeze()


def test_a_busy_database_gets_the_whole_batch_one_busy_apology_without_waiting_per_message(
        engine, settings, caplog) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name != "sqlite":
        pytest.skip("holds SQLite's file lock")
    import sqlite3

    from storage.db import make_engine

    quick = make_engine(settings.database_url, busy_timeout_ms=50)
    d = build_dispatcher(quick, settings, flows=(*FLOWS, TEST_FLOW), faq=faq_answer)
    other = sqlite3.connect(str(engine.url.database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing, for longer than the retries wait
    try:
        results = d.handle_many([(msg(f"u{n}", f"k{n}", "菜单"), None) for n in range(6)])
    finally:
        other.execute("ROLLBACK")
        other.close()
        quick.dispose()
    busy = texts(d._apology(msg("u0", "k0", "菜单"), busy=True))
    assert [texts(r) for r in results] == [busy] * 6
    retries = [r for r in caplog.records if r.getMessage().startswith("database busy (attempt")]
    assert len(retries) == 3  # the batch's retries once, not again for each of its six messages
    assert "batch of 6 messages not processed" in caplog.text
    with Session(engine) as s:
        assert s.exec(select(ProcessedMessage)).all() == []  # nothing half-done: they can be sent again


def test_per_person_locks_do_not_pile_up(d) -> None:
    import gc

    for n in range(200):
        d.handle(msg(f"visitor{n}", f"v{n}", "菜单"))
    d.handle_many([(msg(f"visitor{n}", f"w{n}", "菜单"), None) for n in range(20)])
    gc.collect()
    assert len(d._locks) == 0  # nobody is being served: no lock is kept
    lock = d._lock_for(msg("ann", "x", ""))
    assert d._lock_for(msg("ann", "y", "")) is lock  # while one is in use, the same person gets the same one


def test_ordered_surrounds_each_batch_and_its_failure_fails_only_that_batch(d, engine) -> None:
    """On PostgreSQL the webhook's worker takes a batch's chat locks around its handling (``ordered``): it sees
    the batch's messages, the handling runs inside it, and when it fails (the locks could not be taken) the
    batch's callers get the error and the next batch is handled."""
    calls: list[list[str]] = []

    def ordered(incomings, handle):  # type: ignore[no-untyped-def]
        calls.append([i.message_key for i in incomings])
        if len(calls) == 2:
            raise RuntimeError("locks not taken")
        return handle()

    worker = SerialWorker(d, ordered=ordered)
    gate = threading.Event()
    worker.submit(gate.wait, 5)
    first = [worker.dispatch(msg(f"u{n}", f"o{n}", "菜单")) for n in range(3)]
    gate.set()
    assert all(f.result(5).replies for f in first)
    second = worker.dispatch(msg("u9", "o9", "菜单"))
    with pytest.raises(RuntimeError):
        second.result(5)
    third = worker.dispatch(msg("u9", "o10", "菜单"))
    assert third.result(5).replies
    assert calls == [["o0", "o1", "o2"], ["o9"], ["o10"]]
    worker.shutdown()
    with Session(engine) as s:  # the failed batch was not handled
        assert {p.message_key for p in s.exec(select(ProcessedMessage))} == {"o0", "o1", "o2", "o10"}
