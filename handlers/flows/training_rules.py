"""Training-fund conversations: the subsidy calculator (第九、十条), the yearly calendar (第十一至二十二条)
and who may join which training project (第六、七条). Also the text renderers other areas reuse:
:func:`step_text` and :func:`violation_text` turn the knowledge layer's templates into the reader's
language, :func:`breakdown_lines` renders a subsidy computation (in :mod:`handlers.training_text`).

    subsidy:     project ─┬─ upgrade → standard → trainees ──────────────→ breakdown
                          └─ poverty → days → trainees → tuition → appraisal → breakdown
    calendar:    (one shot) due now / soon, late, event-driven duties
    eligibility: project → allowed trainee categories (+ class length, employment rate)
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from handlers.cite import citations
from handlers.fields import parse_span
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, choices_reply, finish, goto
from handlers.i18n import N_
from handlers.training_text import breakdown_lines
from handlers.types import Reply
from knowledge import training_calendar as cal
from knowledge.facts.numbers import cn_number, typed_number, typed_span
from knowledge.rules import subsidy as sub
from knowledge.rules import training as tr

# Rendering lives in handlers.training_text (the `subsidy` command uses it without loading the flows).

# ---------------------------------------------------------------------------------------------- numbers

_UNITS = re.compile(r"(元|块|人民币|yuan|rmb|¥|人|名|people|persons?|trainees?|天|日|days?)", re.I)


# Words around a number that only say it is a guess ("i dont know, maybe 1500?", "大概1500吧", "应该是1200元？"):
# the number is the answer (a calculator's estimate), not a question to search.
_HEDGES = re.compile(
    r"\bi (?:do ?n[o']?t|dunno) know\b|\bdunno\b|\bnot sure\b|\bi (?:think|guess|believe)\b|\bmaybe\b|\bperhaps\b|"
    r"\bprobably\b|\babout\b|\baround\b|\broughly\b|\bapprox(?:imately)?\b|\bit'?s\b|\bis\b|\bor so\b|"
    r"不(?:太)?(?:知道|清楚|确定)|我(?:觉得|记得|估计)|好像(?:是)?|应该(?:是)?|可能(?:是)?|大概(?:是)?|大约|差不多|估计|也许|"
    r"左右|上下|吧|呢|啊|嗯|\.(?!\d)|[?？!！。、…~～\s]")


def parse_number(text: str) -> Decimal | None:
    """ "1,200元", "１２００", "¥1200.50", "30天", "一千二", "maybe 1500?" → Decimal; None when it is not a plain
    number."""
    t = unicodedata.normalize("NFKC", text).strip().lower().replace(",", "").replace("，", " ")
    t = _UNITS.sub("", t).strip()
    plain = _plain_number(t)
    return plain if plain is not None else _plain_number(_HEDGES.sub("", t))


_PLAIN = re.compile(r"-?\d+(\.\d+)?")


def _plain_number(t: str) -> Decimal | None:
    if (spoken := cn_number(t)) is not None:  # "一千二", "两千五百块"
        return Decimal(spoken)
    if not _PLAIN.fullmatch(t):
        return None
    try:
        return Decimal(t)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        return None


def _amount(ctx: Ctx, answer: Answer) -> Decimal:
    value = parse_number(answer.text)
    if value is None:
        raise Invalid(ctx._("Please send an amount in yuan, for example 1200 or 1200.50."))
    if value < 0:
        raise Invalid(ctx._("The amount cannot be negative."))
    return value


# Days said ("20天", "twenty days" is read by typed_span): taken out, what is left shows whether a head count
# was said beside them ("30人 20天").
_HEADS_SAID = re.compile(r"\d+\s*(?:人|名|个?学员|位)|\d+\s+(?:people|trainees|persons|learners)", re.I)
_DAYS_SAID = re.compile(r"[\d一二两三四五六七八九十百千]+\s*(?:天|日|days?\b)", re.I)


def _count(ctx: Ctx, answer: Answer, what: str, value: int | None = None) -> int:
    """The count typed (``value`` when the caller read it already)."""
    if value is None:
        value = typed_number(answer.text)  # "30", "30人", "三十个学员"
    if value is None or value < 1:
        raise Invalid(ctx._("Please send a whole number of at least 1 ({what}).", what=ctx._(what)))
    if value > 100_000:
        raise Invalid(ctx._("That number looks too large; please check it."))
    return int(value)


# ---------------------------------------------------------------------------------------------- subsidy


def _project_options(ctx: Ctx) -> list[tuple[str, str]]:
    return [(k, ctx._(tr.PROJECT_LABELS_EN[k])) for k in tr.PROJECTS]


def _ask_project(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Which training project is it?"), _project_options(ctx))


def _on_project(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["project"] = answer.value
    return goto("standard" if answer.value == tr.UPGRADE else "days")


def _ask_standard(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("What is the subsidy standard per trainee in the Yunnan vocational training catalogue "
                            "for this course, in yuan?"))


def _on_standard(ctx: Ctx, answer: Answer) -> Outcome:
    if _DAYS_SAID.search(answer.text):  # "10天" is no amount of yuan either
        raise Invalid(ctx._("The subsidy of this project does not depend on the number of days."))
    if _HEADS_SAID.search(answer.text):  # "45 trainees" is no amount of yuan: kept, and the standard asked again
        ctx.data["trainees"] = _count(ctx, answer, N_("trainees"))
        return goto("standard", Reply(text=ctx._("Noted, trainees: {n}.", n=ctx.data["trainees"])))
    ctx.data["standard"] = str(_amount(ctx, answer))
    return _result(ctx) if "trainees" in ctx.data else goto("trainees")


def _ask_days(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("How many days does the training last?"))


def _on_days(ctx: Ctx, answer: Answer) -> Outcome:
    if _HEADS_SAID.search(answer.text) and not _DAYS_SAID.search(answer.text):
        # "20人" is the head count, said a step early: kept, and the days asked again (not read as 20 days).
        ctx.data["trainees"] = _count(ctx, answer, N_("trainees"))
        return goto("days", Reply(text=ctx._("Noted, trainees: {n}.", n=ctx.data["trainees"])))
    # "一个月" is asked again, not read as 1 day
    ctx.data["days"] = _count(ctx, answer, N_("days"), parse_span(answer.text, "day", ctx._))
    rest = _DAYS_SAID.sub(" ", answer.text)
    if _HEADS_SAID.search(rest) and (heads := typed_number(rest)) is not None:  # "30人 25天": both at once
        ctx.data["trainees"] = _count(ctx, answer, N_("trainees"), heads)
    return goto("tuition" if "trainees" in ctx.data else "trainees")


def _ask_trainees(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("How many trainees?"))


def _days_corrected(ctx: Ctx, answer: Answer, state: str) -> Outcome | None:
    """Days said at a later step ("不对 是40天") correct the days said before, and the step is asked again; the
    upgrade project's subsidy counts no days, which is said. None when no days are said."""
    days = typed_span(answer.text, "day")[0]
    if days is None or (state == "trainees" and typed_number(_DAYS_SAID.sub(" ", answer.text)) is not None):
        return None
    if "days" not in ctx.data:
        raise Invalid(ctx._("The subsidy of this project does not depend on the number of days."))
    ctx.data["days"] = _count(ctx, answer, N_("days"), days)
    return goto(state, Reply(text=ctx._("Noted: the training lasts {days} days.", days=days)))


def _on_trainees(ctx: Ctx, answer: Answer) -> Outcome:
    if (corrected := _days_corrected(ctx, answer, "trainees")) is not None:
        return corrected
    heads = None
    if "days" in ctx.data and (days := typed_span(answer.text, "day")[0]) is not None:
        # Beside a head count ("30人 20天"), both are taken.
        ctx.data["days"] = _count(ctx, answer, N_("days"), days)
        heads = typed_number(_DAYS_SAID.sub(" ", answer.text))
    ctx.data["trainees"] = _count(ctx, answer, N_("trainees"), heads)
    if ctx.data.get("project") == tr.UPGRADE:
        return _result(ctx)
    return goto("tuition")


def _ask_tuition(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("What tuition did the provincial federation approve in the project budget for the "
                            "whole class, in yuan? Send 0 if you do not know it yet."))


def _on_tuition(ctx: Ctx, answer: Answer) -> Outcome:
    if (corrected := _days_corrected(ctx, answer, "tuition")) is not None:
        return corrected
    ctx.data["tuition"] = str(_amount(ctx, answer))
    return goto("appraisal")


def _ask_appraisal(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("What is the skills appraisal fee per trainee set by the human resources department, "
                            "in yuan? Send 0 if there is none or you do not know it."))


def _on_appraisal(ctx: Ctx, answer: Answer) -> Outcome:
    if (corrected := _days_corrected(ctx, answer, "appraisal")) is not None:
        return corrected
    ctx.data["appraisal"] = str(_amount(ctx, answer))
    return _result(ctx)


def _result(ctx: Ctx) -> Outcome:
    d = ctx.data
    b = sub.calculate(d["project"], d["trainees"], standard=Decimal(d["standard"]) if "standard" in d else None,
                      days=d.get("days"), tuition=Decimal(d.get("tuition", "0")),
                      appraisal_fee=Decimal(d.get("appraisal", "0")))
    return finish(Reply(text="\n".join(breakdown_lines(ctx._, b)), citations=citations(ctx.locale, b.refs)))


SUBSIDY = Flow(
    name="training_subsidy", title=N_("Training subsidy calculator"), start="project",
    states={
        "project": State(prompt=_ask_project, handle=_on_project, to=("standard", "days")),
        "standard": State(prompt=_ask_standard, handle=_on_standard, free_text=True, to=("standard", "trainees")),
        "days": State(prompt=_ask_days, handle=_on_days, free_text=True, to=("days", "trainees", "tuition")),
        "trainees": State(prompt=_ask_trainees, handle=_on_trainees, free_text=True, to=("trainees", "tuition")),
        "tuition": State(prompt=_ask_tuition, handle=_on_tuition, free_text=True, to=("tuition", "appraisal")),
        "appraisal": State(prompt=_ask_appraisal, handle=_on_appraisal, free_text=True, to=("appraisal",)),
    },
    commands=("/subsidy", "补贴怎么算", "培训补贴", "培训补贴怎么算", "补贴计算", "补贴计算器", "计算补贴", "算补贴", "算一下补贴",
              "subsidy", "training subsidy", "how is the subsidy calculated", "how is the training subsidy calculated",
              "subsidy calculator", "training subsidy calculator", "calculate the subsidy", "calculate my subsidy",
              "work out the subsidy"),
    menu_order=420,
)

# ---------------------------------------------------------------------------------------------- calendar


def _when(ctx: Ctx, item: cal.CalendarItem) -> str:
    _ = ctx._
    if item.task.kind == "expect":  # the province acts; nothing for the asker to be late with
        return _("expected by {due}", due=item.due.isoformat())
    if item.days_left == 0:
        return _("due today ({due})", due=item.due.isoformat())
    if item.days_left > 0:
        return _("due {due}, {days} days left", due=item.due.isoformat(), days=item.days_left)
    return _("was due {due}, {days} days ago", due=item.due.isoformat(), days=-item.days_left)


def calendar_reply(ctx: Ctx, today: date) -> Reply:
    """What is due now or soon, what is late, and the duties without a fixed date — all cited."""
    _ = ctx._
    due, late = cal.due_items(today), cal.overdue(today, set())
    lines = [_("Training fund calendar for {today}:", today=today.isoformat())]
    if due:
        lines.append(_("Due now or soon:"))
        for i in due:
            lines.append(f"• {_(i.task.title)} — {_when(ctx, i)}")
            if i.task.note:
                lines.append(f"  {_(i.task.note)}")
    else:
        lines.append(_("Nothing is due in the next {days} days.", days=cal.SOON_DAYS))
    if late:
        lines.append(_("Late unless already done:"))
        lines += [f"• {_(i.task.title)} — {_when(ctx, i)}" for i in late]
    if coming := cal.coming_items(today):
        lines.append(_("Coming next:"))
        lines += [f"• {_(i.task.title)} — {_when(ctx, i)}" for i in coming]
    lines.append(_("Whenever the occasion arises:"))
    lines += [f"• {_(t.title)}" for t in cal.undated_tasks()]
    refs = [i.ref for i in due + late + coming] + [t.ref for t in cal.undated_tasks()]
    return Reply(text="\n".join(lines), citations=citations(ctx.locale, refs))


def _calendar(ctx: Ctx) -> Outcome:
    return finish(calendar_reply(ctx, ctx.now.date()))


CALENDAR = Flow(
    name="training_calendar", title=N_("Training calendar: what is due"), states={}, enter=_calendar,
    # "时间节点": the training submenu's own word for it ("技能培训：签到、我的课程、补贴、时间节点").
    commands=("/calendar", "培训日历", "培训截止时间", "培训有什么要交的", "what is due", "training calendar",
              "am i late", "calendar", "时间节点", "培训时间节点", "培训截止日期", "培训的截止日期", "training deadlines"),
    menu_order=430,
)

# ---------------------------------------------------------------------------------------------- eligibility


def _ask_who(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Which training project do you mean?"),
                         [*_project_options(ctx), ("both", ctx._("Not sure — show both"))])


def _project_lines(ctx: Ctx, project: str) -> list[str]:
    _ = ctx._
    allowed = [_(tr.CATEGORY_LABELS_EN[k]) for k in tr.CATEGORIES if k in tr.ALLOWED_CATEGORIES[project]]
    lines = [_("{project} is for: {allowed}.", project=_(tr.PROJECT_LABELS_EN[project]), allowed=_("、").join(allowed))]
    if project == tr.POVERTY:
        lines.append(_("Poverty-alleviation training is for registered poor labourers and migrant workers from "
                       "Yunnan's relocation resettlement sites and the \"three regions and three prefectures\"; "
                       "classes last in principle at least {days} days and the employment rate after training "
                       "must be at least {rate}%.", days=tr.POVERTY_MIN_DAYS, rate=tr.POVERTY_MIN_EMPLOYMENT_PERCENT))
    else:
        lines.append(_("Skills upgrading lasts at least as long as the human resources department requires."))
    return lines


def _verdict(ctx: Ctx, project: str, kind: str) -> str:
    """Whether the trainee the person described (a 附件3 category) may be trained in ``project`` (第六条)."""
    _ = ctx._
    names = {"category": _(tr.CATEGORY_LABELS_EN[kind]), "project": _(tr.PROJECT_LABELS_EN[project])}
    if kind in tr.ALLOWED_CATEGORIES[project]:
        return _("Yes: {category} are among those {project} is for.", **names)
    other = next((p for p in tr.PROJECTS if p != project and kind in tr.ALLOWED_CATEGORIES[p]), None)
    if other is None:
        return _("No: {category} are not among those {project} is for.", **names)
    return _("No: {category} are not among those {project} is for; {other} is for them.", **names,
             other=_(tr.PROJECT_LABELS_EN[other]))


def _on_who(ctx: Ctx, answer: Answer) -> Outcome:
    projects = list(tr.PROJECTS) if answer.value == "both" else [answer.value or tr.UPGRADE]
    # The trainee the person described, when the check was opened from their own words ("他去年下岗了").
    kind = (ctx.data.get("facts") or {}).get("trainee_kind")
    lines = [_verdict(ctx, p, kind) for p in projects] if kind in tr.CATEGORIES else []
    lines += [line for p in projects for line in _project_lines(ctx, p)]
    lines.append(_note_apply(ctx))
    refs = [tr.REF_CATEGORIES[p] for p in projects] + [tr.REF_DAYS_AND_EMPLOYMENT]
    return finish(Reply(text="\n".join(lines), citations=citations(ctx.locale, refs)))


def _note_apply(ctx: Ctx) -> str:
    return ctx._("Trainees are put forward by their union; the prefecture or provincial industry union checks them "
                 "before applying to the provincial federation.")


ELIGIBILITY = Flow(
    name="training_eligibility", title=N_("Who can join union skills training"), start="project",
    states={"project": State(prompt=_ask_who, handle=_on_who, to=())},
    commands=("谁能参加培训", "培训对象", "谁可以参加培训", "哪些人可以参加培训", "who can join training",
              "who can attend training", "/trainees"),
    menu_order=410,
)

FLOWS = (SUBSIDY, CALENDAR, ELIGIBILITY)
