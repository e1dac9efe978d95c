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
from handlers.choices import normalize, number_of, resolve
from handlers.cite import citations
from handlers.fields import NO, YES, word_of
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, finish, goto, reroute, switch
from handlers.i18n import N_, translator
from handlers.types import Choice, Citation, Reply
from knowledge import loader
from knowledge.models import ArticleRef
from knowledge.places import DIVISIONS, parse_place
from knowledge.rules import award_workshops as ws
from knowledge.rules import procedure
from knowledge.rules.awards import OTHER, UNSURE, Fact, Question, Reason, Verdict
from knowledge.rules.channels import Step
from knowledge.workdays import CalendarUnknown

BACK = "back"
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


def draft_choice(ctx: Ctx, programme: str) -> tuple[Choice, ...]:
    """The hook to the application-draft flow of ``programme``, offered only when that flow is registered."""
    name = f"{programme}_draft"
    if ctx.has_flow(name):
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


_PUNCT = re.compile(r"[\s,.;:!?，。；：！？、…~～]+")


def _clean(text: str) -> str:
    return _PUNCT.sub("", normalize(text))


def _terms(label: str, synonyms: tuple[str, ...] | list[str]) -> list[str]:
    """The words that name an option: its synonyms, its label in both languages, the label's brackets."""
    terms = [_clean(w) for w in synonyms] + [_clean(translator("zh")(label)), _clean(label)]
    return terms + [_clean(m) for m in re.findall(r"[（(]([^()（）]+)[)）]", label)]


def _named(q: Question, t: str) -> str | None:
    """The option whose longest naming word occurs in ``t`` (not "not sure")."""
    best: tuple[int, str] | None = None
    for o in q.options:
        if o.value == UNSURE:
            continue
        for term in _terms(o.label, o.synonyms):
            if len(term) >= 2 and term in t and (best is None or len(term) > best[0]):
                best = (len(term), o.value)
    return best[1] if best is not None else None


def _yes_no(values: set[str], t: str) -> str | None:
    if "none" in values and t in {_clean(w) for w in NO}:
        return "none"
    if "no" in values and (t in NO or t.startswith(("不是", "没有", "否"))):
        return "no"
    if "yes" in values and (t in YES or t.startswith(("是", "有", "对"))):
        return "yes"
    return None


def match_option(q: Question, text: str) -> str | None:
    """The option a free-text answer means: "not sure" words, an option's label (in either language) or one
    of its synonyms inside the text, or yes/no words; None when nothing fits."""
    t = _clean(text)
    if not t:
        return None
    unsure = next((o for o in q.options if o.value == UNSURE), None)
    if unsure is not None and any(_clean(w) in t for w in unsure.synonyms):
        return UNSURE
    return _named(q, t) or _yes_no({o.value for o in q.options}, t)


def _choice(ctx: Ctx, q: Question, answer: Answer) -> object:
    """A choice answer. The engine's fuzzy match is checked against the words people use ("全国劳动模范" is not
    "云南省劳动模范"); free text off an open list ("等") is kept as OTHER with the text."""
    text = answer.text.strip()
    exact = answer.choice is not None and (not text or resolve(text, [answer.choice], fuzzy=False) is not None
                                           or number_of(text) is not None)
    if exact:
        return answer.value
    matched = match_option(q, text)
    if matched is not None:
        return matched
    if q.open_list and 2 <= len(text) <= MAX_TEXT:
        profile(ctx)[f"{q.key}_text"] = text
        return OTHER
    if answer.value is not None:
        return answer.value
    raise Invalid(ctx._("I could not match that to an option. Please choose one (a number is enough), or "
                        "'Not sure' if you do not know."))


_MINUS = re.compile(r"(?:^|[^\d])[-−－负](?=\s*\d)")


def _number(ctx: Ctx, q: Question, text: str) -> int:
    _ = ctx._
    digits = re.search(r"\d+", normalize(text))
    value = int(digits.group()) if digits else number_of(text)
    if value is None:
        raise Invalid(_("Please type a number, for example 5."))
    if _MINUS.search(" " + text):
        raise Invalid(_("{value} cannot be right: it cannot be below zero. Please type it again.", value=-value))
    lo, hi = q.minimum if q.minimum is not None else 0, q.maximum if q.maximum is not None else 10**6
    if not lo <= value <= hi:
        raise Invalid(_("{value} cannot be right here: it must be from {lo} to {hi}. Please check it and type it "
                        "again.", value=value, lo=lo, hi=hi))
    return value


def _parse(ctx: Ctx, q: Question, answer: Answer) -> object:
    _ = ctx._
    text = answer.text.strip()
    if q.kind == "choice":
        return _choice(ctx, q, answer)
    if q.kind == "number":
        return _number(ctx, q, text)
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
        if answer.value == BACK or (answer.value is None and word_of(answer.text) == "back"):
            if history:
                key = history.pop()
                profile(ctx).pop(key, None)
                profile(ctx).pop(f"{key}_text", None)
            return next_step(ctx, qn)
        key = ctx.data["asking"]
        profile(ctx)[key] = _parse(ctx, qn.questions[key], answer)
        history.append(key)
        return next_step(ctx, qn)

    return handle


def states(qn: Questionnaire, concludes_to: tuple[str, ...]) -> dict[str, State]:
    """The one state that asks every question; ``concludes_to``: where the conclusion may go."""
    return {"ask": State(prompt=_ask(qn), handle=_handle(qn), free_text=True, to=("ask", *concludes_to))}


def start(qn: Questionnaire, intro: str) -> Callable[[Ctx], Outcome]:
    def enter(ctx: Ctx) -> Outcome:
        given = ctx.data.pop("prefill", None) or {}
        known = {k: v for k, v in ((k, _accepted(qn.questions[k], v)) for k, v in given.items()
                                   if k in qn.questions) if v is not None}
        # Answers of an earlier check in this conversation stay at hand for the next step (the form).
        ctx.data["earlier"] = {**ctx.data.get("earlier", {}), **ctx.data.get("profile", {})}
        ctx.data.update({"profile": known, "history": list(known)})
        return next_step(ctx, qn, Reply(text=ctx._(intro)))

    return enter


HEADLINES = {
    "eligible": N_("Result: you can apply for {programme}."),
    "direct_recognition": N_("Result: you can be recognised directly as {programme}. You still apply through one "
                             "of the channels; the review confirms your honour."),
    "needs_review": N_("Result: you may apply for {programme}; the preliminary review judges the condition."),
    "conditional": N_("Result: you can apply for {programme} only if the points below turn out well."),
    "not_eligible": N_("Result: you cannot apply for {programme} at present."),
}
WORKSHOP_HEADLINES = {
    "eligible": N_("Result: it can be recommended as a {programme}."),
    "conditional": N_("Result: it can be recommended as a {programme} if the points below check out."),
    "not_eligible": N_("Result: it cannot be recommended as a {programme} at present."),
}
NEXT_STEPS = {
    "eligible": N_("Next: choose how to apply (below)."),
    "direct_recognition": N_("Next: choose how to apply (below) and keep the certificate of your honour."),
    "needs_review": N_("Next: gather proof of your skill, leadership or contribution, then choose how to apply."),
    "conditional": N_("Next: check these points first; then choose how to apply."),
    "not_eligible": N_("If an answer was wrong, check again; to talk to a person, type 'human'."),
}
WORKSHOP_NEXT = {
    "eligible": N_("Next: ask your prefecture federation or provincial industry union to recommend it (see How to "
                   "apply)."),
    "conditional": N_("Next: check these points first; then ask your prefecture federation or provincial industry "
                      "union to recommend it."),
    "not_eligible": N_("If an answer was wrong, check again; to talk to a person, type 'human'."),
}
MAX_SHOWN = 3  # deciding reasons shown in the short verdict; the rest are one tap away (details)
SCREEN = 500  # characters of a verdict message (text and article lines; the buttons are apart)
ARTICLE_LINE = 45  # an article line, e.g. "《云南省职工技师工作站选树管理办法》第十条"
MORE_LINE = 40
DETAILS = "details"
HOW_TO = "howto"


def short_citations(ctx: Ctx, refs: list[ArticleRef] | tuple[ArticleRef, ...]) -> tuple[Citation, ...]:
    """One line per article (no quote, no gist, no repeats): the short verdict's references."""
    seen: list[tuple[str, int]] = []
    for r in refs:
        if (r.measure, r.article) not in seen:
            seen.append((r.measure, r.article))
    lang = "en" if ctx.locale.startswith("en") else "zh"
    return tuple(Citation(measure=m, article=a, label=loader.label(m, a, lang), quote="", gist="") for m, a in seen)


def verdict_reply(ctx: Ctx, verdict: Verdict, choices: tuple[Choice, ...]) -> Reply:
    """The verdict on one phone screen: the decision, at most MAX_SHOWN deciding reasons, what to do next, and
    the deciding articles one line each. Everything else is behind the "details" choice."""
    _ = ctx._
    workshop = verdict.programme != "craftsman"
    table = WORKSHOP_HEADLINES if workshop else HEADLINES
    lines = [_(table[verdict.outcome], programme=_(PROGRAMME_NAMES[verdict.programme]))]
    next_line = _((WORKSHOP_NEXT if workshop else NEXT_STEPS)[verdict.outcome])
    shown: list[Reason] = []
    size = len(lines[0]) + len(next_line) + 2 * ARTICLE_LINE  # room for two article lines
    for r in verdict.decisive[:MAX_SHOWN]:
        line = f"• {say(ctx, r)}"
        if shown and size + len(line) > SCREEN - MORE_LINE:
            break
        shown.append(r)
        lines.append(line)
        size += len(line) + 1
    if len(verdict.decisive) > len(shown):
        lines.append(_("…and {n} more (see details).", n=len(verdict.decisive) - len(shown)))
    lines.append(next_line)
    refs = [r.ref for r in shown]
    return Reply(text="\n".join(lines), choices=choices, citations=short_citations(ctx, refs))


def details_reply(ctx: Ctx, qn: Questionnaire, verdict: Verdict, choices: tuple[Choice, ...]) -> Reply:
    """Every reason and note of the verdict, and every answer given, with the full citations."""
    _ = ctx._
    lines = [_("All the conditions checked:")]
    for key, value in profile(ctx).items():
        q = qn.questions.get(key)
        if q is None:
            continue
        label = next((o.label for o in q.options if o.value == value), None)
        shown = _(label) if label else str(profile(ctx).get(f"{key}_text", value))
        lines.append(f"• {_(q.text)} — {shown}")
    lines += [f"• {say(ctx, r)}" for r in verdict.reasons]
    refs = [*verdict.refs, *(qn.questions[k].ref for k in profile(ctx) if k in qn.questions)]
    return Reply(text="\n".join(lines), choices=choices, citations=citations(ctx.locale, refs))


def verdict_state(qn: Questionnaire, choices: Callable[[Ctx, Verdict], tuple[Choice, ...]],
                  how_to: Callable[[Ctx], list[Reply]] | None = None, *, links: tuple[str, ...]) -> State:
    """The state after a verdict: "details" shows every condition, "how to apply" the path and materials, a
    "flow:" choice switches; any other message leaves the check and is handled as a new request."""

    def prompt(ctx: Ctx) -> Reply:
        verdict = qn.rule(profile(ctx))
        extra = [Choice(DETAILS, ctx._("Details: every condition checked"))]
        if how_to is not None:
            extra.insert(0, Choice(HOW_TO, ctx._("How to apply: materials and procedure")))
        return verdict_reply(ctx, verdict, (*choices(ctx, verdict), *extra))

    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        value = answer.value
        links = choices(ctx, qn.rule(profile(ctx)))
        if value == DETAILS:
            return finish(details_reply(ctx, qn, qn.rule(profile(ctx)), links))
        if value == HOW_TO and how_to is not None:
            replies = how_to(ctx)
            last = replies[-1]
            return finish(*replies[:-1], Reply(text=last.text, citations=last.citations,
                                               choices=(*last.choices, *links)))
        if value and value.startswith("flow:"):
            return switch(value[5:])
        # Not one of its choices: a flow's words start that flow, anything else is a question for the FAQ.
        return reroute()

    return State(prompt=prompt, handle=handle, free_text=True, to=tuple(f"flow:{name}" for name in links))


# -- the entry point for facts already known ------------------------------------------------------------

CHECKS = ("craftsman", "craftsman_channel", "studio", "station")


def start_check(ctx: Ctx, check: str, facts: Mapping[str, object]) -> Outcome:
    """Start the check ``check`` (one of :data:`CHECKS`) with ``facts`` already known.

    ``facts`` maps the Question keys of the check's rules module (``knowledge.rules.eligibility``,
    ``channels`` or ``award_workshops``) to answers in the values those modules read ("yes", "unsure", an
    option value, a number). Keys the check does not ask, and values it would not accept, are dropped; only
    the questions still open *and* deciding are then asked. Return the Outcome from a step or an ``enter``.
    """
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}")
    ctx.data["prefill"] = dict(facts)
    return switch(check)


def _accepted(q: Question, value: object) -> object | None:
    if q.kind == "choice":
        return value if isinstance(value, str) and value in {o.value for o in q.options} else None
    if q.kind == "number":
        try:
            n = int(str(value))
        except ValueError:
            return None
        lo, hi = q.minimum if q.minimum is not None else 0, q.maximum if q.maximum is not None else 10**6
        return n if lo <= n <= hi else None
    if q.kind == "place":
        return value if isinstance(value, str) and parse_place(value) is not None else None
    return value if isinstance(value, str) and 2 <= len(value) <= MAX_TEXT else None


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
    first = Reply(text="\n".join(lines), citations=citations(ctx.locale, [s.ref for s in steps]))
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
    return [first, Reply(text=text, choices=choices, citations=citations(ctx.locale, [last.ref]))]


# -- studio and station: the same conversation over their own measure ---------------------------------------

def workshop_flows(programme: str, title: str, intro: str, commands: tuple[str, ...],
                   rules_commands: tuple[str, ...], menu_order: int) -> tuple[Flow, Flow]:
    """The eligibility check of a studio or station (第十条) and the one-shot "after naming" rules."""
    rules_flow = f"{programme}_rules"

    def links(ctx: Ctx, verdict: Verdict) -> tuple[Choice, ...]:
        if verdict.outcome == "not_eligible":
            return (Choice(f"flow:{programme}", ctx._("Check again")),)
        return (*draft_choice(ctx, programme), Choice(f"flow:{rules_flow}", ctx._("What happens after naming")))

    def how_to(ctx: Ctx) -> list[Reply]:
        _ = ctx._
        hierarchy = next(f for f in ws.FACTS[programme] if f.key == "hierarchy")
        how = [_("How to apply:"), say(ctx, hierarchy), "", _("Materials:")]
        how += [f"• {say(ctx, f)}" for f in ws.MATERIALS[programme]]
        how += ["", _("How it is judged:"), say(ctx, ws.REVIEW_CRITERIA[programme])]
        facts = (hierarchy, *ws.MATERIALS[programme][:2], ws.REVIEW_CRITERIA[programme])
        return [Reply(text="\n".join(how), citations=citations(ctx.locale, [f.ref for f in facts])),
                *procedure_replies(ctx, programme, None)]

    def conclude(ctx: Ctx, verdict: Verdict) -> Outcome:
        if verdict.outcome == "not_eligible":
            return finish(verdict_reply(ctx, verdict, links(ctx, verdict)))
        return goto("verdict")

    def after_naming(ctx: Ctx) -> Outcome:
        _ = ctx._
        facts = [f for f in ws.FACTS[programme] if f.key not in ("batch", "hierarchy")]
        lines = [_("After naming:"), *(f"• {say(ctx, f)}" for f in facts)]
        return finish(Reply(text="\n".join(lines), citations=citations(ctx.locale, [f.ref for f in facts])))

    qn = Questionnaire(ws.QUESTIONS[programme], lambda p: ws.workshop_eligibility(programme, p), conclude)
    targets = (programme, f"{programme}_draft", rules_flow)
    check = Flow(name=programme, title=title, start="ask", enter=start(qn, intro), enter_to=("verdict",),
                 states={**states(qn, ("verdict",)), "verdict": verdict_state(qn, links, how_to, links=targets)},
                 commands=commands, menu_order=menu_order)
    rules = Flow(name=rules_flow, title=N_("After naming: re-examination, changes and funds"), states={},
                 enter=after_naming, enter_to=(), commands=rules_commands, in_menu=False)
    return check, rules
