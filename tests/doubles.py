"""Test doubles: stand-ins for parts of the assistant that tests replace (the platforms' own stand-ins are
real HTTP servers, in standins.py, telegram_standin.py and wechat_standin.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot.senders import Recipient
from handlers.types import Reply


@dataclass
class RecordingSender:
    """Records what it is asked to send; ``plan`` makes chosen attempts fail. ``plan[dedupe_key]`` is a list of
    outcomes used in turn: an exception instance to raise, "timeout" to hang past the worker's timeout, or
    None to succeed."""

    channel: str = "console"
    plan: dict[str, list[Any]] = field(default_factory=dict)
    sent: list[tuple[Recipient, Reply, str, str]] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)

    async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        self.attempts.append(dedupe_key)
        steps = self.plan.get(dedupe_key) or self.plan.get(f"{self.channel}:{recipient.user_key}") or []
        step = steps.pop(0) if steps else None
        if step == "timeout":
            await asyncio.sleep(3600)
        elif isinstance(step, BaseException):
            raise step
        self.sent.append((recipient, reply, kind, dedupe_key))


