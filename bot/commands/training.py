"""``yunling training``: training classes from the command line, acting for one union unit (--as-unit).

    yunling training class add --as-unit 昆明市总工会 --project upgrade --training-unit 某培训中心 ...
    yunling training class approve KM2603 --by 孙主席 --as-unit 昆明市总工会
    yunling training class list --as-unit 昆明市总工会
    yunling training session add KM2603 --date 2026-03-02 --time 09:00-12:00 --place 301 --as-unit ...
    yunling training import-roster KM2603 roster.xlsx --as-unit 昆明市总工会
    yunling training export KM2603 --sheet roster|signin|employment [--session ID] -o out.xlsx --as-unit ...
    yunling training code SESSION [-o qr.png] --as-unit 昆明市总工会
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.commands.common import add_db_option, settings_from
from handlers import training_sheets as sheets
from handlers.flows.signin import code_valid_until, current_code, payload_for, qr_png, session_label
from handlers.flows.training import class_problems, parse_date, parse_times, save_class, valid_phone
from handlers.i18n import translator
from handlers.settings import Settings
from knowledge import loader
from knowledge.rules.training import CATEGORIES, PROJECTS
from storage import repo_training as repo
from storage import repositories as core_repo
from storage.db import init_db, make_engine, session_scope
from storage.models_training import TrainingClass


def _common(p: argparse.ArgumentParser) -> None:
    add_db_option(p)
    p.add_argument("--as-unit", required=True, metavar="UNIT", help="the union unit the clerk acts for")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of rule messages")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("training", help="skills-training classes: register, roster, exports, sign-in codes")
    tsub = p.add_subparsers(dest="training_command", metavar="ACTION", required=True)

    cls = tsub.add_parser("class", help="register, approve or list classes").add_subparsers(
        dest="class_command", metavar="ACTION", required=True)
    add = cls.add_parser("add", help="register a class with the fields of Annex 3 (checked against Art. 6-7)")
    _common(add)
    add.add_argument("--project", required=True, choices=sorted(PROJECTS))
    for flag, helptext in (("--training-unit", "培训单位"), ("--training-unit-address", "培训单位地址"),
                           ("--class-address", "培训班地址"), ("--responsible", "负责人"),
                           ("--responsible-phone", "负责人联系电话"), ("--head-teacher", "班主任"),
                           ("--head-teacher-phone", "班主任联系电话"), ("--trade", "培训专业/工种")):
        add.add_argument(flag, required=True, help=helptext)
    add.add_argument("--level", default="", help="培训等级")
    add.add_argument("--men", type=int, required=True)
    add.add_argument("--women", type=int, required=True)
    add.add_argument("--category", action="append", default=[], metavar="KEY=N",
                     help=f"trainees of a category, repeatable; keys: {', '.join(CATEGORIES)}")
    add.add_argument("--start", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--end", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--hours", type=int, required=True, help="总课时")
    add.set_defaults(func=run_class_add)

    approve = cls.add_parser("approve", help="record the class approval (Art. 18)")
    _common(approve)
    approve.add_argument("code")
    approve.add_argument("--by", required=True, help="who signed the approval")
    approve.set_defaults(func=run_class_approve)

    lst = cls.add_parser("list", help="the unit's classes")
    _common(lst)
    lst.set_defaults(func=run_class_list)

    sess = tsub.add_parser("session", help="add a session").add_subparsers(
        dest="session_command", metavar="ACTION", required=True)
    sadd = sess.add_parser("add", help="add a session to a class")
    _common(sadd)
    sadd.add_argument("code")
    sadd.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    sadd.add_argument("--time", required=True, metavar="HH:MM-HH:MM")
    sadd.add_argument("--place", default="")
    sadd.set_defaults(func=run_session_add)

    imp = tsub.add_parser("import-roster", help="import the roster from an .xlsx laid out like Annex 4")
    _common(imp)
    imp.add_argument("code")
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=run_import)

    exp = tsub.add_parser("export", help="export Annex 4, Annex 6 or a session's sign-in sheet as .xlsx")
    _common(exp)
    exp.add_argument("code")
    exp.add_argument("--sheet", required=True, choices=["roster", "signin", "employment"])
    exp.add_argument("--session", type=int, help="session id (for --sheet signin; default: the latest)")
    exp.add_argument("-o", "--output", type=Path, required=True)
    exp.set_defaults(func=run_export)

    code = tsub.add_parser("code", help="print a session's current sign-in code and write its QR image")
    _common(code)
    code.add_argument("session", type=int)
    code.add_argument("-o", "--output", type=Path, help="PNG file (default signin-<class>-<session>.png)")
    code.set_defaults(func=run_code)


def _open(args: argparse.Namespace) -> tuple[Settings, Engine]:
    settings = settings_from(args)
    if not settings.data_key:
        sys.exit("error: no data key configured; set YUNLING_DATA_KEY (it protects ID numbers at rest)")
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    init_db(engine)
    return settings, engine


def _unit_class(session: Session, args: argparse.Namespace) -> TrainingClass:
    cls = repo.get_class(session=session, code=args.code)
    if cls is None or cls.unit != args.as_unit:
        sys.exit(f"error: no class {args.code} belongs to {args.as_unit}")
    return cls


def _now(settings: Settings) -> datetime:
    return datetime.now(ZoneInfo(settings.timezone))


def run_class_add(args: argparse.Namespace) -> int:
    _ = translator(args.lang)
    start, end = parse_date(args.start), parse_date(args.end)
    if start is None or end is None:
        sys.exit("error: dates must look like 2026-03-02")
    for flag in ("responsible_phone", "head_teacher_phone"):
        if not valid_phone(getattr(args, flag)):
            sys.exit(f"error: --{flag.replace('_', '-')} is not a mobile or landline number")
    form = {"project": args.project, "training_unit": args.training_unit,
            "training_unit_address": args.training_unit_address, "class_address": args.class_address,
            "responsible_person": args.responsible, "responsible_phone": args.responsible_phone,
            "head_teacher": args.head_teacher, "head_teacher_phone": args.head_teacher_phone,
            "trade": args.trade, "level": args.level, "men": args.men, "women": args.women,
            "start_date": start.isoformat(), "end_date": end.isoformat(), "total_hours": args.hours}
    for item in args.category:
        key, _sep, count = item.partition("=")
        if not count.isdigit():
            sys.exit(f"error: --category wants KEY=N, got {item!r}")
        form[f"cat_{key.strip()}"] = int(count)
    unknown = [k[4:] for k in form if k.startswith("cat_") and k[4:] not in CATEGORIES]
    problems = class_problems(_, {k: v for k, v in form.items() if k[4:] not in unknown}, args.lang)
    lines = [_("Unknown trainee category: {category}.", category=k) for k in unknown]
    lines += [text + (f" ({loader.label('training', v.ref.article, args.lang)})" if v else "")
              for text, v in problems]
    if lines:
        print("\n".join(f"✗ {line}" for line in lines), file=sys.stderr)
        return 1
    settings, engine = _open(args)
    with session_scope(engine) as s:
        cls = save_class(s, key=settings.data_key, unit=args.as_unit, created_by=None, form=form)
        core_repo.audit(session=s, actor_person_id=None, action="training.class_registered",
                        subject=f"class:{cls.code}", detail="cli")
        print(f"class {cls.code} registered for {args.as_unit} (pending approval)")
    return 0


def run_class_approve(args: argparse.Namespace) -> int:
    settings, engine = _open(args)
    with session_scope(engine) as s:
        cls = _unit_class(s, args)
        repo.approve_class(session=s, cls=cls, approved_by=args.by, at=_now(settings))
        core_repo.audit(session=s, actor_person_id=None, action="training.class_approved",
                        subject=f"class:{cls.code}", detail=args.by)
    print(f"class {args.code} approved by {args.by}")
    return 0


def run_class_list(args: argparse.Namespace) -> int:
    _settings, engine = _open(args)
    with Session(engine) as s:
        for cls in repo.classes_of_unit(session=s, unit=args.as_unit):
            n = len(repo.enrolments_of(session=s, class_id=cls.id or 0))
            print(f"{cls.code}\t{cls.project}\t{cls.trade}\t{cls.start_date}..{cls.end_date}\t{cls.status}\t"
                  f"{n} trainees")
            for sess in repo.sessions_of(session=s, class_id=cls.id or 0):
                print(f"  session {sess.id}: {session_label(sess)} {sess.place}")
    return 0


def run_session_add(args: argparse.Namespace) -> int:
    day, times = parse_date(args.date), parse_times(args.time)
    if day is None or times is None:
        sys.exit("error: --date like 2026-03-02 and --time like 09:00-12:00 (end after start)")
    _settings, engine = _open(args)
    with session_scope(engine) as s:
        cls = _unit_class(s, args)
        if not cls.start_date <= day <= cls.end_date:
            sys.exit(f"error: the class runs from {cls.start_date} to {cls.end_date}")
        sess = repo.add_session(session=s, class_id=cls.id or 0, day=day, start=times[0], end=times[1],
                                place=args.place or cls.class_address)
        print(f"session {sess.id} added to {cls.code}: {session_label(sess)}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    _ = translator(args.lang)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        sys.exit(f"error: cannot read {args.file}: {exc.strerror}")
    settings, engine = _open(args)
    with session_scope(engine) as s:
        cls = _unit_class(s, args)
        added, errors = sheets.import_roster(session=s, key=settings.data_key, cls=cls, data=data,
                                             today=_now(settings).date())
        if errors:
            for line in sheets.format_errors(_, errors):
                print(line, file=sys.stderr)
            print(f"nothing imported: {len(errors)} bad row(s)", file=sys.stderr)
            return 1
        core_repo.audit(session=s, actor_person_id=None, action="training.roster_imported",
                        subject=f"class:{cls.code}", detail=f"{added} rows")
    print(f"{added} trainees imported into {args.code}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    settings, engine = _open(args)
    today = _now(settings).date()
    with Session(engine) as s:
        cls = _unit_class(s, args)
        entries = repo.enrolments_of(session=s, class_id=cls.id or 0)
        if args.sheet == "roster":
            data = sheets.roster_xlsx(cls, entries, settings.data_key, today)
        elif args.sheet == "employment":
            data = sheets.employment_xlsx(cls, entries, settings.data_key, today)
        else:
            sessions = repo.sessions_of(session=s, class_id=cls.id or 0)
            chosen = [x for x in sessions if args.session in (None, x.id)]
            if not chosen:
                sys.exit(f"error: class {cls.code} has no session {args.session or ''}".rstrip())
            sess = chosen[-1]
            present = repo.attendance_of_session(session=s, session_id=sess.id or 0)
            data = sheets.signin_xlsx(cls, sess, entries, present, settings.data_key, ZoneInfo(settings.timezone))
    args.output.write_bytes(data)
    print(f"wrote {args.output}")
    return 0


def run_code(args: argparse.Namespace) -> int:
    settings, engine = _open(args)
    with Session(engine) as s:
        sess = repo.get_session(session=s, session_id=args.session)
        cls = repo.get_class_by_id(session=s, class_id=sess.class_id) if sess else None
        if sess is None or cls is None or cls.unit != args.as_unit:
            sys.exit(f"error: no session {args.session} in a class of {args.as_unit}")
    now = _now(settings)
    code = current_code(sess, now)
    payload = payload_for(cls, code)
    out = args.output or Path(f"signin-{cls.code}-{sess.id}.png")
    out.write_bytes(qr_png(payload))
    print(f"class {cls.code}, session {session_label(sess)}: code {code} (valid until "
          f"{code_valid_until(now):%H:%M}); payload {payload}; QR written to {out}")
    return 0
