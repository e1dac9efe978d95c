"""Sign-in codes of class sessions (第十九条 学员学习签到制度): the rotating code a teacher shows, its payload
(Telegram deep link, WeChat QR scene), its QR image, the sign-in window and the sign-in screen's capability.

A code is an HMAC of the session's secret and the current 5-minute slot, accepted for the current and the
previous slot. The chat (``flows/signin.py``, ``flows/training/``), ``yunling training code`` and the
sign-in screen (``bot/signin_screen.py``) all use these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import unicodedata
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from handlers.settings import Settings
from storage import repo_training as repo
from storage.models_training import ClassSession, TrainingClass

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud from a screen
CODE_LENGTH = 6
CODE_SLOT_SECONDS = 300  # a code rotates every 5 minutes and is accepted for two slots
EXPIRED_LOOKBACK_SLOTS = 288  # codes of the last 24 hours are reported as expired, not wrong
PAYLOAD_PREFIX = "signin_"

__all__ = ["CODE_ALPHABET", "CODE_LENGTH", "CODE_SLOT_SECONDS", "PAYLOAD_PREFIX", "code_status", "code_valid_until",
           "current_code", "local_hhmm", "normalize_code", "payload_for", "qr_png", "screen_session_id",
           "screen_token", "session_label", "signin_window"]


def _slot(when: datetime) -> int:
    return int(when.timestamp()) // CODE_SLOT_SECONDS


def _code(secret: str, session_id: int, slot: int) -> str:
    digest = hmac.new(secret.encode(), f"{session_id}:{slot}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, idx = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[idx])
    return "".join(chars)


def current_code(sess: ClassSession, when: datetime) -> str:
    return _code(sess.code_secret, sess.id or 0, _slot(when))


def code_valid_until(when: datetime) -> datetime:
    """When a code shown at ``when`` stops being accepted (end of the next slot)."""
    return datetime.fromtimestamp((_slot(when) + 2) * CODE_SLOT_SECONDS, tz=when.tzinfo)


def normalize_code(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def code_status(sess: ClassSession, code: str, when: datetime) -> str:
    """'valid' (current or previous slot), 'expired' (an older code of the last day) or 'wrong'."""
    code, now_slot = normalize_code(code), _slot(when)
    if any(hmac.compare_digest(_code(sess.code_secret, sess.id or 0, s), code) for s in (now_slot, now_slot - 1)):
        return "valid"
    for s in range(now_slot - 2, now_slot - EXPIRED_LOOKBACK_SLOTS, -1):
        if hmac.compare_digest(_code(sess.code_secret, sess.id or 0, s), code):
            return "expired"
    return "wrong"


def payload_for(cls: TrainingClass, code: str) -> str:
    return f"{PAYLOAD_PREFIX}{cls.code}_{code}"


def qr_png(content: str) -> bytes:
    import qrcode

    image = qrcode.make(content, border=2)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def screen_token(sess: ClassSession) -> str:
    """The capability in the sign-in screen's address: the session id and an HMAC with the session's own
    secret (nothing else opens the page; a new secret would close it)."""
    mac = hmac.new(sess.code_secret.encode(), f"screen:{sess.id}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{sess.id}-{mac}"


_ASCII_DIGITS = re.compile(r"[0-9]{1,12}", re.ASCII)
_HEX24 = re.compile(r"[0-9a-f]{24}", re.ASCII)


def screen_session_id(token: str) -> int | None:
    """The session id a token claims (to be checked with :func:`screen_token` against its secret)."""
    head, _sep, mac = token.partition("-")
    # ASCII only: str.isdigit() is true for "²" (int() fails) and for other scripts' digits (int() reads them).
    if not (_ASCII_DIGITS.fullmatch(head) and _HEX24.fullmatch(mac)):
        return None
    return int(head)


def session_label(sess: ClassSession) -> str:
    return f"{sess.day:%Y-%m-%d} {sess.start:%H:%M}–{sess.end:%H:%M}"


def signin_window(settings: Settings, sess: ClassSession) -> tuple[datetime, datetime]:
    """(opens, closes): from ``signin_grace_minutes`` before the start until the end."""
    tz = ZoneInfo(settings.timezone)
    opens = datetime.combine(sess.day, sess.start, tz) - timedelta(minutes=settings.signin_grace_minutes)
    return opens, datetime.combine(sess.day, sess.end, tz)


def local_hhmm(when: datetime | None, tz: tzinfo | None) -> str:
    """A stored time as HH:MM in ``tz`` ("" when there is none)."""
    stamp = repo.as_utc(when)
    return stamp.astimezone(tz).strftime("%H:%M") if stamp else ""
