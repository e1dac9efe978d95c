"""Shared fixtures: a database per test (SQLite file, or PostgreSQL when YUNLING_TEST_DATABASE_URL is set),
a transcript driver that talks to the dispatcher like a person, and a fixed clock."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.logs import RedactingFilter
from handlers.dispatch import Dispatcher
from handlers.settings import Settings
from handlers.types import Attachment, Incoming, Reply
from storage.db import init_db, make_engine

TZ = ZoneInfo("Asia/Shanghai")
PG_URL = os.environ.get("YUNLING_TEST_DATABASE_URL", "")
ALL_LOG_LINES: list[str] = []


class _Collector(logging.Handler):
    """Keeps every formatted log line of the run, for the personal-data scan at the end."""

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # a formatting error must not break a test
            ALL_LOG_LINES.append(self.format(record))


_collector = _Collector()
_collector.addFilter(RedactingFilter())
logging.getLogger().addHandler(_collector)


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    # One fresh schema-less database per test on the PostgreSQL server.
    name = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(PG_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, data_key="test-key-not-secret")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings.database_url)
    init_db(eng)
    yield eng
    eng.dispose()


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=TZ))


class Person:
    """A person in a transcript: ``say`` a line, get the replies; ``last`` is the last reply."""

    def __init__(self, dispatcher: Dispatcher, clock: Clock, user: str, channel: str = "console",
                 locale: str | None = None) -> None:
        self.d, self.clock, self.user, self.channel, self.locale = dispatcher, clock, user, channel, locale
        self.seq = 0
        self.replies: list[Reply] = []

    def say(self, text: str = "", *, choice: str | None = None, payload: str | None = None,
            key: str | None = None, upload: Attachment | None = None) -> list[Reply]:
        self.seq += 1
        result = self.d.handle(Incoming(
            channel=self.channel, user_key=self.user, message_key=key or f"{self.user}-{self.seq}",
            received_at=self.clock.now, text=text, choice=choice, payload=payload, locale=self.locale,
            upload=upload,
        ))
        self.replies = result.replies
        return result.replies

    @property
    def text(self) -> str:
        """All reply texts of the last turn joined (choices labels included)."""
        out = []
        for r in self.replies:
            out.append(r.text)
            out.extend(c.label for c in r.choices)
        return "\n".join(out)

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    def choice_values(self) -> list[str]:
        return [c.value for c in self.replies[-1].choices] if self.replies else []


@pytest.fixture
def dispatcher(engine: Engine, settings: Settings) -> Dispatcher:
    return Dispatcher(engine, settings)


@pytest.fixture
def person(dispatcher: Dispatcher, clock: Clock):  # type: ignore[no-untyped-def]
    """Factory: ``person("alice")``; ``person("bob", clerk="昆明市总工会")`` for a clerk."""

    def make(user: str = "alice", *, clerk: str | None = None, locale: str | None = None,
             channel: str = "console") -> Person:
        d = dispatcher
        if clerk:
            clerks = dict(d.settings.clerks)
            clerks[f"{channel}:{user}"] = clerk
            d.settings = replace(d.settings, clerks=clerks)
        return Person(d, clock, user, channel=channel, locale=locale)

    return make


_ID_IN_CLEAR = __import__("re").compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_PHONE_IN_CLEAR = __import__("re").compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole suite: the captured logs must contain no ID number and no phone number."""
    leaks = [line for line in ALL_LOG_LINES if _ID_IN_CLEAR.search(line) or _PHONE_IN_CLEAR.search(line)]
    if leaks:
        print("\nPERSONAL DATA IN LOGS:\n" + "\n".join(leaks[:20]))
        session.exitstatus = 1


def digits_of(text: str) -> str:
    """The digits of ``text`` in ASCII (full-width and other scripts' digits too), X kept: what a number
    typed as '530102 1990-0307 325x' or '+86 139 1234 5678' is, whatever the separators."""
    import unicodedata

    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else "X" for ch in text
                   if ch.isdigit() or ch in "Xx")


def columns_holding(engine: Engine, *values: str) -> list[str]:
    """``table.column`` of every stored text value that holds one of ``values`` in clear, separators
    ignored: the check that personal data is stored only encrypted or masked."""
    from sqlalchemy import String, Text, select
    from sqlmodel import SQLModel

    from storage.db import import_all_models

    import_all_models()
    wanted = [digits_of(v) for v in values]
    found = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not cols:
                continue
            for row in conn.execute(select(*cols)):
                for col, value in zip(cols, row, strict=True):
                    if isinstance(value, str) and any(w in digits_of(value) for w in wanted):
                        found.append(f"{table.name}.{col.name}")
    return sorted(set(found))
