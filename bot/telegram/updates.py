"""How updates reach the Telegram bot: the durable queue PTB reads them from, and the processor that runs
them concurrently but one at a time per chat (see ``docs/architecture.md``, "Concurrency")."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

INBOX_RETRY_S = 1.0  # the poller waits this long before recording an update again when the database fails


class PerChatProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once, but one at a time per chat, in arrival order
    (asyncio locks wake their waiters first-in first-out)."""

    def __init__(self, max_concurrent_updates: int = 128) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else id(update)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None



class DurableQueue(asyncio.Queue):
    """PTB's update queue, whose ``put`` returns once the update is recorded in the inbox. The webhook
    answers 200 after ``put``; PTB's poller puts a batch before it confirms the batch's offset with the next
    ``getUpdates``. ``put_nowait`` queues without recording (updates read back from the inbox)."""

    def __init__(self, record: Callable[[Update], Awaitable[None]]) -> None:
        super().__init__()
        self._record = record
        self.polling = False  # set while PTB's poller feeds the queue: it retries instead of raising

    async def put(self, item: Any) -> None:
        if isinstance(item, Update):
            while True:
                try:
                    await self._record(item)
                    break
                except Exception as exc:
                    if not self.polling:
                        raise  # the webhook answers 503 and Telegram tries again later
                    log.error("telegram update %s not recorded (%s); retrying before confirming it",
                              item.update_id, type(exc).__name__)
                    await asyncio.sleep(INBOX_RETRY_S)
        self.put_nowait(item)
