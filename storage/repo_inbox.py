"""The inbox: updates a platform was told we have, kept until the transaction that handles them.

Adapters record an update here before they acknowledge it (Telegram's 200 or a polling offset, WeChat's
``success`` past the reply deadline), settle it in the transaction that handles it, and on start handle
whatever a dead process left behind. Rows carry their chat's lock key and order (:mod:`storage.chat_order`):
the rows of one chat are handled in that order by whoever holds the chat's lock. Bodies are stored as given
(the adapter encrypts them)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from storage.models import InboxUpdate, utcnow
from storage.prepared import Prepared
from storage.repositories import insert_many_once, insert_once, settle_inbox


def record(*, session: Session, channel: str, message_key: str, body: str, at: datetime | None = None,
           chat: int | None = None, seq: int | None = None) -> bool:
    """Keep an update; False when its key is already there (a re-delivery of an update not yet handled)."""
    return insert_once(session, InboxUpdate, {"channel": channel, "message_key": message_key, "body": body,
                                              "received_at": at or utcnow(), "chat": chat, "seq": seq})


def record_many(*, session: Session, rows: list[dict[str, Any]]) -> None:
    """:func:`record` for several updates in one executemany, in the order given (``received_at`` None:
    now); a key already there keeps its row."""
    now = utcnow()
    insert_many_once(session, InboxUpdate, [{**row, "received_at": row["received_at"] or now} for row in rows])


def settle(*, session: Session, channel: str, message_key: str) -> None:
    """The update is handled (call it in the transaction that handles it). The dispatcher settles WeChat's
    rows itself, with the message's keys (:class:`handlers.dispatch.KeyedGuard`'s ``settle``)."""
    settle_inbox(session=session, channel=channel, message_keys=(message_key,))


def pending(*, session: Session, channel: str, limit: int = 10_000) -> list[tuple[str, str]]:
    """``(message_key, body)`` of the updates not handled yet, oldest first."""
    rows = session.exec(select(InboxUpdate.message_key, InboxUpdate.body)
                        .where(InboxUpdate.channel == channel).order_by(col(InboxUpdate.id)).limit(limit))
    return [(key, body) for key, body in rows]


@cache
def _pending_of(limit: int) -> Prepared:
    # Built once (per limit): it runs under the chat's lock for every Telegram update and every WeChat
    # message on PostgreSQL, and building a select cost more than running it; run on the cursor.
    return Prepared(select(InboxUpdate.message_key, InboxUpdate.body)
                    .where(col(InboxUpdate.channel) == bindparam("channel"),
                           col(InboxUpdate.chat) == bindparam("chat"))
                    .order_by(col(InboxUpdate.seq), col(InboxUpdate.id)).limit(limit))


def pending_of(*, connection: Connection | Session, channel: str, chat: int,
               limit: int = 1_000) -> list[tuple[str, str]]:
    """``(message_key, body)`` of one chat's updates not handled yet, in the chat's order: ``seq`` (Telegram's
    update_id), then the order recorded."""
    conn = connection.connection() if isinstance(connection, Session) else connection
    return [(key, body) for key, body in _pending_of(limit).run(conn, {"channel": channel, "chat": chat})]


def stale_chats(*, session: Session, channel: str, before: datetime, limit: int = 100) -> list[int]:
    """Chats with an update recorded before ``before`` and not handled yet (its process died, or stalls)."""
    rows = session.exec(select(InboxUpdate.chat).where(col(InboxUpdate.channel) == channel,
                                                       col(InboxUpdate.received_at) < before,
                                                       col(InboxUpdate.chat).is_not(None))
                        .distinct().limit(limit))
    return [int(chat) for chat in rows if chat is not None]


def adopt(*, session: Session, channel: str, message_key: str, chat: int, seq: int | None) -> None:
    """Give a row recorded before rows had a chat (schema 2a13eb3cea56) its chat and order."""
    session.execute(update(InboxUpdate).where(col(InboxUpdate.channel) == channel,
                                              col(InboxUpdate.message_key) == message_key,
                                              col(InboxUpdate.chat).is_(None)).values(chat=chat, seq=seq))
