"""Logging set-up with a redaction filter: ID numbers and mobile numbers never reach a log in clear."""

from __future__ import annotations

import logging
import re

# 18-digit resident ID (last may be X) and mainland mobile numbers, not inside longer digit runs.
_ID = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(text: str) -> str:
    return _PHONE.sub(r"\1****\2", _ID.sub(r"\1********\2", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_installed = False


def setup_logging(level: str = "INFO") -> None:
    """Idempotent: a handler on the root logger with the redaction filter on it."""
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
