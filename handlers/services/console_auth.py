"""Sign-in to the clerks' web console without passwords, and its sessions.

A clerk asks for a link in chat (``后台`` / ``console``) or on the command line (``yunling console-link``):
:func:`issue_link` makes a single-use link valid :data:`LINK_TTL`, bound to the clerk and the unit they act
for. Opening it (:func:`open_session`) starts a server-side session with its own CSRF token; the browser
keeps only the session's token, signed (:func:`sign` / :func:`unsign`). A session ends after
:data:`IDLE_LIMIT` without a request, when its clerk signs out (here or everywhere), or as soon as the
person is no longer a clerk of that unit (the allow-list, ``YUNLING_CLERKS``, is the truth).

Every issue, sign-in, refusal, sign-out and page view is audited here (``console.*``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from handlers.i18n import N_
from knowledge.places import PROVINCIAL_UNION
from storage import repo_console as rcon
from storage import repositories as repo
from storage.models import Person

LINK_TTL = timedelta(minutes=10)
IDLE_LIMIT = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
LINK_PATH = "/console/signin/"

NOT_A_CLERK = N_("Sorry, the web console is only for authorised union clerks. If you are one, ask your union "
                 "to add you.")


class NotAClerk(Exception):
    """The person asking for a link is not a clerk (the allow-list decides)."""


@dataclass(frozen=True)
class Clerk:
    """The clerk of a live session, as every page and action sees them."""

    person_id: int
    unit: str
    name: str
    locale: str
    session_id: int
    csrf: str

    @property
    def provincial(self) -> bool:
        """The provincial federation's clerks see every unit."""
        return self.unit == PROVINCIAL_UNION

    def sees(self, unit: str) -> bool:
        return self.provincial or (bool(unit) and unit == self.unit)

    @property
    def scope(self) -> str | None:
        """The unit a query is limited to; None for the provincial federation (all units)."""
        return None if self.provincial else self.unit


def _clerk_unit(person: Person | None) -> str:
    return person.unit if person is not None and "clerk" in person.role_set() and person.unit else ""


def issue_link(session: Session, *, person_id: int, now: datetime, via: str) -> str:
    """A new sign-in link's token for a clerk (raises :class:`NotAClerk` for anyone else); audited."""
    person = session.get(Person, person_id)
    unit = _clerk_unit(person)
    if not unit:
        repo.audit(session=session, actor_person_id=person_id, action="console.link_refused", detail=via)
        raise NotAClerk(NOT_A_CLERK)
    token = rcon.create_link(session=session, person_id=person_id, unit=unit, now=now, expires_at=now + LINK_TTL)
    repo.audit(session=session, actor_person_id=person_id, action="console.link_issued", subject=f"unit:{unit}",
               detail=via)
    return token


def link_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + LINK_PATH + token


def open_session(session: Session, *, token: str, now: datetime, locale: str) -> tuple[str, str] | None:
    """Redeem a link: (session token, CSRF token), or None when the link is unknown, used, expired, or its
    clerk no longer acts for the unit it was issued for. Audited either way."""
    link = rcon.redeem_link(session=session, token=token, now=now)
    if link is None:
        known = rcon.find_link(session=session, token=token)
        repo.audit(session=session, actor_person_id=known.person_id if known else None,
                   action="console.link_refused", detail="used" if known and known.used_at else
                   ("expired" if known else "unknown"))
        return None
    person = session.get(Person, link.person_id)
    if _clerk_unit(person) != link.unit:
        repo.audit(session=session, actor_person_id=link.person_id, action="console.link_refused",
                   detail="no longer a clerk of " + link.unit)
        return None
    lang = person.locale if person is not None and person.locale in ("zh", "en") else locale
    pair = rcon.create_session(session=session, person_id=link.person_id, unit=link.unit, locale=lang, now=now)
    repo.audit(session=session, actor_person_id=link.person_id, action="console.signin", subject=f"unit:{link.unit}")
    return pair


def current_clerk(session: Session, *, token: str, now: datetime) -> Clerk | None:
    """The clerk of a live session, or None (unknown, ended, idle past the limit, or no longer a clerk of
    the session's unit: then the session is ended)."""
    row = rcon.live_session(session=session, token=token, idle_since=now - IDLE_LIMIT)
    if row is None:
        return None
    person = session.get(Person, row.person_id)
    if _clerk_unit(person) != row.unit:
        rcon.end_sessions(session=session, person_id=row.person_id, now=now, only_id=row.id)
        repo.audit(session=session, actor_person_id=row.person_id, action="console.session_ended",
                   detail="no longer a clerk of " + row.unit)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        rcon.touch(session=session, row=row, now=now)
    assert person is not None
    return Clerk(person_id=row.person_id, unit=row.unit, name=person.display_name, locale=row.locale,
                 session_id=row.id or 0, csrf=row.csrf)


def set_locale_of(session: Session, *, clerk: Clerk, locale: str) -> None:
    """The language of the clerk's pages in this session."""
    rcon.set_locale(session=session, session_id=clerk.session_id, locale=locale)


def sign_out(session: Session, *, clerk: Clerk, now: datetime, everywhere: bool) -> int:
    ended = rcon.end_sessions(session=session, person_id=clerk.person_id, now=now,
                              only_id=None if everywhere else clerk.session_id)
    repo.audit(session=session, actor_person_id=clerk.person_id,
               action="console.signout_everywhere" if everywhere else "console.signout", detail=f"sessions={ended}")
    return ended


def record(session: Session, *, clerk: Clerk, action: str, subject: str = "", detail: str = "") -> None:
    """Audit what a clerk looked at or did in the console (``console.view``, ``console.export``…)."""
    repo.audit(session=session, actor_person_id=clerk.person_id, action=action, subject=subject[:80],
               detail=detail)


# -- the cookie --------------------------------------------------------------------------------------
def _cookie_key(secret: str) -> bytes:
    return hashlib.sha256(("console-cookie:" + secret).encode()).digest()


def sign(secret: str, token: str) -> str:
    mac = hmac.new(_cookie_key(secret), token.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{token}.{mac}"


def unsign(secret: str, value: str) -> str | None:
    token = value.rpartition(".")[0]
    if not token or not hmac.compare_digest(sign(secret, token).encode(), value.encode("utf-8", "replace")):
        return None
    return token
