"""The ``yunling`` command. Each subcommand lives in its own ``bot.commands.*`` module with a
``register(subparsers)`` function; the list below is the one place that names them."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from bot.config import ConfigurationError

# name -> (module, one-line help). Only the module of the command being run is imported, so that
# `yunling ask` does not pay for the flows, python-docx or openpyxl at start-up.
COMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("bot.commands.chat", "chat with the assistant in this terminal (reads stdin when piped)"),
    "ask": ("bot.commands.ask", "answer one question from the measures (or one per stdin line), citing articles"),
    "db": ("bot.commands.db", "database maintenance (upgrade)"),
    "serve": ("bot.commands.serve", "run the web app (WeChat and Telegram webhooks), Telegram polling, delivery"),
    "subsidy": ("bot.commands.subsidy", "compute a training subsidy step by step (training measure arts. 9-10)"),
    "case": ("bot.commands.case", "application cases: list, create, move, show"),
    "tickets": ("bot.commands.tickets", "hand-off tickets: list, answer, export FAQ candidates, escalate"),
    "wechat": ("bot.commands.wechat", "WeChat official account tools: custom menu, parametric QR codes"),
    "console-link": ("bot.commands.console_link", "print a one-time sign-in link to the clerks' web console"),
    "training": ("bot.commands.training", "training classes: register, import roster, sign-in codes, exports"),
}
def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``only``) one with just that command's real options and stubs for the rest."""
    parser = argparse.ArgumentParser(
        prog="yunling",
        description="云岭职工助手 · Yunling Workers' Assistant. Settings come from YUNLING_* environment "
        "variables or a .env file (see README).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text)
            continue
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ConfigurationError as exc:
        print(f"yunling: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `yunling ask … | head`: the reader has gone; stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 0
    except Exception as exc:  # a database that cannot be reached: the reason, not a traceback
        if type(exc).__name__ != "OperationalError" or not type(exc).__module__.startswith("sqlalchemy"):
            raise
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
        print(f"yunling: YUNLING_DATABASE_URL: the database cannot be reached ({reason})", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
