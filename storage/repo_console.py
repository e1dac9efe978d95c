"""Repository functions for the clerks' web console: sign-in links and sessions
(:mod:`storage.models_console`). Tokens are handed out once; only their SHA-256 is stored.

A link is redeemed with one conditional UPDATE (``used_at IS NULL AND expires_at > now``), so two browsers
opening the same link at once cannot both get a session, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models_console import ConsoleLink, ConsoleSession

TOKEN_BYTES = 32  # 43 URL-safe characters, 256 bits


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_link(*, session: Session, person_id: int, unit: str, now: datetime, expires_at: datetime) -> str:
    """A new single-use link; returns its token (never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ConsoleLink(token_hash=token_hash(token), person_id=person_id, unit=unit, created_at=now,
                            expires_at=expires_at))
    session.flush()
    return token


def redeem_link(*, session: Session, token: str, now: datetime) -> ConsoleLink | None:
    """Mark the link used and return it, if it exists, is unused and unexpired; None otherwise."""
    digest = token_hash(token)
    result = session.execute(
        update(ConsoleLink)
        .where(col(ConsoleLink.token_hash) == digest, col(ConsoleLink.used_at).is_(None),
               col(ConsoleLink.expires_at) > now)
        .values(used_at=now))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.exec(select(ConsoleLink).where(ConsoleLink.token_hash == digest)).first()


def find_link(*, session: Session, token: str) -> ConsoleLink | None:
    return session.exec(select(ConsoleLink).where(ConsoleLink.token_hash == token_hash(token))).first()


def create_session(*, session: Session, person_id: int, unit: str, locale: str, now: datetime) -> tuple[str, str]:
    """A new session; returns (its token, its CSRF token)."""
    token, csrf = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(24)
    session.add(ConsoleSession(token_hash=token_hash(token), person_id=person_id, unit=unit, csrf=csrf,
                               locale=locale, created_at=now, last_seen_at=now))
    session.flush()
    return token, csrf


def live_session(*, session: Session, token: str, idle_since: datetime) -> ConsoleSession | None:
    """The session of ``token`` if it was not ended and was seen after ``idle_since``."""
    row = session.exec(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token))).first()
    if row is None or row.ended_at is not None or row.last_seen_at <= idle_since:
        return None
    return row


def touch(*, session: Session, row: ConsoleSession, now: datetime) -> None:
    session.execute(update(ConsoleSession).where(col(ConsoleSession.id) == row.id).values(last_seen_at=now))
    row.last_seen_at = now


def set_locale(*, session: Session, session_id: int, locale: str) -> None:
    session.execute(update(ConsoleSession).where(col(ConsoleSession.id) == session_id).values(locale=locale))


def end_sessions(*, session: Session, person_id: int, now: datetime, only_id: int | None = None) -> int:
    """End one session (``only_id``) or every live session of the person; returns how many ended."""
    stmt = update(ConsoleSession).where(col(ConsoleSession.person_id) == person_id,
                                        col(ConsoleSession.ended_at).is_(None))
    if only_id is not None:
        stmt = stmt.where(col(ConsoleSession.id) == only_id)
    return int(session.execute(stmt.values(ended_at=now)).rowcount or 0)  # type: ignore[attr-defined]
