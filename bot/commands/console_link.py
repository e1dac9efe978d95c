"""``yunling console-link --clerk console:li``: print a one-time sign-in link to the clerks' web console.

The clerk must be on the allow-list (YUNLING_CLERKS); the link works once, for 10 minutes, and is bound to
the clerk and their unit (docs/console.md). The address is YUNLING_PUBLIC_URL, or ``--base``, or
http://127.0.0.1:8000 for a local ``yunling serve``.
"""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import add_db_option, settings_from

LOCAL = "http://127.0.0.1:8000"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("console-link", help="print a one-time sign-in link to the clerks' web console",
                       description=__doc__)
    p.add_argument("--clerk", required=True, metavar="CHANNEL:USER",
                   help="the clerk as on the allow-list YUNLING_CLERKS, e.g. console:li or telegram:12345")
    p.add_argument("--base", metavar="URL", help=f"root of the web app (default: YUNLING_PUBLIC_URL or {LOCAL})")
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import re
    import uuid
    from dataclasses import replace
    from datetime import UTC, datetime

    from handlers.registry import build_dispatcher
    from handlers.services import console_auth
    from handlers.types import Incoming
    from storage.db import init_db, make_engine

    settings = settings_from(args)
    channel, _sep, user_key = str(args.clerk).partition(":")
    if not user_key or not settings.clerks.get(args.clerk):
        print(f"yunling: {args.clerk} is not a clerk on the allow-list (YUNLING_CLERKS)", file=sys.stderr)
        return 1
    base = (args.base or settings.public_url or LOCAL).rstrip("/")
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    init_db(engine)
    try:
        # The clerk's own request, as if typed in the chat: the allow-list is applied, the link issued and
        # audited exactly as there.
        result = build_dispatcher(engine, replace(settings, public_url=base)).handle(Incoming(
            channel=channel, user_key=user_key, message_key=f"console-link-{uuid.uuid4().hex}",
            received_at=datetime.now(UTC), text="后台"))
    finally:
        engine.dispose()
    text = "\n".join(r.text for r in result.replies)
    found = re.search(re.escape(base + console_auth.LINK_PATH) + r"[A-Za-z0-9_-]+", text)
    if found is None:
        print(f"yunling: no link was issued: {text}", file=sys.stderr)
        return 1
    print(found.group(0))
    return 0
