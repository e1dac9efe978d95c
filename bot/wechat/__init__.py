"""The WeChat official account: webhook in, customer-service API out.

- :mod:`bot.wechat.protocol` -- signatures, safe-mode crypto, the XML of a push and of a passive reply;
- :mod:`bot.wechat.deadline` -- the 5-second rule: jobs shared by WeChat's retries, the reply cache;
- :mod:`bot.wechat.webhook` -- the Starlette endpoint ``/wechat``;
- :mod:`bot.wechat.sender` -- the API client and the outbox's "wechat" sender.

This module is what :mod:`bot.web` and :mod:`bot.scheduler` look for in a platform package: ``routes``,
``make_sender`` and ``close_webhooks``.
"""

from __future__ import annotations

from bot.app import App
from bot.wechat.sender import WeChatSender
from bot.wechat.webhook import close_webhooks, routes


def make_sender(app: App) -> WeChatSender | None:
    """The outbox's "wechat" sender (see :mod:`bot.scheduler`); None without API credentials."""
    if not (app.settings.wechat_app_id and app.settings.wechat_app_secret):
        return None
    return WeChatSender(app.settings, app.engine)


__all__ = ["close_webhooks", "make_sender", "routes"]
