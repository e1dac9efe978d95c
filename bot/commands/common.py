"""Options shared by subcommands.

Command modules import only this and argparse at the top: ``yunling --help`` and ``yunling X --help``
build every parser, so whatever a command needs to run is imported inside the function that runs it (or,
for a large command, in its ``*_run`` module named with :func:`later`).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.config import settings_for_database

if TYPE_CHECKING:  # (pydantic is imported when settings load, not when a parser is built)
    from handlers.settings import Settings

# Keys of the knowledge base offered as choices on the command line, copied here so that building a parser
# does not load the measures (tests/test_cli_start.py checks they equal the knowledge base's).
PROGRAMME_KEYS = ("craftsman", "studio", "station")  # knowledge.rules.case_stages.PROGRAMMES
PROJECT_KEYS = ("poverty", "upgrade")  # sorted(knowledge.rules.training.PROJECTS)
CATEGORY_KEYS = ("employed", "migrant", "unemployed", "poor", "poverty_migrant")  # ...training.CATEGORIES
# knowledge.rules.case_stages.stages(programme) keys in order, and its OUTCOMES (tests/test_ticket_lists.py).
_WORKSHOP_STAGES = ("submitted", "preliminary", "review", "expert_review", "publicity", "named")
STAGE_KEYS = {
    "craftsman": ("submitted", "preliminary", "review", "expert_review", "public_vote", "inspection",
                  "leading_group", "publicity", "named"),
    "studio": _WORKSHOP_STAGES,
    "station": _WORKSHOP_STAGES,
}
OUTCOME_KEYS = ("rejected", "withdrawn", "disqualified")

# One name for "the union unit you act for" in every command; --as-unit is kept as an alias (it was the
# training commands' name).
UNIT_OPTION = ("--unit", "--as-unit")
UNIT_HELP = "the union unit you act for, e.g. 昆明市总工会 (--as-unit is an alias)"


def unit_name(text: str) -> str:
    """The ``--unit`` as the chat and the console name it: "大理州总工会" is 大理白族自治州总工会 (the records the
    chat keeps under the one name are found by the command line too). Imported when a command runs."""
    from knowledge.places import canonical_unit

    return canonical_unit(text)


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (default: YUNLING_DATABASE_URL or "
                   "sqlite:///yunling.db)")


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    return settings_for_database(database_url=getattr(args, "db", None), **overrides)


def later(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """``module.name``, imported when the command runs rather than when its parser is built."""

    def run(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), name)(args) or 0)

    run.__qualname__ = run.__name__ = name
    return run
