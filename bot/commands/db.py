"""``yunling db upgrade``: bring the database schema to the newest version."""

from __future__ import annotations

import argparse

from bot.commands.common import add_db_option, settings_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="apply all migrations (also done on every start)")
    add_db_option(up)
    up.set_defaults(func=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from storage.db import init_db, make_engine

    settings = settings_from(args)
    engine = make_engine(settings.database_url)
    init_db(engine)
    print(f"database at head: {engine.url.render_as_string(hide_password=True)}")
    return 0
