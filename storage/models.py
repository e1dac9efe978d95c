"""Core tables: people and their platform identities, conversation state, processed message keys,
the inbox of acknowledged updates, the outbox of messages the assistant starts itself, subscriptions
and the audit trail.

Feature areas keep their tables in sibling modules (``models_cases``, ``models_training``,
``models_tickets``); :func:`storage.db.import_all_models` imports them all so metadata is complete.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def When(*, default_now: bool = False, index: bool = False, nullable: bool = True):
    """A timestamp column. SQLModel (>= 0.0.50) maps ``datetime`` to its ``UTCDateTime``: values must be
    timezone-aware, are stored as UTC (``timestamptz`` on PostgreSQL) and come back aware in UTC, so the
    same code behaves alike on SQLite and PostgreSQL."""
    if default_now:
        return Field(default_factory=utcnow, index=index, nullable=False)
    return Field(default=None, index=index, nullable=nullable)


def role_set(roles: str) -> frozenset[str]:
    """The roles of a comma-separated ``Person.roles``."""
    return frozenset(r for r in roles.split(",") if r)


class Person(SQLModel, table=True):
    """One human, however many platforms they use. Roles: worker, trainee, applicant, clerk."""

    __tablename__ = "person"
    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(default="", max_length=100)
    locale: str = Field(default="zh", max_length=8)
    roles: str = Field(default="", max_length=200)  # comma-separated
    unit: str = Field(default="", max_length=100)  # the union unit a clerk acts for
    prefecture: str = Field(default="", max_length=50)  # 州市, for broadcast segments
    industry_union: str = Field(default="", max_length=100)  # 省级产业/系统/公司工会, for segments
    created_at: datetime = When(default_now=True)
    last_seen_at: datetime = When(default_now=True)

    def role_set(self) -> frozenset[str]:
        return role_set(self.roles)


class Identity(SQLModel, table=True):
    """A person's account on one channel. ``last_inbound_at`` drives WeChat's 48-hour service window."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("channel", "user_key", name="uq_identity_channel_user"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    channel: str = Field(max_length=16)
    user_key: str = Field(max_length=128)
    chat_key: str = Field(default="", max_length=128)
    reachable: bool = Field(default=True)
    last_inbound_at: datetime | None = When()
    created_at: datetime = When(default_now=True)


class Conversation(SQLModel, table=True):
    """The active flow of one identity: flow name, state name, slots (JSON), offered choices (JSON)."""

    __tablename__ = "conversation"
    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="identity.id", unique=True)
    flow: str = Field(default="", max_length=40)
    state: str = Field(default="", max_length=40)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    offered: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    retries: int = 0
    # The person's last few messages, personal data masked: context for a hand-off to a clerk.
    recent: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    updated_at: datetime = When(default_now=True)


class ProcessedMessage(SQLModel, table=True):
    """Delivery keys already handled: a second delivery of the same key is dropped."""

    __tablename__ = "processed_message"
    __table_args__ = (UniqueConstraint("channel", "message_key", name="uq_processed_key"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    message_key: str = Field(max_length=160)
    processed_at: datetime = When(default_now=True, index=True)


class InboxUpdate(SQLModel, table=True):
    """An update acknowledged to its platform but not yet fully handled: written before the platform gets
    its answer (Telegram's 200, WeChat's ``success`` past the reply deadline), deleted in the transaction
    that handles it. A process that starts handles what it finds here, in ``id`` order.

    ``body`` is the update, encrypted with the data key (it may hold ID or phone numbers). ``chat`` is a
    64-bit hash of the channel and chat (never the chat's id itself): the key of the lock under which one
    chat's rows are handled, in order of ``seq`` (Telegram's ``update_id``, increasing per bot; empty for
    WeChat, whose rows go in ``id`` order, the order they were recorded). See :mod:`storage.chat_order`."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "message_key", name="uq_inbox_key"),
                      Index("ix_inbox_chat", "chat"))
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    message_key: str = Field(max_length=160)
    body: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = When(default_now=True)
    chat: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class OutboxMessage(SQLModel, table=True):
    """A message the assistant starts itself (notification, reminder, broadcast, ticket answer).

    ``body`` is a serialised :class:`handlers.types.Reply`. ``dedupe_key`` makes enqueueing idempotent,
    e.g. ``broadcast:12:person:34``. Status: pending -> sending -> sent | failed (retry later) | dead.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(default="notification", max_length=20)
    body: str = Field(sa_column=Column(Text, nullable=False))
    dedupe_key: str = Field(max_length=160, unique=True)
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = When(default_now=True)
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: datetime | None = When()
    channel: str = Field(default="", max_length=16)  # channel used for the last attempt
    last_error: str = Field(default="", max_length=300)
    broadcast_id: int | None = Field(default=None, index=True)
    created_at: datetime = When(default_now=True)
    sent_at: datetime | None = When()


class Subscription(SQLModel, table=True):
    """A person's opt-in to reminders for a programme (craftsman, studio, station, training)."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("person_id", "programme", name="uq_subscription"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    programme: str = Field(max_length=16)
    created_at: datetime = When(default_now=True)


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, when and why (clerk actions, exports, status changes)."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=60)
    subject: str = Field(default="", max_length=80)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = When(default_now=True, index=True)
