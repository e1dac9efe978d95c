"""The clerk's (and head teacher's) side of skills-training classes.

A clerk acts only for classes of their own union unit. One flow, entered with "培训班管理" / "/classes"::

    pick ─┬─ new ─> field × 19 (附件3) ─> confirm (rule check, 第六、七条) ─> save ─┐
          └─ class ──────────────────────────────────────────────────────────────> act
    act ─> approve (第十八条) | session | trainee | attendance | code + QR | exports (附件4, 附件6,
           sign-in sheet) | certificates (第二十一条) | employment outcome | employment rate (第七条)

The operations the command line shares (validation, saving, audit, notifications) are in
:mod:`handlers.services.training`; exports in :mod:`handlers.services.exports`.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from handlers import cite as citing
from handlers import training_sheets as sheets
from handlers.flow import (
    Answer,
    Ctx,
    Flow,
    Handle,
    Invalid,
    Outcome,
    Prompt,
    State,
    choices_reply,
    finish,
    goto,
)
from handlers.i18n import N_, Translate
from handlers.services import exports, training
from handlers.services.errors import ServiceError
from handlers.services.signin_codes import (
    code_valid_until,
    current_code,
    local_hhmm,
    payload_for,
    qr_png,
    screen_token,
    session_label,
)
from handlers.services.training import class_problems, parse_date, parse_times, valid_phone, violation_text
from handlers.types import Attachment, Citation, Reply
from knowledge.idcard import id_problem, id_sex, is_valid_mobile, mask_id, normalize_id, normalize_mobile
from knowledge.rules.training import (
    CATEGORIES,
    CATEGORY_LABELS_EN,
    POVERTY,
    PROJECT_LABELS_EN,
    PROJECTS,
    class_days,
    employment_rate_check,
)
from storage import repo_training as repo
from storage.crypto import encrypt
from storage.models_training import ClassSession, Enrolment, TrainingClass

MEASURE = "training"
SKIP_WORDS = {"-", "—", "无", "没有", "跳过", "skip", "none", "no"}
UPLOADS = frozenset({"telegram", "console"})  # where a person can send the assistant a file (not WeChat)
ERRORS_SHOWN = 15  # rows of a bad roster listed in chat


def cite(ctx: Ctx, article: int, paragraph: int | None = None) -> Citation:
    return citing.cite(ctx.locale, MEASURE, article, paragraph)


def cite_ref(ctx: Ctx, article: int) -> str:
    return citing.inline_ref(ctx._, ctx.locale, MEASURE, article)


def local_time(ctx: Ctx, when: Any) -> str:
    return local_hhmm(when, ctx.now.tzinfo)


def code_reply(ctx: Ctx, cls: TrainingClass, sess: ClassSession) -> Reply:
    """What the teacher shows: the code, its validity, the deep link and the QR image; with a public address,
    the link of a screen that shows the current code and refreshes itself."""
    code = current_code(sess, ctx.now)
    payload = payload_for(cls, code)
    until = code_valid_until(ctx.now).astimezone(ctx.now.tzinfo).strftime("%H:%M")
    if ctx.settings.telegram_bot_username:
        link = f"https://t.me/{ctx.settings.telegram_bot_username}?start={payload}"
        text = ctx._("Sign-in code for class {cls}, session {when}: {code}\nValid until {until}. Trainees type "
                     "'签到', then the class code and this code, or scan the QR code. Telegram link: {link}",
                     cls=cls.code, when=session_label(sess), code=code, until=until, link=link)
    else:
        text = ctx._("Sign-in code for class {cls}, session {when}: {code}\nValid until {until}. Trainees type "
                     "'签到', then the class code and this code, or scan the QR code.",
                     cls=cls.code, when=session_label(sess), code=code, until=until)
    if ctx.settings.public_url:
        text += "\n" + ctx._("To project in class (the code and QR renew themselves): {url}",
                             url=f"{ctx.settings.public_url.rstrip('/')}/signin/{screen_token(sess)}")
    return Reply(text=text, citations=(cite(ctx, 19),),
                 attachments=(Attachment("image", f"signin-{cls.code}-{sess.id}.png", qr_png(payload), "image/png"),))


def form_of(cls: TrainingClass) -> dict[str, Any]:
    form: dict[str, Any] = {k: getattr(cls, k) for k in ("project", "training_unit", "training_unit_address",
                                                         "class_address", "responsible_person", "head_teacher",
                                                         "trade", "level", "men", "women", "total_hours")}
    form.update(start_date=cls.start_date.isoformat(), end_date=cls.end_date.isoformat())
    form.update({"cat_" + k: v for k, v in repo.class_categories(cls).items()})
    return form


def summary_lines(_: Translate, form: dict[str, Any]) -> list[str]:
    cats = "; ".join(f"{_(CATEGORY_LABELS_EN[k])} {form.get('cat_' + k, 0)}" for k in CATEGORIES
                     if int(form.get("cat_" + k, 0)))
    days = class_days(date.fromisoformat(form["start_date"]), date.fromisoformat(form["end_date"]))
    return [
        _("Project: {project}", project=_(PROJECT_LABELS_EN[form["project"]])),
        _("Training unit: {unit}, {address}", unit=form["training_unit"], address=form["training_unit_address"]),
        _("Class address: {address}", address=form["class_address"]),
        _("Responsible: {name}; head teacher: {teacher}", name=form["responsible_person"],
          teacher=form["head_teacher"]),
        _("Trade and level: {trade}, {level}", trade=form["trade"], level=form["level"]),
        _("Trainees: {men} men, {women} women; {cats}", men=form["men"], women=form["women"], cats=cats or "-"),
        _("Dates: {start} to {end} ({days} days), {hours} class hours", start=form["start_date"],
          end=form["end_date"], days=days, hours=form["total_hours"]),
    ]


# -- the registration form -------------------------------------------------------------------------------
# (key, kind, prompt). Kinds: project, text, phone, level, sexes, count, date, hours.
FORM: tuple[tuple[str, str, str], ...] = (
    ("project", "project", N_("Register a class (Annex 3). Which project is it?")),
    ("training_unit", "text", N_("Training unit (培训单位, the school or training centre)?")),
    ("training_unit_address", "text", N_("Address of the training unit?")),
    ("class_address", "text", N_("Address where the class is held?")),
    ("responsible_person", "text", N_("Name of the person responsible (负责人)?")),
    ("responsible_phone", "phone", N_("Phone of the person responsible?")),
    ("head_teacher", "text", N_("Name of the head teacher (班主任)?")),
    ("head_teacher_phone", "phone", N_("Phone of the head teacher?")),
    ("trade", "text", N_("Trade or specialty taught (培训专业/工种)?")),
    ("level", "level", N_("Training level (培训等级)? Choose or type it.")),
    ("sexes", "sexes", N_("Number of trainees by sex: type two numbers, men then women (for example 30 20).")),
    *((f"cat_{k}", "count", N_("How many trainees are {category}? (0 if none)")) for k in CATEGORIES),
    ("start_date", "date", N_("First day of the class (for example 2026-03-02)?")),
    ("end_date", "date", N_("Last day of the class?")),
    ("total_hours", "hours", N_("Total class hours (总课时)?")),
)
GROUPS = {"project": ("project",), "numbers": ("sexes", *(f"cat_{k}" for k in CATEGORIES)),
          "dates": ("start_date", "end_date")}


def _ask_field(ctx: Ctx) -> Reply:
    key, kind, prompt = FORM[int(ctx.data.get("i", 0))]
    text = ctx._(prompt, category=ctx._(CATEGORY_LABELS_EN[key[4:]]) if kind == "count" else "")
    if kind == "project":
        return choices_reply(text, [(k, ctx._(PROJECT_LABELS_EN[k])) for k in PROJECTS])
    if kind == "level":
        return choices_reply(text, [(lv, lv) for lv in sheets.LEVELS])
    return Reply(text=text)


def _parse_field(ctx: Ctx, kind: str, answer: Answer) -> Any:
    _, text = ctx._, answer.text.strip()
    if kind == "project":
        if answer.value not in PROJECTS:
            raise Invalid(_("Please answer with one of the options (a number is enough)."))
        return answer.value
    if kind == "level":
        return answer.value or text[:30]
    if kind == "sexes":
        numbers = re.findall(r"\d+", text)
        if len(numbers) != 2:
            raise Invalid(_("Please type two numbers: men then women, for example 30 20."))
        return [int(n) for n in numbers]
    return _service(ctx, training.parse_field, kind, text)  # the same checks as the web console's form


def _on_field(ctx: Ctx, answer: Answer) -> Outcome:
    i = int(ctx.data.get("i", 0))
    key, kind, _prompt = FORM[i]
    value = _parse_field(ctx, kind, answer)
    form = ctx.data.setdefault("form", {})
    if kind == "sexes":
        form["men"], form["women"] = value
    elif kind == "phone":  # conversation state holds no phone number in clear
        form[key] = {"enc": encrypt(ctx.settings.data_key, value)}
    else:
        form[key] = value
    fixing = ctx.data.get("fixing")
    nxt = i + 1
    if nxt >= len(FORM) or (fixing and FORM[nxt][0] not in GROUPS[fixing]):
        ctx.data.pop("fixing", None)
        return goto("confirm")
    ctx.data["i"] = nxt
    return goto("field")


def _form(ctx: Ctx) -> dict[str, Any]:
    """The class form of the conversation, with the phone numbers it keeps encrypted revealed."""
    return {k: repo.reveal(ctx.settings.data_key, v["enc"]) if isinstance(v, dict) and "enc" in v else v
            for k, v in ctx.data["form"].items()}


def _ask_confirm(ctx: Ctx) -> Reply:
    _, form = ctx._, _form(ctx)
    problems = class_problems(_, form, ctx.locale)
    lines = [_("Please check the class:"), *summary_lines(_, form)]
    citations: list[Citation] = []
    options = []
    if problems:
        lines.append(_("It cannot be registered yet:"))
        for text, v in problems:
            sep = "" if ctx.locale == "zh" else " "  # Chinese full-width brackets carry their own space
            lines.append(f"✗ {text}" + (sep + cite_ref(ctx, v.ref.article) if v else ""))
            if v and all(c.article != v.ref.article for c in citations):
                citations.append(cite(ctx, v.ref.article, v.ref.paragraph))
    else:
        options.append(("save", _("Save the class")))
    options += [("fix:numbers", _("Change the trainee numbers")), ("fix:dates", _("Change the dates")),
                ("fix:project", _("Change the project type"))]
    reply = choices_reply("\n".join(lines), options)
    return Reply(text=reply.text, choices=reply.choices, citations=tuple(citations), prompt=reply.prompt)


def _on_confirm(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.value and answer.value.startswith("fix:"):
        group = answer.value[4:]
        ctx.data["fixing"], ctx.data["i"] = group, next(i for i, f in enumerate(FORM) if f[0] == GROUPS[group][0])
        return goto("field")
    form = _form(ctx)
    if class_problems(ctx._, form, ctx.locale):
        raise Invalid(ctx._("Please correct the problems first."))
    cls = training.register_class(ctx.session, key=ctx.settings.data_key, unit=ctx.clerk_unit, actor=ctx.person_id,
                                  form=form)
    ctx.data = {"code": cls.code}
    return goto("act", Reply(text=ctx._("Class {code} registered. Record its approval once the approving union "
                                        "has signed the form (one class, one approval).", code=cls.code),
                             citations=(cite(ctx, 18),)))


# -- picking a class and acting on it ---------------------------------------------------------------------
def _my_class(ctx: Ctx) -> TrainingClass:
    """The selected class, only when it belongs to the clerk's unit."""
    try:
        return training.class_of_unit(ctx.session, code=str(ctx.data.get("code", "")), unit=ctx.clerk_unit)
    except ServiceError as exc:
        raise Invalid(exc.text(ctx._)) from None


def _ask_pick(ctx: Ctx) -> Reply:
    classes = repo.classes_of_unit(session=ctx.session, unit=ctx.clerk_unit)
    options = [("new", ctx._("Register a new class"))]
    options += [(f"c:{c.code}", f"{c.code} {c.trade} {c.start_date:%Y-%m-%d}") for c in classes[:20]]
    return choices_reply(ctx._("Training classes of {unit}: choose one, type its code, or register a new one.",
                               unit=ctx.clerk_unit), options)


def _on_pick(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.value == "new":
        ctx.data = {"i": 0, "form": {}}
        return goto("field")
    ctx.data["code"] = answer.value[2:] if answer.value else answer.text.strip().upper()
    _my_class(ctx)
    return goto("act")


def _ask_act(ctx: Ctx) -> Reply:
    _ = ctx._
    cls = _my_class(ctx)
    status = (_("approved by {who} on {day}", who=cls.approved_by,
                day=f"{repo.as_utc(cls.approved_at).astimezone(ctx.now.tzinfo):%Y-%m-%d}")
              if cls.status == "approved" and cls.approved_at
              else _("not approved yet"))
    options = [("approve", _("Record the approval"))] if cls.status != "approved" else []
    options += [("details", _("Class details")), ("session", _("Add a session")),
                ("trainee", _("Add a trainee to the roster")),
                *([("import", _("Import the roster from an .xlsx file"))] if ctx.incoming.channel in UPLOADS else []),
                ("attendance", _("Attendance of a session")), ("change", _("Change or cancel a session")),
                ("code", _("Show the sign-in code and QR")), ("x:roster", _("Export the roster (Annex 4)")),
                ("x:signin", _("Export a sign-in sheet")), ("x:employment", _("Export employment (Annex 6)")),
                ("cert", _("Record certificates")), ("outcome", _("Record an employment outcome")),
                ("rate", _("Employment rate")), ("back", _("Other classes"))]
    n = len(repo.enrolments_of(session=ctx.session, class_id=cls.id or 0))
    return choices_reply(_("Class {code} ({trade}), {status}; {n} trainees on the roster. What next?",
                           code=cls.code, trade=cls.trade, status=status, n=n), options)


def _on_act(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    cls, action = _my_class(ctx), answer.value or ""
    simple = {"approve": "approve_by", "session": "s_date", "trainee": "t_id", "import": "import"}
    if action in simple:
        return goto(simple[action])
    if action == "back":
        ctx.data = {}
        return goto("pick")
    if action == "details":
        return goto("act", Reply(text="\n".join([cls.code, *summary_lines(_, form_of(cls))])))
    if action == "rate":
        return goto("act", _rate_reply(ctx, cls))
    if action in ("x:roster", "x:employment"):
        return goto("act", _export(ctx, cls, action[2:]))
    if action == "code" and cls.status != "approved":  # trainees would be refused (第十八条)
        return goto("act", Reply(text=_("Class {code} is not approved yet, so trainees could not sign in with a "
                                        "code: one class, one approval. Record the approval first.", code=cls.code),
                                 citations=(cite(ctx, 18),)))
    if action in ("attendance", "code", "x:signin", "change"):
        if not repo.sessions_of(session=ctx.session, class_id=cls.id or 0):
            return goto("act", Reply(text=_("The class has no sessions yet. Add one first.")))
        ctx.data["after"] = action
        return goto("pick_session")
    if action in ("cert", "outcome"):
        if not repo.enrolments_of(session=ctx.session, class_id=cls.id or 0):
            return goto("act", Reply(text=_("The roster is empty. Add trainees first.")))
        ctx.data["after"] = action
        return goto("pick_trainee")
    raise Invalid(_("Please answer with one of the options (a number is enough)."))


def _export(ctx: Ctx, cls: TrainingClass, sheet: str, session_id: int | None = None) -> Reply:
    out = exports.training_sheet(ctx.session, key=ctx.settings.data_key, cls=cls, sheet=sheet, now=ctx.now,
                                 actor=ctx.person_id, session_id=session_id)
    return Reply(text=ctx._("Here is the spreadsheet {name}.", name=out.filename), citations=(cite(ctx, out.article),),
                 attachments=(Attachment("document", out.filename, out.data, out.mime),))


def _rate_reply(ctx: Ctx, cls: TrainingClass) -> Reply:
    _ = ctx._
    entries = repo.enrolments_of(session=ctx.session, class_id=cls.id or 0)
    employed = sum(bool(e.employed) for e in entries)
    unknown = sum(e.employed is None for e in entries)
    head = _("{employed} of {total} trainees employed; {unknown} outcomes not recorded yet.",
             employed=employed, total=len(entries), unknown=unknown)
    if cls.project != POVERTY:
        return Reply(text=head + "\n" + _("Skills-upgrading classes have no minimum employment rate."),
                     citations=(cite(ctx, 22),))
    v = employment_rate_check(cls.project, employed, len(entries))
    verdict = violation_text(_, v, ctx.locale) if v else _("The employment rate meets the minimum of 60%.")
    return Reply(text=f"{head}\n{verdict}", citations=(cite(ctx, 7),))


# -- approval, sessions, roster ------------------------------------------------------------------------------
def _ask_approve(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Who signed the approval on the form (the responsible person of the approving union)?"))


def _on_approve(ctx: Ctx, answer: Answer) -> Outcome:
    cls = _my_class(ctx)
    _service(ctx, training.approve_class, ctx.session, cls=cls, by=answer.text, actor=ctx.person_id, now=ctx.now)
    return goto("act", Reply(text=ctx._("Approval of class {code} recorded.", code=cls.code),
                             citations=(cite(ctx, 18),)))


def _ask_s_date(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Date of the session (for example 2026-03-02)?"))


def _on_s_date(ctx: Ctx, answer: Answer) -> Outcome:
    cls, day = _my_class(ctx), parse_date(answer.text)
    if day is None:
        raise Invalid(ctx._("Please type a date like 2026-03-02."))
    _service(ctx, training.check_session_day, cls, day)
    ctx.data["s_date"] = day.isoformat()
    return goto("s_time")


def _ask_s_time(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Start and end time (for example 09:00-12:00)?"))


def _on_s_time(ctx: Ctx, answer: Answer) -> Outcome:
    times = parse_times(answer.text)
    if times is None:
        raise Invalid(ctx._("Please type the times like 09:00-12:00 (the end after the start)."))
    ctx.data["s_time"] = [t.strftime("%H:%M") for t in times]
    if "edit" in ctx.data:  # moving a session: the place stays
        sess = _edited(ctx)
        start, end = (time.fromisoformat(t) for t in ctx.data.pop("s_time"))
        return _apply_change(ctx, sess, date.fromisoformat(ctx.data.pop("s_date")), start, end, sess.place)
    return goto("s_place")


def _ask_s_place(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Place (type '-' for the class address)?"))


def _on_s_place(ctx: Ctx, answer: Answer) -> Outcome:
    cls, text = _my_class(ctx), answer.text.strip()
    if "edit" in ctx.data:  # a new place for an existing session
        sess = _edited(ctx)
        return _apply_change(ctx, sess, sess.day, sess.start, sess.end,
                             cls.class_address if text.lower() in SKIP_WORDS else text[:200])
    start, end = (time.fromisoformat(t) for t in ctx.data.pop("s_time"))
    sess = _service(ctx, training.add_session, ctx.session, cls=cls, day=date.fromisoformat(ctx.data.pop("s_date")),
                    start=start, end=end, place=cls.class_address if text.lower() in SKIP_WORDS else text[:200])
    return goto("act", Reply(text=ctx._("Session {when} added to class {code}.", when=session_label(sess),
                                        code=cls.code)))


def _edited(ctx: Ctx) -> ClassSession:
    try:
        return training.session_of_class(ctx.session, cls=_my_class(ctx), session_id=int(ctx.data.get("edit") or 0))
    except ServiceError as exc:
        ctx.data.pop("edit", None)
        raise Invalid(exc.text(ctx._)) from None


def _service(ctx: Ctx, operation: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service operation; its refusal is re-asked in the clerk's language."""
    try:
        return operation(*args, **kwargs)
    except ServiceError as exc:
        raise Invalid(exc.text(ctx._)) from None


def _ask_s_change(ctx: Ctx) -> Reply:
    _ = ctx._
    sess = _edited(ctx)
    return choices_reply(_("Session {when}, {place}. What changes?", when=session_label(sess), place=sess.place),
                         [("move", _("Date and time")), ("place", _("Place")), ("drop", _("Cancel the session")),
                          ("keep", _("Nothing, go back"))])


def _on_s_change(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    sess, action = _edited(ctx), answer.value
    if action == "keep":
        ctx.data.pop("edit", None)
        return goto("act")
    if action == "place":
        return goto("s_place")
    _service(ctx, training.check_time_may_change, ctx.session, sess)  # attendance is a record (第十九条)
    if action == "move":
        return goto("s_date")
    label = _service(ctx, training.cancel_session, ctx.session, cls=_my_class(ctx), sess=sess, now=ctx.now)
    ctx.data.pop("edit", None)
    return goto("act", Reply(text=_("Session {when} cancelled; the trainees who use the assistant are told.",
                                    when=label)))


def _apply_change(ctx: Ctx, sess: ClassSession, day: date, start: time, end: time, place: str) -> Outcome:
    ctx.data.pop("edit", None)
    try:
        _before, after = training.move_session(ctx.session, cls=_my_class(ctx), sess=sess, day=day, start=start,
                                               end=end, place=place, now=ctx.now)
    except ServiceError as exc:  # someone signed in while the clerk typed: the time stays
        return goto("act", Reply(text=exc.text(ctx._)))
    return goto("act", Reply(text=ctx._("Session changed to {after}; the trainees who use the assistant are told.",
                                        after=after)))


def _ask_t_id(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("ID number of the trainee?"))


def _on_t_id(ctx: Ctx, answer: Answer) -> Outcome:
    cls, value = _my_class(ctx), normalize_id(answer.text)
    problem = id_problem(value, today=ctx.now.date())
    if problem:
        raise Invalid(ctx._("That is not a valid ID number ({why}). Please check it.",
                            why=ctx._(sheets.ID_REASONS[problem])))
    if repo.find_by_id_hash(session=ctx.session, class_id=cls.id or 0,
                            hashed=repo.id_hash(ctx.settings.data_key, value)):  # said before more is asked
        raise Invalid(ctx._("This person is already on the roster of class {code}.", code=cls.code))
    # Conversation state holds nothing personal in clear: the ID number waits there encrypted.
    ctx.data["t"] = {"id_enc": encrypt(ctx.settings.data_key, value)}
    return goto("t_name")


def _ask_t_name(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Name of the trainee?"))


def _on_t_name(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.text.strip():
        raise Invalid(ctx._("Please type an answer."))
    ctx.data["t"]["name"] = answer.text.strip()[:50]
    return goto("t_cat")


def _ask_t_cat(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Trainee category?"), [(k, ctx._(CATEGORY_LABELS_EN[k])) for k in CATEGORIES])


def _on_t_cat(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["t"]["category"] = answer.value
    return goto("t_unit")


def _ask_t_unit(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Work unit of the trainee (type '-' if none)?"))


def _on_t_unit(ctx: Ctx, answer: Answer) -> Outcome:
    text = answer.text.strip()
    ctx.data["t"]["unit"] = "" if text.lower() in SKIP_WORDS else text[:100]
    return goto("t_phone")


def _ask_t_phone(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Mobile number of the trainee (type '-' to skip)?"))


def _on_t_phone(ctx: Ctx, answer: Answer) -> Outcome:
    cls, text, t = _my_class(ctx), answer.text.strip(), ctx.data.pop("t")
    if text.lower() not in SKIP_WORDS and not is_valid_mobile(text):
        ctx.data["t"] = t
        raise Invalid(ctx._("Please type an 11-digit mobile number, or '-' to skip."))
    id_number = repo.reveal(ctx.settings.data_key, t["id_enc"]) if "id_enc" in t else t.get("id", "")
    line = repo.RosterLine(name=t["name"], sex=id_sex(id_number), id_number=id_number, category=t["category"],
                           unit=t["unit"], trade=cls.trade,
                           phone="" if text.lower() in SKIP_WORDS else normalize_mobile(text))
    try:
        training.add_trainee(ctx.session, key=ctx.settings.data_key, cls=cls, line=line)
    except ServiceError as exc:
        return goto("act", Reply(text=exc.text(ctx._)))
    return goto("act", Reply(text=ctx._("{name} ({id}) added to the roster of class {code}.", name=line.name,
                                        id=mask_id(line.id_number), code=cls.code)))


# -- sessions: attendance, code, sign-in sheet ----------------------------------------------------------------
def _ask_import(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Send the roster as an .xlsx file laid out like Annex 4 (附件4): a header row with "
                            "姓名, 身份证号码, 职工类别 …, then one trainee per row. If any row has a problem, I "
                            "list it and import nothing. Type 'cancel' to stop."))


def _on_import(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    upload = ctx.incoming.upload
    if upload is None:
        raise Invalid(_("Please send the .xlsx file itself, as a document (not a photo of it)."))
    cls = _my_class(ctx)
    added, errors = training.import_roster(ctx.session, key=ctx.settings.data_key, cls=cls, data=upload.data,
                                           today=ctx.now.date(), actor=ctx.person_id)
    if errors:
        lines = sheets.format_errors(_, errors)
        more = [_("… and {n} more.", n=len(lines) - ERRORS_SHOWN)] if len(lines) > ERRORS_SHOWN else []
        raise Invalid("\n".join([_("Nothing was imported. Please correct the file and send it again:"),
                                 *lines[:ERRORS_SHOWN], *more]))
    return goto("act", Reply(text=_("{n} trainees imported into the roster of class {code}.", n=added,
                                    code=cls.code)))


def _ask_pick_session(ctx: Ctx) -> Reply:
    cls = _my_class(ctx)
    sessions = repo.sessions_of(session=ctx.session, class_id=cls.id or 0)
    return choices_reply(ctx._("Which session?"),
                         [(f"s:{s.id}", f"{session_label(s)} {s.place}") for s in sessions[-30:]])


def _on_pick_session(ctx: Ctx, answer: Answer) -> Outcome:
    cls = _my_class(ctx)
    sess = repo.get_session(session=ctx.session, session_id=int((answer.value or "s:0")[2:]))
    if sess is None or sess.class_id != cls.id:
        raise Invalid(ctx._("Please answer with one of the options (a number is enough)."))
    after = ctx.data.pop("after", "")
    if after == "code":
        return goto("act", code_reply(ctx, cls, sess))
    if after == "change":
        ctx.data["edit"] = sess.id
        return goto("s_change")
    if after == "x:signin":
        return goto("act", _export(ctx, cls, "signin", sess.id))
    entries = repo.enrolments_of(session=ctx.session, class_id=cls.id or 0)
    present = repo.attendance_of_session(session=ctx.session, session_id=sess.id or 0)
    return goto("act", attendance_reply(ctx, cls, sess, entries, present))


def attendance_reply(ctx: Ctx, cls: TrainingClass, sess: ClassSession, entries: list[Enrolment],
                     present: dict) -> Reply:
    _ = ctx._
    here = sorted((present[e.id or 0].signed_at, e.name) for e in entries if (e.id or 0) in present)
    missing = [e.name for e in entries if (e.id or 0) not in present]
    lines = [_("Session {when}, {place}: {n} of {total} signed in.", when=session_label(sess),
               place=sess.place, n=len(here), total=len(entries))]
    if here:
        lines.append(_("Present: {names}", names=", ".join(f"{name} {local_time(ctx, at)}" for at, name in here)))
    if missing:
        lines.append(_("Missing: {names}", names=", ".join(missing)))
    return Reply(text="\n".join(lines), citations=(cite(ctx, 19),))


# -- certificates and outcomes ------------------------------------------------------------------------------
def _ask_pick_trainee(ctx: Ctx) -> Reply:
    cls = _my_class(ctx)
    entries = repo.enrolments_of(session=ctx.session, class_id=cls.id or 0)
    return choices_reply(ctx._("Which trainee? Choose or type the name."),
                         [(f"e:{e.id}", f"{e.name} {e.hr_cert_no or ''}".strip()) for e in entries])


def _on_pick_trainee(ctx: Ctx, answer: Answer) -> Outcome:
    cls = _my_class(ctx)
    entry = None
    if answer.value:
        entry = repo.get_enrolment(session=ctx.session, enrolment_id=int(answer.value[2:]))
    if entry is None or entry.class_id != cls.id:
        raise Invalid(ctx._("Please answer with one of the options (a number is enough)."))
    ctx.data["e"] = entry.id
    return goto("cert_level" if ctx.data.pop("after", "") == "cert" else "out_employed")


def _entry(ctx: Ctx) -> Enrolment:
    return _service(ctx, training.enrolment_of_class, ctx.session, cls=_my_class(ctx),
                    enrolment_id=int(ctx.data.get("e") or 0))


def _ask_cert_level(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Level of the certificate obtained (取证等级)?"),
                         [(lv, lv) for lv in sheets.LEVELS])


def _on_cert_level(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["level"] = answer.value
    return goto("cert_prior")


def _ask_cert_prior(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Level the trainee held before the class (for the promotion count)?"),
                         [("none", ctx._("None")), *((lv, lv) for lv in sheets.LEVELS[:4])])


def _on_cert_prior(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["prior"] = "" if answer.value == "none" else answer.value
    return goto("cert_hr")


def _ask_cert_hr(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Number of the HR certificate (人社证书编号)?"))


def _on_cert_hr(ctx: Ctx, answer: Answer) -> Outcome:
    if not re.fullmatch(r"[0-9A-Za-z\-]{4,60}", answer.text.strip()):
        raise Invalid(ctx._("Please type the certificate number (letters, digits and '-')."))
    ctx.data["hr"] = answer.text.strip()
    return goto("cert_union")


def _ask_cert_union(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Number of the union training certificate (工会证书编号)?"))


def _on_cert_union(ctx: Ctx, answer: Answer) -> Outcome:
    if not re.fullmatch(r"[0-9A-Za-z\-]{4,60}", answer.text.strip()):
        raise Invalid(ctx._("Please type the certificate number (letters, digits and '-')."))
    entry = _entry(ctx)
    _service(ctx, training.record_certificate, ctx.session, entry=entry, level=ctx.data.pop("level"),
             hr_no=ctx.data.pop("hr"), union_no=answer.text.strip(), prior_level=ctx.data.pop("prior"))
    return goto("act", Reply(text=ctx._("Certificates of {name} recorded: {level}, HR no. {hr}, union no. {union}.",
                                        name=entry.name, level=entry.cert_level, hr=entry.hr_cert_no,
                                        union=entry.union_cert_no), citations=(cite(ctx, 21),)))


def _ask_out_employed(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Is {name} employed after the class?", name=_entry(ctx).name),
                         [("yes", ctx._("Employed")), ("no", ctx._("Not employed"))])


def _on_out_employed(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.value == "yes":
        return goto("out_place")
    entry = _entry(ctx)
    training.record_outcome(ctx.session, key=ctx.settings.data_key, entry=entry, employed=False)
    return goto("act", Reply(text=ctx._("Recorded: {name} is not employed.", name=entry.name)))


def _ask_out_place(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Where does the trainee work (就业地点)?"))


def _on_out_place(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.text.strip():
        raise Invalid(ctx._("Please type an answer."))
    ctx.data["place"] = answer.text.strip()[:200]
    return goto("out_employer")


def _ask_out_employer(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Employer (就业单位)?"))


def _on_out_employer(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.text.strip():
        raise Invalid(ctx._("Please type an answer."))
    ctx.data["employer"] = answer.text.strip()[:200]
    return goto("out_phone")


def _ask_out_phone(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Phone of the employer (type '-' to skip)?"))


def _on_out_phone(ctx: Ctx, answer: Answer) -> Outcome:
    text = answer.text.strip()
    if text.lower() not in SKIP_WORDS and not valid_phone(text):
        raise Invalid(ctx._("Please type a mobile number (11 digits) or a landline such as 0871-65123456."))
    entry = _entry(ctx)
    _service(ctx, training.record_outcome, ctx.session, key=ctx.settings.data_key, entry=entry, employed=True,
             place=ctx.data.pop("place"), employer=ctx.data.pop("employer"),
             employer_phone="" if text.lower() in SKIP_WORDS else text)
    return goto("act", Reply(text=ctx._("Recorded: {name} works at {employer}, {place}.", name=entry.name,
                                        employer=entry.employer, place=entry.employment_place)))


def _enter(ctx: Ctx) -> Outcome | None:
    if not ctx.clerk_unit:
        return finish(Reply(text=ctx._("Your clerk account has no union unit; ask the administrator to set it.")))
    return None


def _s(prompt: Prompt, handle: Handle, free_text: bool = False) -> State:
    return State(prompt=prompt, handle=handle, free_text=free_text)


TRAINING_CLERK = Flow(
    name="training_classes", title=N_("Training classes (clerks)"), start="pick", enter=_enter,
    roles=frozenset({"clerk"}), menu_order=60,
    commands=("培训班管理", "培训班", "/classes", "training classes", "manage classes", "班级管理"),
    states={
        "pick": _s(_ask_pick, _on_pick, free_text=True),
        "field": _s(_ask_field, _on_field, free_text=True),
        "confirm": _s(_ask_confirm, _on_confirm),
        "act": _s(_ask_act, _on_act),
        "approve_by": _s(_ask_approve, _on_approve, free_text=True),
        "s_date": _s(_ask_s_date, _on_s_date, free_text=True),
        "s_time": _s(_ask_s_time, _on_s_time, free_text=True),
        "s_place": _s(_ask_s_place, _on_s_place, free_text=True),
        "s_change": _s(_ask_s_change, _on_s_change),
        "t_id": _s(_ask_t_id, _on_t_id, free_text=True),
        "t_name": _s(_ask_t_name, _on_t_name, free_text=True),
        "t_cat": _s(_ask_t_cat, _on_t_cat),
        "t_unit": _s(_ask_t_unit, _on_t_unit, free_text=True),
        "t_phone": _s(_ask_t_phone, _on_t_phone, free_text=True),
        "import": _s(_ask_import, _on_import, free_text=True),
        "pick_session": _s(_ask_pick_session, _on_pick_session),
        "pick_trainee": _s(_ask_pick_trainee, _on_pick_trainee),
        "cert_level": _s(_ask_cert_level, _on_cert_level),
        "cert_prior": _s(_ask_cert_prior, _on_cert_prior),
        "cert_hr": _s(_ask_cert_hr, _on_cert_hr, free_text=True),
        "cert_union": _s(_ask_cert_union, _on_cert_union, free_text=True),
        "out_employed": _s(_ask_out_employed, _on_out_employed),
        "out_place": _s(_ask_out_place, _on_out_place, free_text=True),
        "out_employer": _s(_ask_out_employer, _on_out_employer, free_text=True),
        "out_phone": _s(_ask_out_phone, _on_out_phone, free_text=True),
    },
)
