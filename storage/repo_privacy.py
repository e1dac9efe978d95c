"""A person's own data: what is kept about them, an export of it, and its deletion.

Deletion removes what only the person's use of the assistant created (platform accounts, conversations,
subscriptions, unfinished forms, hand-off tickets, messages waiting to be sent, download links) and
pseudonymises what the unions must keep: award cases (a title can be reviewed or revoked years later) and
training roster lines with their sign-ins (the training fund's ledger). The person row itself stays, empty,
so that those records still point at one (nameless) person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.models import Conversation, Identity, OutboxMessage, Person, Subscription
from storage.models_applications import ApplicationDraft, CheckDraft
from storage.models_cases import Case, LinkCode
from storage.models_files import DownloadFile
from storage.models_tickets import Ticket, TicketMessage
from storage.models_training import Attendance, ClassFormDraft, ClassSession, Enrolment, TrainingClass

__all__ = ["Kept", "delete_person_data", "export_person", "kept_about"]


@dataclass
class Kept:
    """How many records of each kind are kept about a person."""

    accounts: int = 0
    subscriptions: int = 0
    drafts: int = 0  # forms still being filled in
    filed_forms: int = 0  # forms filed with a union
    tickets: int = 0
    cases: int = 0
    enrolments: int = 0
    signins: int = 0
    pending_messages: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def _count(session: Session, stmt: Any) -> int:
    return len(session.exec(stmt).all())


def kept_about(*, session: Session, person_id: int) -> Kept:
    enrolments = session.exec(select(Enrolment.id).where(Enrolment.person_id == person_id)).all()
    return Kept(
        accounts=_count(session, select(Identity.id).where(Identity.person_id == person_id)),
        subscriptions=_count(session, select(Subscription.id).where(Subscription.person_id == person_id)),
        drafts=_count(session, select(ApplicationDraft.id).where(ApplicationDraft.person_id == person_id,
                                                                  ApplicationDraft.status == "draft")),
        filed_forms=_count(session, select(ApplicationDraft.id).where(ApplicationDraft.person_id == person_id,
                                                                       ApplicationDraft.status != "draft")),
        tickets=_count(session, select(Ticket.id).where(Ticket.person_id == person_id)),
        cases=_count(session, select(Case.id).where(Case.person_id == person_id)),
        enrolments=len(enrolments),
        signins=_count(session, select(Attendance.id).where(col(Attendance.enrolment_id).in_(enrolments)))
        if enrolments else 0,
        pending_messages=_count(session, select(OutboxMessage.id).where(
            OutboxMessage.person_id == person_id, col(OutboxMessage.status).in_(("pending", "failed", "sending")))),
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_person(*, session: Session, person_id: int) -> dict[str, Any]:
    """Everything kept about the person, as plain JSON-ready values. ID and mobile numbers appear masked
    (they are stored encrypted; the union office shows them in full to their owner on request)."""
    p = session.get(Person, person_id)
    if p is None:
        return {}
    out: dict[str, Any] = {
        "person": {"display_name": p.display_name, "locale": p.locale, "roles": p.roles, "unit": p.unit,
                   "prefecture": p.prefecture, "industry_union": p.industry_union,
                   "created_at": _iso(p.created_at), "last_seen_at": _iso(p.last_seen_at)},
        "accounts": [{"channel": i.channel, "created_at": _iso(i.created_at)}
                     for i in session.exec(select(Identity).where(Identity.person_id == person_id))],
        "subscriptions": [s.programme for s in session.exec(select(Subscription).where(
            Subscription.person_id == person_id))],
        "application_forms": [
            {"programme": d.programme, "status": d.status, "unit": d.unit, "values": d.values_json,
             "id_number": "(stored encrypted)" if d.id_number_enc else "",
             "mobile": "(stored encrypted)" if d.mobile_enc else "",
             "created_at": _iso(d.created_at), "submitted_at": _iso(d.submitted_at)}
            for d in session.exec(select(ApplicationDraft).where(ApplicationDraft.person_id == person_id))],
        "cases": [{"programme": c.programme, "title": c.title, "unit": c.unit, "stage": c.stage,
                   "outcome": c.outcome, "created_at": _iso(c.created_at)}
                  for c in session.exec(select(Case).where(Case.person_id == person_id))],
        "tickets": [],
        "training": [],
    }
    for t in session.exec(select(Ticket).where(Ticket.person_id == person_id).order_by(col(Ticket.id))):
        out["tickets"].append({
            "id": t.id, "unit": t.unit, "status": t.status, "question": t.question, "rating": t.rating,
            "created_at": _iso(t.created_at),
            "messages": [{"author": m.author, "text": m.text, "at": _iso(m.created_at)}
                         for m in session.exec(select(TicketMessage).where(TicketMessage.ticket_id == t.id)
                                               .order_by(col(TicketMessage.id)))]})
    for e in session.exec(select(Enrolment).where(Enrolment.person_id == person_id)):
        klass = session.get(TrainingClass, e.class_id)
        signed = session.exec(select(col(ClassSession.day), col(Attendance.signed_at)).join(
            Attendance, col(Attendance.session_id) == col(ClassSession.id)).where(
            Attendance.enrolment_id == e.id)).all()
        out["training"].append({
            "class": klass.code if klass else "", "name": e.name, "unit": e.unit, "trade": e.trade,
            "id_number": "(stored encrypted)", "cert_level": e.cert_level, "hr_cert_no": e.hr_cert_no,
            "union_cert_no": e.union_cert_no, "signins": [_iso(at) for _s, at in signed]})
    return out


def delete_person_data(*, session: Session, person_id: int) -> Kept:
    """Delete or pseudonymise the person's data (see the module's doc); returns what is kept, and why is
    the caller's to say (and to audit: ``handlers.services.privacy``). Audit events stay (who did what is the
    unions' record), with no personal detail."""
    kept = kept_about(session=session, person_id=person_id)
    identities = session.exec(select(Identity.id).where(Identity.person_id == person_id)).all()
    tickets = session.exec(select(Ticket.id).where(Ticket.person_id == person_id)).all()
    if tickets:
        session.execute(delete(TicketMessage).where(col(TicketMessage.ticket_id).in_(tickets)))
        session.execute(delete(Ticket).where(col(Ticket.id).in_(tickets)))
    session.execute(delete(Subscription).where(col(Subscription.person_id) == person_id))
    session.execute(delete(LinkCode).where(col(LinkCode.person_id) == person_id))
    session.execute(delete(DownloadFile).where(col(DownloadFile.person_id) == person_id))
    session.execute(delete(ApplicationDraft).where(col(ApplicationDraft.person_id) == person_id,
                                                   col(ApplicationDraft.status) == "draft"))
    session.execute(delete(ClassFormDraft).where(col(ClassFormDraft.person_id) == person_id))
    session.execute(delete(CheckDraft).where(col(CheckDraft.person_id) == person_id))
    session.execute(delete(OutboxMessage).where(col(OutboxMessage.person_id) == person_id,
                                                col(OutboxMessage.status) != "sent"))
    session.execute(update(OutboxMessage).where(col(OutboxMessage.person_id) == person_id)
                    .values(body="{}", last_error=""))
    if identities:
        session.execute(delete(Conversation).where(col(Conversation.identity_id).in_(identities)))
        session.execute(delete(Identity).where(col(Identity.id).in_(identities)))
    # Training roster lines are the class's (the union imported them); only the link to this chat goes.
    session.execute(update(Enrolment).where(col(Enrolment.person_id) == person_id).values(person_id=None))
    session.execute(update(Person).where(col(Person.id) == person_id).values(
        display_name="", roles="", unit="", prefecture="", industry_union=""))
    session.expire_all()
    return kept
