"""The clerk's (and head teacher's) side of skills-training classes.

A clerk acts only for classes of their own union unit. One flow, entered with "培训班管理" / "/classes",
and sub-flows it calls with the selected class (``call(..., args={"code": ...})``)::

    pick ─┬─ new | resume ─> field × 19 (附件3, the form kind) ─> confirm (rule check, 第六、七条) ─> save ─┐
          │                     (which: one answer to change, by its number) <─┘                         │
          └─ class ─────────────────────────────────────────────────────────────────────────────────────> act
    A form left before it is saved ("保存", "菜单", another function, an idle chat) is kept for the clerk
    (``Flow.park``: :func:`handlers.flows.training.register.park`) and offered at ``pick`` as "resume".
    act ─> approve (第十八条) | details | import (附件4) | exports (附件3, 附件4, 附件6; also typed: "导出附件3",
         "审批表", "export annex 3") | employment rate (第七条)
         | attendance, code + QR, sign-in sheet, change: a session picked first
         | training_session (add; or change: move, place, cancel) | training_paper_signin (from the sheet)
         | training_trainee | training_remove
         | training_certificate (第二十一条) | training_outcome

The operations the command line shares (validation, saving, audit, notifications) are in
:mod:`handlers.services.training`; exports in :mod:`handlers.services.exports`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from handlers.choices import resolve, word_forms
from handlers.fields import reads_as_question
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, choices_reply, goto
from handlers.flows.training.common import (
    CLERKS,
    UPLOADS,
    ClassSlots,
    called,
    cite,
    enter_clerk,
    export_reply,
    form_of,
    my_class,
    not_an_option,
    rate_reply,
    service,
    state,
    summary_lines,
)
from handlers.flows.training.register import (
    FORM,
    FORM_KIND,
    ask_confirm,
    ask_which,
    kept_form,
    on_confirm,
    on_which,
    park,
    resume,
)
from handlers.flows.training.register import start as start_form
from handlers.flows.training.sessions import (
    PAPER,
    PAPER_FLOW,
    PICK_SESSION,
    PICK_STATES,
    SESSION,
    SESSION_FLOW,
)
from handlers.flows.training.trainees import (
    CERTIFICATE,
    CERTIFICATE_FLOW,
    OUTCOME,
    OUTCOME_FLOW,
    REMOVE,
    REMOVE_FLOW,
    TRAINEE,
    TRAINEE_FLOW,
    ask_import,
    on_import,
)
from handlers.i18n import N_
from handlers.services import training
from handlers.services.signin_codes import signin_window
from handlers.types import Reply
from storage import repo_training as repo

__all__ = ["FLOWS", "FORM", "TRAINING_CLERK"]


def _enter(ctx: Ctx) -> Outcome | None:
    """The desk opened by asking for a class's paper at the top level ("导出附件3", "export annex 4"): that paper,
    of the unit's one class at once, or of the class picked next."""
    if (refused := enter_clerk(ctx)) is not None:
        return refused
    wanted = typed_export(ctx.incoming.text) if ctx.incoming.text else None
    if wanted is None:
        return None
    classes = repo.classes_of_unit(session=ctx.session, unit=ctx.clerk_unit)
    if len(classes) == 1:
        ctx.slots(ClassSlots).code = classes[0].code
        return goto("act", _class_reply(ctx, wanted))
    if classes:
        ctx.data[EXPORT_NEXT] = wanted
    return None


EXPORT_NEXT = "export_next"  # the export asked for before the class was picked


def _ask_pick(ctx: Ctx) -> Reply:
    classes = repo.classes_of_unit(session=ctx.session, unit=ctx.clerk_unit)
    kept = kept_form(ctx)
    options = [("new", ctx._("Register a new class"))]
    options += [(f"c:{c.code}", f"{c.code} {c.trade} {c.start_date:%Y-%m-%d}") for c in classes[:20]]
    options += [kept] if kept else []  # last: the classes keep their numbers
    return choices_reply(ctx._("Training classes of {unit}: choose one, type its code, or register a new one.",
                               unit=ctx.clerk_unit), options)


def _on_pick(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.value == "new":
        outcome = start_form(ctx)
        if repo.parked_class_form(session=ctx.session, person_id=ctx.person_id) is None:
            return outcome
        return replace(outcome, replies=(Reply(text=ctx._(
            "The class form kept before stays until this one is registered or left unsaved, which replaces it.")),
            *outcome.replies))
    if answer.value == "resume":
        return resume(ctx)
    ctx.slots(ClassSlots).code = answer.value[2:] if answer.value else answer.text.strip().upper()
    my_class(ctx)
    if wanted := ctx.data.pop(EXPORT_NEXT, None):
        return goto("act", _class_reply(ctx, str(wanted)))
    return goto("act")


def _ask_act(ctx: Ctx) -> Reply:
    _ = ctx._
    cls = my_class(ctx)
    status = (_("approved by {who} on {day}", who=cls.approved_by,
                day=f"{repo.as_utc(cls.approved_at).astimezone(ctx.now.tzinfo):%Y-%m-%d}")
              if cls.status == "approved" and cls.approved_at
              else _("not approved yet"))
    # Every option keeps its number whatever the class's state or the channel (a clerk types the number they
    # remember): the ones offered only sometimes come last.
    options = [("details", _("Class details")), ("session", _("Add a session")),
               ("trainee", _("Add a trainee to the roster")),
               ("remove", _("Take a trainee off the roster, or unlink their chat account")),
               ("attendance", _("Attendance of a session")), ("paper", _("Record a sign-in from the paper sheet")),
               ("change", _("Change or cancel a session")),
               ("code", _("Show the sign-in code and QR")), ("x:roster", _("Export the roster (Annex 4)")),
               ("x:signin", _("Export a sign-in sheet")), ("x:employment", _("Export employment (Annex 6)")),
               ("cert", _("Record certificates")), ("outcome", _("Record an employment outcome")),
               ("rate", _("Employment rate")), ("back", _("Other classes")),
               ("x:approval", _("Export the approval form (Annex 3)")),
               *([("import", _("Import the roster from an .xlsx file"))] if ctx.incoming.channel in UPLOADS else []),
               *([("approve", _("Record the approval"))] if cls.status != "approved" else [])]
    n = len(repo.enrolments_of(session=ctx.session, class_id=cls.id or 0))
    return choices_reply(_("Class {code} ({trade}), {status}; trainees on the roster: {n}. What next?",
                           code=cls.code, trade=cls.trade, status=status, n=n), options)


STATES_OF = {"approve": "approve_by", "import": "import"}
SUB_FLOWS = {"session": SESSION_FLOW, "trainee": TRAINEE_FLOW, "cert": CERTIFICATE_FLOW, "outcome": OUTCOME_FLOW,
             "remove": REMOVE_FLOW, "paper": PAPER_FLOW}
NEEDS_TRAINEES = frozenset({"cert", "outcome", "remove", "paper"})


# An export asked for in the class menu by its annex or its name ("导出附件3", "审批表", "export annex 3"): the
# words, spaces removed, after what asks for it (导出, export ...).
EXPORT_WORDS: dict[str, tuple[str, ...]] = {
    "x:approval": ("附件3", "附件三", "审批表", "培训班审批表", "技能培训班审批表", "开班审批表", "附件3审批表", "annex3",
                   "approvalform", "classapprovalform", "annex3approvalform"),
    "x:roster": ("附件4", "附件四", "实名制汇总表", "annex4"),
    "x:employment": ("附件6", "附件六", "就业情况统计表", "annex6"),
}
EXPORT_OF_WORD = {word: action for action, words in EXPORT_WORDS.items() for word in words}
_ASKS_FOR = re.compile(r"^(?:导出|下载|生成|打印|给我|一份|export|download|print|get|the)+")


def typed_export(text: str) -> str | None:
    """The export action the words ask for, or None."""
    for form in word_forms(text):
        key = _ASKS_FOR.sub("", re.sub(r"\s+", "", form))
        if key in EXPORT_OF_WORD:
            return EXPORT_OF_WORD[key]
    return None


def _action(ctx: Ctx, answer: Answer) -> str:
    """The option picked (tapped, numbered, a label typed near enough) or the export asked for in words. The
    step takes free text for those words only: anything else is no option, as before."""
    if answer.value is not None:
        return answer.value
    if (action := typed_export(answer.text)) is not None:
        return action
    # A question close to an option only by a shared word picks nothing (as the engine's own matching).
    picked = resolve(answer.text, _ask_act(ctx).choices, fuzzy=not reads_as_question(answer.text))
    if picked is None:
        raise not_an_option(ctx)
    return picked.value


def _on_act(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    cls, action = my_class(ctx), _action(ctx, answer)
    if action in STATES_OF:
        return goto(STATES_OF[action])
    if action == "back":
        ctx.data = {}
        return goto("pick")
    if action in ("details", "rate", "x:roster", "x:employment", "x:approval"):
        return goto("act", _class_reply(ctx, action))
    if action == "code" and cls.status != "approved":  # trainees would be refused (第十八条)
        return goto("act", Reply(text=_("Class {code} is not approved yet, so trainees could not sign in with a "
                                        "code: one class, one approval. Record the approval first.", code=cls.code),
                                 citations=(cite(ctx, 18),)))
    if action in PICK_SESSION:
        if not repo.sessions_of(session=ctx.session, class_id=cls.id or 0):
            return goto("act", Reply(text=_("The class has no sessions yet. Add one first.")))
        return goto(PICK_SESSION[action])
    if action == "paper" and not any(signin_window(ctx.settings, s)[0] <= ctx.now
                                     for s in repo.sessions_of(session=ctx.session, class_id=cls.id or 0)):
        return goto("act", Reply(text=_("No session of the class has begun yet.")))
    if action in NEEDS_TRAINEES and not repo.enrolments_of(session=ctx.session, class_id=cls.id or 0):
        return goto("act", Reply(text=_("The roster is empty. Add trainees first.")))
    if action in ("cert", "outcome") and (
            early := training.before_the_end(cls, ctx.now.date(), "certificates" if action == "cert" else "outcome")):
        return goto("act", Reply(text=early.text(_), citations=(cite(ctx, 21 if action == "cert" else 22),)))
    if action in SUB_FLOWS:
        return called(ctx, SUB_FLOWS[action])
    raise Invalid(_("Please answer with one of the options (a number is enough)."))


def _class_reply(ctx: Ctx, action: str) -> Reply:
    cls = my_class(ctx)
    if action == "details":
        return Reply(text="\n".join([cls.code, *summary_lines(ctx._, form_of(cls))]))
    if action == "rate":
        return rate_reply(ctx, cls)
    return export_reply(ctx, cls, action[2:])


def _on_approve(ctx: Ctx, answer: Answer) -> Outcome:
    cls = my_class(ctx)
    service(ctx, training.approve_class, ctx.session, cls=cls, by=answer.text, actor=ctx.person_id, now=ctx.now)
    return goto("act", Reply(text=ctx._("Approval of class {code} recorded.", code=cls.code),
                             citations=(cite(ctx, 18),)))


def _ask_approve(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Who signed the approval on the form (the responsible person of the approving union)?"))


ACT_TO = ("pick", *STATES_OF.values(), *PICK_SESSION.values(), *(f"flow:{f}" for f in SUB_FLOWS.values()))

TRAINING_CLERK = Flow(
    name="training_classes", title=N_("Training classes (clerks)"), start="pick", enter=_enter, enter_to=("act",),
    roles=CLERKS, menu_order=60, park=park,
    commands=("培训班管理", "培训班", "/classes", "training classes", "manage classes", "班级管理", "登记培训班", "登记新培训班",
              "新建培训班", "register a training class", "register a class"),
    states={
        "pick": state(_ask_pick, _on_pick, "field", "confirm", "act", free_text=True),
        "field": FORM_KIND.states()["field"],
        "confirm": state(ask_confirm, on_confirm, "field", "which", "act", free_text=True),  # "改5" typed
        "which": state(ask_which, on_which, "field", "confirm", free_text=True),
        "act": state(_ask_act, _on_act, *ACT_TO, free_text=True),  # "导出附件3" typed
        "approve_by": state(_ask_approve, _on_approve, "act", free_text=True),
        "import": state(ask_import, on_import, "act", free_text=True),
        **PICK_STATES,
    },
)
FLOWS = (TRAINING_CLERK, SESSION, PAPER, TRAINEE, REMOVE, CERTIFICATE, OUTCOME)
