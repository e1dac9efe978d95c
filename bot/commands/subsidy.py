"""``yunling subsidy``: the training fund's subsidy calculator (第九条, 第十条) on the command line.

    yunling subsidy --project upgrade --standard 1200 --trainees 40
    yunling subsidy --project poverty --days 31 --trainees 30 --tuition 60000 --appraisal-fee 150 --json
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal, InvalidOperation

from bot.commands.common import PROJECT_KEYS


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount in yuan: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative amount in yuan, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def register(sub_parsers: argparse._SubParsersAction) -> None:
    p = sub_parsers.add_parser(
        "subsidy", help="compute a training class's subsidy (training measure, Art. 9-10)",
        description="Skills upgrading (upgrade): the province pays 70% of the catalogue standard, local unions "
        "at least 30% (Art. 9). Poverty-alleviation training (poverty): approved tuition + living allowance "
        "(80 yuan/person/day up to 30 days, a 3600 yuan lump sum beyond) + appraisal fee (Art. 10).")
    p.add_argument("--project", required=True, choices=PROJECT_KEYS, help="training project type")
    p.add_argument("--trainees", required=True, type=_positive_int, metavar="N", help="number of trainees")
    p.add_argument("--standard", type=_money, metavar="YUAN",
                   help="upgrade: catalogue subsidy standard per trainee, in yuan")
    p.add_argument("--days", type=_positive_int, metavar="N", help="poverty: training days (both ends included)")
    p.add_argument("--tuition", type=_money, metavar="YUAN", default=None,
                   help="poverty: tuition approved in the project budget for the whole class (default 0)")
    p.add_argument("--appraisal-fee", type=_money, metavar="YUAN", default=None,
                   help="poverty: skills appraisal fee per trainee per the HR standard (default 0)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the text output")
    p.add_argument("--json", action="store_true", help="print the figures as JSON numbers")
    p.set_defaults(func=run, parser=p)


def _check(args: argparse.Namespace) -> None:
    error = args.parser.error  # exits with status 2 and the usage line
    if args.project == "upgrade":
        if args.standard is None:
            error("--project upgrade needs --standard YUAN (the catalogue standard per trainee)")
        for name in ("days", "tuition", "appraisal_fee"):
            if getattr(args, name) is not None:
                error(f"--{name.replace('_', '-')} applies to --project poverty only")
    else:
        if args.days is None:
            error("--project poverty needs --days N (training days)")
        if args.standard is not None:
            error("--standard applies to --project upgrade only")


def _number(value: Decimal | int) -> int | float:
    """JSON number: integral amounts as ints, others as floats (two decimals round-trip exactly)."""
    return int(value) if value == int(value) else float(value)


def run(args: argparse.Namespace) -> int:
    from handlers.i18n import translator
    from handlers.training_text import breakdown_lines
    from knowledge import loader
    from knowledge.rules import subsidy as sub

    _check(args)
    b = sub.calculate(args.project, args.trainees, standard=args.standard, days=args.days,
                      tuition=args.tuition or Decimal(0), appraisal_fee=args.appraisal_fee or Decimal(0))
    _ = translator(args.lang)
    if args.json:
        out = {"project": b.project, "trainees": b.trainees,
               **{k: _number(v) for k, v in b.figures.items()},
               "articles": [{"measure": r.measure, "article": r.article} for r in b.articles],
               "steps": breakdown_lines(_, b)[1:]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print("\n".join(breakdown_lines(_, b)))
    print(_("Sources: {articles}", articles="; ".join(loader.label(r.measure, r.article, args.lang)
                                                      for r in b.articles)))
    return 0
