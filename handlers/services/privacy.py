"""A person's right to deletion: their data deleted or unlinked (records the unions must keep stay), audited.
Their copy of it is an export (:func:`handlers.services.exports.person_data`)."""

from __future__ import annotations

from sqlmodel import Session

from storage import repo_privacy as privacy
from storage import repositories as repo


def delete_person_data(session: Session, *, person_id: int) -> privacy.Kept:
    """Delete or pseudonymise what is kept about the person; returns what had to stay, and the audit row says
    how much (no personal detail)."""
    kept = privacy.delete_person_data(session=session, person_id=person_id)
    repo.audit(session=session, actor_person_id=person_id, action="privacy.delete", subject=f"person:{person_id}",
               detail=f"cases kept {kept.cases}, roster lines kept {kept.enrolments}")
    return kept
