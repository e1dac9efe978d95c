"""Repository functions for hand-off tickets."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from storage.models import Person
from storage.models_tickets import Ticket, TicketMessage

OPEN_STATES = ("open", "claimed")


def create_ticket(*, session: Session, person_id: int, unit: str, programme: str, question: str,
                  context: str, now: datetime, promise_hours: int) -> Ticket:
    ticket = Ticket(person_id=person_id, unit=unit, programme=programme, question=question, context=context,
                    created_at=now, due_at=now + timedelta(hours=promise_hours))
    session.add(ticket)
    session.flush()
    session.add(TicketMessage(ticket_id=ticket.id or 0, author="person", author_person_id=person_id,
                              text=question, created_at=now))
    return ticket


def get_ticket(*, session: Session, ticket_id: int) -> Ticket | None:
    return session.get(Ticket, ticket_id)


def tickets_of_person(*, session: Session, person_id: int, include_closed: bool = False) -> list[Ticket]:
    stmt = select(Ticket).where(Ticket.person_id == person_id)
    if not include_closed:
        stmt = stmt.where(Ticket.status != "closed")
    return list(session.exec(stmt.order_by(col(Ticket.id).desc())))


def tickets_of_unit(*, session: Session, unit: str, statuses: tuple[str, ...] = OPEN_STATES) -> list[Ticket]:
    stmt = select(Ticket).where(Ticket.unit == unit, col(Ticket.status).in_(statuses))
    return list(session.exec(stmt.order_by(col(Ticket.due_at))))


def thread(*, session: Session, ticket_id: int) -> list[TicketMessage]:
    stmt = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id).order_by(col(TicketMessage.id))
    return list(session.exec(stmt))


def add_message(*, session: Session, ticket: Ticket, author: str, author_person_id: int | None, text: str,
                now: datetime) -> TicketMessage:
    msg = TicketMessage(ticket_id=ticket.id or 0, author=author, author_person_id=author_person_id, text=text,
                        created_at=now)
    session.add(msg)
    if author == "clerk":
        ticket.status, ticket.answered_at = "answered", now
    elif ticket.status == "answered":
        ticket.status = "open"  # the person continued the thread
    session.add(ticket)
    session.flush()
    return msg


def overdue(*, session: Session, now: datetime) -> list[Ticket]:
    """Tickets still waiting for a clerk past their promised time."""
    stmt = select(Ticket).where(col(Ticket.status).in_(OPEN_STATES), Ticket.due_at < now)
    return list(session.exec(stmt.order_by(Ticket.unit, col(Ticket.due_at))))


def clerks_of(*, session: Session, unit: str) -> list[Person]:
    people = session.exec(select(Person).where(Person.unit == unit))
    return [p for p in people if "clerk" in p.role_set()]


def faq_candidates(*, session: Session) -> list[Ticket]:
    return list(session.exec(select(Ticket).where(Ticket.faq_candidate == True).order_by(col(Ticket.id))))  # noqa: E712


def ratings(*, session: Session, unit: str | None, since: datetime) -> list[tuple[str, datetime, int]]:
    """(unit, closed_at, rating) of the tickets rated by their person and closed since ``since``; ``unit``
    None: every unit's."""
    stmt = (select(Ticket.unit, Ticket.closed_at, Ticket.rating)
            .where(col(Ticket.rating).is_not(None), col(Ticket.closed_at) >= since))
    if unit is not None:
        stmt = stmt.where(col(Ticket.unit) == unit)
    return [(u, at, int(r)) for u, at, r in session.exec(stmt) if at is not None and r is not None]
