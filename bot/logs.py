"""Logging set-up with a redaction filter: ID numbers, mobile numbers and secrets never reach a log in clear,
whether in the message, in a formatted traceback or in a library's own line (PTB logs its Bot API URL, which
holds the bot token; urllib3 logs WeChat's request URLs, which hold the access token or the AppSecret).

``YUNLING_LOG_FORMAT=json`` writes one JSON object a line, with ``request_id`` (the HTTP request, echoed
as ``X-Request-ID``) and ``message_id`` (one chat message, from its webhook through its late reply's
delivery: a hash of the channel's message key) when they are known."""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any

from handlers.settings import Settings
from knowledge.text import redact

# Secret fields of the settings: masked wherever they would appear in a log line.
SECRET_FIELDS = ("telegram_token", "telegram_webhook_secret", "wechat_token", "wechat_aes_key",
                 "wechat_app_secret", "data_key")
MASK = "***"
_MIN_SECRET = 6  # shorter values would mask ordinary words; nobody configures a real secret that short

# Secrets by their shape, configured or not: a bot token in a Bot API URL, credentials in a query string or
# a JSON body, a password in a database URL.
_SHAPES = (
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), rf"\1{MASK}"),
    (re.compile(r"(\b(?:access_token|secret|appsecret|encodingaeskey)=)[^&\s'\"<>]+", re.IGNORECASE),
     rf"\1{MASK}"),
    (re.compile(r"(\"(?:access_token|secret)\"\s*:\s*\")[^\"]+"), rf"\1{MASK}"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s/]+@"), rf"\1{MASK}@"),
    (re.compile(r"(/console/signin/)[A-Za-z0-9_-]{20,}"), rf"\1{MASK}"),  # a console sign-in link (one use)
)

_registered: set[str] = set()
_registered_re: re.Pattern[str] | None = None
_lock = threading.Lock()


def register_secrets(values: Iterable[str]) -> None:
    """Mask these values in every log line from now on (the process's configured secrets)."""
    global _registered_re
    with _lock:
        new = {v for v in values if v and len(v) >= _MIN_SECRET} - _registered
        if not new:
            return
        _registered.update(new)
        _registered_re = re.compile("|".join(re.escape(v) for v in sorted(_registered, key=len, reverse=True)))


def secrets_of(settings: Settings) -> list[str]:
    values = [getattr(settings, name) for name in SECRET_FIELDS]
    # The database password, as it appears in the URL.
    m = re.match(r"[^:]+://[^:/@]+:([^@]+)@", settings.database_url)
    return [*values, m[1]] if m else values


def mask_secrets(text: str) -> str:
    if _registered_re is not None:
        text = _registered_re.sub(MASK, text)
    for pattern, repl in _SHAPES:
        text = pattern.sub(repl, text)
    return text


def scrub(text: str) -> str:
    """A log text with personal numbers masked and secrets replaced."""
    return mask_secrets(redact(text))


class RedactingFilter(logging.Filter):
    """Scrubs the message, the formatted exception and the stack of a record, in place: every handler after
    this one sees the scrubbed record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text when it is set: the traceback is formatted once, here, and scrubbed
            # (exception messages carry values: SQL errors, URLs with tokens, the text of a message).
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
message_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("message_id", default="")


def message_id(message_key: str) -> str:
    """A short id of one chat message for the logs (the key itself may carry an openid)."""
    return "m" + hashlib.sha256(message_key.encode()).hexdigest()[:12]


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.message_id = message_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key in ("request_id", "message_id"):
            if value := getattr(record, key, ""):
                line[key] = value
        if record.exc_info or record.exc_text:
            line["exception"] = record.exc_text or scrub(self.formatException(record.exc_info or (None, None, None)))
        return json.dumps(line, ensure_ascii=False)


_installed: logging.Handler | None = None


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record, not the one at set-up: a test runner
    (or a daemoniser) that swaps and closes stderr must not turn every later log line into an I/O error."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(level: str = "INFO", settings: Settings | None = None, *, verbose: bool = False,
                  fmt: str = "text") -> None:
    """Idempotent: a handler on the root logger with the redaction filter on it; the settings' secrets are
    masked from now on; ``fmt`` "json" for JSON lines. APScheduler logs each run of a job at INFO (the
    2-second tick: about 86 000 lines a day), so its loggers stay at WARNING unless ``verbose``."""
    global _installed
    if settings is not None:
        register_secrets(secrets_of(settings))
    root = logging.getLogger()
    if _installed is None:
        handler = _CurrentStderr()
        handler.addFilter(RedactingFilter())
        handler.addFilter(ContextFilter())
        root.addHandler(handler)
        _installed = handler
    _installed.setFormatter(JsonFormatter() if fmt == "json" else
                            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.setLevel(level.upper())
    logging.getLogger("jieba").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.NOTSET if verbose else logging.WARNING)
