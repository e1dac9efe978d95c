"""Repository functions for application drafts. Each takes a keyword-only ``session``; functions that
touch personal data take the data key as ``secret`` and never return or log it except on request."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.crypto import decrypt, encrypt, lookup_hash
from storage.models import utcnow
from storage.models_applications import DRAFT, SUBMITTED, ApplicationDraft, CheckDraft


def normalize_unit(unit: str) -> str:
    """Units are compared as typed, minus width and spacing differences."""
    return "".join(unicodedata.normalize("NFKC", unit).split())[:100]


def open_draft(*, session: Session, person_id: int, programme: str) -> ApplicationDraft | None:
    stmt = select(ApplicationDraft).where(
        ApplicationDraft.person_id == person_id, ApplicationDraft.programme == programme,
        ApplicationDraft.status == DRAFT,
    )
    return session.exec(stmt).first()


def latest_draft(*, session: Session, person_id: int, programme: str) -> ApplicationDraft | None:
    """The newest form of the person for the programme, whatever its status."""
    stmt = (select(ApplicationDraft)
            .where(ApplicationDraft.person_id == person_id, ApplicationDraft.programme == programme)
            .order_by(col(ApplicationDraft.id).desc()))
    return session.exec(stmt).first()


def get_draft(*, session: Session, draft_id: int) -> ApplicationDraft | None:
    return session.get(ApplicationDraft, draft_id)


def create_draft(*, session: Session, person_id: int, programme: str, unit: str = "") -> ApplicationDraft:
    draft = ApplicationDraft(person_id=person_id, programme=programme, unit=normalize_unit(unit))
    session.add(draft)
    session.flush()
    return draft


def values(draft: ApplicationDraft) -> dict[str, Any]:
    return json.loads(draft.values_json or "{}")


def set_value(*, session: Session, draft: ApplicationDraft, key: str, value: Any, now: datetime | None = None) -> None:
    data = values(draft)
    data[key] = value
    draft.values_json = json.dumps(data, ensure_ascii=False)
    _touch(session, draft, now)


def set_id_number(*, session: Session, draft: ApplicationDraft, secret: str, id_number: str,
                  now: datetime | None = None) -> None:
    draft.id_number_enc = encrypt(secret, id_number) if id_number else ""
    draft.id_number_hash = lookup_hash(secret, id_number) if id_number else ""
    _touch(session, draft, now)


def id_number(draft: ApplicationDraft, *, secret: str) -> str:
    return decrypt(secret, draft.id_number_enc) if draft.id_number_enc else ""


def set_mobile(*, session: Session, draft: ApplicationDraft, secret: str, mobile: str,
               now: datetime | None = None) -> None:
    draft.mobile_enc = encrypt(secret, mobile) if mobile else ""
    _touch(session, draft, now)


def mobile(draft: ApplicationDraft, *, secret: str) -> str:
    return decrypt(secret, draft.mobile_enc) if draft.mobile_enc else ""


def set_unit(*, session: Session, draft: ApplicationDraft, unit: str, now: datetime | None = None) -> None:
    draft.unit = normalize_unit(unit)
    _touch(session, draft, now)


def submit(*, session: Session, draft: ApplicationDraft, now: datetime) -> None:
    draft.status, draft.submitted_at = SUBMITTED, now
    _touch(session, draft, now)


def reopen(*, session: Session, draft: ApplicationDraft, now: datetime) -> ApplicationDraft:
    """Make a submitted form editable again (there must be no other open draft of the programme)."""
    draft.status, draft.submitted_at = DRAFT, None
    _touch(session, draft, now)
    session.flush()
    return draft


def drafts_for_unit(*, session: Session, unit: str, status: str | None = SUBMITTED) -> list[ApplicationDraft]:
    """Forms filed with ``unit`` (``status=None``: any status), oldest first."""
    stmt = select(ApplicationDraft).where(ApplicationDraft.unit == normalize_unit(unit))
    if status is not None:
        stmt = stmt.where(ApplicationDraft.status == status)
    return list(session.exec(stmt.order_by(col(ApplicationDraft.id))))


def _touch(session: Session, draft: ApplicationDraft, now: datetime | None) -> None:
    draft.updated_at = now or utcnow()
    session.add(draft)


# -- checks left before their conclusion ------------------------------------------------------------------
def park_check(*, session: Session, person_id: int, flow: str, answers: dict[str, Any], at: datetime) -> None:
    """Keep a check's answers (replacing the ones kept before for the same check)."""
    row = parked_check(session=session, person_id=person_id, flow=flow) or CheckDraft(person_id=person_id, flow=flow)
    row.answers, row.updated_at = json.dumps(answers, ensure_ascii=False, default=str), at
    session.add(row)


def parked_check(*, session: Session, person_id: int, flow: str) -> CheckDraft | None:
    return session.exec(select(CheckDraft).where(CheckDraft.person_id == person_id, CheckDraft.flow == flow)).first()


def latest_parked_check(*, session: Session, person_id: int) -> CheckDraft | None:
    """The check the person left most recently, of those kept."""
    stmt = (select(CheckDraft).where(CheckDraft.person_id == person_id)
            .order_by(col(CheckDraft.updated_at).desc(), col(CheckDraft.id).desc()))
    return session.exec(stmt).first()


def drop_check(*, session: Session, row: CheckDraft) -> None:
    session.delete(row)
