"""Tables of the case tracker and of broadcasts: award applications with their stage history, the link
codes that let an applicant be attached to a case, and clerk broadcasts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from storage.models import When


class Case(SQLModel, table=True):
    """One application (craftsman, studio, station). ``outcome`` is empty while the case is open."""

    __tablename__ = "award_case"
    id: int | None = Field(default=None, primary_key=True)
    programme: str = Field(max_length=16, index=True)
    person_id: int = Field(foreign_key="person.id", index=True)  # the applicant
    title: str = Field(max_length=120)  # applicant or studio/station name
    unit: str = Field(max_length=100, index=True)  # the recommending union
    stage: str = Field(default="submitted", max_length=20)
    publicity_start: date | None = None
    publicity_end: date | None = None
    outcome: str = Field(default="", max_length=16)  # "" | rejected | withdrawn | disqualified
    outcome_reason: str = Field(default="", max_length=500)
    created_at: datetime = When(default_now=True)
    updated_at: datetime = When(default_now=True)


class CaseEvent(SQLModel, table=True):
    """One change of a case: who, what (create | move | close | publicity), from -> to, when, why."""

    __tablename__ = "case_event"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="award_case.id", index=True)
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=16)
    from_stage: str = Field(default="", max_length=20)
    to_stage: str = Field(default="", max_length=20)  # a stage key or an outcome
    reason: str = Field(default="", max_length=500)
    created_at: datetime = When(default_now=True)


class LinkCode(SQLModel, table=True):
    """A short-lived, single-use code an applicant shows their clerk so the clerk can open a case for
    them without exchanging phone or ID numbers in chat."""

    __tablename__ = "link_code"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code: str = Field(max_length=16, unique=True)
    expires_at: datetime = When(nullable=False)
    used_at: datetime | None = When()


class Broadcast(SQLModel, table=True):
    """A clerk message to a segment. Status: draft -> scheduled -> sending -> done, or cancelled.

    ``segment`` is a JSON spec (see :mod:`storage.repo_cases`). Proposed reminders are drafts with a
    unique ``proposal_key``; ``relevant_until`` stops a reminder that is released too late."""

    __tablename__ = "broadcast"
    id: int | None = Field(default=None, primary_key=True)
    author_person_id: int | None = Field(default=None, foreign_key="person.id")
    unit: str = Field(max_length=100, index=True)
    segment: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="draft", max_length=10, index=True)
    scheduled_at: datetime | None = When()
    relevant_until: datetime | None = When()
    proposal_key: str | None = Field(default=None, max_length=160, unique=True)
    recipients: int = 0  # set when released
    created_at: datetime = When(default_now=True)
    released_at: datetime | None = When()
    finished_at: datetime | None = When()
