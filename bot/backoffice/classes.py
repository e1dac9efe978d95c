"""The Classes page of the console (skills-training fund, 技能培训资金办法): the unit's classes; a new class
from the 附件3 fields, checked as the chat checks them, and its approval (第十八条); sessions moved or
cancelled with the trainees told; the roster uploaded as an .xlsx (all rows or none); a session's live
attendance and its sign-in screen (第十九条); the exports (附件3, 附件4, 附件6, sign-in sheet).

Everything goes through :mod:`handlers.services.training` and :mod:`handlers.services.exports`; a class of
another unit is 404 (:class:`Missing`)."""

from __future__ import annotations

import secrets
from datetime import date, time
from typing import Any

from bot.backoffice.core import Download, Missing, Page, Redirect, View, url
from handlers import cite as citing
from handlers import training_sheets as sheets
from handlers.i18n import N_
from handlers.services import exports
from handlers.services import training as svc
from handlers.services.errors import InvalidInput, ServiceError
from handlers.services.signin_codes import screen_token, session_label
from knowledge.idcard import mask_id
from knowledge.rules.training import (
    CATEGORIES,
    CATEGORY_LABELS_EN,
    MEASURE,
    PROJECT_LABELS_EN,
    PROJECTS,
    class_days,
)
from storage import repo_console_views as q
from storage import repo_training as repo
from storage.models_training import ClassSession, Enrolment, TrainingClass

STATUS = {"pending": N_("waiting for approval"), "approved": N_("approved")}
FIELDS = sheets.CLASS_TEXT_FIELDS
DONE = {"created": N_("The class is registered; record its approval once the form is signed."),
        "approved": N_("The approval is recorded."), "added": N_("The session is added."),
        "moved": N_("The session is changed; the trainees who use the assistant are told."),
        "cancelled": N_("The session is cancelled; the trainees who use the assistant are told."),
        "imported": N_("The roster is imported."), "certificate": N_("The certificates are recorded."),
        "outcome": N_("The employment outcome is recorded.")}
ERRORS_SHOWN = 200


def _class(v: View) -> TrainingClass:
    cls = repo.get_class_by_id(session=v.session, class_id=v.int_param("class_id"))
    if cls is None or not v.clerk.sees(cls.unit):
        raise Missing("class")
    return cls


def _session(v: View, cls: TrainingClass) -> ClassSession:
    try:
        return svc.session_of_class(v.session, cls=cls, session_id=v.int_param("session_id"))
    except ServiceError as exc:
        raise Missing("session") from exc


def _key(v: View) -> str:
    assert v.settings is not None
    return v.settings.data_key


def class_list(v: View) -> Page:
    status = v.query.get("status", "")
    status = status if status in STATUS else ""
    rows = q.class_list(session=v.session, unit=v.clerk.scope, status=status)
    counts = q.class_counts(session=v.session, unit=v.clerk.scope)
    return Page("classes.html", {"rows": rows, "counts": counts, "shown": status, "labels": STATUS,
                                 "projects": PROJECT_LABELS_EN, "tab": "classes"})


# -- a new class ------------------------------------------------------------------------------------------
def _form_page(v: View, *, values: dict[str, str], problems: dict[str, str] | None = None,
               rules: list[str] | None = None, warnings: list[str] | None = None, status: int = 200) -> Page:
    return Page("class_new.html", {"values": values, "problems": problems or {}, "rules": rules or [],
                                   "warnings": warnings or [],
                                   "fields": FIELDS, "projects": [(k, PROJECT_LABELS_EN[k]) for k in PROJECTS],
                                   "categories": [(k, CATEGORY_LABELS_EN[k]) for k in CATEGORIES],
                                   "levels": sheets.LEVELS, "tab": "classes"}, status=status)


def class_new(v: View) -> Page:
    if not v.clerk.unit:
        raise Missing("unit")
    return _form_page(v, values={"request": secrets.token_urlsafe(24)})


def class_create(v: View) -> Page | Redirect:
    """Check the fields, then the rules of the measure (第六、七条); store the class once per form token. A class
    short of 第七条's 15 days "in principle" only is warned about, and registered when the clerk ticks the
    exception the approving union allows."""
    values = {k: str(val)[:200] for k, val in v.form.items() if k not in ("csrf", "allow_exception")}
    form, bad = svc.read_class_form(values)
    if bad:
        return _form_page(v, values=values, problems={k: e.text(v._) for k, e in bad.items()}, status=400)
    problems = svc.class_problems(v._, form, v.clerk.locale)
    rules = [p[0] for p in problems if svc.refuses(p)]
    sep = "" if v.clerk.locale == "zh" else " "  # Chinese full-width brackets carry their own space
    warnings = [p[0] + sep + citing.inline_ref(v._, v.clerk.locale, MEASURE, p[1].ref.article)
                for p in problems if not svc.refuses(p) and p[1] is not None]
    anyway = v.form.get("allow_exception") == "yes"
    if rules or (warnings and not anyway):  # the tick is asked for on the page that shows the warning
        return _form_page(v, values=values, rules=rules, warnings=warnings, status=400)
    try:
        cls = svc.register_class(v.session, key=_key(v), unit=v.clerk.unit, actor=v.clerk.person_id, form=form,
                                 via="web", request_key=values.get("request", ""), allow_exception=anyway)
    except ServiceError as exc:
        return _form_page(v, values=values, rules=[exc.text(v._)], status=400)
    v.audit = ("console.class.create", f"class:{cls.code}")
    return Redirect(url(f"/classes/{cls.id}", done="created"))


# -- a class ----------------------------------------------------------------------------------------------
def class_page(v: View, *, error: str = "", params: dict[str, Any] | None = None, errors: list[str] | None = None,
               status: int = 200) -> Page:
    cls = _class(v)
    sessions = repo.sessions_of(session=v.session, class_id=cls.id or 0)
    entries = repo.enrolments_of(session=v.session, class_id=cls.id or 0)
    key = _key(v)
    roster = [(e, mask_id(repo.reveal(key, e.id_enc))) for e in entries]
    v.audit = ("console.view", f"class:{cls.code}")
    return Page("class.html", {
        "c": cls, "labels": STATUS, "projects": PROJECT_LABELS_EN, "sessions": sessions, "roster": roster,
        "categories": CATEGORY_LABELS_EN, "class_categories": repo.class_categories(cls), "fields": FIELDS,
        "days": class_days(cls.start_date, cls.end_date), "label": session_label,
        "done": DONE.get(v.query.get("done", ""), ""), "n": v.query.get("n", ""), "error": error,
        "error_params": params or {}, "errors": errors or [], "tab": "classes"}, status=status)


def class_approve(v: View) -> Page | Redirect:
    cls = _class(v)
    if cls.status == "approved":  # a second click: the approval stands as recorded
        return Redirect(url(f"/classes/{cls.id}", done="approved"))
    try:
        svc.approve_class(v.session, cls=cls, by=v.form.get("by", ""), actor=v.clerk.person_id, now=v.now)
    except ServiceError as exc:
        return class_page(v, error=exc.message, params=exc.params, status=400)
    v.audit = ("console.class.approve", f"class:{cls.code}")
    return Redirect(url(f"/classes/{cls.id}", done="approved"))


def _when(v: View) -> tuple[date, time, time]:
    """The date and times of a session form (raises InvalidInput)."""
    day = svc.parse_date(v.form.get("day", ""))
    if day is None:
        raise InvalidInput(N_("Please type a date like 2026-03-02."))
    times = svc.parse_times(f"{v.form.get('start', '')}-{v.form.get('end', '')}")
    if times is None:
        raise InvalidInput(N_("Please type the times like 09:00-12:00 (the end after the start)."))
    return day, times[0], times[1]


def session_add(v: View) -> Page | Redirect:
    cls = _class(v)
    try:
        day, start, end = _when(v)
        sess = svc.add_session(v.session, cls=cls, day=day, start=start, end=end,
                               place=v.form.get("place", "").strip())
    except ServiceError as exc:
        return class_page(v, error=exc.message, params=exc.params, status=400)
    v.audit = ("console.session.add", f"session:{sess.id}")
    return Redirect(url(f"/classes/{cls.id}", done="added"))


def session_change(v: View) -> Page | Redirect:
    """Move (date, time, place) or cancel a session; the trainees bound to the roster are told (outbox)."""
    cls = _class(v)
    sess = _session(v, cls)
    what = v.params.get("action", "")
    try:
        if what == "move":
            day, start, end = _when(v)
            svc.move_session(v.session, cls=cls, sess=sess, day=day, start=start, end=end,
                             place=v.form.get("place", "").strip()[:200] or sess.place, now=v.now)
            done = "moved"
        elif what == "cancel":
            svc.cancel_session(v.session, cls=cls, sess=sess, now=v.now)
            done = "cancelled"
        else:
            raise Missing(what)
    except ServiceError as exc:
        return class_page(v, error=exc.message, params=exc.params, status=409)
    v.audit = (f"console.session.{what}", f"session:{sess.id}")
    return Redirect(url(f"/classes/{cls.id}", done=done))


def roster_upload(v: View) -> Page | Redirect:
    """An 附件4 .xlsx: every bad row shown with its reason and nothing imported while any row is bad."""
    cls = _class(v)
    data = v.files.get("roster", b"")
    if data is None:
        return class_page(v, error=N_("The workbook is too large to be a class roster."), status=400)
    if not data:
        return class_page(v, error=N_("Please choose the .xlsx file of the roster."), status=400)
    added, errors = svc.import_roster(v.session, key=_key(v), cls=cls, data=data, today=v.local.date(),
                                      actor=v.clerk.person_id)
    if errors:
        lines = sheets.format_errors(v._, errors)
        v.audit = ("console.roster.refused", f"class:{cls.code}")
        return class_page(v, error=N_("Nothing was imported. Please correct the file and send it again:"),
                          errors=lines[:ERRORS_SHOWN], status=400)
    v.audit = ("console.roster.import", f"class:{cls.code}")
    return Redirect(url(f"/classes/{cls.id}", done="imported", n=added))


# -- a trainee: certificates (第二十一条) and the employment outcome (第二十二条) ----------------------------------
def _trainee(v: View, cls: TrainingClass) -> Enrolment:
    try:
        return svc.enrolment_of_class(v.session, cls=cls, enrolment_id=v.int_param("enrolment_id"))
    except ServiceError as exc:
        raise Missing("trainee") from exc


def trainee(v: View, *, error: str = "", params: dict[str, Any] | None = None, status: int = 200) -> Page:
    cls = _class(v)
    entry = _trainee(v, cls)
    v.audit = ("console.view", f"enrolment:{entry.id}")
    return Page("trainee.html", {"c": cls, "e": entry, "masked": mask_id(repo.reveal(_key(v), entry.id_enc)),
                                 "categories": CATEGORY_LABELS_EN, "levels": sheets.LEVELS, "form": v.form,
                                 "done": DONE.get(v.query.get("done", ""), ""), "error": error,
                                 "error_params": params or {}, "tab": "classes"}, status=status)


def trainee_record(v: View) -> Page | Redirect:
    """Record the two certificates or the employment outcome of a trainee, through the training service."""
    cls = _class(v)
    entry = _trainee(v, cls)
    what, f = v.params.get("action", ""), v.form
    try:
        if what == "certificate":
            svc.record_certificate(v.session, entry=entry, level=f.get("level", ""), hr_no=f.get("hr", "").strip(),
                                   union_no=f.get("union", "").strip(), prior_level=f.get("prior", ""),
                                   today=v.local.date())
        elif what == "outcome":
            svc.record_outcome(v.session, key=_key(v), entry=entry, employed=f.get("employed") == "yes",
                               today=v.local.date(),
                               place=f.get("place", ""), employer=f.get("employer", ""),
                               employer_phone=f.get("phone", "").strip())
        else:
            raise Missing(what)
    except ServiceError as exc:
        return trainee(v, error=exc.message, params=exc.params, status=400)
    v.audit = (f"console.trainee.{what}", f"enrolment:{entry.id}")
    return Redirect(url(f"/classes/{cls.id}/trainees/{entry.id}", done=what))


# -- a session: live attendance, the sign-in screen ---------------------------------------------------------
def _attendance(v: View, cls: TrainingClass, sess: ClassSession) -> dict[str, Any]:
    entries = repo.enrolments_of(session=v.session, class_id=cls.id or 0)
    present = repo.attendance_of_session(session=v.session, session_id=sess.id or 0)
    here = sorted(((present[e.id or 0].signed_at, e) for e in entries if (e.id or 0) in present),
                  key=lambda item: (repo.as_utc(item[0]), item[1].id or 0))
    missing = [e for e in entries if (e.id or 0) not in present]
    return {"c": cls, "s": sess, "here": [(repo.as_utc(at).astimezone(v.tz), e) for at, e in here],
            "missing": missing, "total": len(entries), "label": session_label(sess)}


def session_page(v: View) -> Page:
    cls = _class(v)
    sess = _session(v, cls)
    v.audit = ("console.view", f"session:{sess.id}")
    return Page("class_session.html", {**_attendance(v, cls, sess), "screen": f"/signin/{screen_token(sess)}",
                                       "tab": "classes"})


def attendance(v: View) -> Page:
    """The fragment the session page polls (hx-get every few seconds)."""
    cls = _class(v)
    sess = _session(v, cls)
    v.audit = ("console.view", f"session:{sess.id}")
    return Page("attendance.html", _attendance(v, cls, sess))


def export(v: View) -> Download:
    """附件4 roster, 附件6 employment, a session's sign-in sheet or the 附件3 approval form, audited by the export
    service."""
    cls = _class(v)
    sheet = v.params.get("sheet", "")
    if sheet not in exports.SHEETS:
        raise Missing(sheet)
    session_id = None
    if sheet == "signin":
        raw = v.query.get("session", "")
        session_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    try:
        out = exports.training_sheet(v.session, key=_key(v), cls=cls, sheet=sheet, now=v.now.astimezone(v.tz),
                                     actor=v.clerk.person_id, session_id=session_id, via="web")
    except ServiceError as exc:
        raise Missing(sheet) from exc
    v.audit = (f"console.export.{sheet}", f"class:{cls.code}")
    return Download(out.filename, out.data, out.mime)
