"""Read-only queries behind the pages of the clerks' web console, each limited to one union unit
(``unit``) or, for the provincial federation, to none (``unit=None``). Few statements per page, each
bounded, so a page stays fast with tens of thousands of cases and sign-ins (bench/console.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, and_, func
from sqlalchemy import case as when_
from sqlalchemy import select as core
from sqlmodel import Session, col, select

from storage.models import AuditEvent, Person
from storage.models_cases import Case
from storage.models_tickets import Ticket
from storage.models_training import Attendance, ClassSession, Enrolment, TrainingClass

OPEN_TICKETS = ("open", "claimed")


def _scoped(stmt: Any, column: Any, unit: str | None) -> Any:
    return stmt if unit is None else stmt.where(column == unit)


@dataclass(frozen=True)
class RunningSession:
    session_id: int
    class_code: str
    unit: str
    trade: str
    place: str
    start: time
    end: time
    signed: int
    expected: int


def sessions_running(*, session: Session, unit: str | None, day: date, at: time) -> list[RunningSession]:
    """Sessions of ``day`` under way at local time ``at``, with sign-ins so far and roster size."""
    signed = (core(func.count()).select_from(Attendance)
              .where(col(Attendance.session_id) == col(ClassSession.id)).scalar_subquery())
    expected = (core(func.count()).select_from(Enrolment)
                .where(col(Enrolment.class_id) == col(TrainingClass.id)).scalar_subquery())
    stmt = (core(col(ClassSession.id), col(TrainingClass.code), col(TrainingClass.unit), col(TrainingClass.trade), col(ClassSession.place),
                   col(ClassSession.start), col(ClassSession.end), signed, expected)
            .join(TrainingClass, col(TrainingClass.id) == col(ClassSession.class_id))
            .where(col(ClassSession.day) == day, col(ClassSession.start) <= at, col(ClassSession.end) >= at))
    stmt = _scoped(stmt, col(TrainingClass.unit), unit).order_by(col(ClassSession.start), col(TrainingClass.code)).limit(100)
    return [RunningSession(*row) for row in session.execute(stmt)]


def ticket_counts(*, session: Session, unit: str | None, now: datetime) -> tuple[int, int]:
    """(waiting, overdue) among open and claimed tickets."""
    overdue = func.sum(when_((col(Ticket.due_at) < now, 1), else_=0))
    stmt = core(func.count(), overdue).select_from(Ticket).where(col(Ticket.status).in_(OPEN_TICKETS))
    waiting, late = session.execute(_scoped(stmt, col(Ticket.unit), unit)).one()
    return int(waiting or 0), int(late or 0)


@dataclass(frozen=True)
class QueuedTicket:
    id: int
    status: str
    due_at: datetime
    person: str  # display name, or "#id"
    unit: str
    question: str  # its first 60 characters


def ticket_queue(*, session: Session, unit: str | None, limit: int = 100) -> list[QueuedTicket]:
    """Open and claimed tickets, soonest due first, with who asked: one statement."""
    stmt = (core(col(Ticket.id), col(Ticket.status), col(Ticket.due_at), col(Ticket.person_id), col(Person.display_name), col(Ticket.unit),
                   func.substr(col(Ticket.question), 1, 60))
            .outerjoin(Person, col(Person.id) == col(Ticket.person_id)).where(col(Ticket.status).in_(OPEN_TICKETS)))
    rows = session.execute(_scoped(stmt, col(Ticket.unit), unit).order_by(col(Ticket.due_at)).limit(limit))
    return [QueuedTicket(r[0], r[1], r[2], r[4] or f"#{r[3]}", r[5], r[6]) for r in rows]


def publicity_ending(*, session: Session, unit: str | None, first: date, last: date) -> list[Case]:
    """Open cases whose 公示 ends between ``first`` and ``last`` (inclusive)."""
    stmt = select(Case).where(col(Case.stage) == "publicity", col(Case.outcome) == "",
                              col(Case.publicity_end) >= first, col(Case.publicity_end) <= last)
    return list(session.exec(_scoped(stmt, col(Case.unit), unit).order_by(col(Case.publicity_end), col(Case.id))
                             .limit(200)))


def stage_counts(*, session: Session, unit: str | None, programme: str) -> dict[str, int]:
    """Open cases of a programme by stage."""
    stmt = (core(col(Case.stage), func.count()).where(col(Case.programme) == programme, col(Case.outcome) == "")
            .group_by(col(Case.stage)))
    return {stage: int(n) for stage, n in session.execute(_scoped(stmt, col(Case.unit), unit))}


@dataclass(frozen=True)
class Card:
    id: int
    title: str
    unit: str
    stage: str
    publicity_end: date | None


def board(*, session: Session, unit: str | None, programme: str, per_stage: int = 12) -> list[Card]:
    """The most recently changed open cases of each stage (at most ``per_stage`` each)."""
    rank = func.row_number().over(partition_by=col(Case.stage), order_by=(col(Case.updated_at).desc(),
                                                                      col(Case.id).desc())).label("rank")
    inner: Select[Any] = core(col(Case.id).label("id"), rank).where(col(Case.programme) == programme, col(Case.outcome) == "")
    sub = _scoped(inner, col(Case.unit), unit).subquery()
    stmt = (core(col(Case.id), col(Case.title), col(Case.unit), col(Case.stage), col(Case.publicity_end))
            .join(sub, and_(col(Case.id) == sub.c.id, sub.c.rank <= per_stage)).order_by(col(Case.id)))
    return [Card(*row) for row in session.execute(stmt)]


def closed_count(*, session: Session, unit: str | None, programme: str) -> int:
    stmt = core(func.count()).select_from(Case).where(col(Case.programme) == programme, col(Case.outcome) != "")
    return int(session.execute(_scoped(stmt, col(Case.unit), unit)).scalar_one())


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: datetime
    actor: str
    action: str
    subject: str
    detail: str


def audit_rows(*, session: Session, unit: str | None, action: str = "", actor: str = "",
               since: datetime | None = None, until: datetime | None = None, limit: int = 100) -> list[AuditRow]:
    """Audit events, newest first: of actors who are (now) of ``unit``, or all; filtered by an action prefix,
    the actor's name or number, and a time range."""
    stmt = (core(col(AuditEvent.id), col(AuditEvent.created_at), col(AuditEvent.actor_person_id), col(Person.display_name),
                   col(AuditEvent.action), col(AuditEvent.subject), col(AuditEvent.detail))
            .outerjoin(Person, col(Person.id) == col(AuditEvent.actor_person_id)))
    stmt = _scoped(stmt, col(Person.unit), unit)
    if action:
        stmt = stmt.where(col(AuditEvent.action).startswith(action, autoescape=True))
    if actor:
        stmt = (stmt.where(col(AuditEvent.actor_person_id) == int(actor.lstrip("#"))) if actor.lstrip("#").isdigit()
                else stmt.where(col(Person.display_name).contains(actor, autoescape=True)))
    if since is not None:
        stmt = stmt.where(col(AuditEvent.created_at) >= since)
    if until is not None:
        stmt = stmt.where(col(AuditEvent.created_at) < until)
    rows = session.execute(stmt.order_by(col(AuditEvent.id).desc()).limit(limit))
    return [AuditRow(r[0], r[1], (r[3] or f"#{r[2]}") if r[2] else "-", r[4], r[5], r[6]) for r in rows]


def person_names(*, session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(core(col(Person.id), col(Person.display_name)).where(col(Person.id).in_(ids)))
    return {int(pid): (name or f"#{pid}") for pid, name in rows}


@dataclass(frozen=True)
class ClassRow:
    id: int
    code: str
    unit: str
    trade: str
    project: str
    start_date: date
    end_date: date
    status: str
    enrolled: int
    sessions: int


def class_list(*, session: Session, unit: str | None, status: str = "", limit: int = 100) -> list[ClassRow]:
    """Classes, the latest start first, with their roster size and number of sessions."""
    enrolled = (core(func.count()).select_from(Enrolment)
                .where(col(Enrolment.class_id) == col(TrainingClass.id)).scalar_subquery())
    sessions = (core(func.count()).select_from(ClassSession)
                .where(col(ClassSession.class_id) == col(TrainingClass.id)).scalar_subquery())
    stmt = core(col(TrainingClass.id), col(TrainingClass.code), col(TrainingClass.unit), col(TrainingClass.trade),
                col(TrainingClass.project), col(TrainingClass.start_date), col(TrainingClass.end_date),
                col(TrainingClass.status), enrolled, sessions)
    if status:
        stmt = stmt.where(col(TrainingClass.status) == status)
    stmt = _scoped(stmt, col(TrainingClass.unit), unit)
    stmt = stmt.order_by(col(TrainingClass.start_date).desc(), col(TrainingClass.id).desc()).limit(limit)
    return [ClassRow(*row) for row in session.execute(stmt)]


def class_counts(*, session: Session, unit: str | None) -> dict[str, int]:
    """Classes by status (pending, approved)."""
    stmt = core(col(TrainingClass.status), func.count()).group_by(col(TrainingClass.status))
    return {status: int(n) for status, n in session.execute(_scoped(stmt, col(TrainingClass.unit), unit))}
