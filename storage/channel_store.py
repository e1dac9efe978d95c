"""What a chat platform's adapter keeps in the database, behind one object per adapter.

The composition root (:mod:`bot.app`) builds a :class:`WeChatStore` or :class:`TelegramStore` and hands it to
the adapter; the adapters hold no engine of their own and run no SQL. Methods named ``*_in`` take the
session of a transaction that is already open (the dispatcher's ``guard`` and ``after`` hooks, so that the
adapter's bookkeeping commits with the message); the others run a transaction of their own.

Bodies kept for a crash (the inbox) and passive replies kept for WeChat's retries are encrypted at rest
with the data key (sealed: :func:`storage.crypto.seal`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import models_telegram, repo_inbox, repo_outbox, repo_wechat
from storage import repositories as repo
from storage.chat_order import Held as Held  # re-exported: the adapters reach storage through this module
from storage.chat_order import chat_key, chat_locks
from storage.crypto import decrypt, seal
from storage.db import at_commit, run_in_transaction

T = TypeVar("T")
Unreadable = object()  # an inbox row that does not decrypt (another data key?)


@dataclass(frozen=True)
class InboxRow:
    """A step recording one message in the inbox (:meth:`ChannelStore.inbox_recorder`); the rows of a
    group-committed batch are recorded together by :func:`run_steps`. With a ``guard`` -- a key seen once,
    such as WeChat's (timestamp, nonce), kept in ``processed_message`` under its channel -- the row is
    recorded only when the key is new, and the step returns ``replayed`` when it is not (None otherwise):
    the replay guard decides in the transaction that commits before the platform is told anything."""

    channel: str
    message_key: str
    body: str  # encrypted
    at: datetime | None = None
    chat: int | None = None
    seq: int | None = None
    guard: tuple[str, str] | None = None
    replayed: object = None

    def row(self) -> dict[str, Any]:
        return {"channel": self.channel, "message_key": self.message_key, "body": self.body, "received_at": self.at,
                "chat": self.chat, "seq": self.seq}

    def __call__(self, session: Session) -> object:
        if self.guard is not None:
            (admitted,) = repo_inbox.admit(session=session, rows=[self.row()], guards=[self.guard])
            return None if admitted else self.replayed
        repo_inbox.record(session=session, channel=self.channel, message_key=self.message_key,
                          body=self.body, at=self.at, chat=self.chat, seq=self.seq)
        return None


def run_steps(session: Session, steps: Sequence[Callable[[Session], object]]) -> list[object]:
    """Steps of one transaction, in order, and what each returned; when they all record inbox rows, in one
    executemany (in that order: the rows' ids are their chats' order), after one INSERT of their guards'
    keys."""
    if steps and all(isinstance(step, InboxRow) for step in steps):
        rows = [step for step in steps if isinstance(step, InboxRow)]
        if any(r.guard is not None for r in rows):
            admitted = repo_inbox.admit(session=session, rows=[r.row() for r in rows], guards=[r.guard for r in rows])
            return [None if ok else r.replayed for r, ok in zip(rows, admitted, strict=True)]
        repo_inbox.record_many(session=session, rows=[r.row() for r in rows])
        return [None] * len(rows)
    return [step(session) for step in steps]


class ChannelStore:
    """The inbox of one channel and its replies in the outbox."""

    def __init__(self, engine: Engine, data_key: str, channel: str) -> None:
        self.engine, self.data_key, self.channel = engine, data_key, channel

    def run(self, work: Callable[[Session], T]) -> T:
        """``work`` in a transaction of its own (retried when the database is busy)."""
        return run_in_transaction(self.engine, work)

    # -- the inbox ---------------------------------------------------------------------------------
    def chat_of(self, chat: str) -> int:
        """The lock key (and ``inbox.chat``) of a chat of this channel."""
        return chat_key(self.channel, chat)

    def inbox_recorder(self, message_key: str, plain: str, at: datetime | None = None, *, chat: int | None = None,
                       seq: int | None = None, guard: tuple[str, str] | None = None,
                       replayed: object = None) -> InboxRow:
        """A step recording a message in the inbox (encrypted now, outside the transaction), with its chat's
        lock key (:meth:`chat_of`) and its place in the chat's order when the platform numbers updates; behind
        ``guard`` when given (see :class:`InboxRow`)."""
        return InboxRow(self.channel, message_key, seal(self.data_key, plain), at, chat, seq, guard, replayed)

    def record(self, message_key: str, plain: str, at: datetime | None = None, *, chat: int | None = None,
               seq: int | None = None) -> None:
        self.run(self.inbox_recorder(message_key, plain, at, chat=chat, seq=seq))

    def settle_in(self, session: Session, message_key: str) -> None:
        repo_inbox.settle(session=session, channel=self.channel, message_key=message_key)

    def settle(self, message_key: str) -> None:
        self.run(lambda s: self.settle_in(s, message_key))

    def pending(self) -> list[tuple[str, str | object]]:
        """The inbox rows left, oldest first: (key, plain text), or (key, :data:`Unreadable`)."""
        return self._readable(self.run(lambda s: repo_inbox.pending(session=s, channel=self.channel)))

    def adopt(self, rows: Sequence[tuple[str, int, int | None]]) -> None:
        """``(message_key, chat, seq)``: rows recorded without their chat (by a version before chat order) get it."""
        def work(session: Session) -> None:
            for key, chat, seq in rows:
                repo_inbox.adopt(session=session, channel=self.channel, message_key=key, chat=chat, seq=seq)

        if rows:
            self.run(work)

    def lock(self, chat: int) -> Held:
        """Wait for a chat's lock (see :mod:`storage.chat_order`); release it with ``Held.release``. On
        PostgreSQL the chat's queue is read with the lock, in the same round trip (:meth:`queue_of`)."""
        return self.lock_all([chat])

    def lock_all(self, chats: Iterable[int]) -> Held:
        """:meth:`lock` for several chats at once (a batch of messages), each chat's queue read with the locks."""
        return chat_locks(self.engine).acquire_all(
            {chat: repo_inbox.pending_of_read(channel=self.channel, chat=chat) for chat in chats})

    def queue_of(self, held: Held, chat: int, message_key: str | None = None) -> list[tuple[str, str | object]] | None:
        """Under the chat's lock: the chat's rows still in the inbox, in its order, up to and including
        ``message_key``'s (all of them without one); None when ``message_key``'s row is not there any more:
        it was handled, with every row before it, by whoever held the lock."""
        if (taken := held.take(chat)) is not None:  # read with the lock
            rows = [(key, body) for key, body in taken]
        elif held.connection is not None:  # the lock's own connection: no second one for the read
            rows = held.read(*repo_inbox.pending_of_read(channel=self.channel, chat=chat))
        else:
            rows = self.run(lambda s: repo_inbox.pending_of(connection=s, channel=self.channel, chat=chat))
        if message_key is not None:
            keys = [key for key, _body in rows]
            if message_key not in keys:
                return None
            rows = rows[:keys.index(message_key) + 1]
        return self._readable(rows)

    def stale_chats(self, before: datetime) -> list[int]:
        """Chats with a row recorded before ``before`` still in the inbox (a dead or stalled process's)."""
        return self.run(lambda s: repo_inbox.stale_chats(session=s, channel=self.channel, before=before))

    def _readable(self, rows: Sequence[tuple[str, str]]) -> list[tuple[str, str | object]]:
        out: list[tuple[str, str | object]] = []
        for key, body in rows:
            try:
                out.append((key, decrypt(self.data_key, body)))
            except Exception:  # another data key, or damage: the caller drops it, loudly
                out.append((key, Unreadable))
        return out

    # -- replies in the outbox ---------------------------------------------------------------------
    def enqueue_in(self, session: Session, user_key: str, replies: Sequence[tuple[dict[str, Any], str]], *,
                   due: datetime | None = None, now: datetime | None = None) -> bool:
        """Put ``(body, dedupe_key)`` replies to ``user_key`` in the outbox; False when nobody is known by
        that key. With ``now``, one statement for all of them (due at ``due``)."""
        identity = repo.find_identity(session=session, channel=self.channel, user_key=user_key)
        if identity is None or not replies:
            return False
        if now is not None:
            repo_outbox.bulk_enqueue(session=session, kind="reply", now=now, due=due or now, rows=[
                (identity.person_id, json.dumps(body, ensure_ascii=False), key) for body, key in replies])
            return True
        for body, key in replies:
            repo.enqueue(session=session, person_id=identity.person_id, body=body, dedupe_key=key, kind="reply",
                         not_before=due)
        return True

    def enqueue(self, user_key: str, replies: Sequence[tuple[dict[str, Any], str]]) -> None:
        self.run(lambda s: self.enqueue_in(s, user_key, replies))

    def mark_sent(self, keys: Sequence[str], now: datetime, *, due_now: Sequence[str] = ()) -> None:
        """The replies sent directly are marked sent; ``due_now`` ones are made due at once (a send failed)."""

        def work(session: Session) -> None:
            repo_outbox.mark_sent(session=session, dedupe_keys=keys, now=now)
            if due_now:
                repo_outbox.make_due(session=session, dedupe_keys=due_now, now=now)

        self.run(work)


class WeChatStore(ChannelStore):
    """The WeChat webhook's: its inbox, the reply cache for WeChat's retries, the replay guard's expiry."""

    def __init__(self, engine: Engine, data_key: str) -> None:
        super().__init__(engine, data_key, "wechat")

    def cache_in(self, session: Session, replies: Sequence[tuple[str, str]], expires_at: datetime) -> bool:
        """Keep the passive replies ``(message_key, text)``; False without a data key to encrypt them with."""
        if not self.data_key:
            return False
        # Written with the commit: a batch's messages (bot.serial) share one INSERT.
        at_commit(session, "wechat_reply_cache", _cache_rows).extend(
            (key, seal(self.data_key, text), expires_at) for key, text in replies)
        return True

    def cache(self, replies: Sequence[tuple[str, str]], expires_at: datetime) -> None:
        if self.data_key:
            rows = [(key, seal(self.data_key, text)) for key, text in replies]
            self.run(lambda s: repo_wechat.cache_replies(session=s, replies=rows, kind="text", expires_at=expires_at))

    def cached(self, message_key: str, now: datetime) -> str | None:
        """The passive reply given to a message before, maybe by another process."""
        row = self.run(lambda s: repo_wechat.cached_reply(session=s, message_key=message_key, now=now))
        if row is None or not self.data_key:
            return None
        return decrypt(self.data_key, row[1])

    @staticmethod
    def purge_in(session: Session, now: datetime) -> None:
        repo_wechat.purge_expired(session=session, now=now)


def _cache_rows(session: Session, rows: list[tuple[str, str, datetime]]) -> None:
    """The passive replies ``(message_key, encrypted text, expiry)`` a transaction cached, in one statement."""
    repo_wechat.cache_replies_each(session=session, kind="text", rows=rows)


class TelegramStore(ChannelStore):
    """The Telegram adapter's: its inbox, and the values of buttons too long for ``callback_data``."""

    def __init__(self, engine: Engine, data_key: str) -> None:
        super().__init__(engine, data_key, "telegram")

    def value_of(self, token: str) -> str | None:
        return self.run(lambda s: models_telegram.value_of(session=s, token=token))

    def remember_values(self, tokens: dict[str, str]) -> None:
        self.run(lambda s: models_telegram.remember_values(session=s, tokens=tokens))
