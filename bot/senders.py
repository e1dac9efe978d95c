"""The contract between the delivery worker (``bot.delivery``) and the platform senders
(``bot.telegram``, ``bot.wechat``, the console). A sender delivers one reply to one identity and
signals what went wrong with one of the exceptions below; pacing and retries belong to the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.types import Reply


@dataclass(frozen=True)
class Recipient:
    person_id: int
    channel: str
    user_key: str
    chat_key: str
    last_inbound_at: datetime | None  # WeChat: customer-service messages only within 48 h of this


class SendError(Exception):
    """Root of sender failures."""


class RetryAfter(SendError):
    """The platform asked us to slow down (HTTP 429 / quota): retry after ``seconds``."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds}s")
        self.seconds = seconds


class Transient(SendError):
    """Network error, timeout or 5xx: retry with backoff."""


class Unreachable(SendError):
    """The person blocked the bot / unsubscribed: mark the identity unreachable, do not retry on it."""


class Permanent(SendError):
    """The message can never be delivered as is (bad request): dead-letter it."""


class Sender(Protocol):
    channel: str

    async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        """Deliver or raise a :class:`SendError`."""
        ...
