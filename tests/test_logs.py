"""No ID number, phone number or secret in any log line at any level: the redacting handler scrubs the
message, the formatted traceback and library lines (PTB's Bot API URL, urllib3's WeChat request URLs), and
SQLAlchemy is told to keep statement parameters out of its errors. (conftest.py scans every line of the
whole suite the same way.)"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from telegram_standin import TOKEN, make_app
from telegram_standin import running as telegram_running
from test_signin import setup_class
from test_signin_screen import IN_CLASS, PUBLIC, _client, _session
from wechat_standin import APP_ID, APP_SECRET
from wechat_standin import running as wechat_running

from bot.logs import RedactingFilter, register_secrets, secrets_of, setup_logging
from bot.telegram.app import telegram_for
from handlers.flow import Flow
from handlers.services.signin_codes import screen_token
from handlers.types import Incoming
from storage.db import make_engine

ID, PHONE = "53010219900307325X", "13912345678"
tg_standin = pytest.fixture(telegram_running, name="tg_standin")
wechat_api = pytest.fixture(wechat_running, name="wechat_api")


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """What the server's own handler writes, at DEBUG: the redacting filter and the usual format."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)


def test_tracebacks_are_redacted_too(server_log) -> None:
    log = logging.getLogger("yunling.test")
    try:
        raise ValueError(f"cannot read 530102 19900307 325X or +86 139 1234 5678 ({ID}, {PHONE})")
    except ValueError:
        log.exception("step failed")
    written = server_log.getvalue()
    assert "Traceback" in written and "ValueError" in written and "step failed" in written
    assert ID not in written and PHONE not in written and "19900307" not in written and "1234 5678" not in written


def test_sql_errors_carry_no_parameters(db_url) -> None:
    engine = make_engine(db_url)
    with pytest.raises(DBAPIError) as err, engine.connect() as conn:
        conn.execute(text("SELECT no_such_column FROM no_such_table WHERE x = :id AND y = :phone"),
                     {"id": ID, "phone": PHONE})
    assert ID not in str(err.value) and PHONE not in str(err.value)
    assert "hidden" in str(err.value)
    engine.dispose()


def test_a_failing_step_logs_a_clean_traceback(engine, settings, server_log) -> None:
    from datetime import datetime

    from handlers.registry import build_dispatcher
    from tests.conftest import TZ

    def boom(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"lookup of {ctx.incoming.text!r} failed")

    d = build_dispatcher(engine, settings, flows=(Flow(name="boom", title="b", states={}, enter=boom,
                                                 commands=(f"boom {ID}",)),), faq=lambda ctx, t: [], menu=())
    result = d.handle(Incoming(channel="console", user_key="u", message_key="m1", text=f"boom {ID}",
                               received_at=datetime(2026, 3, 2, 9, tzinfo=TZ)))
    assert result.replies  # the apology
    written = server_log.getvalue()
    assert "RuntimeError: lookup of" in written and ID not in written and "19900307" not in written


def test_the_bot_token_is_not_in_debug_logs(engine, settings, tg_standin, server_log) -> None:
    """PTB logs "Set Bot API URL: …/bot<TOKEN>" while the application is built."""
    bot = telegram_for(make_app(engine, settings, tg_standin.url))
    assert bot is not None
    written = server_log.getvalue()
    assert "Set Bot API URL" in written and TOKEN not in written and TOKEN.split(":")[1] not in written


def test_configured_secrets_are_masked_wherever_they_appear(settings, server_log) -> None:
    s = replace(settings, wechat_app_secret="a-very-secret-value", telegram_webhook_secret="hook-secret-123",
                database_url="postgresql+psycopg://yun:pg-password-1@db/yunling")
    register_secrets(secrets_of(s))
    logging.getLogger("yunling.test").warning("config: %s %s %s", s.wechat_app_secret, s.telegram_webhook_secret,
                                              s.database_url)
    written = server_log.getvalue()
    assert "a-very-secret-value" not in written and "hook-secret-123" not in written
    assert "pg-password-1" not in written and "yun:***@db" in written


def test_the_wechat_access_token_is_not_in_debug_logs(engine, settings, wechat_api, server_log) -> None:
    """The QR code request goes through urllib3, which logs its URL (?access_token=…) at DEBUG."""
    _code, session_id = setup_class(engine)
    sess, _cls = _session(engine, session_id)
    s = replace(settings, public_url=PUBLIC, wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET,
                wechat_api_base_url=wechat_api.base_url)
    assert _client(engine, s, IN_CLASS).get(f"/signin/{screen_token(sess)}").status_code == 200
    written = server_log.getvalue()
    assert "qrcode/create?access_token=***" in written, written[-2000:]
    assert wechat_api._token not in written and APP_SECRET not in written  # type: ignore[attr-defined]


def test_setup_logging_registers_the_settings_secrets(settings) -> None:
    from bot.logs import mask_secrets

    setup_logging("INFO", replace(settings, telegram_token="987654:registered-token-abc"))
    assert mask_secrets("token 987654:registered-token-abc here") == "token *** here"
