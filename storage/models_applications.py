"""Application drafts: the 申报表 (附件2) of the craftsman, studio and station measures, filled in
conversation. Answers live in a JSON column; the ID number and the mobile number live in separate
encrypted columns (with a keyed lookup hash for the ID) so the database never holds them in clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models import When

DRAFT = "draft"
SUBMITTED = "submitted"


class ApplicationDraft(SQLModel, table=True):
    """One person's form for one programme. At most one row per person and programme is ``draft``."""

    __tablename__ = "application_draft"
    __table_args__ = (
        # A partial unique index: both SQLite and PostgreSQL support it, and it keeps concurrent
        # entries from opening two drafts of the same programme.
        Index("uq_application_draft_open", "person_id", "programme", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    programme: str = Field(max_length=16)  # craftsman | studio | station
    status: str = Field(default=DRAFT, max_length=12)
    values_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    id_number_enc: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    id_number_hash: str = Field(default="", max_length=64, index=True)
    mobile_enc: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    unit: str = Field(default="", max_length=100, index=True)  # the union the form is filed with
    created_at: datetime = When(default_now=True)
    updated_at: datetime = When(default_now=True)
    submitted_at: datetime | None = When()


class CheckDraft(SQLModel, table=True):
    """An eligibility or channel check left before its conclusion ("菜单", "取消", another function, an idle chat):
    its answers as the conversation held them (no ID or phone number: the checks ask none), one per person and
    check, until the person goes on with it, finishes it, or it ages out under the retention policy."""

    __tablename__ = "check_draft"
    __table_args__ = (UniqueConstraint("person_id", "flow", name="uq_check_draft"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    flow: str = Field(max_length=40)  # craftsman | craftsman_channel | studio | station
    answers: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    updated_at: datetime = When(default_now=True, index=True)
