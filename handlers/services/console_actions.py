"""The web console's actions on tickets and cases, for a clerk of a unit (the provincial federation acts on
every unit's records).

Added with the console because the shared services of issue 16 (``handlers/services/tickets.py``,
``cases.py``) were not on main yet; each function here is the one operation the chat desk performs
(validate -> repository -> audit -> outbox), and is meant to delegate to those services once they land.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from handlers.i18n import N_, translator
from handlers.services.console_auth import Clerk
from handlers.types import Choice, Reply, reply_to_dict
from knowledge.text import redact
from storage import repo_cases as rc
from storage import repo_tickets as tickets
from storage import repositories as repo
from storage.models import Person
from storage.models_cases import Case
from storage.models_tickets import Ticket

try:  # the case service of issue 16, once it has landed; until then the same operation in notifications
    from handlers.services.cases import CaseRuleError, advance_case  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - the branch without handlers/services/cases.py
    from handlers.notifications import CaseRuleError, advance_case  # type: ignore[no-redef,unused-ignore]

MAX_ANSWER = 2000


class ActionRefused(ValueError):
    """A refused action; ``message`` is an ``N_``-marked text for the clerk, ``params`` its placeholders."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message, self.params = message, params


def ticket_no(t: Ticket) -> str:
    return f"GD{t.id:06d}"


def ticket_for(session: Session, *, clerk: Clerk, ticket_id: int) -> Ticket | None:
    t = tickets.get_ticket(session=session, ticket_id=ticket_id)
    return t if t is not None and clerk.sees(t.unit) else None


def claim(session: Session, *, clerk: Clerk, ticket: Ticket) -> None:
    if ticket.status == "closed":
        raise ActionRefused(N_("This ticket is closed."))
    ticket.status, ticket.claimed_by = "claimed", clerk.person_id
    session.add(ticket)
    repo.audit(session=session, actor_person_id=clerk.person_id, action="ticket.claim", subject=ticket_no(ticket))


def answer(session: Session, *, clerk: Clerk, ticket: Ticket, text: str, now: datetime) -> None:
    """Kept in the thread (numbers masked) and put in the outbox in the person's language; audited."""
    text = text.strip()
    if len(text) < 2:
        raise ActionRefused(N_("Please type the answer."))
    if ticket.status == "closed":
        raise ActionRefused(N_("This ticket is closed."))
    kept = redact(text)[:MAX_ANSWER]
    msg = tickets.add_message(session=session, ticket=ticket, author="clerk", author_person_id=clerk.person_id,
                              text=kept, now=now)
    owner = session.get(Person, ticket.person_id)
    _p = translator(owner.locale if owner else "zh")
    body = Reply(text=_p("Answer from {unit} to your ticket {no}:\n{text}", unit=ticket.unit, no=ticket_no(ticket),
                         text=kept),
                 choices=(Choice("flow:mytickets", _p("Reply or rate")),))
    repo.enqueue(session=session, person_id=ticket.person_id, body=reply_to_dict(body),
                 dedupe_key=f"ticket:{ticket.id}:msg:{msg.id or 0}", kind="ticket")
    repo.audit(session=session, actor_person_id=clerk.person_id, action="ticket.answer.web",
               subject=ticket_no(ticket), detail=ticket.unit)


def close(session: Session, *, clerk: Clerk, ticket: Ticket, now: datetime) -> None:
    ticket.status, ticket.closed_at = "closed", now
    session.add(ticket)
    repo.audit(session=session, actor_person_id=clerk.person_id, action="ticket.close", subject=ticket_no(ticket))


def mark_faq(session: Session, *, clerk: Clerk, ticket: Ticket) -> None:
    ticket.faq_candidate = True
    session.add(ticket)
    repo.audit(session=session, actor_person_id=clerk.person_id, action="ticket.faq", subject=ticket_no(ticket))


def case_for(session: Session, *, clerk: Clerk, case_id: int) -> Case | None:
    case = rc.get_case(session=session, case_id=case_id)
    return case if case is not None and clerk.sees(case.unit) else None


def move_case(session: Session, *, clerk: Clerk, case: Case, to_stage: str, now: datetime,
              publicity_start: date | None) -> None:
    """The next stage of the procedure (公示 ends after 5 working days); the applicant is notified."""
    try:
        advance_case(session=session, case=case, to_stage=to_stage, actor_id=clerk.person_id, reason="", now=now,
                     publicity_start=publicity_start)
    except CaseRuleError as exc:
        raise ActionRefused(exc.message, **exc.params) from exc
    except rc.CaseConflict as exc:
        raise ActionRefused(N_("This case was changed by someone else meanwhile; please look at it again.")) \
            from exc
    except ValueError as exc:  # outside the years the holiday calendar knows
        raise ActionRefused(N_("I cannot count working days for that date; please choose a nearer date.")) from exc
