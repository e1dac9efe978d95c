"""The outbox as a work queue: bulk enqueue, atomic claims with a lease, result records, reports.

Status of a row: pending -> sending (claimed) -> sent | failed (retry at ``next_attempt_at``) | dead;
cancelled when its broadcast is cancelled before it went. A claim is one UPDATE ... RETURNING whose
inner SELECT takes ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (so concurrent workers never claim the same
row) and runs under ``BEGIN IMMEDIATE`` on SQLite (one writer at a time). A row left in ``sending`` longer
than the lease -- its worker crashed -- is claimable again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from storage.db import rowcount, table
from storage.models import Identity, OutboxMessage

PENDING, SENDING, SENT, FAILED, DEAD, CANCELLED = "pending", "sending", "sent", "failed", "dead", "cancelled"
CLAIMABLE = (PENDING, FAILED)
OPEN = (PENDING, SENDING, FAILED)


@dataclass
class Result:
    """What became of one claimed message."""

    id: int
    status: str  # sent | failed | dead
    attempts: int
    last_error: str = ""
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    channel: str = ""


def _due(now: datetime, lease: timedelta) -> Any:
    t = OutboxMessage
    return or_(
        and_(col(t.status).in_(CLAIMABLE), col(t.next_attempt_at) <= now),
        and_(col(t.status) == SENDING, col(t.claimed_at) < now - lease),
    )


def claim(*, session: Session, worker_id: str, limit: int, now: datetime, lease: timedelta,
          channels: Sequence[str] | None = None) -> list[int]:
    """Mark up to ``limit`` due rows as ours and return their ids (oldest due first). With ``channels``, only
    rows of people reachable on one of them (the console chat delivers to console users, and leaves the
    rest to the server)."""
    t = OutboxMessage
    inner = select(t.id).where(_due(now, lease))
    if channels is not None:
        inner = inner.where(exists().where(col(Identity.person_id) == col(t.person_id),
                                           col(Identity.channel).in_(tuple(channels)),
                                           col(Identity.reachable).is_(True)))
    inner = inner.order_by(col(t.next_attempt_at), col(t.id)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # A materialised CTE: PostgreSQL may re-run an "IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)"
        # sub-select for each outer row and so claim more than ``limit`` rows.
        picked = inner.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        where = col(t.id) == picked.c.id
    else:
        where = col(t.id).in_(inner)
    stmt = (update(t).where(where, _due(now, lease))
            .values(status=SENDING, claimed_by=worker_id, claimed_at=now)
            .returning(col(t.id)).execution_options(synchronize_session=False))
    return sorted(int(row[0]) for row in session.execute(stmt))


def load(*, session: Session, ids: Sequence[int]) -> tuple[list[OutboxMessage], dict[int, list[Identity]]]:
    """The claimed rows and every identity of their people."""
    if not ids:
        return [], {}
    rows = list(session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids))))
    people = {r.person_id for r in rows}
    identities: dict[int, list[Identity]] = {p: [] for p in people}
    for ident in session.exec(select(Identity).where(col(Identity.person_id).in_(people))):
        identities[ident.person_id].append(ident)
    return rows, identities


def record(*, session: Session, worker_id: str, results: Iterable[Result]) -> int:
    """Write results of rows we still hold (a row re-claimed by another worker after our lease ran out is
    left to that worker). Returns the number of rows written."""
    params = [{"rid": r.id, "worker": worker_id, "new_status": r.status, "new_attempts": r.attempts,
               "new_error": r.last_error[:300], "new_next": r.next_attempt_at, "new_sent": r.sent_at,
               "new_channel": r.channel} for r in results]
    if not params:
        return 0
    outbox = table(OutboxMessage)
    stmt = (outbox.update()
            .where(outbox.c.id == bindparam("rid"), outbox.c.claimed_by == bindparam("worker"),
                   outbox.c.status == SENDING)
            .values(status=bindparam("new_status"), attempts=bindparam("new_attempts"),
                    last_error=bindparam("new_error"),
                    next_attempt_at=func.coalesce(bindparam("new_next", type_=UTCDateTime()), outbox.c.next_attempt_at),
                    sent_at=bindparam("new_sent"), channel=bindparam("new_channel"), claimed_by=""))
    result = session.connection().execute(stmt, params)
    return int(result.rowcount or 0)


def mark_unreachable(*, session: Session, identity_ids: Iterable[int]) -> None:
    ids = list(identity_ids)
    if ids:
        session.execute(update(Identity).where(col(Identity.id).in_(ids)).values(reachable=False)
                        .execution_options(synchronize_session=False))


def bulk_enqueue(
    *, session: Session, rows: Sequence[tuple[int, str, str]], kind: str, now: datetime,
    broadcast_id: int | None = None, due: datetime | None = None,
) -> int:
    """Insert (person_id, body_json, dedupe_key) rows whose dedupe key is not there yet, due at ``due``
    (default ``now``); returns how many."""
    keys = [k for _p, _b, k in rows]
    existing: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        existing.update(session.exec(select(OutboxMessage.dedupe_key)
                                     .where(col(OutboxMessage.dedupe_key).in_(chunk))))
    fresh = [{"person_id": p, "body": b, "dedupe_key": k, "kind": kind, "status": PENDING, "attempts": 0,
              "next_attempt_at": due or now, "claimed_by": "", "channel": "", "last_error": "",
              "broadcast_id": broadcast_id, "created_at": now}
             for p, b, k in rows if k not in existing]
    if fresh:
        session.execute(insert(OutboxMessage), fresh)
    return len(fresh)


def cancel_open(*, session: Session, broadcast_id: int) -> int:
    """Cancel the not-yet-claimed messages of a broadcast."""
    result = session.execute(
        update(OutboxMessage).where(col(OutboxMessage.broadcast_id) == broadcast_id,
                                    col(OutboxMessage.status).in_(CLAIMABLE))
        .values(status=CANCELLED).execution_options(synchronize_session=False))
    return rowcount(result)


UNREACHABLE = ("unreachable on ", "no reachable identity")  # last_error of a dead message nobody could receive


@dataclass
class Report:
    sent: int = 0
    pending: int = 0  # not attempted yet, being sent, or waiting for a retry
    failed: int = 0  # dead: given up (``unreachable`` of them: no identity of the person could be reached)
    cancelled: int = 0
    reasons: dict[str, int] | None = None  # last error of dead messages -> count
    unreachable: int = 0
    timeline: list[tuple[datetime, int, int]] | None = None  # (bucket start, sent, failed) when buckets asked

    @property
    def total(self) -> int:
        return self.sent + self.pending + self.failed + self.cancelled


def report(*, session: Session, broadcast_id: int, buckets: int = 0) -> Report:
    """Counts by outcome; with ``buckets``, the sent and dead messages over time in that many equal spans
    from the first to the last (``sent_at``, or for a dead one the time it was last tried)."""
    rep = Report(reasons={})
    t = OutboxMessage
    stmt = (select(t.status, t.last_error, func.count()).where(col(t.broadcast_id) == broadcast_id)
            .group_by(col(t.status), col(t.last_error)))
    for status, error, n in session.exec(stmt):
        if status == SENT:
            rep.sent += n
        elif status in OPEN:
            rep.pending += n
        elif status == CANCELLED:
            rep.cancelled += n
        else:
            rep.failed += n
            if (error or "").startswith(UNREACHABLE):
                rep.unreachable += n
            assert rep.reasons is not None
            rep.reasons[error or "?"] = rep.reasons.get(error or "?", 0) + n
    if buckets:
        rep.timeline = _timeline(session, broadcast_id, buckets)
    return rep


def _timeline(session: Session, broadcast_id: int, buckets: int) -> list[tuple[datetime, int, int]]:
    t = OutboxMessage
    at = func.coalesce(col(t.sent_at), col(t.claimed_at))
    stmt = (select(t.status, at, func.count()).where(col(t.broadcast_id) == broadcast_id,
                                                     col(t.status).in_((SENT, DEAD)), at.is_not(None))
            .group_by(col(t.status), at))
    points = [(status, _aware(when), int(n)) for status, when, n in session.exec(stmt) if when is not None]
    if not points:
        return []
    first, last = min(p[1] for p in points), max(p[1] for p in points)
    span = max((last - first) / buckets, timedelta(seconds=1))
    sent, dead = [0] * buckets, [0] * buckets
    for status, when, n in points:
        i = min(int((when - first) / span), buckets - 1)
        (sent if status == SENT else dead)[i] += n
    return [(first + span * i, sent[i], dead[i]) for i in range(buckets)]


def _aware(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite returns coalesce() of datetimes as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_count(*, session: Session, broadcast_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.status).in_(OPEN))
    if broadcast_id is not None:
        stmt = stmt.where(col(OutboxMessage.broadcast_id) == broadcast_id)
    return int(session.exec(stmt).one())


def mark_sent(*, session: Session, dedupe_keys: Sequence[str], now: datetime) -> int:
    """Rows still pending under these keys were delivered by someone else (the WeChat webhook sends late
    replies at once and keeps these rows only in case it dies first); returns how many."""
    if not dedupe_keys:
        return 0
    result = session.execute(update(OutboxMessage).where(col(OutboxMessage.dedupe_key).in_(list(dedupe_keys)),
                                                         col(OutboxMessage.status) == PENDING)
                             .values(status=SENT, sent_at=now, attempts=OutboxMessage.attempts + 1)
                             .execution_options(synchronize_session=False))
    return rowcount(result)


def make_due(*, session: Session, dedupe_keys: Sequence[str], now: datetime) -> None:
    """Rows still pending under these keys are due now (their direct delivery failed)."""
    if dedupe_keys:
        session.execute(update(OutboxMessage).where(col(OutboxMessage.dedupe_key).in_(list(dedupe_keys)),
                                                    col(OutboxMessage.status) == PENDING)
                        .values(next_attempt_at=now).execution_options(synchronize_session=False))


def purge_sent_replies(*, session: Session, before: datetime) -> int:
    """Forget conversation replies sent before ``before`` (kept only against a crash between a direct send
    and its record); notifications and broadcasts stay for their reports."""
    result = session.execute(delete(OutboxMessage).where(col(OutboxMessage.kind) == "reply", col(OutboxMessage.status) == SENT,
                                                         col(OutboxMessage.sent_at) < before)
                             .execution_options(synchronize_session=False))
    return rowcount(result)
