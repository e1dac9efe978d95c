"""Sessions of a class: the states of the class flow that pick a session for one purpose (attendance, the
sign-in code, the sign-in sheet, a change), and the sub-flow ``training_session`` that adds a session or
changes one (date and time, place, cancellation), called with the class and, for a change, the session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, call, choices_reply, finish, goto
from handlers.flows.training.common import (
    CLERKS,
    attendance_reply,
    code_reply,
    enter_clerk,
    export_reply,
    my_class,
    not_an_option,
    service,
    skipped,
    state,
)
from handlers.i18n import N_
from handlers.services import training
from handlers.services.errors import ServiceError
from handlers.services.signin_codes import session_label, signin_window
from handlers.services.training import parse_date, parse_times
from handlers.types import Reply
from storage import repo_training as repo
from storage.models_training import ClassSession, TrainingClass

SESSION_FLOW = "training_session"


# -- picking a session in the class flow ---------------------------------------------------------------------
def _ask_pick(ctx: Ctx) -> Reply:
    cls = my_class(ctx)
    sessions = repo.sessions_of(session=ctx.session, class_id=cls.id or 0)
    return choices_reply(ctx._("Which session?"),
                         [(f"s:{s.id}", f"{session_label(s)} {s.place}") for s in sessions[-30:]])


def _picked(ctx: Ctx, answer: Answer) -> tuple[TrainingClass, ClassSession]:
    cls = my_class(ctx)
    sess = repo.get_session(session=ctx.session, session_id=int((answer.value or "s:0")[2:]))
    if sess is None or sess.class_id != cls.id:
        raise not_an_option(ctx)
    return cls, sess


def _on_attendance(ctx: Ctx, answer: Answer) -> Outcome:
    cls, sess = _picked(ctx, answer)
    entries = repo.enrolments_of(session=ctx.session, class_id=cls.id or 0)
    present = repo.attendance_of_session(session=ctx.session, session_id=sess.id or 0)
    return goto("act", attendance_reply(ctx, cls, sess, entries, present))


def _on_code(ctx: Ctx, answer: Answer) -> Outcome:
    cls, sess = _picked(ctx, answer)
    return goto("act", code_reply(ctx, cls, sess))


def _on_sheet(ctx: Ctx, answer: Answer) -> Outcome:
    cls, sess = _picked(ctx, answer)
    return goto("act", export_reply(ctx, cls, "signin", sess.id))


def _on_change(ctx: Ctx, answer: Answer) -> Outcome:
    cls, sess = _picked(ctx, answer)
    return call(SESSION_FLOW, return_to="act", args={"code": cls.code, "edit": sess.id})


# The act state's actions that pick a session first, and the state that does.
PICK_SESSION = {"attendance": "attendance", "code": "code", "x:signin": "sheet", "change": "change"}
PICK_STATES = {
    "attendance": state(_ask_pick, _on_attendance, "act"),
    "code": state(_ask_pick, _on_code, "act"),
    "sheet": state(_ask_pick, _on_sheet, "act"),
    "change": state(_ask_pick, _on_change, f"flow:{SESSION_FLOW}", "act"),
}


# -- the sub-flow: add a session, or change one ------------------------------------------------------------
@dataclass
class SessionSlots:
    edit: int = 0  # the session changed; 0: a new session
    day: str = ""
    start: str = ""
    end: str = ""


def _slots(ctx: Ctx) -> SessionSlots:
    return ctx.slots(SessionSlots)


def _edited(ctx: Ctx) -> ClassSession:
    return service(ctx, training.session_of_class, ctx.session, cls=my_class(ctx), session_id=_slots(ctx).edit)


def _enter(ctx: Ctx) -> Outcome | None:
    return enter_clerk(ctx) or (goto("change") if _slots(ctx).edit else None)


def _ask_change(ctx: Ctx) -> Reply:
    _ = ctx._
    sess = _edited(ctx)
    return choices_reply(_("Session {when}, {place}. What changes?", when=session_label(sess), place=sess.place),
                         [("move", _("Date and time")), ("place", _("Place")), ("drop", _("Cancel the session")),
                          ("keep", _("Nothing, go back"))])


def _on_change_what(ctx: Ctx, answer: Answer) -> Outcome:
    sess, action = _edited(ctx), answer.value
    if action == "keep":
        return finish()
    if action == "place":
        return goto("place")
    service(ctx, training.check_time_may_change, ctx.session, sess)  # attendance is a record (第十九条)
    if action == "move":
        return goto("date")
    label = service(ctx, training.cancel_session, ctx.session, cls=my_class(ctx), sess=sess, now=ctx.now)
    return finish(Reply(text=ctx._("Session {when} cancelled; the trainees who use the assistant are told.",
                                   when=label)))


def _apply_change(ctx: Ctx, sess: ClassSession, day: date, start: time, end: time, place: str) -> Outcome:
    try:
        _before, after = training.move_session(ctx.session, cls=my_class(ctx), sess=sess, day=day, start=start,
                                               end=end, place=place, now=ctx.now)
    except ServiceError as exc:  # someone signed in while the clerk typed: the time stays
        return finish(Reply(text=exc.text(ctx._)))
    return finish(Reply(text=ctx._("Session changed to {after}; the trainees who use the assistant are told.",
                                   after=after)))


def _ask_date(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Date of the session (for example 2026-03-02)?"))


def _on_date(ctx: Ctx, answer: Answer) -> Outcome:
    cls = my_class(ctx)
    # "3月20日": the year that puts it in (or near) the class; "明天": from today
    day = parse_date(answer.text, ctx.now.date(), near=cls.start_date)
    if day is None:
        raise Invalid(ctx._("Please type a date, for example 2026-03-02, 2 March or next Monday."))
    service(ctx, training.check_session_day, cls, day)
    _slots(ctx).day = day.isoformat()
    return goto("time")


def _ask_time(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Start and end time (for example 09:00-12:00)?"))


def _on_time(ctx: Ctx, answer: Answer) -> Outcome:
    times = parse_times(answer.text)
    if times is None:
        raise Invalid(ctx._("Please type the times like 09:00-12:00 (the end after the start)."))
    slots = _slots(ctx)
    slots.start, slots.end = (t.strftime("%H:%M") for t in times)
    if slots.edit:  # moving a session: the place stays
        sess = _edited(ctx)
        return _apply_change(ctx, sess, date.fromisoformat(slots.day), *times, sess.place)
    return goto("place")


def _ask_place(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Place (type '-' for the class address)?"))


def _on_place(ctx: Ctx, answer: Answer) -> Outcome:
    cls, text, slots = my_class(ctx), answer.text.strip(), _slots(ctx)
    place = cls.class_address if skipped(text) else text[:200]
    if slots.edit:  # a new place for an existing session
        sess = _edited(ctx)
        return _apply_change(ctx, sess, sess.day, sess.start, sess.end, place)
    sess = service(ctx, training.add_session, ctx.session, cls=cls, day=date.fromisoformat(slots.day),
                   start=time.fromisoformat(slots.start), end=time.fromisoformat(slots.end), place=place)
    return finish(Reply(text=ctx._("Session {when} added to class {code}.", when=session_label(sess),
                                   code=cls.code)))


SESSION = Flow(
    name=SESSION_FLOW, title=N_("A session of a training class"), start="date", enter=_enter, enter_to=("change",),
    roles=CLERKS, in_menu=False,
    states={
        "change": state(_ask_change, _on_change_what, "date", "place"),
        "date": state(_ask_date, _on_date, "time", free_text=True),
        "time": state(_ask_time, _on_time, "place", free_text=True),
        "place": state(_ask_place, _on_place, free_text=True),
    },
)



# -- a sign-in recorded from the class's paper sheet ----------------------------------------------------------
PAPER_FLOW = "training_paper_signin"


@dataclass
class PaperSlots:
    session_id: int = 0
    entry: int = 0


def _paper(ctx: Ctx) -> PaperSlots:
    return ctx.slots(PaperSlots)


def _ask_paper_session(ctx: Ctx) -> Reply:
    cls = my_class(ctx)
    begun = [s for s in repo.sessions_of(session=ctx.session, class_id=cls.id or 0)
             if signin_window(ctx.settings, s)[0] <= ctx.now]  # a sheet is signed in class: none ahead
    return choices_reply(ctx._("A trainee signed the paper sheet but not here: which session?"),
                         [(f"s:{s.id}", f"{session_label(s)} {s.place}") for s in begun[-30:]])


def _on_paper_session(ctx: Ctx, answer: Answer) -> Outcome:
    _cls, sess = _picked(ctx, answer)
    _paper(ctx).session_id = sess.id or 0
    return goto("trainee")


def _ask_paper_trainee(ctx: Ctx) -> Reply:
    cls = my_class(ctx)
    present = repo.attendance_of_session(session=ctx.session, session_id=_paper(ctx).session_id)
    missing = [e for e in repo.enrolments_of(session=ctx.session, class_id=cls.id or 0) if (e.id or 0) not in present]
    return choices_reply(ctx._("Who? (the trainees not signed in for this session)"),
                         [(f"e:{e.id}", e.name) for e in missing])


def _on_paper_trainee(ctx: Ctx, answer: Answer) -> Outcome:
    entry = repo.get_enrolment(session=ctx.session, enrolment_id=int((answer.value or "e:0")[2:]))
    if entry is None or entry.class_id != my_class(ctx).id:
        raise not_an_option(ctx)
    _paper(ctx).entry = entry.id or 0
    return goto("reason")


def _on_paper_reason(ctx: Ctx, answer: Answer) -> Outcome:
    cls = my_class(ctx)
    sess = repo.get_session(session=ctx.session, session_id=_paper(ctx).session_id)
    entry = repo.get_enrolment(session=ctx.session, enrolment_id=_paper(ctx).entry)
    if sess is None or entry is None:
        return finish(Reply(text=ctx._("This session or trainee is no longer there.")))
    service(ctx, training.record_paper_signin, ctx.session, settings=ctx.settings, cls=cls, sess=sess, entry=entry,
            reason=answer.text, actor=ctx.person_id, now=ctx.now)
    return finish(Reply(text=ctx._("Recorded from the paper sheet: {name}, session {when}. The sign-in sheet marks it "
                                   "as such.", name=entry.name, when=session_label(sess))))


PAPER = Flow(
    name=PAPER_FLOW, title=N_("Record a sign-in from the paper sheet"), start="session", enter=enter_clerk,
    enter_to=(), roles=CLERKS, in_menu=False,
    states={
        "session": state(_ask_paper_session, _on_paper_session, "trainee"),
        "trainee": state(_ask_paper_trainee, _on_paper_trainee, "reason"),
        "reason": state(lambda ctx: Reply(text=ctx._("Why was it not signed here? (for example: signed the paper "
                                                     "sheet, phone flat) It is kept in the audit trail.")),
                        _on_paper_reason, free_text=True),
    },
)
