"""Hand-off tickets: opened by a person, followed and rated by them, claimed, answered, marked for the FAQ and
closed by clerks of the responsible unit, from the chat (``flows/handoff.py``) or ``yunling tickets``; a daily
digest of overdue tickets to each unit's clerks. Answers and digests go out through the outbox."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.i18n import BABEL_LOCALES, N_, normalize_locale, translator
from handlers.own_words import small_talk
from handlers.services.errors import InvalidInput, NotFound
from handlers.types import Choice, Reply, reply_to_dict
from knowledge.text import redact
from storage import repo_tickets as tickets
from storage import repositories as repo
from storage.models import Person
from storage.models_tickets import Ticket

MAX_QUESTION = 1000
MAX_ANSWER = 2000


def ticket_no(t: Ticket) -> str:
    return f"GD{t.id:06d}"


def age(delta: timedelta, locale: str | None = None) -> str:
    """A ticket's age, short: 35m, 5h, 3d; in ``locale``'s words when given (35分钟, 5小时, 3天)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    unit: Literal["minute", "hour", "day"] = "minute" if minutes < 60 else "hour" if minutes < 48 * 60 else "day"
    value = minutes // {"minute": 1, "hour": 60, "day": 1440}[unit]
    if locale is None:
        return f"{value}{unit[0]}"
    from babel.dates import format_timedelta

    return format_timedelta(timedelta(minutes=value * {"minute": 1, "hour": 60, "day": 1440}[unit]), granularity=unit,
                            threshold=10**6, format="narrow", locale=BABEL_LOCALES[normalize_locale(locale)])


def requester(session: Session, t: Ticket) -> str:
    """Who asked, for the clerk: the platform's display name, else the person's number (no ID or phone)."""
    owner = session.get(Person, t.person_id)
    return owner.display_name if owner is not None and owner.display_name else f"#{t.person_id}"


# -- the person's side --------------------------------------------------------------------------------
def clean_question(text: str) -> str:
    """A question as kept: ID and phone numbers masked, between 4 and MAX_QUESTION characters, and more than
    thanks or "好的" (small talk, which a clerk cannot answer)."""
    text = redact(text.strip())
    if len(text) < 4 or small_talk(text) is not None:
        raise InvalidInput(N_("Please write your question in a few words."))
    if len(text) > MAX_QUESTION:
        raise InvalidInput(N_("Please keep it under {n} characters."), n=MAX_QUESTION)
    return text


def open_ticket(session: Session, *, person_id: int, unit: str, programme: str, question: str, recent: list[str],
                now: datetime, promise_hours: int) -> Ticket:
    ticket = tickets.create_ticket(session=session, person_id=person_id, unit=unit, programme=programme,
                                   question=clean_question(question), context=json.dumps(recent, ensure_ascii=False),
                                   now=now, promise_hours=promise_hours)
    repo.audit(session=session, actor_person_id=person_id, action="ticket.create", subject=ticket_no(ticket),
               detail=ticket.unit)
    return ticket


def ticket_of_person(session: Session, *, ticket_id: int, person_id: int) -> Ticket:
    t = tickets.get_ticket(session=session, ticket_id=ticket_id)
    if t is None or t.person_id != person_id:
        raise NotFound(N_("That ticket is not yours."))
    return t


def add_person_message(session: Session, *, ticket: Ticket, person_id: int, text: str, now: datetime) -> None:
    text = redact(text.strip())
    if not text:
        raise InvalidInput(N_("Please type a message."))
    tickets.add_message(session=session, ticket=ticket, author="person", author_person_id=person_id,
                        text=text[:MAX_QUESTION], now=now)


def rate_and_close(session: Session, *, ticket: Ticket, person_id: int, rating: int, now: datetime) -> None:
    ticket.rating, ticket.status, ticket.closed_at = rating, "closed", now
    session.add(ticket)
    repo.audit(session=session, actor_person_id=person_id, action="ticket.close", subject=ticket_no(ticket),
               detail=f"rating={rating}")


# -- the clerk's side ---------------------------------------------------------------------------------
def ticket_of_unit(session: Session, *, ticket_id: int, unit: str) -> Ticket:
    t = tickets.get_ticket(session=session, ticket_id=ticket_id)
    if t is None or not unit or t.unit != unit:
        raise NotFound(N_("That ticket belongs to another unit."))
    return t


def claim(session: Session, *, ticket: Ticket, clerk_id: int | None) -> None:
    ticket.status, ticket.claimed_by = "claimed", clerk_id
    session.add(ticket)


def mark_faq(session: Session, *, ticket: Ticket, clerk_id: int | None) -> None:
    ticket.faq_candidate = True
    session.add(ticket)
    repo.audit(session=session, actor_person_id=clerk_id, action="ticket.faq", subject=ticket_no(ticket))


CLOSED_NOTE = N_("{unit} closed your ticket {no}. If your question is still open, type 'human' to ask again.")


def close(session: Session, *, ticket: Ticket, clerk_id: int | None, now: datetime) -> None:
    """A clerk closes the ticket; the person is told, in their language, and how to ask again."""
    ticket.status, ticket.closed_at = "closed", now
    session.add(ticket)
    owner = session.get(Person, ticket.person_id)
    _p = translator(owner.locale if owner else "zh")
    body = Reply(text=_p(CLOSED_NOTE, unit=ticket.unit, no=ticket_no(ticket)))
    repo.enqueue(session=session, person_id=ticket.person_id, body=reply_to_dict(body),
                 dedupe_key=f"ticket:{ticket.id}:closed", kind="ticket")
    repo.audit(session=session, actor_person_id=clerk_id, action="ticket.close", subject=ticket_no(ticket))


def answered(session: Session, ticket: Ticket) -> bool:
    """Whether a clerk has written in the ticket's thread."""
    return any(m.author == "clerk" for m in tickets.thread(session=session, ticket_id=ticket.id or 0))


def answer(session: Session, *, ticket: Ticket, clerk_id: int | None, text: str, now: datetime,
           via: str = "") -> None:
    """A clerk's answer: kept in the thread (numbers masked) and put in the outbox for the person, in their
    language; audited (``ticket.answer``, from the command line ``ticket.answer.cli``)."""
    text = text.strip()
    if len(text) < 2:
        raise InvalidInput(N_("Please type the answer."))
    kept = redact(text)[:MAX_ANSWER]
    msg = tickets.add_message(session=session, ticket=ticket, author="clerk", author_person_id=clerk_id,
                              text=kept, now=now)
    owner = session.get(Person, ticket.person_id)
    _p = translator(owner.locale if owner else "zh")
    body = Reply(text=_p("Answer from {unit} to your ticket {no}:\n{text}", unit=ticket.unit, no=ticket_no(ticket),
                         text=kept),
                 choices=(Choice("flow:mytickets", _p("Reply or rate")),))
    repo.enqueue(session=session, person_id=ticket.person_id, body=reply_to_dict(body),
                 dedupe_key=f"ticket:{ticket.id}:msg:{msg.id or 0}", kind="ticket")
    repo.audit(session=session, actor_person_id=clerk_id, action="ticket.answer" + (f".{via}" if via else ""),
               subject=ticket_no(ticket), detail=ticket.unit if via else "")


def escalation_digest(session: Session, now: datetime) -> int:
    """Daily job: for each unit with tickets past their promised time, one digest to each of its clerks.

    A ticket is escalated at most once a day (``escalated_at``); returns the number of digests enqueued.
    """
    by_unit: dict[str, list[Ticket]] = {}
    for t in tickets.overdue(session=session, now=now):
        if t.escalated_at is None or now - t.escalated_at >= timedelta(hours=23):
            by_unit.setdefault(t.unit, []).append(t)
    sent = 0
    for unit, rows in by_unit.items():
        for clerk in tickets.clerks_of(session=session, unit=unit):
            _ = translator(clerk.locale)
            lines = [_("{n} ticket(s) of {unit} are past the promised answer time:", n=len(rows), unit=unit)]
            lines += [f"{ticket_no(t)} · {t.question[:40]}" for t in rows]
            body = Reply(text="\n".join(lines), choices=(Choice("flow:tickets", _("Open the ticket list")),))
            if repo.enqueue(session=session, person_id=clerk.id or 0, body=reply_to_dict(body), kind="digest",
                            dedupe_key=f"digest:{unit}:{clerk.id}:{now.date().isoformat()}"):
                sent += 1
        for t in rows:
            t.escalated_at = now
            session.add(t)
    return sent


# -- rating statistics (the console's Tickets page) ---------------------------------------------------------
@dataclass(frozen=True)
class RatingLine:
    """Ratings (1-5, 好差评) of a week or a unit: how many, the average, and how many were 4 or 5."""

    key: str  # the week's Monday (ISO date) or the unit
    count: int
    average: float
    satisfied: int


RATING_WEEKS = 12


def _line(key: str, values: list[int]) -> RatingLine:
    return RatingLine(key, len(values), round(sum(values) / len(values), 2) if values else 0.0,
                      sum(1 for v in values if v >= 4))


def rating_stats(session: Session, *, unit: str | None, now: datetime, tz: ZoneInfo,
                 weeks: int = RATING_WEEKS) -> tuple[list[RatingLine], list[RatingLine]]:
    """How people rated their tickets over the last ``weeks`` weeks (this one included): per week (oldest
    first, weeks without ratings too) and per unit (most rated first). ``unit`` None: every unit's."""
    today = now.astimezone(tz).date()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tz)
    by_week: dict[date, list[int]] = {first + timedelta(weeks=i): [] for i in range(weeks)}
    by_unit: dict[str, list[int]] = {}
    for u, at, rating in tickets.ratings(session=session, unit=unit, since=since):
        day = at.astimezone(tz).date()
        monday = day - timedelta(days=day.weekday())
        if monday in by_week:
            by_week[monday].append(rating)
        by_unit.setdefault(u, []).append(rating)
    per_week = [_line(monday.isoformat(), values) for monday, values in by_week.items()]
    per_unit = sorted((_line(u, values) for u, values in by_unit.items()), key=lambda line: (-line.count, line.key))
    return per_week, per_unit
