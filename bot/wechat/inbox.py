"""The WeChat webhook's inbox: messages recorded before ``success`` is promised, handled in their person's
order across processes (:mod:`storage.chat_order`). A process that handles a message takes the person's
lock and first handles their earlier messages still in the inbox (another process's, not handled yet, or a
dead one's) as late ones: their replies go into the outbox with the commit and out by the customer-service
API at once. At start, a process handles every row left (:meth:`WeChatInbox.recover`, replies by the
delivery worker); the sweep handles rows older than ``STALE_AFTER`` (a dead or stalled process's)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.app import App
from bot.wechat.deadline import Job, incoming_from
from handlers.types import DispatchResult, Reply
from storage.channel_store import Unreadable, WeChatStore

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=60)  # an inbox row this old is another (dead) process's: the sweep handles it
SWEEP_EVERY_S = 30.0
LATE_GRACE = timedelta(seconds=60)  # a late reply's outbox row waits this long for the webhook's own send


class WeChatInbox:
    """The inbox half of :class:`bot.wechat.webhook.WeChatWebhook` (which gives the attributes and the rest)."""

    app: App
    store: WeChatStore
    _db: Executor

    def _keep_late(self, job: Job, key: str, grace: timedelta = LATE_GRACE) -> Callable[[Session, DispatchResult],
                                                                                         None]:
        raise NotImplementedError

    def _deliver(self, key: str, openid: str, replies: list[Reply], durable: bool = False) -> None:
        raise NotImplementedError

    def _queue(self, key: str, openid: str, replies: list[Reply], first: int) -> None:
        raise NotImplementedError

    def _now(self) -> datetime:
        raise NotImplementedError

    def _handle_left(self, key: str, plain: str | object, *, send_now: bool) -> None:
        """A message recorded by a process that did not handle it (yet): handled as a late one, its replies in
        the outbox with the commit, and sent now by the customer-service API (``send_now``) or by the
        delivery worker."""
        if plain is Unreadable:  # another data key?
            log.error("wechat inbox row %s unreadable; dropped", key)
            self.store.settle(key)
            return
        incoming = incoming_from(str(plain))
        job = Job(openid=incoming.user_key, late=True)
        result = self.app.dispatcher.handle(incoming, guard=functools.partial(self.store.settle_in, message_key=key),
                                            after=self._keep_late(job, key, LATE_GRACE if send_now else timedelta(0)))
        if result.duplicate or not result.replies:
            return
        if job.durable is not result:  # an apology (the step failed): nothing in the outbox yet
            self._queue(key, incoming.user_key, result.replies, first=0)
        elif send_now:
            self._deliver(key, incoming.user_key, result.replies, durable=True)

    def sweep(self, older_than: timedelta = STALE_AFTER) -> int:
        """Handle the people with a message recorded more than ``older_than`` ago and still not handled: its
        process died or stalls, and they have not written since (their next message would handle it).
        Returns how many people."""
        chats = self.store.stale_chats(self._now() - older_than)
        for chat in chats:
            self._drain(chat, send_now=True)
        if chats:
            log.warning("wechat: messages of %d people left unhandled by another process; handled now", len(chats))
        return len(chats)

    def _drain(self, chat: int, until: str | None = None, *, send_now: bool) -> None:
        """Under the person's lock, handle their rows still in the inbox in order (up to ``until``, a key)."""
        held = self.store.lock(chat)
        try:
            for key, plain in self.store.queue_of(held, chat, until) or []:
                self._handle_left(key, plain, send_now=send_now)
        finally:
            held.release()

    def _sweep_logged(self) -> None:
        try:
            self.sweep()
        except Exception:
            log.exception("wechat inbox sweep failed; it runs again in %d s", SWEEP_EVERY_S)

    def recover(self) -> int:
        """Handle the messages a dead process recorded and did not handle, oldest first; their replies go
        through the outbox (customer-service messages). Returns how many were found."""
        rows = self.store.pending()
        self.store.adopt([(key, self.store.chat_of(incoming_from(str(plain)).user_key), None) for key, plain in rows
                          if plain is not Unreadable])
        for key, plain in rows:
            if plain is Unreadable:
                self._handle_left(key, plain, send_now=False)
                continue
            # Under the person's lock, with whatever of theirs came before it (handled once: a row handled
            # meanwhile, here or by another process, is gone from the person's queue).
            self._drain(self.store.chat_of(incoming_from(str(plain)).user_key), key, send_now=False)
        if rows:
            log.warning("wechat: %d messages received before a restart and not handled; handled now", len(rows))
        return len(rows)

    def start_recovery(self) -> None:
        """:meth:`recover` on the database thread(s), before or among the first messages."""

        def run() -> None:
            try:
                self.recover()
            except Exception:
                log.exception("wechat inbox recovery failed; it runs again at the next start")

        self._db.submit(run)
