"""Hand-off tickets: a person's question that the assistant could not settle, routed to the clerks of the
responsible union unit, with its thread of messages and a satisfaction rating."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from storage.models import When


class Ticket(SQLModel, table=True):
    """Status: open -> claimed -> answered (-> open again when the person replies) -> closed."""

    __tablename__ = "ticket"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    programme: str = Field(default="other", max_length=16)
    unit: str = Field(max_length=100, index=True)  # the union unit responsible
    question: str = Field(sa_column=Column(Text, nullable=False))  # personal data masked
    context: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))  # masked
    status: str = Field(default="open", max_length=10, index=True)
    claimed_by: int | None = Field(default=None, foreign_key="person.id")
    rating: int | None = None  # 1-5 (好差评)
    faq_candidate: bool = False  # a clerk marked it worth a FAQ entry
    created_at: datetime = When(default_now=True)
    due_at: datetime = When(default_now=True)  # the promised answer time
    answered_at: datetime | None = When()
    closed_at: datetime | None = When()
    escalated_at: datetime | None = When()


class TicketMessage(SQLModel, table=True):
    __tablename__ = "ticket_message"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    author: str = Field(max_length=8)  # "person" | "clerk"
    author_person_id: int | None = Field(default=None, foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = When(default_now=True)
