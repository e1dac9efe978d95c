"""``yunling chat``: the local console chat."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from bot.commands.common import add_db_option, settings_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="chat with the assistant in this terminal (reads stdin when piped)",
                       description="Interactive console chat; when standard input is not a terminal, each "
                       "line is one message and the replies are printed, so a conversation can be scripted.")
    p.add_argument("--user", default="local", help="act as this person (console user name), default 'local'")
    p.add_argument("--as-clerk", metavar="UNIT", help="act as a union clerk of UNIT (e.g. 昆明市总工会)")
    p.add_argument("--lang", choices=["zh", "en"], help="language hint for a new user (default zh)")
    p.add_argument("--verbose", action="store_true", help="show the assistant's log lines between the replies (default: errors only: a "
                   "person's wrong input, logged as a warning for the operators of a server, is answered in the chat)")
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.console import ConsoleChat

    overrides: dict[str, object] = {"log_level": "INFO" if args.verbose else "ERROR"}
    settings = settings_from(args, **overrides)
    if args.as_clerk:  # added to the configured allow-list, which stays the truth for everyone else
        settings = replace(settings, clerks={**settings.clerks, f"console:{args.user}": args.as_clerk})
    app = build_app(settings)
    return ConsoleChat(app, user=args.user, locale=args.lang).run(sys.stdin, sys.stdout)
