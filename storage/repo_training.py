"""Repository functions for training classes, sessions, the roster and sign-ins.

Each takes a keyword-only ``session``. Functions that store personal data take the data ``key`` and
the plain value and encrypt here, so callers never build ciphertext themselves. Datetimes are stored as
UTC (``storage.models.When``) and come back aware.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, overload

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.crypto import decrypt, encrypt, lookup_hash
from storage.models_training import Attendance, ClassFormDraft, ClassSession, Enrolment, TrainingClass


@overload
def as_utc(value: datetime) -> datetime: ...


@overload
def as_utc(value: None) -> None: ...


def as_utc(value: datetime | None) -> datetime | None:
    """Stored naive UTC -> aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def id_hash(key: str, id_number: str) -> str:
    return lookup_hash(key, "id:" + id_number)


def id_tail_hash(key: str, id_number_or_tail: str) -> str:
    return lookup_hash(key, "idtail:" + id_number_or_tail[-6:])


def reveal(key: str, token: str) -> str:
    """Decrypt a stored value ('' stays '')."""
    return decrypt(key, token) if token else ""


# -- classes --------------------------------------------------------------------------------------------
def code_taken(*, session: Session, code: str) -> bool:
    return session.exec(select(TrainingClass.id).where(TrainingClass.code == code)).first() is not None


def create_class(*, session: Session, key: str, fields: dict[str, Any], categories: dict[str, int],
                 responsible_phone: str = "", head_teacher_phone: str = "") -> TrainingClass:
    """``fields`` are plain columns of :class:`TrainingClass` (code, unit, project, dates ...)."""
    row = TrainingClass(
        **fields,
        categories=json.dumps(categories, ensure_ascii=False, sort_keys=True),
        responsible_phone_enc=encrypt(key, responsible_phone) if responsible_phone else "",
        head_teacher_phone_enc=encrypt(key, head_teacher_phone) if head_teacher_phone else "",
    )
    session.add(row)
    session.flush()
    return row


def class_categories(cls: TrainingClass) -> dict[str, int]:
    return {k: int(v) for k, v in json.loads(cls.categories or "{}").items()}


def get_class(*, session: Session, code: str) -> TrainingClass | None:
    return session.exec(select(TrainingClass).where(TrainingClass.code == code.strip().upper())).first()


def class_by_request(*, session: Session, request_key: str) -> TrainingClass | None:
    return session.exec(select(TrainingClass).where(TrainingClass.request_key == request_key)).first()


def get_class_by_id(*, session: Session, class_id: int) -> TrainingClass | None:
    return session.get(TrainingClass, class_id)


def classes_of_unit(*, session: Session, unit: str) -> list[TrainingClass]:
    stmt = select(TrainingClass).where(TrainingClass.unit == unit).order_by(col(TrainingClass.start_date).desc())
    return list(session.exec(stmt))


def approve_class(*, session: Session, cls: TrainingClass, approved_by: str, at: datetime) -> None:
    cls.status, cls.approved_by, cls.approved_at = "approved", approved_by, at
    session.add(cls)


# -- a class form left before it was saved ------------------------------------------------------------------
def park_class_form(*, session: Session, person_id: int, unit: str, answers: dict[str, Any], at: datetime) -> None:
    """Keep a clerk's unfinished class form (replacing the one kept before)."""
    row = parked_class_form(session=session, person_id=person_id) or ClassFormDraft(person_id=person_id, unit=unit)
    row.unit, row.answers, row.updated_at = unit, json.dumps(answers, ensure_ascii=False, default=str), at
    session.add(row)


def parked_class_form(*, session: Session, person_id: int) -> ClassFormDraft | None:
    return session.exec(select(ClassFormDraft).where(ClassFormDraft.person_id == person_id)).first()


def drop_class_form(*, session: Session, person_id: int) -> None:
    row = parked_class_form(session=session, person_id=person_id)
    if row is not None:
        session.delete(row)


# -- sessions -------------------------------------------------------------------------------------------
def add_session(*, session: Session, class_id: int, day: date, start: time, end: time, place: str) -> ClassSession:
    row = ClassSession(class_id=class_id, day=day, start=start, end=end, place=place,
                       code_secret=secrets.token_hex(16))
    session.add(row)
    session.flush()
    return row


def get_session(*, session: Session, session_id: int) -> ClassSession | None:
    return session.get(ClassSession, session_id)


def move_session(*, session: Session, sess: ClassSession, day: date, start: time, end: time, place: str) -> None:
    sess.day, sess.start, sess.end, sess.place = day, start, end, place
    session.add(sess)


def delete_session(*, session: Session, sess: ClassSession) -> None:
    """Remove a session nobody has signed in to (attendance is a record the fund's rules require)."""
    if session.exec(select(Attendance).where(Attendance.session_id == sess.id)).first() is not None:
        raise ValueError("a session with attendance cannot be deleted")
    session.delete(sess)


def sessions_of(*, session: Session, class_id: int) -> list[ClassSession]:
    stmt = select(ClassSession).where(ClassSession.class_id == class_id).order_by(
        col(ClassSession.day), col(ClassSession.start))
    return list(session.exec(stmt))


# -- roster ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RosterLine:
    """One validated roster entry in clear, ready to be stored."""

    name: str
    sex: str
    id_number: str
    category: str
    unit: str = ""
    trade: str = ""
    phone: str = ""
    cert_level: str = ""
    hr_cert_no: str = ""
    union_cert_no: str = ""


def add_enrolment(*, session: Session, key: str, class_id: int, line: RosterLine) -> Enrolment:
    row = Enrolment(
        class_id=class_id, name=line.name, sex=line.sex, id_enc=encrypt(key, line.id_number),
        id_hash=id_hash(key, line.id_number), id_tail_hash=id_tail_hash(key, line.id_number),
        unit=line.unit, category=line.category, trade=line.trade,
        phone_enc=encrypt(key, line.phone) if line.phone else "",
        cert_level=line.cert_level, hr_cert_no=line.hr_cert_no, union_cert_no=line.union_cert_no,
    )
    session.add(row)
    session.flush()
    return row


def enrolments_of(*, session: Session, class_id: int) -> list[Enrolment]:
    stmt = select(Enrolment).where(Enrolment.class_id == class_id).order_by(col(Enrolment.id))
    return list(session.exec(stmt))


def get_enrolment(*, session: Session, enrolment_id: int) -> Enrolment | None:
    return session.get(Enrolment, enrolment_id)


def find_by_id_hash(*, session: Session, class_id: int, hashed: str) -> Enrolment | None:
    return session.exec(select(Enrolment).where(Enrolment.class_id == class_id, Enrolment.id_hash == hashed)).first()


def find_by_tail_hash(*, session: Session, class_id: int, hashed: str) -> list[Enrolment]:
    stmt = select(Enrolment).where(Enrolment.class_id == class_id, Enrolment.id_tail_hash == hashed)
    return list(session.exec(stmt))


def existing_id_hashes(*, session: Session, class_id: int) -> set[str]:
    return set(session.exec(select(Enrolment.id_hash).where(Enrolment.class_id == class_id)))


def enrolments_of_person(*, session: Session, person_id: int) -> list[Enrolment]:
    return list(session.exec(select(Enrolment).where(Enrolment.person_id == person_id).order_by(col(Enrolment.id))))


def bind(*, session: Session, enrolment: Enrolment, person_id: int, at: datetime) -> bool:
    """Link a roster entry to a person; False when another transaction bound it (or the person) first.

    A conditional UPDATE (``person_id IS NULL``), so two people racing for one entry cannot both win
    under PostgreSQL's read-committed isolation either.
    """
    stmt = (update(Enrolment).where(col(Enrolment.id) == enrolment.id, col(Enrolment.person_id).is_(None))
            .values(person_id=person_id, bound_at=at))
    try:
        with session.begin_nested():
            won = session.exec(stmt).rowcount == 1
    except IntegrityError:  # the person is already bound to another entry of this class
        won = False
    session.refresh(enrolment)
    return won and enrolment.person_id == person_id


def set_certificate(*, session: Session, enrolment: Enrolment, level: str, hr_no: str, union_no: str,
                    prior_level: str | None = None) -> None:
    enrolment.cert_level, enrolment.hr_cert_no, enrolment.union_cert_no = level, hr_no, union_no
    if prior_level is not None:
        enrolment.prior_level = prior_level
    session.add(enrolment)


def set_outcome(*, session: Session, key: str, enrolment: Enrolment, employed: bool, place: str = "",
                employer: str = "", employer_phone: str = "") -> None:
    enrolment.employed = employed
    enrolment.employment_place, enrolment.employer = (place, employer) if employed else ("", "")
    enrolment.employer_phone_enc = encrypt(key, employer_phone) if employed and employer_phone else ""
    session.add(enrolment)


# -- attendance -----------------------------------------------------------------------------------------
def attendance_of(*, session: Session, enrolment_id: int, session_id: int) -> Attendance | None:
    return session.exec(select(Attendance).where(
        Attendance.enrolment_id == enrolment_id, Attendance.session_id == session_id)).first()


def sign_in(*, session: Session, enrolment_id: int, session_id: int, at: datetime,
            channel: str) -> tuple[Attendance, bool]:
    """Record a sign-in once. Returns (the attendance row, True when created now)."""
    existing = attendance_of(session=session, enrolment_id=enrolment_id, session_id=session_id)
    if existing is not None:
        return existing, False
    row = Attendance(enrolment_id=enrolment_id, session_id=session_id, signed_at=at, channel=channel)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = attendance_of(session=session, enrolment_id=enrolment_id, session_id=session_id)
        assert found is not None
        return found, False
    return row, True


def unbind(*, session: Session, enrolment: Enrolment) -> None:
    """The roster line no longer linked to a chat account (the next one to prove the ID number takes it)."""
    enrolment.person_id, enrolment.bound_at = None, None
    session.add(enrolment)


def signins_of(*, session: Session, enrolment_id: int) -> int:
    return len(session.exec(select(Attendance.id).where(Attendance.enrolment_id == enrolment_id)).all())


def remove_enrolment(*, session: Session, enrolment: Enrolment) -> None:
    session.delete(enrolment)


def attendance_of_session(*, session: Session, session_id: int) -> dict[int, Attendance]:
    """{enrolment id: attendance} for one session."""
    rows = session.exec(select(Attendance).where(Attendance.session_id == session_id))
    return {a.enrolment_id: a for a in rows}
