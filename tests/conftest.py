"""Shared fixtures: a database per test (SQLite file, or PostgreSQL when YUNLING_TEST_DATABASE_URL is set),
a transcript driver that talks to the dispatcher like a person, and a fixed clock."""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.logs import SECRET_FIELDS, RedactingFilter
from handlers.dispatch import Dispatcher
from handlers.registry import build_dispatcher
from handlers.settings import Settings
from handlers.types import Attachment, Incoming, Reply
from knowledge.text import has_personal_number
from storage.db import init_db, make_engine

# The run keeps its derived-data cache (knowledge.cache) to itself, shared with the processes it starts.
if "YUNLING_CACHE_DIR" not in os.environ:
    os.environ["YUNLING_CACHE_DIR"] = tempfile.mkdtemp(prefix="yunling-test-cache-")
    atexit.register(shutil.rmtree, os.environ["YUNLING_CACHE_DIR"], ignore_errors=True)

TZ = ZoneInfo("Asia/Shanghai")
PG_URL = os.environ.get("YUNLING_TEST_DATABASE_URL", "")
LEAKS: list[str] = []
LINES_SCANNED = [0]
# Every secret any Settings of the run was configured with (8 characters or more: shorter test values such
# as "k" would match ordinary words), recorded as the settings are made.
CONFIGURED_SECRETS: set[str] = set()
_secrets_re: list[re.Pattern[str] | None] = [None, None]  # [pattern, of which set size]
# Secrets by their shape, configured or not: a bot token in a URL, credentials in a query string.
_SECRET_SHAPES = re.compile(r"/bot\d+:(?!\*\*\*)|\b(?:access_token|secret)=(?!\*\*\*)[^&\s]", re.IGNORECASE)

_settings_init = Settings.__init__


def _recording_init(self: Settings, *args: object, **kwargs: object) -> None:
    _settings_init(self, *args, **kwargs)  # type: ignore[arg-type]
    for name in SECRET_FIELDS:
        value = getattr(self, name)
        if len(value) >= 8:
            CONFIGURED_SECRETS.add(value)


Settings.__init__ = _recording_init  # type: ignore[method-assign]


def _secret_in(line: str) -> bool:
    if _SECRET_SHAPES.search(line):
        return True
    if _secrets_re[1] != len(CONFIGURED_SECRETS):
        _secrets_re[0] = re.compile("|".join(re.escape(v) for v in CONFIGURED_SECRETS)) if CONFIGURED_SECRETS else None
        _secrets_re[1] = len(CONFIGURED_SECRETS)  # type: ignore[assignment]
    pattern = _secrets_re[0]
    return bool(pattern and pattern.search(line))


class _Collector(logging.Handler):
    """Scans every log line of the run, at every level, formatted as the server's handler formats it (its
    traceback included): no ID number, phone number or secret may be in it."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a formatting error must not break a test
            return
        LINES_SCANNED[0] += 1
        if has_personal_number(line) or _secret_in(line):
            LEAKS.append(line)


_collector = _Collector(level=logging.DEBUG)
_collector.addFilter(RedactingFilter())
logging.getLogger().addHandler(_collector)


THREAD_GRACE_S = 5.0  # how long a test's threads may take to finish after its teardown


def threads_left(before: set[threading.Thread], grace_s: float = THREAD_GRACE_S) -> list[threading.Thread]:
    """Threads started since ``before`` that are still running after ``grace_s`` seconds."""
    deadline = time.monotonic() + grace_s
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    while left and time.monotonic() < deadline:
        left[0].join(timeout=0.05)
        left = [t for t in left if t.is_alive()]
    return left


@pytest.fixture(autouse=True)
def no_thread_outlives_its_test() -> Iterator[None]:
    """Every thread a test starts (delivery workers, schedulers, servers, stand-ins) is stopped by the test
    or its fixtures: one left running would go on polling a database the teardown has dropped. Autouse
    fixtures are set up first, so this check runs after every other fixture's teardown."""
    before = set(threading.enumerate())
    yield
    wechat = sys.modules.get("bot.wechat")
    if wechat is not None:  # a webhook's workers live as long as the webhook: the test's end is its end
        wechat.close_webhooks()
    left = threads_left(before)
    if left:
        pytest.fail("threads outlived their test: " + ", ".join(sorted(f"{t.name} ({type(t).__name__})"
                                                                          for t in left)), pytrace=False)


@pytest.fixture(autouse=True)
def _debug_logs() -> Iterator[None]:
    """Every test runs with the root logger at DEBUG (and the libraries the app quiets put back), so the scan
    sees what any level would show."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for name in ("httpx", "alembic"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield


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
    return build_dispatcher(engine, settings)


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


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole suite: no log line (of any level, tracebacks included) held an ID number, a phone
    number or a secret."""
    print(f"\nlog lines scanned for personal data and secrets: {LINES_SCANNED[0]}")
    if LEAKS:
        print("PERSONAL DATA OR SECRETS IN LOGS:\n" + "\n".join(LEAKS[:20]))
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
