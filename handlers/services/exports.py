"""Every export of personal data, from every entry point (chat, ``yunling`` commands, web pages), builds its
file here and writes one audit row: the training sheets (附件3 approval form with the class's contact phones,
附件4 roster and 附件6 employment with ID numbers, sign-in sheets), a person's own data, and the application
forms filed with a unit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from handlers import training_exports as xlsx
from handlers import training_sheets as sheets
from handlers.forms_docx import DOCX_MIME, approval_docx
from handlers.i18n import N_
from handlers.services.errors import InvalidInput, NotFound
from storage import repo_privacy as privacy
from storage import repo_training as repo
from storage import repositories as core_repo
from storage.models_training import TrainingClass

SHEETS = ("roster", "employment", "signin", "approval")


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes
    mime: str
    article: int = 0  # the article of the measure the sheet serves (training), 0 for none


def training_sheet(session: Session, *, key: str, cls: TrainingClass, sheet: str, now: datetime,
                   actor: int | None, session_id: int | None = None, via: str = "") -> Export:
    """An 附件4 roster, 附件6 employment sheet or a session's sign-in sheet of ``cls`` (``session_id``: the
    session, default the last), or its 附件3 approval form, audited as ``training.export_<sheet>``."""
    if sheet not in SHEETS:
        raise InvalidInput(N_("Unknown sheet {sheet}."), sheet=sheet)
    entries = repo.enrolments_of(session=session, class_id=cls.id or 0)
    if sheet == "approval":  # a form, printed and signed like the award forms (.docx), before the class opens
        out = Export(f"附件3-培训班审批表-{cls.code}.docx", approval_docx(xlsx.approval_values(cls, key)), DOCX_MIME, 18)
    elif sheet == "roster":
        out = Export(f"附件4-实名制汇总表-{cls.code}.xlsx", xlsx.roster_xlsx(cls, entries, key, now.date()),
                     sheets.XLSX_MIME, 21)
    elif sheet == "employment":
        out = Export(f"附件6-就业情况统计表-{cls.code}.xlsx", xlsx.employment_xlsx(cls, entries, key, now.date()),
                     sheets.XLSX_MIME, 22)
    else:
        chosen = [s for s in repo.sessions_of(session=session, class_id=cls.id or 0)
                  if session_id in (None, s.id)]
        if not chosen:
            raise NotFound(N_("Class {code} has no such session."), code=cls.code)
        sess = chosen[-1]
        present = repo.attendance_of_session(session=session, session_id=sess.id or 0)
        out = Export(f"签到表-{cls.code}-{sess.day:%Y%m%d}-{sess.id}.xlsx",
                     xlsx.signin_xlsx(cls, sess, entries, present, key, now.tzinfo, now), sheets.XLSX_MIME, 19)
    core_repo.audit(session=session, actor_person_id=actor, action=f"training.export_{sheet}",
                    subject=f"class:{cls.code}", detail=via)
    return out


def person_data(session: Session, *, person_id: int) -> Export:
    """Everything kept about a person, as JSON (encrypted numbers shown as stored encrypted)."""
    data = privacy.export_person(session=session, person_id=person_id)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    core_repo.audit(session=session, actor_person_id=person_id, action="privacy.export",
                    subject=f"person:{person_id}")
    return Export("my-data.json", body, "application/json")


def application_forms(session: Session, *, unit: str, draft_ids: list[int], data: bytes, filename: str,
                      mime: str, actor: int | None) -> Export:
    """The confirmed application forms filed with ``unit`` (built by the caller), audited."""
    core_repo.audit(session=session, actor_person_id=actor, action="drafts.export", subject=unit[:80],
                    detail=",".join(str(i) for i in draft_ids))
    return Export(filename, data, mime)
