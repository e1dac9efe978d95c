"""``yunling tickets``: the hand-off queue on the command line (list, answer, FAQ review export, escalate)."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.commands.common import UNIT_HELP, UNIT_OPTION, add_db_option, settings_from, unit_name


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tickets", help="hand-off tickets: list, answer, export FAQ candidates, escalate")
    tsub = p.add_subparsers(dest="tickets_command", metavar="ACTION", required=True)
    ls = tsub.add_parser("list", help="open tickets of a unit")
    ls.add_argument(*UNIT_OPTION, type=unit_name, required=True, help=UNIT_HELP)
    ans = tsub.add_parser("answer", help="answer a ticket (delivered to the person through the outbox)")
    ans.add_argument("ticket", help="ticket number, e.g. GD000012 or 12")
    ans.add_argument(*UNIT_OPTION, type=unit_name, required=True, help=UNIT_HELP + "; it must own the ticket")
    ans.add_argument("--text", required=True)
    exp = tsub.add_parser("faq-export", help="tickets marked worth a FAQ entry, as CSV for the knowledge base")
    exp.add_argument("-o", "--output", default="-", help="file (default: standard output)")
    tsub.add_parser("escalate", help="send today's digest of overdue tickets to each unit's clerks now")
    for sp in (ls, ans, exp, *tsub.choices.values()):
        if not any(a.dest == "db" for a in sp._actions):
            add_db_option(sp)
    p.set_defaults(func=run)


def _ticket_id(text: str) -> int:
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        raise SystemExit(f"not a ticket number: {text}")
    return int(digits)


def run(args: argparse.Namespace) -> int:
    from handlers.i18n import translator
    from handlers.services import tickets as service
    from handlers.services.errors import ServiceError
    from handlers.services.tickets import age, escalation_digest, requester, ticket_no
    from storage import repo_tickets as tickets
    from storage.db import init_db, make_engine, session_scope

    engine = make_engine(settings_from(args).database_url)
    init_db(engine)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        if args.tickets_command == "list":
            rows = tickets.tickets_of_unit(session=session, unit=args.unit)  # soonest due first
            tz = ZoneInfo(settings_from(args).timezone)
            print("ticket\tstatus\tage\tdue\trequester\tprogramme\tquestion")
            for t in rows:
                late = " OVERDUE" if t.due_at < now else ""
                print(f"{ticket_no(t)}\t{t.status}{late}\t{age(now - t.created_at)}\t"
                      f"{t.due_at.astimezone(tz):%Y-%m-%d %H:%M}\t{requester(session, t)}\t{t.programme}\t"
                      f"{t.question[:60]}")
            print(f"{len(rows)} open ticket(s)", file=sys.stderr)
        elif args.tickets_command == "answer":
            try:
                t = service.ticket_of_unit(session, ticket_id=_ticket_id(args.ticket), unit=args.unit)
            except ServiceError:
                print("no such ticket for this unit", file=sys.stderr)
                return 1
            try:
                service.answer(session, ticket=t, clerk_id=None, text=args.text, now=now, via="cli")
            except ServiceError as exc:
                print(f"error: {exc.text(translator('en'))}", file=sys.stderr)
                return 1
            print(f"answered {ticket_no(t)}")
        elif args.tickets_command == "faq-export":
            out = sys.stdout if args.output == "-" else open(args.output, "w", newline="", encoding="utf-8")  # noqa: SIM115
            writer = csv.writer(out)
            writer.writerow(["ticket", "programme", "unit", "question", "answers"])
            for t in tickets.faq_candidates(session=session):
                answers = " | ".join(m.text for m in tickets.thread(session=session, ticket_id=t.id or 0)
                                     if m.author == "clerk")
                writer.writerow([ticket_no(t), t.programme, t.unit, t.question, answers])
            if out is not sys.stdout:
                out.close()
        elif args.tickets_command == "escalate":
            print(f"{escalation_digest(session, now)} digest(s) enqueued")
    return 0
