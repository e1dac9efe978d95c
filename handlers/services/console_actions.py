"""The web console's actions on tickets and cases for a clerk: the records they may act on (their unit's; the
provincial federation acts on every unit's), and the shared operations of :mod:`handlers.services.tickets`
and :mod:`handlers.services.cases` (validate -> repository -> audit -> outbox), with their refusals turned
into :class:`ActionRefused` for the page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlmodel import Session

from handlers.i18n import N_
from handlers.services import cases as case_service
from handlers.services import tickets as ticket_service
from handlers.services.console_auth import Clerk
from handlers.services.errors import ServiceError
from storage import repo_cases as rc
from storage import repo_tickets as tickets
from storage.models_cases import Case
from storage.models_tickets import Ticket

ticket_no = ticket_service.ticket_no


class ActionRefused(ValueError):
    """A refused action; ``message`` is an ``N_``-marked text for the clerk, ``params`` its placeholders."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message, self.params = message, params


def ticket_for(session: Session, *, clerk: Clerk, ticket_id: int) -> Ticket | None:
    t = tickets.get_ticket(session=session, ticket_id=ticket_id)
    return t if t is not None and clerk.sees(t.unit) else None


def _open(ticket: Ticket) -> None:
    if ticket.status == "closed":
        raise ActionRefused(N_("This ticket is closed."))


def claim(session: Session, *, clerk: Clerk, ticket: Ticket) -> None:
    _open(ticket)
    ticket_service.claim(session, ticket=ticket, clerk_id=clerk.person_id)


def answer(session: Session, *, clerk: Clerk, ticket: Ticket, text: str, now: datetime) -> None:
    """Kept in the thread (numbers masked) and put in the outbox in the person's language; audited
    (``ticket.answer.web``)."""
    _open(ticket)
    try:
        ticket_service.answer(session, ticket=ticket, clerk_id=clerk.person_id, text=text, now=now, via="web")
    except ServiceError as exc:
        raise ActionRefused(exc.message, **exc.params) from exc


def close(session: Session, *, clerk: Clerk, ticket: Ticket, now: datetime) -> None:
    ticket_service.close(session, ticket=ticket, clerk_id=clerk.person_id, now=now)


def mark_faq(session: Session, *, clerk: Clerk, ticket: Ticket) -> None:
    ticket_service.mark_faq(session, ticket=ticket, clerk_id=clerk.person_id)


def case_for(session: Session, *, clerk: Clerk, case_id: int) -> Case | None:
    case = rc.get_case(session=session, case_id=case_id)
    return case if case is not None and clerk.sees(case.unit) else None


def move_case(session: Session, *, clerk: Clerk, case: Case, to_stage: str, now: datetime,
              publicity_start: date | None) -> None:
    """The next stage of the procedure (公示 ends after 5 working days); the applicant is notified."""
    with _refused():
        case_service.advance_case(session=session, case=case, to_stage=to_stage, actor_id=clerk.person_id,
                                  reason="", now=now, publicity_start=publicity_start, by_unit=clerk.unit)


def change_case(session: Session, *, clerk: Clerk, case: Case, change: str, reason: str, now: datetime) -> None:
    """Close with an outcome, take back a move made by mistake, or open a case closed by mistake again: each
    with a reason the applicant is told (:func:`handlers.services.cases.change_case`)."""
    if change not in case_service.REASONED:
        raise ActionRefused(N_("Please choose one of the options."))
    with _refused():
        case_service.change_case(session=session, case=case, change=change, reason=reason.strip()[:500],
                                 actor_id=clerk.person_id, now=now, by_unit=clerk.unit)


@contextmanager
def _refused() -> Iterator[None]:
    """A service's refusal, or a change made meanwhile by someone else, as the page's message."""
    try:
        yield
    except ServiceError as exc:
        raise ActionRefused(exc.message, **exc.params) from exc
    except rc.CaseConflict as exc:
        raise ActionRefused(N_("This case was changed by someone else meanwhile; please look at it again.")) \
            from exc
