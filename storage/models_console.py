"""The clerks' web console: one-time sign-in links and server-side sessions.

Neither token is stored: only its SHA-256, so a copy of the database opens no link and no session. A link
is bound to the clerk (person) and the unit they acted for when it was issued; a session carries the same
and is checked against the stored clerk role on every request.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models import When


class ConsoleLink(SQLModel, table=True):
    """A single-use sign-in link, valid a few minutes."""

    __tablename__ = "console_link"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit: str = Field(max_length=100)
    created_at: datetime = When(default_now=True)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = When()


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser. ``csrf`` is the token its forms carry; ``ended_at`` set: signed out."""

    __tablename__ = "console_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit: str = Field(max_length=100)
    csrf: str = Field(max_length=64)
    locale: str = Field(default="zh", max_length=8)
    created_at: datetime = When(default_now=True)
    last_seen_at: datetime = When(default_now=True, index=True)
    ended_at: datetime | None = When()
