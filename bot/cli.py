"""The ``yunling`` command. Each subcommand lives in its own ``bot.commands.*`` module with a
``register(subparsers)`` function; the list below is the one place that names them."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "bot.commands.chat",
    "bot.commands.ask",
    "bot.commands.db",
    "bot.commands.serve",
    "bot.commands.subsidy",
    "bot.commands.case",
    "bot.commands.tickets",
    "bot.commands.wechat",
    "bot.commands.training",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yunling",
        description="云岭职工助手 · Yunling Workers' Assistant. Settings come from YUNLING_* environment "
        "variables or a .env file (see README).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a feature area not built yet
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
