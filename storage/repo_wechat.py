"""Repository functions for the WeChat adapter's tables. Each takes a keyword-only ``session``.

Times are passed and stored as aware UTC datetimes (sqlmodel's UTCDateTime columns).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from sqlalchemy import bindparam, delete, text
from sqlmodel import Session, col, select

from storage.db import table
from storage.models_wechat import WechatKv, WechatReplyCache
from storage.prepared import Prepared, run_later
from storage.repositories import insert_many_once


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@cache
def _cache_rows(n: int) -> Prepared:
    # PostgreSQL: a batch's n rows in one INSERT (text: a multi-row VALUES has no cache key), built once per n.
    t = table(WechatReplyCache)
    values = ", ".join(f"(:k{i}, :kind, :b{i}, :e{i})" for i in range(n))
    return Prepared(text(f"INSERT INTO {t.name} (message_key, kind, body, expires_at) VALUES {values} "
                         "ON CONFLICT DO NOTHING").bindparams(
        *(bindparam(f"e{i}", type_=t.c.expires_at.type) for i in range(n))))


_CACHED_REPLY = select(WechatReplyCache.kind, WechatReplyCache.body).where(
    WechatReplyCache.message_key == bindparam("key"), WechatReplyCache.expires_at > bindparam("now"))


def cached_reply(*, session: Session, message_key: str, now: datetime) -> tuple[str, str] | None:
    """(kind, body) of the cached passive reply of a message, if any."""
    row = session.connection().execute(_CACHED_REPLY, {"key": message_key, "now": utc(now)}).first()
    return (row[0], row[1]) if row else None


def cache_replies(*, session: Session, replies: list[tuple[str, str]], kind: str, expires_at: datetime) -> None:
    """Keep the passive replies ``(message_key, body)`` of messages, in one statement; where one is cached
    already, the first one stays."""
    cache_replies_each(session=session, kind=kind, rows=[(key, body, expires_at) for key, body in replies])


def cache_replies_each(*, session: Session, kind: str, rows: list[tuple[str, str, datetime]]) -> None:
    """:func:`cache_replies` for rows ``(message_key, body, expires_at)`` that each expire at their own time.
    On PostgreSQL one INSERT, sent with the transaction's COMMIT in one round trip
    (:func:`storage.prepared.run_later`); elsewhere one executemany."""
    conn = session.connection()
    if conn.dialect.name == "postgresql" and 0 < len(rows) <= 64:
        params: dict[str, object] = {"kind": kind}
        for i, (key, body, expires_at) in enumerate(rows):
            params[f"k{i}"], params[f"b{i}"], params[f"e{i}"] = key, body, utc(expires_at)
        run_later(conn, [(_cache_rows(len(rows)), params)])
        return
    insert_many_once(session, WechatReplyCache, [
        {"message_key": key, "kind": kind, "body": body, "expires_at": utc(expires_at)} for key, body, expires_at in rows])


def kv_get(*, session: Session, key: str, now: datetime) -> str | None:
    row = session.get(WechatKv, key)
    if row is None or (row.expires_at is not None and row.expires_at <= utc(now)):
        return None
    return row.value


def kv_set(*, session: Session, key: str, value: str, expires_at: datetime | None) -> None:
    row = session.get(WechatKv, key)
    if row is None:
        row = WechatKv(key=key, value=value)
    row.value, row.expires_at = value, utc(expires_at) if expires_at else None
    session.add(row)


def kv_delete(*, session: Session, key: str) -> None:
    session.exec(delete(WechatKv).where(col(WechatKv.key) == key))


def purge_expired(*, session: Session, now: datetime) -> None:
    cutoff = utc(now)
    session.exec(delete(WechatReplyCache).where(col(WechatReplyCache.expires_at) <= cutoff))
    session.exec(delete(WechatKv).where(col(WechatKv.expires_at) <= cutoff))
