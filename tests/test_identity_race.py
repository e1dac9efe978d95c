"""A user's first two messages handled at once by two processes (or threads) make one person, not an error:
found by bench/scale.py with two processes on PostgreSQL, where the second message was lost."""

from __future__ import annotations

import threading
import time

from sqlmodel import Session, select

from storage import repositories as repo
from storage.db import session_scope
from storage.models import Identity, Person


def test_concurrent_first_messages_share_one_identity(engine) -> None:
    results: dict[str, int] = {}
    first = Session(engine)
    if engine.dialect.name == "sqlite":  # one writer at a time: the second waits for the first's commit
        first.connection()
    who = repo.identify(session=first, channel="telegram", user_key="4242")  # inserted, not committed

    def second() -> None:
        with session_scope(engine) as s:  # waits on the unique key (PostgreSQL) or the write lock (SQLite)
            results["second"] = repo.identify(session=s, channel="telegram", user_key="4242").identity_id

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert results["second"] == who.identity_id
    with Session(engine) as s:
        assert len(s.exec(select(Identity)).all()) == 1 and len(s.exec(select(Person)).all()) == 1
