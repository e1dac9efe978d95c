"""Registering a class (附件3) on the form kind: 19 fields asked one at a time (with back, skip and save),
then a review that checks the rules (第六、七条) and corrects a block of answers (numbers, dates, project)
by forgetting them, so the form asks just those again and comes back to the review. A class short of 第七条's
15 days "in principle" (the only soft rule) is warned about and registered only by choosing the exception."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from handlers import training_sheets as sheets
from handlers.choices import number_of
from handlers.fields import NOT_AN_ANSWER, correction_number, reads_as_question, word_of
from handlers.flow import Answer, Ctx, Invalid, Outcome, choices_reply, finish, goto
from handlers.flows.training.common import ClassSlots, cite, cite_ref, not_an_option, service, summary_lines
from handlers.form import Form
from handlers.forms import Field
from handlers.i18n import N_
from handlers.services import training
from handlers.services.training import class_problems, refuses
from handlers.types import Citation, Reply
from knowledge.rules.training import CATEGORIES, CATEGORY_LABELS_EN, PROJECT_LABELS_EN, PROJECTS
from storage import repo_training as repo
from storage.crypto import encrypt

# (key, kind, prompt). Kinds: project, text, name, phone, level, sexes, count, date, hours.
FORM: tuple[tuple[str, str, str], ...] = (
    ("project", "project", N_("Register a class (Annex 3). Which project is it?")),
    ("training_unit", "text", N_("Training unit (培训单位, the school or training centre)?")),
    ("training_unit_address", "text", N_("Address of the training unit?")),
    ("class_address", "text", N_("Address where the class is held?")),
    ("responsible_person", "name", N_("Name of the person responsible (负责人)?")),
    ("responsible_phone", "phone", N_("Phone of the person responsible?")),
    ("head_teacher", "name", N_("Name of the head teacher (班主任)?")),
    ("head_teacher_phone", "phone", N_("Phone of the head teacher?")),
    ("trade", "text", N_("Trade or specialty taught (培训专业/工种)?")),
    ("level", "level", N_("Training level (培训等级)? Choose or type it.")),
    ("sexes", "sexes", N_("Number of trainees by sex: type two numbers, men then women (for example 30 20).")),
    *((f"cat_{k}", "count", N_("How many trainees are {category}? (0 if none)")) for k in CATEGORIES),
    ("start_date", "date", N_("First day of the class (for example 2026-03-02)?")),
    ("end_date", "date", N_("Last day of the class?")),
    ("total_hours", "hours", N_("Total class hours (总课时)?")),
)
# How an English-speaking clerk reads the levels of 附件3 (the option's value stays the form's Chinese word).
LEVEL_LABELS = {
    "初级工": N_("初级工 (entry level, grade 5)"), "中级工": N_("中级工 (intermediate, grade 4)"),
    "高级工": N_("高级工 (advanced, grade 3)"), "技师": N_("技师 (technician, grade 2)"),
    "高级技师": N_("高级技师 (senior technician, grade 1)"), "专项职业能力": N_("专项职业能力 (special vocational skill)"),
    "培训合格": N_("培训合格 (training completed)"),
}
FIELDS = tuple(Field(key=key, label=key, name=prompt, kind=kind) for key, kind, prompt in FORM)
BY_KEY = {f.key: f for f in FIELDS}
STORED = {"sexes": ("men", "women")}  # a field stored under other keys
GROUPS = {"project": ("project",), "numbers": ("sexes", *(f"cat_{k}" for k in CATEGORIES)),
          "dates": ("start_date", "end_date")}


@dataclass
class RegisterSlots:
    form: dict[str, Any] = field(default_factory=dict)  # the answers; phone numbers encrypted


def _answers(ctx: Ctx) -> dict[str, Any]:
    return ctx.slots(RegisterSlots).form


def _keys(f: Field) -> tuple[str, ...]:
    return STORED.get(f.key, (f.key,))


class ClassBook:
    """The class form for :class:`handlers.form.Form`: every field applies, answers live in the slots."""

    def fields(self, ctx: Ctx) -> list[Field]:
        return list(FIELDS)

    def pending(self, ctx: Ctx) -> list[Field]:
        form = _answers(ctx)
        return [f for f in FIELDS if any(k not in form for k in _keys(f))]

    def field(self, ctx: Ctx, key: str) -> Field:
        return BY_KEY[key]

    def store(self, ctx: Ctx, f: Field, value: Any) -> None:
        form = _answers(ctx)
        if f.kind == "sexes":
            form["men"], form["women"] = value
        elif f.kind == "phone":  # conversation state holds no phone number in clear
            form[f.key] = {"enc": encrypt(ctx.settings.data_key, value)}
        else:
            form[f.key] = value

    def question(self, ctx: Ctx, f: Field, position: int, total: int) -> Reply:
        text = ctx._(f.name, category=ctx._(CATEGORY_LABELS_EN[f.key[4:]]) if f.kind == "count" else "")
        if f.kind == "project":
            return choices_reply(text, [(k, ctx._(PROJECT_LABELS_EN[k])) for k in PROJECTS])
        if f.kind == "level":  # the form's own words (it is printed in Chinese), explained in English
            return choices_reply(text, [(lv, ctx._(LEVEL_LABELS.get(lv, lv))) for lv in sheets.LEVELS])
        return Reply(text=text)

    def parse(self, ctx: Ctx, f: Field, answer: Answer) -> Any:
        return PARSERS.get(f.kind, _checked("text"))(ctx, answer)

    def saved(self, ctx: Ctx) -> Outcome:
        kept = park(ctx, "field", ctx.data)  # kept as when the form is left, and said so
        return finish(*((kept,) if kept is not None else ()))


def _project(ctx: Ctx, answer: Answer) -> Any:
    if answer.value not in PROJECTS:
        raise not_an_option(ctx)
    return answer.value


def _checked(kind: str) -> Any:
    """A typed field checked by the service, as the web console's form checks it (phone, count, hours,
    date, text); a date typed without its year is the nearest such day (the review shows the year)."""
    return lambda ctx, answer: service(ctx, training.parse_field, kind, answer.text, ctx.now.date())


def _sexes(ctx: Ctx, answer: Answer) -> Any:
    numbers = re.findall(r"-?\d+", answer.text)  # "20 -1" is no count of women
    if len(numbers) != 2 or any(n.startswith("-") for n in numbers):
        raise Invalid(ctx._("Please type two numbers: men then women, for example 30 20."))
    return [int(n) for n in numbers]


# A level typed in English ("intermediate") is the form's Chinese word: 附件3 is printed in Chinese.
ENGLISH_LEVELS = {"entry": "初级工", "entry level": "初级工", "junior": "初级工", "beginner": "初级工", "basic": "初级工",
                  "grade 5": "初级工", "intermediate": "中级工", "middle": "中级工", "grade 4": "中级工",
                  "advanced": "高级工", "senior worker": "高级工", "senior": "高级工", "grade 3": "高级工",
                  "technician": "技师", "grade 2": "技师", "senior technician": "高级技师", "grade 1": "高级技师",
                  "special vocational skill": "专项职业能力", "special skill": "专项职业能力",
                  "training completed": "培训合格", "completion": "培训合格", "certificate of completion": "培训合格"}


def _level(ctx: Ctx, answer: Answer) -> Any:
    """An offered level, one typed in English read as the form's Chinese word, or one typed; a question typed here
    ("这个培训最少要几天？") is no level (the router answers it when the measures do, and the field is asked again)."""
    if answer.value:
        return answer.value
    if reads_as_question(answer.text):
        raise Invalid(ctx._(NOT_AN_ANSWER))
    typed = " ".join(re.sub(r"[^a-z0-9 ]", " ", answer.text.lower()).replace("level", " ").split())
    if typed in ENGLISH_LEVELS or (typed := typed.removesuffix(" worker")) in ENGLISH_LEVELS:
        return ENGLISH_LEVELS[typed]
    return answer.text.strip()[:30]


# Answers printed on the Chinese form that hold English words (phones and dates aside): the review says so.
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
PRINTED_TEXT = ("training_unit", "training_unit_address", "class_address", "responsible_person", "head_teacher",
                "trade", "level")


PARSERS = {"project": _project, "level": _level, "sexes": _sexes,
           **{kind: _checked(kind) for kind in ("name", "phone", "count", "hours", "date")}}
FORM_KIND = Form(ClassBook(), review="confirm")


def start(ctx: Ctx) -> Outcome:
    ctx.data = {}
    return FORM_KIND.next(ctx)


def answered(form: dict[str, Any]) -> int:
    return sum(all(k in form for k in _keys(f)) for f in FIELDS)


def park(ctx: Ctx, state: str, slots: dict[str, Any]) -> Reply | None:
    """:attr:`Flow.park` of the class flow: a form left before it was saved ("保存", "菜单", another function,
    an idle chat) is kept for the clerk (phones encrypted as in the conversation), replacing one kept before."""
    form = slots.get("form")
    if state not in ("field", "confirm", "which") or not isinstance(form, dict) or not form or not ctx.clerk_unit:
        return None
    repo.park_class_form(session=ctx.session, person_id=ctx.person_id, unit=ctx.clerk_unit, answers=form, at=ctx.now)
    return Reply(text=ctx._("The class form is kept with its {n} of {total} answers (not registered yet). To go on "
                            "with it, open 培训班管理 and choose 'Go on with the class form'.",
                            n=answered(form), total=len(FIELDS)))


def kept_form(ctx: Ctx) -> tuple[str, str] | None:
    """The pick list's option to go on with a kept form, or None."""
    row = repo.parked_class_form(session=ctx.session, person_id=ctx.person_id)
    if row is None:
        return None
    when = f"{repo.as_utc(row.updated_at).astimezone(ctx.now.tzinfo):%m-%d %H:%M}"
    return ("resume", ctx._("Go on with the class form ({n} of {total} answers, kept {when})",
                            n=answered(json.loads(row.answers)), total=len(FIELDS), when=when))


def resume(ctx: Ctx) -> Outcome:
    """The kept form back in the conversation (and no longer kept apart): its first open question, or the
    review when every answer is there."""
    row = repo.parked_class_form(session=ctx.session, person_id=ctx.person_id)
    if row is None:
        raise Invalid(ctx._("There is no kept class form any more. Choose 'Register a new class'."))
    ctx.data = {}
    _answers(ctx).update(json.loads(row.answers))
    repo.drop_class_form(session=ctx.session, person_id=ctx.person_id)
    return FORM_KIND.next(ctx)


# The review lists every answer under a short name, to correct one by its number.
LABELS: dict[str, str] = {"project": N_("Project"), **dict(sheets.CLASS_TEXT_FIELDS),
                          "level": N_("Training level (培训等级)"), "sexes": N_("Trainees: men, women"),
                          "start_date": N_("First day of the class"), "end_date": N_("Last day of the class"),
                          "total_hours": N_("Total class hours (总课时)")}


def _shown(ctx: Ctx, f: Field, form: dict[str, Any]) -> str:
    if f.kind == "sexes":
        return f"{form.get('men', '-')}, {form.get('women', '-')}"
    value = form.get(f.key, "-")
    return ctx._(PROJECT_LABELS_EN[value]) if f.kind == "project" and value in PROJECT_LABELS_EN else str(value)


def ask_which(ctx: Ctx) -> Reply:
    _, form = ctx._, revealed(ctx)
    colon = "：" if ctx.locale == "zh" else ": "
    lines = [_("Type the number of the answer to change (or 'back' for the review):")]
    for i, f in enumerate(FIELDS, 1):
        label = _(CATEGORY_LABELS_EN[f.key[4:]]) if f.kind == "count" else _(LABELS[f.key])
        lines.append(f"[{i}] {label}{colon}{_shown(ctx, f, form)}")
    return Reply(text="\n".join(lines))


def on_which(ctx: Ctx, answer: Answer) -> Outcome:
    if word_of(answer.text) == "back":
        return goto("confirm")
    n = correction_number(answer.text) or number_of(answer.text)
    if n is None:
        raise Invalid(ctx._("Please type a number from the list."))
    return FORM_KIND.correct(ctx, n)


def revealed(ctx: Ctx) -> dict[str, Any]:
    """The class form of the conversation, with the phone numbers it keeps encrypted revealed."""
    return {k: repo.reveal(ctx.settings.data_key, v["enc"]) if isinstance(v, dict) and "enc" in v else v
            for k, v in _answers(ctx).items()}


def ask_confirm(ctx: Ctx) -> Reply:
    _, form = ctx._, revealed(ctx)
    problems = class_problems(_, form, ctx.locale)
    hard = [p for p in problems if refuses(p)]
    soft = [p for p in problems if not refuses(p)]
    lines = [_("Please check the class:"), *summary_lines(_, form)]
    if any(_LATIN_WORD.search(str(form.get(key) or "")) for key in PRINTED_TEXT):
        lines.append(_("Note: some answers are in English, and the approval form (Annex 3) and the roster "
                       "(Annex 4) are printed in Chinese as filed; change them to Chinese if the approving union "
                       "needs it (“Change another answer”)."))
    citations: list[Citation] = []
    options = []
    for mark, heading, shown in (("✗", _("It cannot be registered yet:"), hard),
                                 ("⚠", _("Warning (the approving union may allow an exception):"), soft)):
        if shown:
            lines.append(heading)
        for text, v in shown:
            sep = "" if ctx.locale == "zh" else " "  # Chinese full-width brackets carry their own space
            lines.append(f"{mark} {text}" + (sep + cite_ref(ctx, v.ref.article) if v else ""))
            if v and all(c.article != v.ref.article for c in citations):
                citations.append(cite(ctx, v.ref.article, v.ref.paragraph))
    # The changes keep their numbers; "save" comes last, offered once nothing stands in the way, and a class
    # with only warnings is registered by an explicit choice that the approving union allows the exception.
    options += [("fix:numbers", _("Change the trainee numbers")), ("fix:dates", _("Change the dates")),
                ("fix:project", _("Change the project type")), ("fix:other", _("Change another answer"))]
    if not problems:
        options.append(("save", _("Save the class")))
    elif not hard:
        options.append(("save_anyway", _("Register anyway (the approving union allows the exception)")))
    reply = choices_reply("\n".join(lines), options)
    return Reply(text=reply.text, choices=reply.choices, citations=tuple(citations), prompt=reply.prompt)


def on_confirm(ctx: Ctx, answer: Answer) -> Outcome:
    if (n := correction_number(answer.text)) is not None:  # "改5": one answer, by its number on the list
        return FORM_KIND.correct(ctx, n)
    if answer.value == "fix:other":
        return goto("which")
    if answer.value and answer.value.startswith("fix:"):  # forget the block: the form asks it again
        form = _answers(ctx)
        for key in GROUPS[answer.value[4:]]:
            for stored in _keys(BY_KEY[key]):
                form.pop(stored, None)
        return FORM_KIND.next(ctx)
    if answer.value not in ("save", "save_anyway"):
        raise not_an_option(ctx)
    form = revealed(ctx)
    anyway = answer.value == "save_anyway"
    problems = class_problems(ctx._, form, ctx.locale)
    if any(refuses(p) for p in problems) or (problems and not anyway):
        raise Invalid(ctx._("Please correct the problems first."))
    cls = training.register_class(ctx.session, key=ctx.settings.data_key, unit=ctx.clerk_unit, actor=ctx.person_id,
                                  form=form, allow_exception=anyway)
    ctx.data = {}
    repo.drop_class_form(session=ctx.session, person_id=ctx.person_id)  # a form kept before is this one or moot
    ctx.slots(ClassSlots).code = cls.code
    return goto("act", Reply(text=ctx._("Class {code} registered. Export its approval form (Annex 3) from the class "
                                        "menu for the approving union to sign, then record the approval here (one "
                                        "class, one approval).", code=cls.code),
                             citations=(cite(ctx, 18),)))
