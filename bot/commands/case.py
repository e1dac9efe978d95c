"""``yunling case``: the clerk's case desk on the command line (same rules, events, audit and
notifications as in chat; the actor is recorded as the command line).

    yunling case list --unit 昆明市总工会
    yunling case create --unit 昆明市总工会 --programme craftsman --title 张三 --code ABCD-EFGH
    yunling case move 12 preliminary --unit 昆明市总工会 [--reason ...] [--publicity-start 2026-04-01]
    yunling case move 12 rejected --unit 昆明市总工会 --reason "材料不全"
    yunling case move 12 reopen --unit 昆明市总工会 --reason "误点了不予受理"     # closed by mistake
    yunling case move 12 back --unit 昆明市总工会 --reason "误推进"               # moved on by mistake
    yunling case show 12 [--unit 昆明市总工会]
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.common import (
    OUTCOME_KEYS,
    PROGRAMME_KEYS,
    STAGE_KEYS,
    UNIT_HELP,
    UNIT_OPTION,
    add_db_option,
    settings_from,
    unit_name,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("case", help="award cases: list, create, move, show")
    csub = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    ls = csub.add_parser("list", help="the unit's cases")
    ls.add_argument(*UNIT_OPTION, type=unit_name, required=True, help=UNIT_HELP)
    cr = csub.add_parser("create", help="open a case for the applicant whose link code (from /status) is given")
    cr.add_argument(*UNIT_OPTION, type=unit_name, required=True, help=UNIT_HELP)
    cr.add_argument("--programme", required=True, choices=PROGRAMME_KEYS)
    cr.add_argument("--title", required=True, help="applicant or studio/workstation name")
    who = cr.add_mutually_exclusive_group(required=True)
    who.add_argument("--code", help="the applicant's personal link code")
    who.add_argument("--paper", action="store_true",
                     help="filed on paper, no code: prints a claim code for the applicant (绑定申报 in the chat)")
    stage_keys = "; ".join(f"{programme}: {' '.join(keys)}" for programme, keys in STAGE_KEYS.items())
    mv = csub.add_parser("move", help="move to the next stage, close as rejected/withdrawn/disqualified, "
                         "reopen a case closed by mistake, or take back a move made by mistake",
                         description=f"Stage keys, in order — {stage_keys}. Closing outcomes: "
                                     f"{' | '.join(OUTCOME_KEYS)}.")
    mv.add_argument("case_id", type=int)
    mv.add_argument("stage", help=f"the next stage key ({stage_keys}), or {' | '.join(OUTCOME_KEYS)}, or reopen, or back")
    mv.add_argument(*UNIT_OPTION, type=unit_name, required=True, help=UNIT_HELP)
    mv.add_argument("--reason", default="")
    mv.add_argument("--publicity-start", type=date.fromisoformat, help="first day of 公示 (default: today)")
    sh = csub.add_parser("show", help="a case with its history")
    sh.add_argument("case_id", type=int)
    sh.add_argument(*UNIT_OPTION, type=unit_name, default="", help=UNIT_HELP)
    for q in (ls, cr, mv, sh):
        add_db_option(q)
        q.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from handlers.i18n import translator
    from handlers.notifications import describe_case
    from handlers.services.cases import open_case_for_code, open_paper_case
    from handlers.services.errors import NotFound, ServiceError
    from storage import repo_cases as rc
    from storage.db import init_db, make_engine, session_scope

    settings = settings_from(args)
    engine = make_engine(settings.database_url)
    init_db(engine)
    tz = ZoneInfo(settings.timezone)
    now = datetime.now(UTC)
    _ = translator("en")
    try:
        with session_scope(engine) as s:
            if args.case_command == "list":
                for c in rc.cases_of_unit(session=s, unit=args.unit):
                    where = c.outcome or c.stage
                    extra = f" {c.publicity_start}..{c.publicity_end}" if c.stage == "publicity" else ""
                    print(f"#{c.id}\t{c.programme}\t{where}{extra}\t{c.title}")
                return 0
            if args.case_command == "create" and args.paper:
                case, code, until = open_paper_case(session=s, programme=args.programme, title=args.title,
                                                    unit=args.unit, actor_id=None, now=now)
                print(f"case #{case.id} opened at stage {case.stage} (paper); claim code for the applicant: "
                      f"{rc.shown_code(code)} (valid until {rc.expiry_day(until, tz)})")
                return 0
            if args.case_command == "create":
                try:
                    case = open_case_for_code(session=s, code=args.code, programme=args.programme, title=args.title,
                                              unit=args.unit, actor_id=None, now=now)
                except NotFound:
                    print("error: the link code is not valid (mistyped, used or expired)")
                    return 1
                print(f"case #{case.id} opened at stage {case.stage}; the applicant will be notified")
                return 0
            unit = getattr(args, "unit", "")
            found = rc.case_for_unit(session=s, case_id=args.case_id, unit=unit) if unit else \
                rc.get_case(session=s, case_id=args.case_id)
            if found is None:
                print(f"error: no case #{args.case_id}" + (f" in {unit}" if unit else ""))
                return 1
            case = found
            if args.case_command == "show":
                text, _refs = describe_case(_, "en", case)
                print(text)
                print(f"unit: {case.unit}")
                for e in rc.events_of(session=s, case_id=case.id or 0):
                    when = rc.as_utc(e.created_at).astimezone(tz).strftime("%Y-%m-%d %H:%M")
                    print(f"  {when}  {e.action:9} {e.from_stage or '-'} -> {e.to_stage}  {e.reason}")
                return 0
            _move(args, s, case, now, tz)
            return 0
    except ServiceError as exc:
        print("error: " + exc.text(_))
        return 1
    except rc.CaseConflict:
        print("error: the case changed meanwhile; look at it again")
        return 1


def _move(args: argparse.Namespace, s: Any, case: Any, now: datetime, tz: ZoneInfo) -> None:
    """``case move``: the next stage, or closed with an outcome."""
    from handlers.services.cases import advance_case, close_case, reopen_case, step_back
    from knowledge.rules import case_stages as cs

    if args.stage == "back":
        step_back(session=s, case=case, reason=args.reason, actor_id=None, now=now)
    elif args.stage == "reopen":
        reopen_case(session=s, case=case, reason=args.reason, actor_id=None, now=now)
    elif args.stage in cs.OUTCOMES:
        close_case(session=s, case=case, outcome=args.stage, reason=args.reason, actor_id=None, now=now)
    else:
        advance_case(session=s, case=case, to_stage=args.stage, actor_id=None, reason=args.reason, now=now,
                     publicity_start=args.publicity_start or (now.astimezone(tz).date()
                                                              if args.stage == "publicity" else None))
    print(f"case #{case.id}: {case.outcome or case.stage}"
          + (f" ({case.publicity_start}..{case.publicity_end})" if case.stage == "publicity"
             and not case.outcome else "") + "; the applicant will be notified")
