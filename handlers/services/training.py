"""Skills-training classes: registration (附件3) and approval (第十八条), sessions, the roster (附件4),
certificates (第二十一条) and employment outcomes (第二十二条), shared by the chat (``flows/training/``) and
``yunling training``. Exports of the sheets are in :mod:`handlers.services.exports`, sign-in codes in
:mod:`handlers.services.signin_codes`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pypinyin import Style, lazy_pinyin
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers import dates
from handlers import training_sheets as sheets
from handlers.i18n import N_, Translate, translator
from handlers.services.errors import Conflict, InvalidInput, NotFound, RuleViolation
from handlers.services.signin_codes import session_label, signin_window
from handlers.settings import Settings
from handlers.types import Reply, reply_to_dict
from knowledge.idcard import id_problem, is_valid_mobile, normalize_id, normalize_mobile
from knowledge.rules.training import CATEGORIES, PROJECTS, Violation, check_class, trainee_category_problem
from storage import repo_training as repo
from storage import repositories as core_repo
from storage.models import Person
from storage.models_training import ClassSession, Enrolment, TrainingClass

SIGNED_KEEPS_TIME = N_("Trainees have signed in to this session already ({n}), so its date and time stay as they "
                       "are; only its place can change.")  # attendance is a record (第十九条)
NOT_YOURS = N_("No class with that code belongs to your unit.")


# -- parsing and checks ---------------------------------------------------------------------------------
def landline(raw: str) -> str | None:
    """A landline as written on letterheads ("0871-65123456", "0871-6512-3456", "(0871)65123456", "0871 6512 3456",
    a full-width dash), in one form: area code, a dash, the number; None when it is none."""
    t = unicodedata.normalize("NFKC", raw).strip()
    m = re.fullmatch(r"\(?(0\d{2,3})\)?[\s\-—–]*(\d{3,4})[\s\-—–]*(\d{4})", t)
    if m is None or not 7 <= len(m[2] + m[3]) <= 8:
        return None
    return f"{m[1]}-{m[2]}{m[3]}"


def valid_phone(raw: str) -> bool:
    return is_valid_mobile(raw) or landline(raw) is not None


def parse_date(raw: str, today: date | None = None, *, near: date | None = None) -> date | None:
    """A full date with its year; with ``today`` (a clerk typing in the chat), also 今天/明天 and one without
    its year ("3月20日"), read as the nearest such day from a month before ``near`` (default ``today``; see
    :func:`handlers.dates.planned_day`)."""
    return dates.parse_day(raw) if today is None else dates.planned_day(raw, today, near=near)


def parse_times(raw: str) -> tuple[time, time] | None:
    """A start and an end time, the end after the start (see :func:`handlers.dates.parse_time_range`)."""
    return dates.parse_time_range(raw)


PHONE_FORMAT = N_("Please type a mobile number (11 digits) or a landline such as 0871-65123456.")
# The 附件3 fields typed as text (the chat asks them one by one, the web console shows them in one form):
# key -> kind. Kinds: text, phone, count, date, hours; the project and the level are chosen from lists.
CLASS_FIELDS: dict[str, str] = {
    "training_unit": "text", "training_unit_address": "text", "class_address": "text",
    "responsible_person": "name", "responsible_phone": "phone", "head_teacher": "name",
    "head_teacher_phone": "phone", "trade": "text", "men": "count", "women": "count",
    **{f"cat_{k}": "count" for k in CATEGORIES}, "start_date": "date", "end_date": "date", "total_hours": "hours"}


NAME_MAX = 30
NAME_FORMAT = N_("Please type the person's name (2 to 30 characters, no digits).")


def parse_field(kind: str, raw: str, today: date | None = None) -> Any:
    """One typed field of the class form, checked: text (≤ 200), a person's name (2 to 30 characters, no digit:
    a phone number typed one field early is no name), phone (mobile or landline), count and hours (whole numbers),
    date (as ISO text: with its year, or with ``today`` also without it, see :func:`parse_date`). Raises
    :class:`InvalidInput`."""
    text = raw.strip()
    if kind == "name":
        if not 2 <= len(text) <= NAME_MAX or any(ch.isdigit() for ch in text):
            raise InvalidInput(NAME_FORMAT)
        return text
    if kind == "phone":
        if not valid_phone(text):
            raise InvalidInput(PHONE_FORMAT)
        return normalize_mobile(text) if is_valid_mobile(text) else landline(text)
    if kind in ("count", "hours"):
        if not re.fullmatch(r"\d{1,4}", text):
            raise InvalidInput(N_("Please type a whole number."))
        if kind == "hours" and int(text) == 0:  # a class of no hours is no class (a count may be 0)
            raise InvalidInput(N_("Please type the class hours: a whole number of at least 1."))
        return int(text)
    if kind == "date":
        day = parse_date(text, today)
        if day is None:
            raise InvalidInput(N_("Please type a date, for example 2026-03-02, 2 March or next Monday."))
        return day.isoformat()
    if not text:
        raise InvalidInput(N_("Please type an answer."))
    return text[:200]


def read_class_form(raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, InvalidInput]]:
    """The whole 附件3 form at once (the web console): (the parsed form, the problem of each bad field).
    The project must be one of the projects; an empty level stays empty. The rules of the measure are
    checked afterwards by :func:`class_problems` on a form without field problems."""
    form: dict[str, Any] = {}
    problems: dict[str, InvalidInput] = {}
    project = raw.get("project", "")
    if project in PROJECTS:
        form["project"] = project
    else:
        problems["project"] = InvalidInput(N_("Please choose one of the options."))
    form["level"] = raw.get("level", "").strip()[:30]
    for key, kind in CLASS_FIELDS.items():
        value = raw.get(key, "")
        if kind == "count" and key.startswith("cat_") and not value.strip():
            value = "0"
        try:
            form[key] = parse_field(kind, value)
        except InvalidInput as exc:
            problems[key] = exc
    return form, problems


def violation_text(_: Translate, v: Violation, locale: str = "zh") -> str:
    """The violation in the reader's language; label params are msgids themselves (see Violation)."""
    sep = ", " if locale == "en" else "、"
    params = {k: sep.join(_(x) for x in p) if isinstance(p, tuple)
              else _(p) if isinstance(p, str) else p for k, p in v.params.items()}
    return _(v.message, **params)


def class_problems(_: Translate, form: dict[str, Any], locale: str = "zh") -> list[tuple[str, Violation | None]]:
    """Rule violations (第六、七条 via knowledge.rules.training) and form inconsistencies, as texts."""
    start, end = date.fromisoformat(form["start_date"]), date.fromisoformat(form["end_date"])
    cats = {k: int(form.get("cat_" + k, 0)) for k in CATEGORIES}
    out: list[tuple[str, Violation | None]] = [(violation_text(_, v, locale), v)
                                               for v in check_class(form["project"], cats, start, end)]
    total, by_sex = sum(cats.values()), int(form.get("men", 0)) + int(form.get("women", 0))
    if total and by_sex != total:
        out.append((_("The numbers by sex ({by_sex}) and by trainee category ({total}) differ.",
                      by_sex=by_sex, total=total), None))
    return out


def refuses(problem: tuple[str, Violation | None]) -> bool:
    """A problem of :func:`class_problems` that refuses the class; a soft violation (第七条's 15 days "in principle")
    only warns, and the class may be registered when the clerk says the approving union allows the exception."""
    return problem[1] is None or not problem[1].soft


def _exception_note(v: Violation) -> str:
    """The audit's words for a soft violation registered as an exception: code, article, its counts."""
    counts = ", ".join(f"{k}={p}" for k, p in v.params.items() if isinstance(p, int))
    return f"exception allowed by the approving union: {v.code} (Art. {v.ref.article}; {counts})"


def check_session_day(cls: TrainingClass, day: date) -> None:
    """A session falls within the class's days."""
    if not cls.start_date <= day <= cls.end_date:
        raise InvalidInput(N_("The class runs from {start} to {end}; the session must fall within those days."),
                           start=cls.start_date.isoformat(), end=cls.end_date.isoformat())


# -- classes ----------------------------------------------------------------------------------------------
def new_class_code(session: Session, unit: str, start: date) -> str:
    """Initials of the unit's first two characters + yymm of the start, a letter added when taken: KM2603."""
    initials = "".join(p[:1] for p in lazy_pinyin(unit[:2], style=Style.FIRST_LETTER) if p[:1].isalpha())
    base = (initials.upper() or "YN")[:2] + f"{start:%y%m}"
    for suffix in ["", *"ABCDEFGHJKLMNPQRSTUVWXYZ"]:
        if not repo.code_taken(session=session, code=base + suffix):
            return base + suffix
    raise RuntimeError("no free class code for this month")  # 25 classes of one unit in one month


def save_class(session: Session, *, key: str, unit: str, created_by: int | None,
               form: dict[str, Any], request_key: str | None = None) -> TrainingClass:
    """Store a class from a checked form (the keys of ``flows.training.FORM``); not audited (see
    :func:`register_class`)."""
    start = date.fromisoformat(form["start_date"])
    fields = {name: form.get(name, "") for name in ("project", "training_unit", "training_unit_address",
                                                    "class_address", "responsible_person", "head_teacher",
                                                    "trade", "level")}
    fields.update(code=new_class_code(session, unit, start), unit=unit, start_date=start,
                  end_date=date.fromisoformat(form["end_date"]), men=int(form.get("men", 0)),
                  women=int(form.get("women", 0)), total_hours=int(form.get("total_hours", 0)),
                  created_by=created_by, request_key=request_key)
    cats = {k: int(form.get("cat_" + k, 0)) for k in CATEGORIES}
    return repo.create_class(session=session, key=key, fields=fields, categories=cats,
                             responsible_phone=form.get("responsible_phone", ""),
                             head_teacher_phone=form.get("head_teacher_phone", ""))


def register_class(session: Session, *, key: str, unit: str, actor: int | None, form: dict[str, Any],
                   via: str = "", request_key: str = "", allow_exception: bool = False) -> TrainingClass:
    """Check the 附件3 form against the rules, store the class (pending approval) and audit it. A
    ``request_key`` seen before returns the class it created (a form sent twice creates one class).
    ``allow_exception``: the clerk says the approving union allows the soft violations (see :func:`refuses`);
    they are then recorded in the audit row, and without it they refuse the class like the others."""
    if request_key and (done := repo.class_by_request(session=session, request_key=request_key)) is not None:
        return done
    problems = class_problems(translator("en"), form)
    if any(refuses(p) for p in problems) or (problems and not allow_exception):
        raise RuleViolation(N_("Please correct the problems first."))
    try:
        with session.begin_nested():  # the same form sent twice at once: the second waits, then finds the first
            cls = save_class(session, key=key, unit=unit, created_by=actor, form=form,
                             request_key=request_key[:64] or None)
    except IntegrityError:
        done = repo.class_by_request(session=session, request_key=request_key[:64]) if request_key else None
        if done is None:
            raise
        return done
    notes = [_exception_note(v) for _text, v in problems if v is not None]  # only soft ones are left
    core_repo.audit(session=session, actor_person_id=actor, action="training.class_registered",
                    subject=f"class:{cls.code}", detail="; ".join(x for x in (via, *notes) if x))
    return cls


def class_of_unit(session: Session, *, code: str, unit: str) -> TrainingClass:
    """The class ``code`` when it belongs to ``unit``; a clerk acts only for their own unit's classes."""
    cls = repo.get_class(session=session, code=code)
    if cls is None or not unit or cls.unit != unit:
        raise NotFound(NOT_YOURS)
    return cls


def approve_class(session: Session, *, cls: TrainingClass, by: str, actor: int | None, now: datetime) -> None:
    """Record the class's approval (one class, one approval, 第十八条), audited."""
    by = by.strip()[:100]
    if not by:
        raise InvalidInput(N_("Please type an answer."))
    repo.approve_class(session=session, cls=cls, approved_by=by, at=now)
    core_repo.audit(session=session, actor_person_id=actor, action="training.class_approved",
                    subject=f"class:{cls.code}", detail=by)


# -- sessions ---------------------------------------------------------------------------------------------
def add_session(session: Session, *, cls: TrainingClass, day: date, start: time, end: time,
                place: str) -> ClassSession:
    check_session_day(cls, day)
    return repo.add_session(session=session, class_id=cls.id or 0, day=day, start=start, end=end,
                            place=place[:200] or cls.class_address)


def session_of_class(session: Session, *, cls: TrainingClass, session_id: int) -> ClassSession:
    sess = repo.get_session(session=session, session_id=session_id)
    if sess is None or sess.class_id != cls.id:
        raise NotFound(N_("That session no longer exists."))
    return sess


def signed_count(session: Session, sess: ClassSession) -> int:
    return len(repo.attendance_of_session(session=session, session_id=sess.id or 0))


def check_time_may_change(session: Session, sess: ClassSession) -> None:
    """Attendance is a record (第十九条): a session someone signed in to keeps its date and time."""
    if signed := signed_count(session, sess):
        raise Conflict(SIGNED_KEEPS_TIME, n=signed)


def move_session(session: Session, *, cls: TrainingClass, sess: ClassSession, day: date, start: time, end: time,
                 place: str, now: datetime) -> tuple[str, str]:
    """Change a session's date, time or place and tell the trainees; returns (before, after) as shown."""
    if (day, start, end) != (sess.day, sess.start, sess.end):
        check_time_may_change(session, sess)
    before = f"{session_label(sess)} {sess.place}"
    repo.move_session(session=session, sess=sess, day=day, start=start, end=end, place=place)
    after = f"{session_label(sess)} {sess.place}"
    notify_trainees(session, cls=cls, sess=sess, now=now,
                    message=N_("Class {code}: the session of {before} is now {after}."), before=before, after=after)
    return before, after


def cancel_session(session: Session, *, cls: TrainingClass, sess: ClassSession, now: datetime) -> str:
    """Cancel a session nobody signed in to, and tell the trainees; returns the session as shown."""
    check_time_may_change(session, sess)
    label = session_label(sess)
    notify_trainees(session, cls=cls, sess=sess, now=now,
                    message=N_("Class {code}: the session of {when} is cancelled."), when=label)
    repo.delete_session(session=session, sess=sess)
    return label


def notify_trainees(session: Session, *, cls: TrainingClass, sess: ClassSession, now: datetime, message: str,
                    **params: str) -> None:
    """Tell every trainee whose chat account is bound to the roster, each in their own language (outbox)."""
    # The change itself is in the key: a move and a cancel at the same instant are two notices, not one.
    change = hashlib.sha256(repr((message, sorted(params.items()))).encode()).hexdigest()[:12]
    stamp = f"{now:%Y%m%d%H%M%S%f}:{change}"
    for entry in repo.enrolments_of(session=session, class_id=cls.id or 0):
        if entry.person_id is None:
            continue
        person = session.get(Person, entry.person_id)
        _t = translator(person.locale if person else "zh")
        reply = Reply(text=_t(message, code=cls.code, **params))
        core_repo.enqueue(session=session, person_id=entry.person_id, body=reply_to_dict(reply),
                          dedupe_key=f"session-change:{sess.id}:{entry.id}:{stamp}", kind="notification")


# -- the roster, certificates, outcomes -------------------------------------------------------------------
def add_trainee(session: Session, *, key: str, cls: TrainingClass, line: repo.RosterLine) -> None:
    """One trainee on the roster: once per class, and of a category the class's project trains (第六条)."""
    if trainee_category_problem(cls.project, line.category) is not None:
        raise RuleViolation(N_("This trainee's category is not one the class's project trains (Art. 6)."))
    if repo.find_by_id_hash(session=session, class_id=cls.id or 0, hashed=repo.id_hash(key, line.id_number)):
        raise Conflict(N_("This person is already on the roster of class {code}."), code=cls.code)
    repo.add_enrolment(session=session, key=key, class_id=cls.id or 0, line=line)


def import_roster(session: Session, *, key: str, cls: TrainingClass, data: bytes, today: date,
                  actor: int | None) -> tuple[int, list[sheets.RowError]]:
    """Import an 附件4 .xlsx: all rows or none. Audited when rows were imported."""
    added, errors = sheets.import_roster(session=session, key=key, cls=cls, data=data, today=today)
    if not errors:
        core_repo.audit(session=session, actor_person_id=actor, action="training.roster_imported",
                        subject=f"class:{cls.code}", detail=f"{added} rows")
    return added, errors


def enrolment_of_class(session: Session, *, cls: TrainingClass, enrolment_id: int) -> Enrolment:
    entry = repo.get_enrolment(session=session, enrolment_id=enrolment_id)
    if entry is None or entry.class_id != cls.id:
        raise NotFound(NOT_YOURS)
    return entry


def remove_trainee(session: Session, *, cls: TrainingClass, entry: Enrolment, actor: int | None) -> None:
    """Take a line added by mistake off the roster, audited. Not one with sign-ins, certificates or an
    employment outcome: those are the fund's records of the class (第十九条, 第二十一条, 第七条)."""
    if entry.class_id != cls.id:
        raise NotFound(NOT_YOURS)
    signed = repo.signins_of(session=session, enrolment_id=entry.id or 0)
    if signed or entry.hr_cert_no or entry.union_cert_no or entry.employed is not None:
        raise Conflict(N_("{name} cannot be taken off the roster: sign-ins ({n}), certificates or an employment "
                          "outcome are recorded for them, and these records of the class stay (Art. 19, 21)."),
                       name=entry.name, n=signed)
    repo.remove_enrolment(session=session, enrolment=entry)
    core_repo.audit(session=session, actor_person_id=actor, action="training.trainee_removed",
                    subject=f"class:{cls.code}", detail=f"enrolment {entry.id}")


PAPER_CHANNEL = "paper"  # a sign-in the clerk recorded from the class's paper sheet


def record_paper_signin(session: Session, *, settings: Settings, cls: TrainingClass, sess: ClassSession,
                        entry: Enrolment, reason: str, actor: int | None, now: datetime) -> None:
    """A trainee who signed the class's paper sheet (第十九条: the sheet the union keeps) but not in the chat,
    recorded by the clerk once the session has begun, with the reason, audited; marked as from the sheet."""
    if sess.class_id != cls.id or entry.class_id != cls.id:
        raise NotFound(NOT_YOURS)
    if now < signin_window(settings, sess)[0]:
        raise RuleViolation(N_("This session has not begun yet: a sign-in is recorded from the sheet afterwards."))
    if len(reason.strip()) < 2:
        raise InvalidInput(N_("Please give the reason (for example: signed the paper sheet, phone flat)."))
    # Signed on paper in class: the session's start is the time of record, not the clerk's typing.
    started = datetime.combine(sess.day, sess.start, ZoneInfo(settings.timezone))
    _row, created = repo.sign_in(session=session, enrolment_id=entry.id or 0, session_id=sess.id or 0, at=started,
                                 channel=PAPER_CHANNEL)
    if not created:
        raise Conflict(N_("{name} is already signed in for this session."), name=entry.name)
    core_repo.audit(session=session, actor_person_id=actor, action="signin.paper_recorded",
                    subject=f"class:{cls.code}", detail=f"session {sess.id} enrolment {entry.id}: {reason.strip()[:200]}")


def unlink_trainee(session: Session, *, cls: TrainingClass, entry: Enrolment, actor: int | None) -> int:
    """Free a roster line linked to the wrong chat account (someone else proved the ID number), audited, so
    that the trainee can link their own; the sign-ins made meanwhile stay on the record for the clerk to check
    against the paper sheet. Returns how many there are."""
    if entry.class_id != cls.id:
        raise NotFound(NOT_YOURS)
    if entry.person_id is None:
        raise Conflict(N_("{name} is not linked to any chat account."), name=entry.name)
    repo.unbind(session=session, enrolment=entry)
    core_repo.audit(session=session, actor_person_id=actor, action="training.trainee_unlinked",
                    subject=f"class:{cls.code}", detail=f"enrolment {entry.id}")
    return repo.signins_of(session=session, enrolment_id=entry.id or 0)


def before_the_end(cls: TrainingClass, today: date, what: str) -> RuleViolation | None:
    """Why certificates (``what`` "certificates": 第二十一条, "培训结束后") or an employment outcome ("outcome":
    第二十二条, the employment rate after the training) are not recorded yet: the class has not reached its last
    day. None from that day on."""
    if today >= cls.end_date:
        return None
    if what == "certificates":
        return RuleViolation(N_("The class runs until {end}: certificates are recorded after the training ends "
                                "(Art. 21)."), end=cls.end_date.isoformat())
    return RuleViolation(N_("The class runs until {end}: an employment outcome is recorded after the training "
                            "(Art. 22)."), end=cls.end_date.isoformat())


def _after_the_class(session: Session, entry: Enrolment, today: date, what: str) -> None:
    cls = repo.get_class_by_id(session=session, class_id=entry.class_id)
    if cls is not None and (why := before_the_end(cls, today, what)) is not None:
        raise why


def record_certificate(session: Session, *, entry: Enrolment, level: str, hr_no: str, union_no: str,
                       prior_level: str, today: date) -> None:
    """The two certificates of 第二十一条 (“双证”), from the class's last day on."""
    _after_the_class(session, entry, today, "certificates")
    if level not in sheets.LEVELS or prior_level not in ("", *sheets.LEVELS):
        raise InvalidInput(N_("Please choose one of the options."))
    for number in (hr_no, union_no):
        if not re.fullmatch(r"[0-9A-Za-z\-]{4,60}", number):
            raise InvalidInput(N_("Please type the certificate number (letters, digits and '-')."))
    repo.set_certificate(session=session, enrolment=entry, level=level, hr_no=hr_no, union_no=union_no,
                         prior_level=prior_level)


def record_outcome(session: Session, *, key: str, entry: Enrolment, employed: bool, today: date, place: str = "",
                   employer: str = "", employer_phone: str = "") -> None:
    """An employment outcome for 附件6 (第二十二条): where and for whom, when employed; from the class's last day on."""
    _after_the_class(session, entry, today, "outcome")
    if employed and not (place.strip() and employer.strip()):
        raise InvalidInput(N_("Please type where the trainee works and the employer."))
    if employer_phone and not valid_phone(employer_phone):
        raise InvalidInput(N_("Please type a mobile number (11 digits) or a landline such as 0871-65123456."))
    if employer_phone:  # one form, as the class form's phones
        employer_phone = normalize_mobile(employer_phone) if is_valid_mobile(employer_phone) else \
            (landline(employer_phone) or employer_phone)
    repo.set_outcome(session=session, key=key, enrolment=entry, employed=employed, place=place.strip()[:200],
                     employer=employer.strip()[:200], employer_phone=employer_phone)


# -- a trainee's first sign-in: linking the chat account to the roster line (第十九条) -----------------------
BIND_ATTEMPTS = 5  # ID numbers that match nobody, per account and day: then the head teacher is asked
BIND_WINDOW = timedelta(days=1)


def match_trainee(session: Session, *, key: str, cls: TrainingClass, id_text: str, today: date,
                  actor: int | None, now: datetime | None = None) -> Enrolment:
    """The roster line of ``cls`` a trainee names by their whole ID number or its last 6 characters; one that
    matches nobody is audited (``signin.bind_failed``) and raised as :class:`NotFound`. After
    :data:`BIND_ATTEMPTS` of those in a day an account is refused (:class:`RuleViolation`): six characters are
    not to be guessed, nor someone else's tried (nobody signs in for someone else, 第十九条)."""
    if actor is not None and now is not None and core_repo.audits_since(
            session=session, actor_person_id=actor, action="signin.bind_failed", since=now - BIND_WINDOW) \
            >= BIND_ATTEMPTS:
        raise RuleViolation(N_("Too many ID numbers that match nobody on the roster were tried from this account "
                               "today. Please ask the head teacher or the clerk of the class to check the roster."))
    value = normalize_id(id_text)
    if len(value) == 18:
        if id_problem(value, today=today):
            raise InvalidInput(N_("That is not a valid ID number. Please check it and type it again."))
        found = repo.find_by_id_hash(session=session, class_id=cls.id or 0, hashed=repo.id_hash(key, value))
        matches = [found] if found else []
    elif re.fullmatch(r"\d{5}[\dX]", value):
        matches = repo.find_by_tail_hash(session=session, class_id=cls.id or 0, hashed=repo.id_tail_hash(key, value))
    else:
        raise InvalidInput(N_("Please type the last 6 characters of your ID number (digits, the last may be X), "
                              "or the whole 18-character number."))
    if len(matches) > 1:
        raise InvalidInput(N_("Several trainees share these characters. Please type your whole ID number."))
    if not matches:
        core_repo.audit(session=session, actor_person_id=actor, action="signin.bind_failed",
                        subject=f"class:{cls.code}", at=now)
        raise NotFound(N_("You are not on the roster of class {cls}. Only trainees on the class roster can sign in; "
                          "please ask the clerk to check the roster."), cls=cls.code)
    return matches[0]


def bind_trainee(session: Session, *, entry: Enrolment, person: Person, now: datetime) -> bool:
    """Link ``person`` to the roster line (and give them the trainee role); False when the line is someone
    else's or the person is linked to another trainee (nobody signs in for someone else; audited when the
    line belongs to another account)."""
    mine = repo.enrolments_of_person(session=session, person_id=person.id or 0)
    if any(e.id_hash != entry.id_hash for e in mine):
        return False
    if entry.person_id not in (None, person.id):
        core_repo.audit(session=session, actor_person_id=person.id, action="signin.bind_refused",
                        subject=f"enrolment:{entry.id}")
        return False
    if entry.person_id is None:
        if not repo.bind(session=session, enrolment=entry, person_id=person.id or 0, at=now):
            return False
        person.roles = ",".join(sorted(person.role_set() | {"trainee"}))
        session.add(person)
    return True
