"""Repository functions for the core tables. Each takes a keyword-only ``session``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, insert, literal_column, text, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from storage.db import rowcount, table
from storage.models import (
    AuditEvent,
    Conversation,
    Identity,
    InboxUpdate,
    OutboxMessage,
    Person,
    ProcessedMessage,
    Subscription,
    utcnow,
)
from storage.prepared import Prepared, run_later


def insert_once(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """INSERT unless a unique key already holds the row (decided by the index, also between processes);
    True when this call inserted it. One statement on SQLite and PostgreSQL (ON CONFLICT DO NOTHING …
    RETURNING; rowcount is not reliable there through the ORM session), a savepoint elsewhere."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        stmt = _insert_once_stmt(model, dialect, tuple(values))
        return session.connection().execute(stmt, values).first() is not None
    try:
        with session.begin_nested():
            session.execute(insert(model).values(**values))
    except IntegrityError:
        return False
    return True


def insert_many_once(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """:func:`insert_once` for rows of the same columns, in one executemany; where a unique key already
    holds a row, that row stays."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        session.connection().execute(_on_conflict_nothing(model, dialect, tuple(rows[0])), rows)
        return
    for row in rows:
        insert_once(session, model, row)


@cache
def _on_conflict_nothing(model: type[SQLModel], dialect: str, columns: tuple[str, ...]) -> Any:
    # Built once per model, dialect and column set: the hot path runs these on every message, and building
    # a statement costs more than executing it.
    make = sqlite_insert if dialect == "sqlite" else pg_insert
    return make(model).values({c: bindparam(c) for c in columns}).on_conflict_do_nothing()


@cache
def _insert_once_stmt(model: type[SQLModel], dialect: str, columns: tuple[str, ...]) -> Any:
    return _on_conflict_nothing(model, dialect, columns).returning(literal_column("1"))


def mark_processed(*, session: Session, channel: str, message_key: str) -> bool:
    """Record a delivery key; False when it was recorded before (a duplicate delivery)."""
    return insert_once(session, ProcessedMessage, {"channel": channel, "message_key": message_key,
                                                   "processed_at": utcnow()})


@cache
def _pair_once_stmt(dialect: str) -> Prepared:
    # Text, not insert().values([...]): SQLAlchemy has no cache key for a multi-row VALUES and compiled it
    # again on every message (a twentieth of the webhook's CPU). SQLite and PostgreSQL read the same SQL.
    assert dialect in ("sqlite", "postgresql")
    t = table(ProcessedMessage)
    return Prepared(text(f"INSERT INTO {t.name} (channel, message_key, processed_at) VALUES (:c1, :k1, :at), "
                         "(:c2, :k2, :at) ON CONFLICT DO NOTHING RETURNING channel").bindparams(
        bindparam("at", type_=t.c.processed_at.type)).columns(t.c.channel))


@cache
def _settle_and_pair_stmt() -> Prepared:
    # PostgreSQL runs a data-modifying WITH whatever the INSERT does: the inbox row goes in the same statement.
    t, inbox = table(ProcessedMessage), table(InboxUpdate)
    return Prepared(text(
        f"WITH settled AS (DELETE FROM {inbox.name} WHERE channel = :sc AND message_key = :sk) "
        f"INSERT INTO {t.name} (channel, message_key, processed_at) VALUES (:c1, :k1, :at), (:c2, :k2, :at) "
        "ON CONFLICT DO NOTHING RETURNING channel").bindparams(
        bindparam("at", type_=t.c.processed_at.type)).columns(t.c.channel))


def mark_processed_pair(*, session: Session, first: tuple[str, str], second: tuple[str, str],
                        settle: tuple[str, str] | None = None) -> tuple[bool, bool]:
    """Record two (channel, key) pairs -- a replay guard's key and the message's own -- in one statement;
    for each, True when this call recorded it (False: seen before). The channels must differ. ``settle``:
    an inbox row (channel, message_key) deleted first, whatever the keys say (in the same statement on
    PostgreSQL)."""
    assert first[0] != second[0]
    dialect = session.get_bind().dialect.name
    if settle is not None and dialect != "postgresql":
        settle_inbox(session=session, channel=settle[0], message_keys=(settle[1],))
    if dialect not in ("sqlite", "postgresql"):
        return (mark_processed(session=session, channel=first[0], message_key=first[1]),
                mark_processed(session=session, channel=second[0], message_key=second[1]))
    values = {"c1": first[0], "k1": first[1], "c2": second[0], "k2": second[1], "at": utcnow()}
    if settle is not None and dialect == "postgresql":
        rows = _settle_and_pair_stmt().run(session.connection(), {**values, "sc": settle[0], "sk": settle[1]})
    else:
        rows = _pair_once_stmt(dialect).run(session.connection(), values)
    inserted = {r[0] for r in rows}
    return first[0] in inserted, second[0] in inserted


@cache
def _one_once_stmt(dialect: str, settling: bool) -> Prepared:
    # PostgreSQL runs a data-modifying WITH whatever the INSERT does: the inbox row goes in the same statement.
    t, inbox = table(ProcessedMessage), table(InboxUpdate)
    settle = (f"WITH settled AS (DELETE FROM {inbox.name} WHERE channel = :sc AND message_key = :sk) "
              if settling else "")
    return Prepared(text(
        f"{settle}INSERT INTO {t.name} (channel, message_key, processed_at) VALUES (:c1, :k1, :at) "
        "ON CONFLICT DO NOTHING RETURNING channel").bindparams(
        bindparam("at", type_=t.c.processed_at.type)).columns(t.c.channel))


def mark_processed_settling(*, session: Session, channel: str, message_key: str,
                            settle: tuple[str, str] | None = None) -> bool:
    """:func:`mark_processed`, after deleting the inbox row ``settle`` (channel, message_key) whatever the key
    says: in one statement on PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if settle is not None and dialect != "postgresql":
        settle_inbox(session=session, channel=settle[0], message_keys=(settle[1],))
    if dialect not in ("sqlite", "postgresql"):
        return mark_processed(session=session, channel=channel, message_key=message_key)
    values: dict[str, Any] = {"c1": channel, "k1": message_key, "at": utcnow()}
    settling = settle is not None and dialect == "postgresql"
    if settling:
        assert settle is not None
        values["sc"], values["sk"] = settle
    return bool(_one_once_stmt(dialect, settling).run(session.connection(), values))


_INBOX = table(InboxUpdate).c
_SETTLE_ONE = Prepared(delete(table(InboxUpdate)).where(_INBOX.channel == bindparam("c"),
                                                          _INBOX.message_key == bindparam("k")))
_SETTLE_MANY = delete(table(InboxUpdate)).where(_INBOX.channel == bindparam("c"),
                                                 _INBOX.message_key.in_(bindparam("keys", expanding=True)))


def settle_inbox(*, session: Session, channel: str, message_keys: Sequence[str]) -> None:
    """Inbox rows handled (:mod:`storage.repo_inbox`): one DELETE for one row or for a batch's."""
    if len(message_keys) == 1:
        _SETTLE_ONE.run(session.connection(), {"c": channel, "k": message_keys[0]})
    elif message_keys:
        session.connection().execute(_SETTLE_MANY, {"c": channel, "keys": list(message_keys)})


_FORGET = delete(ProcessedMessage).where(col(ProcessedMessage.channel) == bindparam("c"),
                                         col(ProcessedMessage.message_key) == bindparam("k"))


def forget_processed(*, session: Session, channel: str, message_key: str) -> None:
    session.connection().execute(_FORGET, {"c": channel, "k": message_key})


def purge_processed(*, session: Session, before: datetime) -> int:
    """Forget delivery keys older than ``before``: platforms retry within minutes, not days."""
    result = session.execute(delete(ProcessedMessage).where(col(ProcessedMessage.processed_at) < before))
    return rowcount(result)


_IDENTITY_AND_PERSON = (
    select(Identity, Person).join(Person, col(Person.id) == Identity.person_id)
    .where(Identity.channel == bindparam("channel"), Identity.user_key == bindparam("user_key"))
)


def get_or_create_identity(
    *, session: Session, channel: str, user_key: str, chat_key: str = "", locale: str = "zh", display_name: str = ""
) -> tuple[Identity, Person]:
    # Identity and person in one joined statement, rather than identity then person.
    found = session.execute(_IDENTITY_AND_PERSON, {"channel": channel, "user_key": user_key}).first()
    if found is not None:
        return found[0], found[1]
    return _create_identity(session, channel, user_key, chat_key, locale, display_name)


def _create_identity(session: Session, channel: str, user_key: str, chat_key: str, locale: str,
                     display_name: str) -> tuple[Identity, Person]:
    """A new person with their first identity (a channel's user seen for the first time).

    Two processes can see a user's first two messages at once (Telegram acknowledges an update before
    handling it). On a server database the second insert waits for the first transaction and then hits the
    unique key: inside a savepoint, so that it takes the identity just created instead of failing the
    message. (SQLite has one writer at a time: the second transaction starts after the first committed.)"""
    if session.get_bind().dialect.name == "sqlite":
        return _insert_identity(session, channel, user_key, chat_key, locale, display_name)
    try:
        with session.begin_nested():
            return _insert_identity(session, channel, user_key, chat_key, locale, display_name)
    except IntegrityError:
        found = session.exec(select(Identity, Person).join(Person, col(Person.id) == Identity.person_id)
                             .where(Identity.channel == channel, Identity.user_key == user_key)).first()
        if found is None:
            raise
        return found[0], found[1]


def _insert_identity(session: Session, channel: str, user_key: str, chat_key: str, locale: str,
                     display_name: str) -> tuple[Identity, Person]:
    person = Person(locale=locale, display_name=display_name[:100])
    session.add(person)
    session.flush()
    identity = Identity(person_id=person.id or 0, channel=channel, user_key=user_key, chat_key=chat_key or user_key)
    session.add(identity)
    session.flush()
    return identity, person


@dataclass(frozen=True)
class Who:
    """Who wrote, as read on every message with one Core statement: the ids, the 48-hour window's last
    message, and the person's locale, roles and unit (the ORM's Person is loaded only when a step needs it)."""

    identity_id: int
    person_id: int
    last_inbound_at: datetime | None
    locale: str
    roles: str
    unit: str
    # Created by this call (:func:`identify`): ``last_inbound_at`` is None (never wrote before), while the row
    # holds the ``seen`` it was created with.
    created: bool = field(default=False, compare=False)


_I, _P = table(Identity).c, table(Person).c
_WHO = (core_select(_I.id, _I.person_id, _I.last_inbound_at, _P.locale, _P.roles, _P.unit)
        .select_from(table(Identity).join(table(Person), _P.id == _I.person_id))
        .where(_I.channel == bindparam("channel"), _I.user_key == bindparam("user_key")))
_SEEN_IDENTITY = Prepared(update(table(Identity)).where(_I.id == bindparam("iid"))
                          .values(last_inbound_at=bindparam("at")))
_SEEN_PERSON = Prepared(update(table(Person)).where(_P.id == bindparam("pid")).values(last_seen_at=bindparam("at")))


def identify(*, session: Session, channel: str, user_key: str, chat_key: str = "", locale: str = "zh",
             display_name: str = "", seen: datetime | None = None) -> Who:
    """:class:`Who` of a channel's user, created (person and identity) on their first message; ``seen``: the
    time of that message, written as the identity's last inbound message and the person's last seen time
    (``Who.created`` tells that nothing else needs writing)."""
    session.flush()  # a Core read: pending ORM changes of an earlier message in the transaction first
    row = session.connection().execute(_WHO, {"channel": channel, "user_key": user_key}).first()
    if row is not None:
        return Who(*row)
    # Not found by the read just made: create (Core, like the read: the ORM's flushes of two new objects
    # cost more than a first message's whole search), without asking the same question again.
    if session.get_bind().dialect.name == "sqlite":  # one writer at a time: no one else can be creating it
        return _insert_who(session, channel, user_key, chat_key, locale, display_name, seen)
    try:  # two processes may see a user's first two messages at once (see _create_identity)
        with session.begin_nested():
            return _insert_who(session, channel, user_key, chat_key, locale, display_name, seen)
    except IntegrityError:
        row = session.connection().execute(_WHO, {"channel": channel, "user_key": user_key}).first()
        if row is None:
            raise
        return Who(*row)


_NEW_PERSON = insert(table(Person)).values(
    {c: bindparam(c) for c in ("display_name", "locale", "roles", "unit", "prefecture", "industry_union",
                               "created_at", "last_seen_at")}).returning(_P.id)
_NEW_IDENTITY = insert(table(Identity)).values(
    {c: bindparam(c) for c in ("person_id", "channel", "user_key", "chat_key", "reachable", "last_inbound_at",
                               "created_at")}).returning(_I.id)


# The model's defaults of a new person's other columns, read once (building a Person to read them cost more than
# the two inserts of a first message).
_PERSON_DEFAULTS = {name: Person.model_fields[name].default for name in ("roles", "unit", "prefecture", "industry_union")}


def _insert_who(session: Session, channel: str, user_key: str, chat_key: str, locale: str,
                display_name: str, seen: datetime | None = None) -> Who:
    """:func:`_insert_identity` in two Core statements, with the models' defaults."""
    now, conn = utcnow(), session.connection()
    person = {**_PERSON_DEFAULTS, "locale": locale, "display_name": display_name[:100]}
    person_id = conn.execute(_NEW_PERSON, {**person, "created_at": now, "last_seen_at": seen or now}).scalar_one()
    identity_id = conn.execute(_NEW_IDENTITY, {
        "person_id": person_id, "channel": channel, "user_key": user_key, "chat_key": chat_key or user_key,
        "reachable": True, "last_inbound_at": seen, "created_at": now}).scalar_one()
    return Who(identity_id, person_id, None, locale, person["roles"], person["unit"], created=seen is not None)


def mark_seen(*, session: Session, who: Who, at: datetime) -> None:
    """The identity's last inbound message and the person's last seen time."""
    conn = session.connection()
    _SEEN_IDENTITY.run(conn, {"iid": who.identity_id, "at": at})
    _SEEN_PERSON.run(conn, {"pid": who.person_id, "at": at})


def find_identity(*, session: Session, channel: str, user_key: str) -> Identity | None:
    return session.exec(select(Identity).where(Identity.channel == channel, Identity.user_key == user_key)).first()


def identities_of(*, session: Session, person_id: int) -> list[Identity]:
    return list(session.exec(select(Identity).where(Identity.person_id == person_id)))


def set_reachable(*, session: Session, channel: str, user_key: str, reachable: bool) -> None:
    identity = find_identity(session=session, channel=channel, user_key=user_key)
    if identity is not None:
        identity.reachable = reachable
        session.add(identity)


@dataclass
class ConversationState:
    """One identity's conversation row as plain values. The dispatcher reads and writes it on every message
    with two Core statements; the ORM's unit of work cost more than the rest of a menu answer. The values
    as loaded are kept, so that :func:`store_conversation` writes only the columns that changed (the JSON
    of the slots, the choices offered and the recent messages is rewritten only when it is different)."""

    identity_id: int
    flow: str = ""
    state: str = ""
    data: str = "{}"
    offered: str = "[]"
    retries: int = 0
    recent: str = "[]"
    updated_at: datetime = field(default_factory=utcnow)
    loaded: tuple[Any, ...] = field(default=(), repr=False, compare=False, kw_only=True)

    def move_to(self, *, flow: str, state: str, data: dict[str, Any], offered: list[Any], retries: int,
                now: datetime) -> None:
        """The conversation's next state; :func:`store_conversation` writes it."""
        self.flow, self.state, self.retries, self.updated_at = flow, state, retries, now
        self.data = json.dumps(data, ensure_ascii=False, default=str) if data else "{}"
        self.offered = json.dumps(offered, ensure_ascii=False) if offered else "[]"

    def changed(self) -> tuple[str, ...]:
        """The fields that differ from the row as loaded (all of them for a row not loaded)."""
        if not self.loaded:
            return _CONV_FIELDS
        return tuple(f for f, old in zip(_CONV_FIELDS, self.loaded, strict=True) if getattr(self, f) != old)


_CONV = table(Conversation).c
_CONV_FIELDS = ("flow", "state", "data", "offered", "retries", "recent", "updated_at")  # updated_at last
TOUCH_PRECISION = timedelta(minutes=1)
_CONV_SELECT = select(*(getattr(_CONV, f) for f in _CONV_FIELDS)).where(_CONV.identity_id == bindparam("iid"))
_CONV_LOCKED = _CONV_SELECT.with_for_update()


@cache
def _conv_update(fields: tuple[str, ...]) -> Prepared:
    return Prepared(update(table(Conversation)).where(_CONV.identity_id == bindparam("iid")).values(
        **{f: bindparam(f"v_{f}") for f in fields}))


def load_conversation(*, session: Session, identity_id: int, for_update: bool = False) -> ConversationState:
    """The conversation of an identity, created empty the first time (row locked on PostgreSQL when
    ``for_update``: another process's message of the same person waits for this transaction)."""
    conn = session.connection()
    stmt = _CONV_LOCKED if for_update and conn.dialect.name == "postgresql" else _CONV_SELECT
    row = conn.execute(stmt, {"iid": identity_id}).first()
    if row is None:
        fresh = ConversationState(identity_id=identity_id)
        # Two processes may see the same new person at once: the unique index decides, then both read it.
        insert_once(session, Conversation, {"identity_id": identity_id,
                                            **{f: getattr(fresh, f) for f in _CONV_FIELDS}})
        row = conn.execute(stmt, {"iid": identity_id}).first()
    assert row is not None
    return ConversationState(identity_id, *row, loaded=tuple(row))


_WHO_AND_CONV = (core_select(_I.id, _I.person_id, _I.last_inbound_at, _P.locale, _P.roles, _P.unit,
                             *(getattr(_CONV, f) for f in _CONV_FIELDS))
                 .select_from(table(Identity).join(table(Person), _P.id == _I.person_id)
                              .join(table(Conversation), _CONV.identity_id == _I.id))
                 .where(_I.channel == bindparam("channel"), _I.user_key == bindparam("user_key")))
_WHO_AND_CONV_LOCKED = _WHO_AND_CONV.with_for_update(of=table(Conversation))
# SQLite (no row locks): an outer join, which tells a person known without a conversation row (None in its
# columns) from nobody (no row). PostgreSQL cannot lock the nullable side of an outer join.
_WHO_AND_MAYBE_CONV = (core_select(_I.id, _I.person_id, _I.last_inbound_at, _P.locale, _P.roles, _P.unit,
                                   *(getattr(_CONV, f) for f in _CONV_FIELDS))
                       .select_from(table(Identity).join(table(Person), _P.id == _I.person_id)
                                    .outerjoin(table(Conversation), _CONV.identity_id == _I.id))
                       .where(_I.channel == bindparam("channel"), _I.user_key == bindparam("user_key")))
_WHO_AND_CONV_RUN = {False: Prepared(_WHO_AND_MAYBE_CONV), True: Prepared(_WHO_AND_CONV_LOCKED)}


def identify_and_load(*, session: Session, channel: str, user_key: str, chat_key: str = "", locale: str = "zh",
                      display_name: str = "", seen: datetime | None = None) -> tuple[Who, ConversationState]:
    """:func:`identify` and :func:`load_conversation` (``for_update``) in one statement for a person who
    has written before: identity, person and conversation joined, the conversation's row locked on
    PostgreSQL. What the row lock waits for is the same as with the two reads: the person's columns are
    read as of the statement's start, as :func:`identify` read them before the lock. On a first message
    (no identity or no conversation row yet) the two steps run as before, except what the read found
    missing: a person created here (``seen``: see :func:`identify`) gets an empty conversation without
    reading it first or back (nobody else sees the identity before the commit)."""
    session.flush()  # a Core read: pending ORM changes of an earlier message in the transaction first
    conn = session.connection()
    postgresql = conn.dialect.name == "postgresql"
    rows = _WHO_AND_CONV_RUN[postgresql].run(conn, {"channel": channel, "user_key": user_key})
    row = rows[0] if rows else None
    if row is not None and row[-1] is not None:
        who = Who(*row[:6])
        return who, ConversationState(who.identity_id, *row[6:], loaded=tuple(row[6:]))
    if row is not None:  # (SQLite) known, without a conversation yet
        who = Who(*row[:6])
    elif postgresql:  # unknown or without a conversation: the locking read cannot tell which
        who = identify(session=session, channel=channel, user_key=user_key, chat_key=chat_key, locale=locale,
                       display_name=display_name, seen=seen)
    else:  # (SQLite) unknown, and no one else can be creating them: one writer at a time
        who = _insert_who(session, channel, user_key, chat_key, locale, display_name, seen)
    if not who.created:
        return who, load_conversation(session=session, identity_id=who.identity_id, for_update=True)
    conv = ConversationState(who.identity_id)
    values = tuple(getattr(conv, f) for f in _CONV_FIELDS)
    insert_once(session, Conversation, {"identity_id": conv.identity_id, **dict(zip(_CONV_FIELDS, values, strict=True))})
    conv.loaded = values
    return who, conv


def store_conversation(*, session: Session, conv: ConversationState) -> None:
    """Write back what the dispatcher changed (once per message): only the columns that differ, and nothing
    when only ``updated_at`` moved by less than :data:`TOUCH_PRECISION` (a menu tap, a follow: the session
    timeout and the retention pass count in minutes and days)."""
    fields = conv.changed()
    if not fields or (fields == ("updated_at",) and conv.loaded
                      and conv.updated_at - conv.loaded[-1] < TOUCH_PRECISION):
        return
    # Nothing reads its outcome: on PostgreSQL it goes with the transaction's next statement or its COMMIT.
    run_later(session.connection(), [(_conv_update(fields), {"iid": conv.identity_id,
                                                            **{f"v_{f}": getattr(conv, f) for f in fields}})])
    conv.loaded = tuple(getattr(conv, f) for f in _CONV_FIELDS)


def enqueue(
    *, session: Session, person_id: int, body: dict[str, Any], dedupe_key: str, kind: str = "notification",
    not_before: datetime | None = None, broadcast_id: int | None = None,
) -> OutboxMessage | None:
    """Put a message in the outbox once per ``dedupe_key``; returns None when it was already there."""
    existing = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return None
    msg = OutboxMessage(
        person_id=person_id, body=json.dumps(body, ensure_ascii=False), dedupe_key=dedupe_key, kind=kind,
        next_attempt_at=not_before or utcnow(), broadcast_id=broadcast_id,
    )
    try:
        with session.begin_nested():
            session.add(msg)
            session.flush()
    except IntegrityError:
        return None
    return msg


def subscribe(*, session: Session, person_id: int, programme: str) -> bool:
    if session.exec(
        select(Subscription).where(Subscription.person_id == person_id, Subscription.programme == programme)
    ).first():
        return False
    session.add(Subscription(person_id=person_id, programme=programme))
    return True


def unsubscribe(*, session: Session, person_id: int, programme: str) -> bool:
    row = session.exec(
        select(Subscription).where(Subscription.person_id == person_id, Subscription.programme == programme)
    ).first()
    if row is None:
        return False
    session.delete(row)
    return True


def subscriptions_of(*, session: Session, person_id: int) -> list[str]:
    return [s.programme for s in session.exec(select(Subscription).where(Subscription.person_id == person_id))]


def audit(*, session: Session, actor_person_id: int | None, action: str, subject: str = "", detail: str = "",
          at: datetime | None = None) -> None:
    event = AuditEvent(actor_person_id=actor_person_id, action=action, subject=subject, detail=detail)
    if at is not None:
        event.created_at = at
    session.add(event)


def audits_since(*, session: Session, actor_person_id: int, action: str, since: datetime) -> int:
    """How many ``action`` events ``actor_person_id`` caused since ``since`` (a limit on repeated attempts)."""
    return len(session.exec(select(AuditEvent.id).where(
        AuditEvent.actor_person_id == actor_person_id, AuditEvent.action == action,
        col(AuditEvent.created_at) >= since)).all())


# -- the clerk allow-list ----------------------------------------------------------------------------------
def allowed_clerk_unit(*, session: Session, person_id: int, clerks: dict[str, str]) -> str:
    """The unit the allow-list (``channel:user_key`` -> unit) gives any of the person's identities, or ""."""
    units = sorted(unit for i in identities_of(session=session, person_id=person_id)
                   if (unit := clerks.get(f"{i.channel}:{i.user_key}")))
    return units[0] if units else ""


def set_clerk_unit(*, session: Session, person: Person, unit: str) -> tuple[str, str]:
    """Make the stored role and unit say what the allow-list says: ``unit`` ("" = no clerk). Returns the
    action ("clerk.granted", "clerk.unit_changed", "clerk.revoked", or "" when nothing changed) and what
    changed, for the audit row the caller writes (``handlers.services.clerks``)."""
    roles = person.role_set()
    was = person.unit if "clerk" in roles else ""
    if unit == was and (bool(unit) == ("clerk" in roles)):
        return "", ""
    if unit:
        action = "clerk.unit_changed" if "clerk" in roles else "clerk.granted"
        person.roles, person.unit = ",".join(sorted(roles | {"clerk"})), unit
        detail = f"unit: {was} -> {unit}" if was else f"unit: {unit}"
    else:
        action = "clerk.revoked"
        person.roles, person.unit = ",".join(sorted(roles - {"clerk"})), ""
        detail = f"unit: {was}"
    session.add(person)
    return action, detail


def clerk_people(*, session: Session) -> list[Person]:
    """People whose stored roles include clerk."""
    return [p for p in session.exec(select(Person).where(col(Person.roles).contains("clerk")))
            if "clerk" in p.role_set()]
