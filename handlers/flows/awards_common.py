"""A questionnaire driven by a rule: ask ``rule(profile).unknown[0]`` until nothing is unknown, then conclude.

The rule (from :mod:`knowledge.rules`) decides what to ask next, so a conversation asks only what changes the
answer and stops as soon as the verdict is certain. Answers live in ``ctx.data["profile"]`` (persisted by
the dispatcher), with the order they were given in ``ctx.data["history"]`` so that "back" can undo the last.
One state, ``ask``, serves every question: options are matched by the engine, typed answers (number, place,
text, "back") are validated here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from handlers import dates
from handlers.choices import normalize, number_of
from handlers.cite import citations
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, finish, goto
from handlers.i18n import N_
from handlers.types import Choice, Reply
from knowledge.models import ArticleRef
from knowledge.places import DIVISIONS, parse_place
from knowledge.rules import award_workshops as ws
from knowledge.rules import procedure
from knowledge.rules.awards import Fact, Question, Reason, Verdict
from knowledge.rules.channels import Step
from knowledge.workdays import CalendarUnknown

BACK = "back"
BACK_WORDS = frozenset(normalize(w) for w in ("back", "上一步", "上一题", "返回", "改上一题", "修改上一题"))
MAX_TEXT = 60

PROGRAMME_NAMES = {
    "craftsman": N_("Yunling Craftsman"),
    "studio": N_("Yunnan Workers' Innovation Studio"),
    "station": N_("Yunnan Workers' Technician Workstation"),
}


@dataclass(frozen=True)
class Questionnaire:
    questions: Mapping[str, Question]
    rule: Callable[[Mapping[str, object]], Any]  # -> an object with ``unknown``
    conclude: Callable[[Ctx, Any], Outcome]  # called with the certain result


def profile(ctx: Ctx) -> dict[str, object]:
    return ctx.data.setdefault("profile", {})


def translate_params(ctx: Ctx, params: Mapping[str, object]) -> dict[str, object]:
    """Parameters marked with N_ are translated; names (Chinese bodies, numbers) pass unchanged."""
    return {k: ctx._(v) if isinstance(v, str) else v for k, v in params.items()}


def say(ctx: Ctx, item: Reason | Fact) -> str:
    message = item.message if isinstance(item, Reason) else item.text
    return ctx._(message, **translate_params(ctx, item.params)) if item.params else ctx._(message)


def say_step(ctx: Ctx, step: Step) -> str:
    return ctx._(step.text, **translate_params(ctx, step.params))


def cite(ctx: Ctx, refs: tuple[ArticleRef, ...] | list[ArticleRef]):  # type: ignore[no-untyped-def]
    return citations(ctx.locale, refs)


def draft_choice(ctx: Ctx, programme: str) -> tuple[Choice, ...]:
    """The hook to the application-draft flow of ``programme``, offered only when that flow is registered."""
    from handlers.flows import FLOWS  # late: the registry imports this module

    name = f"{programme}_draft"
    if any(f.name == name for f in FLOWS):
        return (Choice(f"flow:{name}", ctx._("Fill in the application form now")),)
    return ()


def next_step(ctx: Ctx, qn: Questionnaire, *replies: Reply) -> Outcome:
    result = qn.rule(profile(ctx))
    if not result.unknown:
        outcome = qn.conclude(ctx, result)
        return Outcome(replies=(*replies, *outcome.replies), next_state=outcome.next_state, end=outcome.end,
                       next_flow=outcome.next_flow)
    key = result.unknown[0]
    ctx.data["asking"] = key
    return goto("ask", *replies)


def _ask(qn: Questionnaire) -> Callable[[Ctx], Reply]:
    def prompt(ctx: Ctx) -> Reply:
        _ = ctx._
        q = qn.questions[ctx.data["asking"]]
        lines = [_(q.text)]
        if q.help:
            lines.append(_(q.help))
        options = [Choice(o.value, _(o.label)) for o in q.options]
        if ctx.data.get("history"):
            if q.kind == "choice":
                options.append(Choice(BACK, _("Change my previous answer")))
            else:
                lines.append(_("(Type 'back' to change your previous answer.)"))
        return Reply(text="\n".join(lines), choices=tuple(options))

    return prompt


def _parse(ctx: Ctx, q: Question, answer: Answer) -> object:
    _ = ctx._
    text = answer.text.strip()
    if q.kind == "choice":
        if answer.value is None:
            raise Invalid(_("Please answer with one of the options (a number is enough)."))
        return answer.value
    if q.kind == "number":
        digits = re.search(r"\d+", normalize(text))
        value = int(digits.group()) if digits else number_of(text)
        if value is None:
            raise Invalid(_("Please type a number, for example 5."))
        lo, hi = q.minimum if q.minimum is not None else 0, q.maximum if q.maximum is not None else 10**6
        if not lo <= value <= hi:
            raise Invalid(_("Please type a number from {lo} to {hi}.", lo=lo, hi=hi))
        return value
    if q.kind == "place":
        place = parse_place(text)
        if place is None:
            raise Invalid(_("I do not recognise that as a place in Yunnan. Please type the prefecture and the "
                            "county or district, for example 昆明市五华区 or 曲靖市会泽县."))
        if q.level == "county" and not place.county:
            example = place.prefecture + DIVISIONS[place.prefecture][0]
            raise Invalid(_("Please also name the county or district in {prefecture}, for example {example}.",
                            prefecture=place.prefecture, example=example))
        return place.prefecture if q.level == "prefecture" else place.name
    if not 2 <= len(text) <= MAX_TEXT:
        raise Invalid(_("Please type a name of 2 to {n} characters.", n=MAX_TEXT))
    return text


def _handle(qn: Questionnaire) -> Callable[[Ctx, Answer], Outcome]:
    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        history: list[str] = ctx.data.setdefault("history", [])
        if answer.value == BACK or (answer.value is None and normalize(answer.text) in BACK_WORDS):
            if history:
                profile(ctx).pop(history.pop(), None)
            return next_step(ctx, qn)
        key = ctx.data["asking"]
        profile(ctx)[key] = _parse(ctx, qn.questions[key], answer)
        history.append(key)
        return next_step(ctx, qn)

    return handle


def states(qn: Questionnaire) -> dict[str, State]:
    return {"ask": State(prompt=_ask(qn), handle=_handle(qn), free_text=True)}


def start(qn: Questionnaire, intro: str) -> Callable[[Ctx], Outcome]:
    def enter(ctx: Ctx) -> Outcome:
        ctx.data.update({"profile": {}, "history": []})
        return next_step(ctx, qn, Reply(text=ctx._(intro)))

    return enter


HEADLINES = {
    "eligible": N_("Result: you can apply for {programme}."),
    "direct_recognition": N_("Result: you can be recognised directly as {programme}. You still apply through one "
                             "of the channels; the review confirms your honour."),
    "needs_review": N_("Result: you may apply for {programme}; whether you meet a condition is judged at the "
                       "preliminary review."),
    "not_eligible": N_("Result: you cannot apply for {programme} at present."),
}
WORKSHOP_HEADLINES = {
    "eligible": N_("Result: it can be recommended as a {programme}."),
    "not_eligible": N_("Result: it cannot be recommended as a {programme} at present."),
}


def verdict_reply(ctx: Ctx, verdict: Verdict, choices: tuple[Choice, ...]) -> Reply:
    """The verdict in words: headline, the reasons (deciding ones first), the priority honours, citations."""
    _ = ctx._
    table = HEADLINES if verdict.programme == "craftsman" else WORKSHOP_HEADLINES
    lines = [_(table[verdict.outcome], programme=_(PROGRAMME_NAMES[verdict.programme]))]
    lines += [f"• {say(ctx, r)}" for r in verdict.decisive]
    notes = [r for r in verdict.reasons if not r.decisive]
    if notes:
        lines.append(_("Good to know:"))
        lines += [f"• {say(ctx, r)}" for r in notes]
    return Reply(text="\n".join(lines), choices=choices, citations=cite(ctx, verdict.refs))




def parse_date(ctx: Ctx, text: str) -> date:
    """2026-09-28, 2026/9/28, 2026年9月28日, or 9月28日 (this year), also inside a sentence."""
    day = dates.parse_day(text, ctx.now.date(), anywhere=True)
    if day is not None:
        return day
    raise Invalid(ctx._("Please type a date such as 2026-09-28, or choose 'Not announced yet'."))


def procedure_replies(ctx: Ctx, programme: str, start: date | None,
                      choices: tuple[Choice, ...] = ()) -> list[Reply]:
    """The stages ahead, each with what it means, and the 公示 dates when its start is known."""
    _ = ctx._
    steps = procedure.stages(programme)
    lines = [_("What happens after you file:")]
    lines += [f"{i}. {_(s.title)}: {_(s.explanation)}" for i, s in enumerate(steps, 1)]
    first = Reply(text="\n".join(lines), citations=cite(ctx, [s.ref for s in steps]))
    n = procedure.PUBLICITY_WORKDAYS
    if start is None:
        text = _("The public notice (公示) lasts {n} working days: weekends and statutory holidays do not count, "
                 "adjusted working days do. The provincial federation announces when it starts; tell me the date "
                 "then and I will work out the last day.", n=n)
    else:
        try:
            end = procedure.publicity_end(start)
            text = _("The public notice (公示) opens on {start} and lasts {n} working days, so objections can be made "
                     "until {end} (weekends and statutory holidays not counted, adjusted working days counted).",
                     start=start.isoformat(), n=n, end=end.isoformat())
        except CalendarUnknown:
            text = _("The public notice (公示) lasts {n} working days, but the official holiday calendar for {year} "
                     "is not published yet, so I cannot give its last day.", n=n, year=start.year)
    last = procedure.stage(programme, "publicity")
    return [first, Reply(text=text, choices=choices, citations=cite(ctx, [last.ref]))]


# -- studio and station: the same conversation over their own measure ---------------------------------------

def workshop_flows(programme: str, title: str, intro: str, commands: tuple[str, ...],
                   rules_commands: tuple[str, ...], menu_order: int) -> tuple[Flow, Flow]:
    """The eligibility check of a studio or station (第十条) and the one-shot "after naming" rules."""
    rules_flow = f"{programme}_rules"

    def conclude(ctx: Ctx, verdict: Verdict) -> Outcome:
        _ = ctx._
        if verdict.outcome != "eligible":
            return finish(verdict_reply(ctx, verdict, (Choice(f"flow:{programme}", _("Check again")),)))
        hierarchy = next(f for f in ws.FACTS[programme] if f.key == "hierarchy")
        how = [_("How to apply:"), say(ctx, hierarchy), "", _("Materials:")]
        how += [f"• {say(ctx, f)}" for f in ws.MATERIALS[programme]]
        how += ["", _("How it is judged:"), say(ctx, ws.REVIEW_CRITERIA[programme])]
        facts = (hierarchy, *ws.MATERIALS[programme][:2], ws.REVIEW_CRITERIA[programme])
        choices = (*draft_choice(ctx, programme), Choice(f"flow:{rules_flow}", _("What happens after naming")))
        return finish(verdict_reply(ctx, verdict, ()),
                      Reply(text="\n".join(how), citations=cite(ctx, [f.ref for f in facts])),
                      *procedure_replies(ctx, programme, None, choices))

    def after_naming(ctx: Ctx) -> Outcome:
        _ = ctx._
        facts = [f for f in ws.FACTS[programme] if f.key not in ("batch", "hierarchy")]
        lines = [_("After naming:"), *(f"• {say(ctx, f)}" for f in facts)]
        return finish(Reply(text="\n".join(lines), citations=cite(ctx, [f.ref for f in facts])))

    qn = Questionnaire(ws.QUESTIONS[programme], lambda p: ws.workshop_eligibility(programme, p), conclude)
    check = Flow(name=programme, title=title, states=states(qn), start="ask", enter=start(qn, intro),
                 commands=commands, menu_order=menu_order)
    rules = Flow(name=rules_flow, title=N_("After naming: re-examination, changes and funds"), states={},
                 enter=after_naming, commands=rules_commands, in_menu=False)
    return check, rules
