"""What the training-class flows share: the selected class (their one typed slot), citations, and the
replies more than one of them shows (the sign-in code, attendance, exports, the employment rate)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from handlers import cite as citing
from handlers.flow import Answer, Ctx, Handle, Invalid, Outcome, Prompt, State, call, finish
from handlers.i18n import Translate
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
from handlers.services.training import violation_text
from handlers.types import Attachment, Citation, Reply
from knowledge.rules.training import (
    CATEGORIES,
    CATEGORY_LABELS_EN,
    POVERTY,
    PROJECT_LABELS_EN,
    class_days,
    employment_rate_check,
)
from storage import repo_training as repo
from storage.models_training import ClassSession, Enrolment, TrainingClass

MEASURE = "training"
SKIP_WORDS = {"-", "—", "无", "没有", "跳过", "skip", "none", "no"}
UPLOADS = frozenset({"telegram", "console"})  # where a person can send the assistant a file (not WeChat)
ERRORS_SHOWN = 15  # rows of a bad roster listed in chat
CLERKS = frozenset({"clerk"})
T = TypeVar("T")


@dataclass
class ClassSlots:
    """The class acted on: the one slot every training-class flow has (a sub-flow gets it as its argument)."""

    code: str = ""


def state(prompt: Prompt, handle: Handle, *to: str, free_text: bool = False) -> State:
    return State(prompt=prompt, handle=handle, free_text=free_text, to=to)


def skipped(text: str) -> bool:
    return text.strip().lower() in SKIP_WORDS


def cite(ctx: Ctx, article: int, paragraph: int | None = None) -> Citation:
    return citing.cite(ctx.locale, MEASURE, article, paragraph)


def cite_ref(ctx: Ctx, article: int) -> str:
    return citing.inline_ref(ctx._, ctx.locale, MEASURE, article)


def my_class(ctx: Ctx) -> TrainingClass:
    """The selected class, only when it belongs to the clerk's unit."""
    return service(ctx, training.class_of_unit, ctx.session, code=ctx.slots(ClassSlots).code, unit=ctx.clerk_unit)


def service(ctx: Ctx, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a service operation; its refusal is re-asked in the clerk's language."""
    try:
        return operation(*args, **kwargs)
    except ServiceError as exc:
        raise Invalid(exc.text(ctx._)) from None


def called(ctx: Ctx, flow: str) -> Outcome:
    """From the class flow's act state: run the sub-flow ``flow`` on the selected class, then come back."""
    return call(flow, return_to="act", args={"code": ctx.slots(ClassSlots).code})


def enter_clerk(ctx: Ctx) -> Outcome | None:
    if not ctx.clerk_unit:
        return finish(Reply(text=ctx._("Your clerk account has no union unit; ask the administrator to set it.")))
    return None


def not_an_option(ctx: Ctx) -> Invalid:
    return Invalid(ctx._("Please answer with one of the options (a number is enough)."))


def required_text(ctx: Ctx, answer: Answer, limit: int) -> str:
    if not answer.text.strip():
        raise Invalid(ctx._("Please type an answer."))
    return answer.text.strip()[:limit]


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


def attendance_reply(ctx: Ctx, cls: TrainingClass, sess: ClassSession, entries: list[Enrolment],
                     present: dict) -> Reply:
    _ = ctx._
    here = sorted((present[e.id or 0].signed_at, e.name) for e in entries if (e.id or 0) in present)
    missing = [e.name for e in entries if (e.id or 0) not in present]
    lines = [_("Session {when}, {place}: {n} of {total} signed in.", when=session_label(sess),
               place=sess.place, n=len(here), total=len(entries))]
    if here:
        lines.append(_("Present: {names}", names=", ".join(f"{name} {local_hhmm(at, ctx.now.tzinfo)}"
                                                            for at, name in here)))
    if missing:
        lines.append(_("Missing: {names}", names=", ".join(missing)))
    return Reply(text="\n".join(lines), citations=(cite(ctx, 19),))


def export_reply(ctx: Ctx, cls: TrainingClass, sheet: str, session_id: int | None = None) -> Reply:
    out = exports.training_sheet(ctx.session, key=ctx.settings.data_key, cls=cls, sheet=sheet, now=ctx.now,
                                 actor=ctx.person_id, session_id=session_id)
    if sheet == "approval":  # a form to be signed and kept, not a sheet to send on
        text = ctx._("Here is the approval form {name} (Annex 3), filled in from the class. Print it for the "
                     "unions to sign and seal, and file it for inspection.", name=out.filename)
        if cls.status != "approved":
            text += "\n" + ctx._("Once it is signed, record the approval here.")
    else:
        text = ctx._("Here is the spreadsheet {name}.", name=out.filename)
    return Reply(text=text, citations=(cite(ctx, out.article),),
                 attachments=(Attachment("document", out.filename, out.data, out.mime),))


def rate_reply(ctx: Ctx, cls: TrainingClass) -> Reply:
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
