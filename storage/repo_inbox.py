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

from sqlalchemy import bindparam, text, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from storage.db import table
from storage.models import InboxUpdate, ProcessedMessage, utcnow
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


@cache
def _admit_one() -> Prepared:
    # PostgreSQL: the guard's key and, when it is new, the row, in one statement (one round trip).
    t, inbox = table(ProcessedMessage), table(InboxUpdate)
    return Prepared(text(
        f"WITH fresh AS (INSERT INTO {t.name} (channel, message_key, processed_at) VALUES (:gc, :gk, :at) "
        "ON CONFLICT DO NOTHING RETURNING 1), "
        f"kept AS (INSERT INTO {inbox.name} (channel, message_key, body, received_at, chat, seq) "
        "SELECT :channel, :message_key, :body, :received_at, CAST(:chat AS BIGINT), CAST(:seq AS BIGINT) FROM fresh "
        "ON CONFLICT DO NOTHING) SELECT count(*) FROM fresh").bindparams(
        bindparam("at", type_=t.c.processed_at.type), bindparam("received_at", type_=inbox.c.received_at.type))
        .columns(count=t.c.id.type))


@cache
def _guard_keys(n: int) -> Prepared:
    # The batch's guard keys in one multi-row INSERT (text: a multi-row VALUES has no cache key).
    t = table(ProcessedMessage)
    values = ", ".join(f"(:c{i}, :k{i}, :at)" for i in range(n))
    return Prepared(text(f"INSERT INTO {t.name} (channel, message_key, processed_at) VALUES {values} "
                         "ON CONFLICT DO NOTHING RETURNING channel, message_key").bindparams(
        bindparam("at", type_=t.c.processed_at.type)).columns(t.c.channel, t.c.message_key))


def admit_one(*, connection: Connection, row: dict[str, Any], guard: tuple[str, str]) -> bool:
    """:func:`admit` for one row on PostgreSQL, in one statement on ``connection``."""
    now = utcnow()
    (count,), = _admit_one().run(connection, {**row, "received_at": row["received_at"] or now, "gc": guard[0],
                                              "gk": guard[1], "at": now})
    return bool(count)


def admit(*, session: Session, rows: list[dict[str, Any]], guards: list[tuple[str, str] | None]) -> list[bool]:
    """:func:`record_many`, each row behind its guard: a key seen once, such as WeChat's (timestamp, nonce),
    recorded in ``processed_message`` (``guards[i]``: its channel and key; None: no guard). A row whose key
    was seen before (or earlier in ``rows``) is not recorded; True per row when it was admitted. One INSERT for
    the batch's keys and one executemany (on PostgreSQL a single guarded row in one statement)."""
    now = utcnow()
    rows = [{**row, "received_at": row["received_at"] or now} for row in rows]
    conn = session.connection()
    if conn.dialect.name == "postgresql" and len(rows) == 1 and guards[0] is not None:
        return [admit_one(connection=conn, row=rows[0], guard=guards[0])]
    keys = [g for g in guards if g is not None]
    fresh: set[tuple[str, str]] = set()
    if keys:
        if conn.dialect.name in ("sqlite", "postgresql") and len(keys) <= 64:
            params: dict[str, Any] = {"at": now}
            for i, (channel, key) in enumerate(keys):
                params[f"c{i}"], params[f"k{i}"] = channel, key
            fresh = {(c, k) for c, k in _guard_keys(len(keys)).run(conn, params)}
        else:
            from storage.repositories import mark_processed

            fresh = {g for g in dict.fromkeys(keys) if mark_processed(session=session, channel=g[0], message_key=g[1])}
    out, seen = [], set()
    for guard in guards:
        ok = guard is None or (guard in fresh and guard not in seen)
        if guard is not None:
            seen.add(guard)
        out.append(ok)
    insert_many_once(session, InboxUpdate, [row for row, ok in zip(rows, out, strict=True) if ok])
    return out


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


def pending_of_read(*, channel: str, chat: int, limit: int = 1_000) -> tuple[Prepared, dict[str, Any]]:
    """:func:`pending_of` as a statement and its parameters, for :meth:`storage.chat_order.ChatLocks.acquire`."""
    return _pending_of(limit), {"channel": channel, "chat": chat}


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
