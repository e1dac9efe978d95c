"""Application drafts: fill the 申报表 (附件2) in conversation, save and resume, review and correct,
receive it as a .docx (the clerk's export is :mod:`handlers.flows.drafts_export`).

    pick ─▶ field ⟲ (one question per form field; back / skip / save) ─▶ review ─▶ confirm ─▶ .docx
                ▲                                                       │
                └──────────── which (number of the answer to correct) ◀─┘
    done: a form already confirmed ─▶ send it again | edit it | start a new one

The draft row is the single source of truth: every answer is stored as soon as it is valid, so
"save" only ends the conversation and the next entry resumes at the first unanswered field. The
conversation slots hold only the draft id and the current field, never an answer (the ID number and
the mobile number go straight to encrypted columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import timedelta
from typing import Any

from handlers import drafts_view as view
from handlers.choices import number_of
from handlers.fields import correction_number, word_of
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, finish, goto
from handlers.form import Form
from handlers.forms import (
    PROGRAMMES,
    Field,
    applicable,
    field_of,
    parse_answer,
    typed_in_english,
)
from handlers.forms_docx import DOCX_MIME, build_docx, filename
from handlers.i18n import N_
from handlers.types import Attachment, Choice, Reply
from storage import repo_applications as apps
from storage.models_applications import SUBMITTED, ApplicationDraft


@dataclass
class DraftSlots:
    """The conversation's slots: which draft, never an answer (the draft row holds those); the field being
    asked is the form engine's (handlers.form.FormSlots)."""

    programme: str = ""
    draft: int = 0
    # Handed over by a check that switches here (switch keeps the slots): where to file, earlier answers.
    body: str = ""
    filing_body: str = ""
    unit: str = ""
    earlier: dict[str, Any] = dataclass_field(default_factory=dict)
    profile: dict[str, Any] = dataclass_field(default_factory=dict)

    def units(self) -> list[str]:
        return [u for u in (self.body, self.filing_body, self.unit) if u]


def _slots(ctx: Ctx) -> DraftSlots:
    return ctx.slots(DraftSlots)


def _draft(ctx: Ctx) -> ApplicationDraft:
    draft = apps.get_draft(session=ctx.session, draft_id=_slots(ctx).draft)
    if draft is None or draft.person_id != ctx.person_id:
        raise Invalid(ctx._("This form could not be found any more. Type /draft to start again."))
    return draft


def _next(ctx: Ctx, draft: ApplicationDraft, *replies: Reply) -> Outcome:
    """Ask the first unanswered field; when none is left, show the review."""
    return FORM.next(ctx, *replies)


def _saved(ctx: Ctx) -> Outcome:
    return finish(Reply(text=ctx._("Saved. Your answers are kept; type /draft (or 申报表) any time to continue "
                                   "where you left off.")))


# -- entry ----------------------------------------------------------------------------------------

def _start(ctx: Ctx, programme: str) -> Outcome:
    _ = ctx._
    slot = _slots(ctx)
    slot.programme = programme
    draft = apps.open_draft(session=ctx.session, person_id=ctx.person_id, programme=programme)
    if draft is None:
        latest = apps.latest_draft(session=ctx.session, person_id=ctx.person_id, programme=programme)
        if latest is not None and latest.status == SUBMITTED:
            slot.draft = latest.id or 0
            return goto("done")
        unit = next(iter(slot.units()), "")
        draft = apps.create_draft(session=ctx.session, person_id=ctx.person_id, programme=programme, unit=unit)
        carried = _carry_over(ctx, draft)
        intro = _("Let's fill in the application form (附件2) of the {programme}, one question at a time. Every "
                  "answer is saved at once. Words that work at any question: 'back' (previous question), 'skip' "
                  "(optional questions), 'save' (stop now and continue later), 'cancel'.",
                  programme=view.programme_name(ctx, programme))
        if carried:
            intro += "\n" + _("Taken over from the check you just made: {answers}. ('correct' at the review "
                                "changes them.)", answers="; ".join(carried))
    else:
        answers = view.answers(draft, ctx, clear=False)
        fields = applicable(programme, answers)
        done = sum(view.answered(f, draft, answers) for f in fields)
        intro = _("Welcome back. Your {programme} form is saved with {done} of {total} answers; let's continue. "
                  "('back', 'skip', 'save' work at any question.)",
                  programme=view.programme_name(ctx, programme), done=done, total=len(fields))
    slot.draft = draft.id or 0
    return _next(ctx, draft, Reply(text=intro))


# What the craftsman checks established, as the form's printed options: the way of application (第九条,
# knowledge.rules.channels.ROUTES) and the criterion (第五条, knowledge.rules.eligibility.CRITERIA).
ROUTE_TO_FORM = {"union": "工会逐级推荐", "association": "行业协会推荐", "referral": "专业人士举荐", "self": "个人自荐"}
CRITERION_TO_FORM = {"skill": "技艺精湛高超", "leading": "领军作用突出", "contribution": "贡献卓越显著"}


def _carry_over(ctx: Ctx, draft: ApplicationDraft) -> list[str]:
    """Fill in the answers the checks of this conversation already established, so the form does not ask
    them again; returns them as shown."""
    if draft.programme != "craftsman":
        return []
    known = {**_slots(ctx).earlier, **_slots(ctx).profile}
    found: list[tuple[str, Any]] = []
    if (way := ROUTE_TO_FORM.get(str(known.get("route", "")))) is not None:
        found.append(("declaration_channel", way))
    if (criterion := CRITERION_TO_FORM.get(str(known.get("criterion", "")))) is not None:
        found.append(("criteria", [criterion]))
    shown = []
    for key, value in found:
        f = field_of(draft.programme, key)
        _store(ctx, draft, f, value)
        shown.append(view.label(ctx, f) + ("：" if ctx.locale == "zh" else ": ") + view.shown(ctx, f, value))
    return shown


def _enter_any(ctx: Ctx) -> Outcome | None:
    programme = _slots(ctx).programme
    return _start(ctx, programme) if programme in PROGRAMMES else goto("pick")


def _ask_pick(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Which application form do you want to fill in?"),
                 choices=tuple(Choice(p, view.programme_name(ctx, p)) for p in PROGRAMMES))


def _on_pick(ctx: Ctx, answer: Answer) -> Outcome:
    return _start(ctx, answer.value or "craftsman")


# -- one field ------------------------------------------------------------------------------------

class DraftBook:  # handlers.form.FormBook
    """The application form's answers live in the draft row (personal numbers encrypted)."""

    def fields(self, ctx: Ctx) -> list[Field]:
        draft = _draft(ctx)
        return applicable(draft.programme, view.answers(draft, ctx, clear=False))

    def pending(self, ctx: Ctx) -> list[Field]:
        draft = _draft(ctx)
        answers = view.answers(draft, ctx, clear=False)
        return [f for f in applicable(draft.programme, answers) if not view.answered(f, draft, answers)]

    def field(self, ctx: Ctx, key: str) -> Field:
        return field_of(_draft(ctx).programme, key)

    def store(self, ctx: Ctx, f: Field, value: Any) -> None:
        _store(ctx, _draft(ctx), f, value)

    def saved(self, ctx: Ctx) -> Outcome:
        return _saved(ctx)

    def parse(self, ctx: Ctx, f: Field, answer: Answer) -> Any:
        if _picked(ctx, answer) and answer.value and answer.value.startswith("unit:"):
            return answer.value[5:]
        if _picked(ctx, answer) and answer.value and f.kind in ("choice", "multi"):
            picked = f.options[int(answer.value[4:]) - 1][0]
            return [picked] if f.kind == "multi" else picked
        return parse_answer(f, _raw(ctx, answer), ctx._, today=ctx.now.date())

    def question(self, ctx: Ctx, f: Field, position: int, total: int) -> Reply:
        return _question(ctx, f, position, total)


def _question(ctx: Ctx, f: Field, position: int, total: int) -> Reply:
    _ = ctx._
    draft = _draft(ctx)
    answers = view.answers(draft, ctx, clear=False)
    lines = [_("Question {i} of {n}: {label}", i=position, n=total, label=view.label(ctx, f))]
    if f.hint:
        lines.append(_(f.hint))
    lines.append({
        "choice": _("Choose one option by its number."),
        "multi": _("Choose one or more options by their numbers, separated by spaces (e.g. 1 3)."),
        "id": _("18 characters. It is stored encrypted and shown masked; only you and the clerks of the union "
                "you file with see it in full, on the form."),
        "mobile": _("11 digits. It is stored encrypted and shown masked."),
        "email": _("For example name@example.com."),
        "postcode": _("6 digits."),
        "int": _("A whole number."),
        "date": _("For example 2018-05-20 or 2018年5月."),
        "phone": _("With the area code, e.g. 0871-12345678."),
    }.get(f.kind, ""))
    if f.max_chars and f.kind == "long":
        lines.append(_("At most {n} characters, in one message.", n=f.max_chars))
    if f.optional:
        lines.append(_("Optional: type 'skip' to leave it empty."))
    if view.answered(f, draft, answers):
        lines.append(_("Current answer: {value} (type 'keep' to leave it as it is)",
                       value=view.shown(ctx, f, answers.get(f.key))))
    choices: tuple[Choice, ...] = ()
    if f.options:
        choices = tuple(Choice(f"opt:{i}", view.option_label(ctx, v, en)) for i, (v, en) in enumerate(f.options, 1))
    elif f.kind == "unit":
        known = [*_slots(ctx).units(), draft.unit]
        choices = tuple(Choice(f"unit:{u}", u) for u in dict.fromkeys(u for u in known if u))
    return Reply(text="\n".join(line for line in lines if line), choices=choices)


def _raw(ctx: Ctx, answer: Answer) -> str:
    """The answer as sent: the dispatcher cuts very long messages, and a length limit must see all of it."""
    full = (ctx.incoming.text or "").strip()
    return full if len(full) > len(answer.text) else answer.text


def _picked(ctx: Ctx, answer: Answer) -> bool:
    """A tapped button or a single number; other typed text is parsed by the field (several numbers,
    option words) rather than trusted to the engine's fuzzy match of one option."""
    return answer.choice is not None and (ctx.incoming.choice is not None or number_of(answer.text) is not None)


def _store(ctx: Ctx, draft: ApplicationDraft, f: Field, value: Any) -> None:
    secret, now = ctx.settings.data_key, ctx.now
    if f.kind == "id":
        apps.set_id_number(session=ctx.session, draft=draft, secret=secret, id_number=value, now=now)
    elif f.kind == "mobile":
        apps.set_mobile(session=ctx.session, draft=draft, secret=secret, mobile=value, now=now)
    else:
        if f.kind == "unit":
            apps.set_unit(session=ctx.session, draft=draft, unit=value, now=now)
        apps.set_value(session=ctx.session, draft=draft, key=f.key, value=value, now=now)


# -- review, correction, confirmation ---------------------------------------------------------------

def _ask_review(ctx: Ctx) -> Reply:
    _ = ctx._
    draft = _draft(ctx)
    answers = view.answers(draft, ctx, clear=False)
    lines = [_("Please check your answers:")]
    colon = "：" if ctx.locale == "zh" else ": "
    for i, f in enumerate(applicable(draft.programme, answers), 1):
        lines.append(f"[{i}] {view.label(ctx, f)}{colon}{view.shown(ctx, f, answers.get(f.key))}")  # not "1.": the choices
    english = typed_in_english(draft.programme, answers)
    if english:
        lines.append(_("The form is printed in Chinese. Answers typed in English stay as you typed them and are "
                       "marked for the union clerk to check: {fields}.",
                       fields=", ".join(view.label(ctx, f) for f in english)))
    lines.append(_("To change an answer, type 'correct' and its number (e.g. 'correct 3'), or choose 'Correct an "
                   "answer'."))
    return Reply(text="\n".join(lines), choices=(
        Choice("confirm", _("Confirm and get the form")), Choice("correct", _("Correct an answer")),
        Choice("save", _("Save and continue later"))))


def _on_review(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    n = correction_number(answer.text)
    if n is not None:
        return FORM.correct(ctx, n)
    if answer.value == "save" or word_of(answer.text) == "save":
        return _saved(ctx)
    if answer.value == "correct":
        return goto("which")
    if answer.value == "confirm":
        return _confirm(ctx)
    raise Invalid(_("Please choose one of the options, or type 'correct' and the number of an answer."))


def _document(ctx: Ctx, draft: ApplicationDraft) -> Attachment:
    answers = view.answers(draft, ctx, clear=True)
    return Attachment(kind="document", filename=filename(draft.programme, answers, draft.id or 0),
                      data=build_docx(draft.programme, answers), mime=DOCX_MIME)


def _confirm(ctx: Ctx) -> Outcome:
    _ = ctx._
    draft = _draft(ctx)
    answers = view.answers(draft, ctx, clear=False)
    missing = [f for f in applicable(draft.programme, answers) if not view.answered(f, draft, answers)]
    if missing:  # e.g. a correction opened a new block
        return _next(ctx, draft)
    apps.submit(session=ctx.session, draft=draft, now=ctx.now)
    unit = draft.unit or _("the union you file with")
    text = _("Your application form is complete. Print it on A4 paper, check it, add the supporting documents "
             "and signatures or stamps the form's notes ask for, and hand it to {unit}. The review boxes at the "
             "bottom are left blank for the unions. You can get the form again, or change it, by typing /draft.",
             unit=unit)
    return finish(Reply(text=text, attachments=(_document(ctx, draft),)))


# -- a form already confirmed -----------------------------------------------------------------------

def _ask_done(ctx: Ctx) -> Reply:
    _ = ctx._
    draft = _draft(ctx)
    return Reply(text=_("You confirmed your {programme} form on {date}. What would you like to do?",
                        programme=view.programme_name(ctx, draft.programme),
                        date=(draft.submitted_at or draft.updated_at).astimezone(ctx.now.tzinfo).strftime("%Y-%m-%d")),
                 choices=(Choice("resend", _("Send me the form again")), Choice("edit", _("Change my answers")),
                          Choice("new", _("Start a new form"))))


def _on_done(ctx: Ctx, answer: Answer) -> Outcome:
    draft = _draft(ctx)
    if answer.value == "resend":
        return finish(Reply(text=ctx._("Here is your form again."), attachments=(_document(ctx, draft),)))
    if answer.value == "edit":
        apps.reopen(session=ctx.session, draft=draft, now=ctx.now)
        return goto("review")
    new = apps.create_draft(session=ctx.session, person_id=ctx.person_id, programme=draft.programme,
                            unit=draft.unit)
    _slots(ctx).draft = new.id or 0
    return _next(ctx, new, Reply(text=ctx._("A new, empty form is started; your confirmed form is kept.")))


FORM = Form(DraftBook())
STATES = {
    "pick": State(prompt=_ask_pick, handle=_on_pick, to=("field", "review", "done")),
    **FORM.states(),
    "review": State(prompt=_ask_review, handle=_on_review, free_text=True, to=("field", "which")),
    "done": State(prompt=_ask_done, handle=_on_done, to=("field", "review")),
}
ENTER_TO = ("pick", "field", "review", "done")
TIMEOUT = timedelta(hours=2)  # answers are stored one by one, so a timeout loses nothing

DRAFT = Flow(name="draft", title=N_("Fill in an application form"), states=STATES, start="pick", enter=_enter_any,
             enter_to=ENTER_TO, commands=("/draft", "填申报表", "申报表", "application form"), menu_order=300,
             timeout=TIMEOUT)


def _programme_flow(programme: str, title: str, commands: tuple[str, ...]) -> Flow:
    return Flow(name=f"{programme}_draft", title=title, states=STATES, start="field", commands=commands,
                enter=lambda ctx: _start(ctx, programme), enter_to=ENTER_TO, in_menu=False, timeout=TIMEOUT)


FLOWS = (DRAFT, _programme_flow("craftsman", N_("Yunling Craftsman application form"), ("云岭工匠申报表",)),
         _programme_flow("studio", N_("Innovation studio application form"), ("职工创新工作室申报表", "创新工作室申报表")),
         _programme_flow("station", N_("Technician workstation application form"),
                         ("职工技师工作站申报表", "技师工作站申报表")))
