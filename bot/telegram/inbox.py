"""The Telegram bot's inbox: updates recorded before they are acknowledged, and handled in their chat's
order across processes (:mod:`storage.chat_order`): whoever handles an update takes the chat's lock and first
handles the chat's earlier updates still in the inbox, with their replies sent, before it lets go. Rows a
process left (it died, or stalls) are handled at start (:meth:`InboxQueue.recover`), by the chat's next
update, or by the sweep (rows older than ``STALE_AFTER``, every ``SWEEP_EVERY_S``)."""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.ext import Application

from bot.telegram.inbound import inbox_key
from bot.telegram.updates import DurableQueue
from storage.channel_store import Held, TelegramStore, Unreadable

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=60)  # an inbox row this old is another (dead) process's: the sweep handles it
SWEEP_EVERY_S = 30


class InboxQueue:
    """The inbox half of :class:`bot.telegram.app.TelegramBot` (which gives the attributes and handlers)."""

    store: TelegramStore
    application: Application
    queue: DurableQueue
    _inbox: ThreadPoolExecutor  # recording and settling
    _locks: ThreadPoolExecutor  # waiting for chat locks
    _order_slots: asyncio.Semaphore

    async def _handle(self, update: Update) -> None:
        raise NotImplementedError

    async def _failed(self, update: Update, err: BaseException) -> None:
        raise NotImplementedError

    def _record_sync(self, update: Update) -> None:
        # ASCII JSON: a lone surrogate in a text stays an escape (the adapter drops it when it reads the update)
        chat = update.effective_chat
        self.store.record(inbox_key(update), json.dumps(update.to_dict()), seq=_seq(update),
                          chat=self.store.chat_of(str(chat.id)) if chat is not None else None)

    async def _record(self, update: Update) -> None:
        await asyncio.get_running_loop().run_in_executor(self._inbox, self._record_sync, update)

    def _settle_sync(self, update: Update) -> None:
        self.store.settle(inbox_key(update))

    async def _settle(self, update: Update) -> None:
        await asyncio.get_running_loop().run_in_executor(self._inbox, self._settle_sync, update)

    async def recover(self) -> int:
        """Queue the updates recorded but not handled (a process died holding them), oldest first, before
        any new update; returns how many. Their keys make a second handling a dropped duplicate."""
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(self._inbox, self.store.pending)
        updates = [(key, update) for key, plain in rows if (update := await self._parse(key, plain)) is not None]
        await loop.run_in_executor(self._inbox, self.store.adopt, [
            (key, self.store.chat_of(str(u.effective_chat.id)), _seq(u)) for key, u in updates
            if u.effective_chat is not None])
        for _key, update in updates:
            self.queue.put_nowait(update)
        if rows:
            log.warning("telegram: %d updates received before a restart and not handled; handling them now",
                        len(rows))
        return len(rows)

    async def _parse(self, key: str, plain: str | object) -> Update | None:
        """The update of an inbox row; None (and the row dropped, loudly) when no key or parser reads it."""
        try:
            if plain is Unreadable:
                raise ValueError("does not decrypt")
            return Update.de_json(json.loads(str(plain)), self.application.bot)
        except Exception as exc:
            log.error("telegram inbox row %s unreadable (%s); dropped", key, type(exc).__name__)
            await asyncio.get_running_loop().run_in_executor(self._inbox, self.store.settle, key)
            return None

    async def sweep(self, older_than: timedelta = STALE_AFTER) -> int:
        """Handle the chats that have a row recorded more than ``older_than`` ago still in the inbox: its
        process died or stalls, and the chat has not written since (its next update would handle it).
        Returns how many chats."""
        loop = asyncio.get_running_loop()
        chats = await loop.run_in_executor(self._inbox, self.store.stale_chats, datetime.now(UTC) - older_than)
        for chat in chats:
            await self._in_order(chat, None)
        if chats:
            log.warning("telegram: updates of %d chats left unhandled by another process; handled now", len(chats))
        return len(chats)

    async def _sweeping(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY_S)
            try:
                await self.sweep()
            except Exception:
                log.exception("telegram inbox sweep failed; it runs again in %d s", SWEEP_EVERY_S)

    async def _in_order(self, chat: int, update: Update | None) -> None:
        """Under the chat's lock: handle its rows still in the inbox, in update order, up to ``update`` (all of
        them when None), each with its replies sent, then let the lock go. ``update``'s row gone: another
        process handled it (with every update before it), and it is dropped here."""
        loop = asyncio.get_running_loop()
        own = inbox_key(update) if update is not None else None
        async with self._order_slots:
            waiting = loop.run_in_executor(self._locks, self._lock_and_read, chat, own)
            try:
                held, rows = await asyncio.shield(waiting)
            except asyncio.CancelledError:  # (the sweep, stopped) a lock granted later is let go at once
                waiting.add_done_callback(_release_when_granted)
                raise
            try:
                if rows is None:
                    log.info("telegram update %s was handled by another process; dropped", own)
                    return
                for key, plain in rows:
                    item = update if key == own else await self._parse(key, plain)
                    if item is None:
                        continue
                    try:
                        await self._handle(item)
                    except Exception as exc:
                        await self._failed(item, exc)
            finally:
                await loop.run_in_executor(self._locks, held.release)

    def _lock_and_read(self, chat: int, own: str | None) -> tuple[Held, list[tuple[str, str | object]] | None]:
        """On a lock thread: wait for the chat's lock, then read its queue (released again if that fails)."""
        held = self.store.lock(chat)
        try:
            return held, self.store.queue_of(held, chat, own)
        except BaseException:
            held.release()
            raise


def _release_when_granted(granted: asyncio.Future[tuple[Held, list[tuple[str, str | object]] | None]]) -> None:
    if not granted.cancelled() and granted.exception() is None:
        granted.result()[0].release()


def _seq(update: Update) -> int | None:
    """The update's place in its chat's order: its id (a 64-bit column; a larger one, never Telegram's, is
    kept in the order it was recorded)."""
    return update.update_id if -(2**63) <= update.update_id < 2**63 else None
