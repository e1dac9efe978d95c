"""Options shared by subcommands."""

from __future__ import annotations

import argparse

from bot.config import load_settings
from handlers.settings import Settings


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (default: YUNLING_DATABASE_URL or "
                   "sqlite:///yunling.db)")


def settings_from(args: argparse.Namespace, **overrides: object) -> Settings:
    return load_settings(database_url=getattr(args, "db", None), **overrides)
