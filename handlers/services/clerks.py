"""The clerk allow-list (``YUNLING_CLERKS``) applied to a person: the stored role and unit follow it, and each
change is audited (``clerk.granted``, ``clerk.unit_changed``, ``clerk.revoked``). Called by the dispatcher at
every message and by ``bot.app`` at start."""

from __future__ import annotations

from sqlmodel import Session

from storage import repositories as repo
from storage.models import Person


def follow_allow_list(session: Session, *, person: Person, unit: str, note: str = "") -> str:
    """Give ``person`` the clerk role for ``unit`` ("" = no clerk); returns the audited action, "" when nothing
    changed."""
    action, detail = repo.set_clerk_unit(session=session, person=person, unit=unit)
    if action:
        repo.audit(session=session, actor_person_id=None, action=action, subject=f"person:{person.id}",
                   detail=f"{detail}; {note}" if note else detail)
    return action
