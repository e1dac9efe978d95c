"""Retention: what the measures do not require keeping is deleted or emptied after configurable periods.

Run daily by the scheduler (:meth:`bot.scheduler.Background.retention`); the periods are settings
(``YUNLING_RETENTION_*``) and their defaults and reasons are in docs/privacy.md. What the measures do
require -- cases and their history, training rosters and attendance (the fund's accounts), tickets'
dates, outcome and rating, the audit trail -- is not touched here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, col

from storage import repo_questions
from storage.db import table
from storage.models import Conversation, OutboxMessage, ProcessedMessage
from storage.models_applications import CheckDraft
from storage.models_tickets import Ticket, TicketMessage
from storage.models_training import ClassFormDraft

REMOVED = "[removed under the retention policy]"
EMPTY_BODY = "{}"


@dataclass(frozen=True)
class Policy:
    conversation_days: int = 30
    ticket_text_days: int = 365
    delivery_keys_days: int = 7
    outbox_days: int = 90
    questions_days: int = 180


def apply(*, session: Session, now: datetime, policy: Policy) -> dict[str, int]:
    """One pass; idempotent. Returns the number of rows affected per kind."""
    done: dict[str, int] = {}

    # Conversation state and the last few (masked) messages of people idle that long: their next message
    # starts afresh anyway after the session timeout.
    cut = now - timedelta(days=policy.conversation_days)
    done["conversations"] = _count(session.execute(delete(Conversation).where(col(Conversation.updated_at) < cut)))
    # A class form a clerk left unfinished is kept as long as the conversation it came from would be.
    done["class form drafts"] = _count(session.execute(
        delete(ClassFormDraft).where(col(ClassFormDraft.updated_at) < cut)))
    done["check drafts"] = _count(session.execute(delete(CheckDraft).where(col(CheckDraft.updated_at) < cut)))

    # Tickets closed or answered that long ago keep their programme, unit, dates, status and rating (the
    # service statistics) and lose their free text: the question, the context and the messages.
    cut = now - timedelta(days=policy.ticket_text_days)
    old = and_(col(Ticket.status).in_(("answered", "closed")),
               or_(col(Ticket.closed_at) < cut, and_(col(Ticket.closed_at).is_(None), col(Ticket.answered_at) < cut)))
    old_ids = [t for (t,) in session.execute(
        table(Ticket).select().with_only_columns(table(Ticket).c.id).where(old)
        .where(col(Ticket.question) != REMOVED))]
    done["ticket texts"] = 0
    if old_ids:
        done["ticket texts"] = _count(session.execute(
            update(Ticket).where(col(Ticket.id).in_(old_ids)).values(question=REMOVED, context="[]")))
        session.execute(update(TicketMessage).where(col(TicketMessage.ticket_id).in_(old_ids))
                        .values(text=REMOVED))

    # Delivery keys: WeChat retries within seconds, Telegram within a day.
    cut = now - timedelta(days=policy.delivery_keys_days)
    done["delivery keys"] = _count(session.execute(
        delete(ProcessedMessage).where(col(ProcessedMessage.processed_at) < cut)))

    # Messages the assistant sent (or gave up on): the row stays for the delivery report, its text goes.
    cut = now - timedelta(days=policy.outbox_days)
    done["outbox bodies"] = _count(session.execute(
        update(OutboxMessage).where(col(OutboxMessage.status).in_(("sent", "dead")),
                                    col(OutboxMessage.created_at) < cut, col(OutboxMessage.body) != EMPTY_BODY)
        .values(body=EMPTY_BODY)))

    # Questions the FAQ could not answer (masked, without identity): the console's Questions page.
    done["questions"] = repo_questions.purge(session=session, before=(now - timedelta(days=policy.questions_days)).date())
    # The console forms' one-time keys: a second click comes within seconds.
    done["console request keys"] = repo_questions.purge_requests(
        session=session, before=now - timedelta(days=policy.delivery_keys_days))
    return done


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
