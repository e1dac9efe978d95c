"""The Telegram bot: updates in, replies out.

- :mod:`bot.telegram.inbound` -- an Update becomes an :class:`Incoming`; inbox keys; deep links;
- :mod:`bot.telegram.render` -- replies become HTML texts, files and inline keyboards;
- :mod:`bot.telegram.updates` -- the durable update queue and the per-chat processor;
- :mod:`bot.telegram.app` -- the PTB application's life cycle, its handlers and ``POST /telegram``;
- :mod:`bot.telegram.sender` -- the outbox's "telegram" senders.

This module is what :mod:`bot.web` and :mod:`bot.scheduler` look for in a platform package: ``routes`` and
``make_sender``.
"""

from __future__ import annotations

from bot.telegram.app import make_sender, routes

__all__ = ["make_sender", "routes"]
