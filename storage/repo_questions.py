"""Questions the FAQ abstained on or was unsure of (:class:`storage.models_questions.AskedQuestion`), and the
console forms' one-time keys (:class:`storage.models_questions.ConsoleRequest`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func
from sqlalchemy import select as core
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models_questions import AskedQuestion, ConsoleRequest

EXPORT_MAX = 50_000  # rows in one CSV export


def add(*, session: Session, row: AskedQuestion) -> None:
    session.add(row)


def purge(*, session: Session, before: date) -> int:
    """Questions asked before ``before`` are deleted (the retention pass)."""
    result = session.execute(delete(AskedQuestion).where(col(AskedQuestion.asked_on) < before))
    return int(getattr(result, "rowcount", 0) or 0)


def per_day(*, session: Session, first: date) -> dict[date, int]:
    stmt = (core(col(AskedQuestion.asked_on), func.count()).where(col(AskedQuestion.asked_on) >= first)
            .group_by(col(AskedQuestion.asked_on)))
    return {day: int(n) for day, n in session.execute(stmt)}


@dataclass(frozen=True)
class Group:
    key: str  # the normalised text, or "measure:article" ("" when no article was guessed)
    count: int
    last: date
    example: str  # one question of the group, as kept (masked)
    measure: str
    article: int | None


def by_text(*, session: Session, first: date, limit: int = 100) -> list[Group]:
    n = func.count().label("n")
    stmt = (core(col(AskedQuestion.norm), n, func.max(col(AskedQuestion.asked_on)), func.min(col(AskedQuestion.text)),
                 func.max(col(AskedQuestion.best_measure)), func.max(col(AskedQuestion.best_article)))
            .where(col(AskedQuestion.asked_on) >= first).group_by(col(AskedQuestion.norm))
            .order_by(n.desc(), col(AskedQuestion.norm)).limit(limit))
    return [Group(norm, int(c), last, ex, m or "", a) for norm, c, last, ex, m, a in session.execute(stmt)]


def by_article(*, session: Session, first: date, limit: int = 100) -> list[Group]:
    n = func.count().label("n")
    stmt = (core(col(AskedQuestion.best_measure), col(AskedQuestion.best_article), n,
                 func.max(col(AskedQuestion.asked_on)), func.min(col(AskedQuestion.text)))
            .where(col(AskedQuestion.asked_on) >= first)
            .group_by(col(AskedQuestion.best_measure), col(AskedQuestion.best_article))
            .order_by(n.desc(), col(AskedQuestion.best_measure), col(AskedQuestion.best_article)).limit(limit))
    return [Group(f"{m}:{a}" if m else "", int(c), last, ex, m, a) for m, a, c, last, ex in session.execute(stmt)]


def since(*, session: Session, first: date, limit: int = EXPORT_MAX) -> list[tuple[date, str, str, str, str, int | None, str]]:
    """(day, channel, language, outcome, best measure, best article, text) of each question asked since
    ``first``, newest first (plain rows: an export of thousands builds no objects)."""
    q = AskedQuestion
    stmt = (core(col(q.asked_on), col(q.channel), col(q.lang), col(q.outcome), col(q.best_measure),
                 col(q.best_article), col(q.text)).where(col(q.asked_on) >= first)
            .order_by(col(q.asked_on).desc(), col(q.id).desc()).limit(limit))
    return [tuple(row) for row in session.execute(stmt)]


# -- console forms' one-time keys ---------------------------------------------------------------------
def claim_request(*, session: Session, key: str, person_id: int, action: str, now: datetime) -> ConsoleRequest | None:
    """Take ``key`` for this submission: None when it is new (go ahead), else the earlier submission's row
    (a second click, or the same form sent again: do nothing twice). A concurrent second insert waits for the
    first transaction and then finds its row."""
    try:
        with session.begin_nested():
            session.add(ConsoleRequest(key=key, person_id=person_id, action=action, created_at=now))
            session.flush()
        return None
    except IntegrityError:
        return session.exec(select(ConsoleRequest).where(col(ConsoleRequest.key) == key)).one()


def finish_request(*, session: Session, key: str, result: str) -> None:
    row = session.exec(select(ConsoleRequest).where(col(ConsoleRequest.key) == key)).one()
    row.result = result
    session.add(row)


def purge_requests(*, session: Session, before: datetime) -> int:
    result = session.execute(delete(ConsoleRequest).where(col(ConsoleRequest.created_at) < before))
    return int(getattr(result, "rowcount", 0) or 0)
