"""The inbox: updates a platform was told we have, kept until the transaction that handles them.

Adapters record an update here before they acknowledge it (Telegram's 200 or a polling offset, WeChat's
``success`` past the reply deadline), settle it in the transaction that handles it, and on start handle
whatever a dead process left behind. Bodies are stored as given (the adapter encrypts them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import InboxUpdate, utcnow
from storage.repositories import insert_once


def record(*, session: Session, channel: str, message_key: str, body: str, at: datetime | None = None) -> bool:
    """Keep an update; False when its key is already there (a re-delivery of an update not yet handled)."""
    return insert_once(session, InboxUpdate, {"channel": channel, "message_key": message_key, "body": body,
                                              "received_at": at or utcnow()})


def settle(*, session: Session, channel: str, message_key: str) -> None:
    """The update is handled (call it in the transaction that handles it)."""
    session.execute(delete(InboxUpdate).where(col(InboxUpdate.channel) == channel,
                                              col(InboxUpdate.message_key) == message_key))


def pending(*, session: Session, channel: str, limit: int = 10_000) -> list[tuple[str, str]]:
    """``(message_key, body)`` of the updates not handled yet, oldest first."""
    rows = session.exec(select(InboxUpdate.message_key, InboxUpdate.body)
                        .where(InboxUpdate.channel == channel).order_by(col(InboxUpdate.id)).limit(limit))
    return [(key, body) for key, body in rows]


