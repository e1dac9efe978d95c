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
    from datetime import UTC, datetime

    from handlers.services import console_auth
    from storage import repositories as repo
    from storage.db import init_db, make_engine, run_in_transaction

    settings = settings_from(args)
    channel, _sep, user_key = str(args.clerk).partition(":")
    unit = settings.clerks.get(args.clerk, "")
    if not user_key or not unit:
        print(f"yunling: {args.clerk} is not a clerk on the allow-list (YUNLING_CLERKS)", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    init_db(engine)

    def work(session):  # type: ignore[no-untyped-def]
        _identity, person = repo.get_or_create_identity(session=session, channel=channel, user_key=user_key,
                                                         locale=settings.default_locale)
        allowed = repo.allowed_clerk_unit(session=session, person_id=person.id or 0, clerks=settings.clerks)
        repo.set_clerk_unit(session=session, person=person, unit=allowed, note="console-link")
        return console_auth.issue_link(session, person_id=person.id or 0, now=datetime.now(UTC), via="cli")

    try:
        token = run_in_transaction(engine, work)
    finally:
        engine.dispose()
    print(console_auth.link_url(args.base or settings.public_url or LOCAL, token))
    return 0
