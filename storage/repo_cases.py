"""Repository functions for cases, link codes and broadcasts. Each takes a keyword-only ``session``.

Procedure rules (which stage may follow which) live in ``knowledge.rules.case_stages`` and are applied by
the handlers; this module guarantees that a change applies to the state the caller saw (conditional
updates), that it is recorded as a :class:`CaseEvent` and that it is audited.

Segment specs (JSON) of broadcasts:
    {"kind": "applicants", "programme": "craftsman"|None, "stage": "publicity"|None}  (the unit's open cases)
    {"kind": "class", "class_id": 12}                       (trainees of a class, when training exists)
    {"kind": "subscribers", "programme": "craftsman", "prefecture": "昆明市"|"", "industry_union": ""|"..."}
"""

from __future__ import annotations

import importlib
import json
import secrets
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.db import rowcount
from storage.errors import StorageError
from storage.models import Person, Subscription
from storage.models_cases import Broadcast, Case, CaseEvent, LinkCode

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed without confusion
CODE_LENGTH = 8


class CaseConflict(StorageError):
    """The case changed since the caller read it (another clerk acted first), or it is closed."""


class UnknownSegment(StorageError):
    """A segment spec names an unknown kind, or one whose tables are not installed."""


# -- cases ------------------------------------------------------------------------------------------
def create_case(
    *, session: Session, programme: str, person_id: int, title: str, unit: str, actor_person_id: int | None,
    now: datetime, first_stage: str = "submitted",
) -> tuple[Case, CaseEvent]:
    case = Case(programme=programme, person_id=person_id, title=title[:120], unit=unit, stage=first_stage,
                created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    event = _event(session, case, actor_person_id, "create", "", first_stage, "", now)
    return case, event


def get_case(*, session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def case_for_unit(*, session: Session, case_id: int, unit: str | None) -> Case | None:
    """The case if it belongs to ``unit`` (None: any unit's, for the provincial federation); None otherwise (a
    clerk never learns of other units' cases)."""
    case = session.get(Case, case_id)
    return case if case is not None and (unit is None or (unit and case.unit == unit)) else None


def cases_of_person(*, session: Session, person_id: int) -> list[Case]:
    return list(session.exec(select(Case).where(Case.person_id == person_id).order_by(col(Case.id))))


def cases_of_unit(*, session: Session, unit: str | None, open_only: bool = False) -> list[Case]:
    """The cases of ``unit``; None: of every unit (the provincial federation's view)."""
    stmt = select(Case) if unit is None else select(Case).where(Case.unit == unit)
    if open_only:
        stmt = stmt.where(Case.outcome == "")
    return list(session.exec(stmt.order_by(col(Case.id))))


def events_of(*, session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.id))))


def _event(session: Session, case: Case, actor: int | None, action: str, from_stage: str, to_stage: str,
           reason: str, now: datetime) -> CaseEvent:
    event = CaseEvent(case_id=case.id or 0, actor_person_id=actor, action=action, from_stage=from_stage,
                      to_stage=to_stage, reason=reason[:500], created_at=now)
    session.add(event)
    session.flush()
    return event


def _conditional(session: Session, case: Case, values: dict[str, Any], outcome: str = "") -> None:
    """Apply ``values`` only if the case is still at the stage and with the outcome the caller saw (open, unless
    ``outcome`` is given)."""
    result = session.execute(
        update(Case).where(col(Case.id) == case.id, col(Case.stage) == case.stage, col(Case.outcome) == outcome)
        .values(**values)
    )
    if rowcount(result) != 1:
        session.refresh(case)
        raise CaseConflict(f"case {case.id} changed meanwhile")
    for key, value in values.items():
        setattr(case, key, value)


def record_move(
    *, session: Session, case: Case, to_stage: str, actor_person_id: int | None, reason: str, now: datetime,
    publicity: tuple[date, date | None] | None = None,
) -> CaseEvent:
    from_stage = case.stage
    values: dict[str, Any] = {"stage": to_stage, "updated_at": now}
    if publicity is not None:
        values["publicity_start"], values["publicity_end"] = publicity
    _conditional(session, case, values)
    return _event(session, case, actor_person_id, "move", from_stage, to_stage, reason, now)


def record_back(*, session: Session, case: Case, to_stage: str, reason: str, actor_person_id: int | None,
                now: datetime) -> CaseEvent:
    """A move made by mistake taken back: the case at the stage before, the 公示 dates dropped when it leaves
    the 公示 (they are set again when it is entered again)."""
    from_stage = case.stage
    values: dict[str, Any] = {"stage": to_stage, "updated_at": now}
    if from_stage == "publicity":
        values["publicity_start"] = values["publicity_end"] = None
    _conditional(session, case, values)
    return _event(session, case, actor_person_id, "back", from_stage, to_stage, reason, now)


def record_publicity(
    *, session: Session, case: Case, start: date, end: date | None, actor_person_id: int | None, reason: str,
    now: datetime,
) -> CaseEvent:
    """The 公示's dates (``end`` None: not known while its year's holiday calendar is not published)."""
    _conditional(session, case, {"publicity_start": start, "publicity_end": end, "updated_at": now})
    return _event(session, case, actor_person_id, "publicity", case.stage, case.stage,
                  reason or f"{start.isoformat()}..{end.isoformat() if end else '?'}", now)


def record_close(
    *, session: Session, case: Case, outcome: str, reason: str, actor_person_id: int | None, now: datetime,
) -> CaseEvent:
    if not reason.strip():
        raise ValueError("closing a case needs a reason")
    _conditional(session, case, {"outcome": outcome, "outcome_reason": reason[:500], "updated_at": now})
    return _event(session, case, actor_person_id, "close", case.stage, outcome, reason, now)


def record_reopen(*, session: Session, case: Case, reason: str, actor_person_id: int | None, now: datetime) -> CaseEvent:
    """A closed case open again at the stage it was closed in (closed by mistake); its outcome is kept in the
    event, as the closing reason is in the closing event."""
    if not case.outcome or not reason.strip():
        raise ValueError("reopening needs a closed case and a reason")
    outcome = case.outcome
    _conditional(session, case, {"outcome": "", "outcome_reason": "", "updated_at": now}, outcome=outcome)
    return _event(session, case, actor_person_id, "reopen", outcome, case.stage, reason, now)


def open_publicity_cases(*, session: Session, today: date) -> list[Case]:
    """Open cases in 公示 whose window has not ended."""
    stmt = select(Case).where(Case.stage == "publicity", Case.outcome == "",
                              col(Case.publicity_end).is_not(None), col(Case.publicity_end) >= today)
    return list(session.exec(stmt.order_by(col(Case.id))))


# -- link codes --------------------------------------------------------------------------------------
def normalize_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def shown_code(code: str) -> str:
    """A code as people are shown it, in two halves to read aloud: "ABCD-2345" (typed either way)."""
    return f"{code[:4]}-{code[4:]}"


def expiry_day(expires_at: datetime, tz: tzinfo | None) -> date:
    """The last day a code is valid, in the reader's time zone."""
    return as_utc(expires_at).astimezone(tz).date()


def issue_link_code(*, session: Session, person_id: int, now: datetime, ttl: timedelta) -> LinkCode:
    """The person's active code, or a new random one (single use, valid for ``ttl``)."""
    for row in session.exec(select(LinkCode).where(LinkCode.person_id == person_id,
                                                   col(LinkCode.used_at).is_(None))):
        if as_utc(row.expires_at) > now:
            return row
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = LinkCode(person_id=person_id, code=code, expires_at=now + ttl)
    session.add(row)
    session.flush()
    return row


def peek_link_code(*, session: Session, code: str, now: datetime) -> int | None:
    """The person a valid unused code belongs to, without using it up."""
    row = session.exec(select(LinkCode).where(LinkCode.code == normalize_code(code))).first()
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= now:
        return None
    return row.person_id


PAPER = "paper"  # the role of a paper applicant's stand-in: no chat account until the applicant claims the case


def create_paper_applicant(*, session: Session, now: datetime) -> int:
    """A person with no chat account who stands for an applicant who filed on paper, until claimed."""
    person = Person(roles=f"applicant,{PAPER}", created_at=now, last_seen_at=now)
    session.add(person)
    session.flush()
    assert person.id is not None
    return person.id


def move_cases(*, session: Session, from_person: int, to_person: int) -> list[Case]:
    """Give every case of ``from_person`` to ``to_person`` (a paper application claimed)."""
    cases = cases_of_person(session=session, person_id=from_person)
    for case in cases:
        case.person_id = to_person
        session.add(case)
    session.flush()
    return cases


def redeem_link_code(*, session: Session, code: str, now: datetime) -> int | None:
    """The person a valid unused code belongs to (the code is used up), or None."""
    row = session.exec(select(LinkCode).where(LinkCode.code == normalize_code(code))).first()
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= now:
        return None
    result = session.execute(update(LinkCode).where(col(LinkCode.id) == row.id, col(LinkCode.used_at).is_(None))
                             .values(used_at=now))
    return row.person_id if rowcount(result) == 1 else None


def as_utc(value: datetime) -> datetime:
    """Datetimes come back naive from SQLite; they are stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# -- broadcasts --------------------------------------------------------------------------------------
def create_broadcast(
    *, session: Session, author_person_id: int | None, unit: str, segment: dict[str, Any], text: str,
    now: datetime, proposal_key: str | None = None, relevant_until: datetime | None = None,
    scheduled_at: datetime | None = None,
) -> Broadcast | None:
    """A draft; with ``proposal_key`` at most one per key (returns None when it exists already)."""
    if proposal_key and session.exec(select(Broadcast.id).where(Broadcast.proposal_key == proposal_key)).first():
        return None
    row = Broadcast(author_person_id=author_person_id, unit=unit, segment=json.dumps(segment, ensure_ascii=False),
                    text=text, proposal_key=proposal_key, relevant_until=relevant_until, created_at=now,
                    scheduled_at=scheduled_at)
    session.add(row)
    session.flush()
    return row


def broadcast_for_unit(*, session: Session, broadcast_id: int, unit: str) -> Broadcast | None:
    row = session.get(Broadcast, broadcast_id)
    return row if row is not None and unit and row.unit == unit else None


def broadcast_by_key(*, session: Session, proposal_key: str) -> Broadcast | None:
    return session.exec(select(Broadcast).where(Broadcast.proposal_key == proposal_key)).first()


def broadcasts_of_unit(*, session: Session, unit: str | None, statuses: tuple[str, ...] = (), limit: int = 10
                       ) -> list[Broadcast]:
    """The unit's latest broadcasts (``unit`` None: every unit's, for the provincial federation)."""
    stmt = select(Broadcast)
    if unit is not None:
        stmt = stmt.where(Broadcast.unit == unit)
    if statuses:
        stmt = stmt.where(col(Broadcast.status).in_(statuses))
    return list(session.exec(stmt.order_by(col(Broadcast.id).desc()).limit(limit)))


def set_broadcast_status(
    *, session: Session, broadcast: Broadcast, status: str, from_statuses: tuple[str, ...], actor: int | None,
    now: datetime, scheduled_at: datetime | None = None,
) -> bool:
    """Conditional transition; False when the broadcast had already left ``from_statuses``."""
    values: dict[str, Any] = {"status": status}
    if scheduled_at is not None:
        values["scheduled_at"] = scheduled_at
    if status == "sending":
        values["released_at"] = now
    if status in ("done", "cancelled"):
        values["finished_at"] = now
    result = session.execute(update(Broadcast).where(col(Broadcast.id) == broadcast.id,
                                                     col(Broadcast.status).in_(from_statuses)).values(**values))
    if rowcount(result) != 1:
        return False
    for key, value in values.items():
        setattr(broadcast, key, value)
    return True


def due_broadcasts(*, session: Session, now: datetime) -> list[Broadcast]:
    stmt = select(Broadcast).where(Broadcast.status == "scheduled", col(Broadcast.scheduled_at) <= now)
    return list(session.exec(stmt.order_by(col(Broadcast.id))))


def sending_broadcasts(*, session: Session) -> list[Broadcast]:
    return list(session.exec(select(Broadcast).where(Broadcast.status == "sending")))


def segment_recipients(*, session: Session, unit: str, spec: dict[str, Any]) -> list[tuple[int, str]]:
    """(person_id, locale) of everyone in the segment, each person once."""
    kind = spec.get("kind")
    if kind == "applicants":
        stmt = (select(Person.id, Person.locale).join(Case, col(Case.person_id) == col(Person.id))
                .where(Case.unit == unit, Case.outcome == ""))
        if spec.get("programme"):
            stmt = stmt.where(Case.programme == spec["programme"])
        if spec.get("stage"):
            stmt = stmt.where(Case.stage == spec["stage"])
    elif kind == "subscribers":
        stmt = (select(Person.id, Person.locale).join(Subscription, col(Subscription.person_id) == col(Person.id))
                .where(Subscription.programme == spec.get("programme", "")))
        if spec.get("prefecture"):
            stmt = stmt.where(Person.prefecture == spec["prefecture"])
        if spec.get("industry_union"):
            stmt = stmt.where(Person.industry_union == spec["industry_union"])
    elif kind == "class":
        return _class_recipients(session, unit, spec)
    else:
        raise UnknownSegment(str(kind))
    seen: dict[int, str] = {}
    for pid, locale in session.exec(stmt.distinct()):
        seen.setdefault(int(pid or 0), locale)
    return sorted(seen.items())


def _training() -> tuple[Any, Any]:
    """(TrainingClass, Enrolment) of the training area; the tables belong to another area and may be absent."""
    try:
        module = importlib.import_module("storage.models_training")
    except ModuleNotFoundError as exc:
        raise UnknownSegment("training tables are not installed") from exc
    klass, enrolment = getattr(module, "TrainingClass", None), getattr(module, "Enrolment", None)
    if klass is None or enrolment is None:
        raise UnknownSegment("training tables have no classes with enrolments")
    return klass, enrolment


def training_available() -> bool:
    try:
        _training()
    except UnknownSegment:
        return False
    return True


def roster_size(*, session: Session, class_id: int) -> int:
    """How many trainees the roster of a class lists."""
    _klass, enrolment = _training()
    return len(list(session.exec(select(enrolment.id).where(enrolment.class_id == class_id))))


def class_of_unit(*, session: Session, code: str, unit: str) -> int | None:
    """The id of the class with ``code`` owned by ``unit``, or None."""
    klass, _enrolment = _training()
    row = session.exec(select(klass.id).where(klass.code == code.strip().upper(), klass.unit == unit)).first()
    return int(row) if row is not None else None


def _class_recipients(session: Session, unit: str, spec: dict[str, Any]) -> list[tuple[int, str]]:
    """Trainees of a class of ``unit`` whose chat is known: bound to a person at their first sign-in in this
    class, or, not yet, by the same ID number (its keyed hash) bound in another class, where that person proved it."""
    klass, enrolment = _training()
    class_id = int(spec.get("class_id", 0))
    bound = (select(Person.id, Person.locale).join(enrolment, enrolment.person_id == col(Person.id))
             .join(klass, klass.id == enrolment.class_id)
             .where(enrolment.class_id == class_id, klass.unit == unit))
    elsewhere = aliased(enrolment)
    by_id_number = (select(Person.id, Person.locale).join(elsewhere, elsewhere.person_id == col(Person.id))
                    .join(enrolment, enrolment.id_hash == elsewhere.id_hash)
                    .join(klass, klass.id == enrolment.class_id)
                    .where(enrolment.class_id == class_id, klass.unit == unit, col(enrolment.person_id).is_(None),
                           elsewhere.class_id != class_id))
    seen: dict[int, str] = {}
    for stmt in (bound, by_id_number):
        for pid, locale in session.exec(stmt.distinct()):
            seen.setdefault(int(pid or 0), locale)
    return sorted(seen.items())
