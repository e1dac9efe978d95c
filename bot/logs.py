"""Logging set-up with a redaction filter: ID numbers and mobile numbers never reach a log in clear."""

from __future__ import annotations

import logging

from knowledge.text import redact


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_installed = False


def setup_logging(level: str = "INFO", *, verbose: bool = False) -> None:
    """Idempotent: a handler on the root logger with the redaction filter on it. APScheduler logs each run
    of a job at INFO (the 2-second tick: about 86 000 lines a day), so its loggers stay at WARNING unless
    ``verbose``."""
    global _installed
    root = logging.getLogger()
    if not _installed:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
        _installed = True
    root.setLevel(level.upper())
    logging.getLogger("jieba").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.NOTSET if verbose else logging.WARNING)
