"""What the ``yunling training`` commands do (their parsers: :mod:`bot.commands.training`)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.commands.common import settings_from
from handlers import training_sheets as sheets
from handlers.i18n import translator
from handlers.services import exports, training
from handlers.services.errors import ServiceError
from handlers.services.signin_codes import code_valid_until, current_code, payload_for, qr_png, session_label
from handlers.services.training import class_problems, parse_date, parse_times, refuses, valid_phone
from handlers.settings import Settings
from knowledge import loader
from knowledge.rules.training import CATEGORIES
from storage import repo_training as repo
from storage.db import init_db, make_engine, session_scope
from storage.models_training import TrainingClass


def _open(args: argparse.Namespace) -> tuple[Settings, Engine]:
    settings = settings_from(args)
    if not settings.data_key:
        sys.exit("error: no data key configured; set YUNLING_DATA_KEY (it protects ID numbers at rest)")
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    init_db(engine)
    return settings, engine


def _unit_class(session: Session, args: argparse.Namespace) -> TrainingClass:
    try:
        return training.class_of_unit(session, code=args.code, unit=args.as_unit)
    except ServiceError:
        sys.exit(f"error: no class {args.code} belongs to {args.as_unit}")


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
              for text, v in problems if refuses((text, v))]
    warnings = [f"{text} ({loader.label('training', v.ref.article, args.lang)})"
                for text, v in problems if v is not None and not refuses((text, v))]
    if lines or warnings:
        print("\n".join([*(f"✗ {line}" for line in lines), *(f"⚠ {line}" for line in warnings)]), file=sys.stderr)
    if lines or (warnings and not args.allow_short):
        if warnings and not lines:  # in principle only: the approving union may allow it
            print("not registered: add --allow-short if the approving union allows the exception", file=sys.stderr)
        return 1
    settings, engine = _open(args)
    with session_scope(engine) as s:
        cls = training.register_class(s, key=settings.data_key, unit=args.as_unit, actor=None, form=form, via="cli",
                                      allow_exception=args.allow_short)
        print(f"class {cls.code} registered for {args.as_unit} (pending approval)")
    return 0


def run_class_approve(args: argparse.Namespace) -> int:
    settings, engine = _open(args)
    with session_scope(engine) as s:
        cls = _unit_class(s, args)
        try:
            training.approve_class(s, cls=cls, by=args.by, actor=None, now=_now(settings))
        except ServiceError as exc:
            sys.exit(f"error: {exc.text(translator(args.lang))}")
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
        try:
            sess = training.add_session(s, cls=cls, day=day, start=times[0], end=times[1], place=args.place or "")
        except ServiceError:
            sys.exit(f"error: the class runs from {cls.start_date} to {cls.end_date}")
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
        added, errors = training.import_roster(s, key=settings.data_key, cls=cls, data=data,
                                               today=_now(settings).date(), actor=None)
        if errors:
            for line in sheets.format_errors(_, errors):
                print(line, file=sys.stderr)
            print(f"nothing imported: {len(errors)} bad row(s)", file=sys.stderr)
            return 1
    print(f"{added} trainees imported into {args.code}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    settings, engine = _open(args)
    with session_scope(engine) as s:  # the export's audit row is written with it
        cls = _unit_class(s, args)
        try:
            out = exports.training_sheet(s, key=settings.data_key, cls=cls, sheet=args.sheet, now=_now(settings),
                                         actor=None, session_id=args.session, via="cli")
        except ServiceError:
            sys.exit(f"error: class {cls.code} has no session {args.session or ''}".rstrip())
    args.output.write_bytes(out.data)
    print(f"wrote {args.output}")
    return 0


def run_code(args: argparse.Namespace) -> int:
    settings, engine = _open(args)
    with Session(engine) as s:
        sess = repo.get_session(session=s, session_id=args.session)
        cls = repo.get_class_by_id(session=s, class_id=sess.class_id) if sess else None
        if sess is None or cls is None or cls.unit != args.as_unit:
            sys.exit(f"error: no session {args.session} in a class of {args.as_unit}")
    if cls.status != "approved":  # trainees would be refused: one class, one approval (第十八条)
        sys.exit(f"error: class {cls.code} is not approved yet, so trainees cannot sign in; record its approval "
                 f"first: yunling training class approve {cls.code} --by NAME")
    now = _now(settings)
    code = current_code(sess, now)
    payload = payload_for(cls, code)
    out = args.output or Path(f"signin-{cls.code}-{sess.id}.png")
    out.write_bytes(qr_png(payload))
    print(f"class {cls.code}, session {session_label(sess)}: code {code} (valid until "
          f"{code_valid_until(now):%H:%M}); payload {payload}; QR written to {out}")
    return 0
