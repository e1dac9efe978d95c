"""The end of an awards check: the verdict on one phone screen, its details, the procedure and 公示 dates
ahead, and the studio and station conversations built from the questionnaire of :mod:`awards_common`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from handlers.cite import citations
from handlers.flow import Answer, Ctx, Flow, Outcome, State, finish, goto, reroute, switch
from handlers.flows.awards_common import (
    ASK,
    PROGRAMME_NAMES,
    CheckBook,
    Questionnaire,
    draft_choice,
    profile,
    resumable,
    say,
    start,
    states,
)
from handlers.i18n import N_
from handlers.types import Choice, Citation, Reply
from knowledge import loader
from knowledge.models import ArticleRef
from knowledge.rules import award_workshops as ws
from knowledge.rules import procedure
from knowledge.rules.awards import Reason, Verdict
from knowledge.workdays import CalendarUnknown

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
CHANGE = "change"  # after a refusal: answer again the question that decided it, the other answers kept
# What the verdict step shows in its place (details, how to apply): the step stays, so that a "flow:" choice picked
# there still switches with the check's answers (the application form takes them over).
SHOWN = "verdict_shown"


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


# Said at a refusal: to answer again the question that decided it ("我刚才选错了", "back"), or to start over.
_CHANGE_SAID = re.compile(r"^(?:返回|上一步|上一题|back)$|选错|答错|点错|填错|说错|弄错|改一?下|改(?:刚才|上一|之前|回答|答案)|"
                          r"刚才.{0,4}(?:不对|错)|change (?:my )?(?:last )?answer|wrong (?:answer|option|choice)|"
                          r"pressed the wrong|go back")
_AGAIN_SAID = re.compile(r"(?:从头)?(?:重新|再)(?:检查|查|测|评估|来)(?:一[次遍下])?|重查|重来|"
                         r"(?:check|start|try) (?:it )?(?:again|over)|restart")
_PUNCT = re.compile(r"[\s,.;:!?，。；：！？、…~～]+$|^[\s]+")


def verdict_state(qn: Questionnaire, choices: Callable[[Ctx, Verdict], tuple[Choice, ...]],
                  how_to: Callable[[Ctx], list[Reply]] | None = None, *, links: tuple[str, ...]) -> State:
    """The state after a verdict: "details" shows every condition, "how to apply" the path and materials, a
    "flow:" choice switches; any other message leaves the check and is handled as a new request."""

    def prompt(ctx: Ctx) -> Reply:
        verdict = qn.rule(profile(ctx))
        shown = ctx.data.get(SHOWN)
        if shown == DETAILS:
            return details_reply(ctx, qn, verdict, choices(ctx, verdict))
        if shown == HOW_TO and how_to is not None:
            last = how_to(ctx)[-1]
            return Reply(text=last.text, citations=last.citations, choices=(*last.choices, *choices(ctx, verdict)))
        extra = [Choice(DETAILS, ctx._("Details: every condition checked"))]
        first: tuple[Choice, ...] = ()
        if verdict.outcome == "not_eligible":
            # The check stops at the answer that makes the refusal certain: the last one given.
            first = (Choice(CHANGE, ctx._("Change my last answer")),)
        elif how_to is not None:
            extra.insert(0, Choice(HOW_TO, ctx._("How to apply: materials and procedure")))
        return verdict_reply(ctx, verdict, (*first, *choices(ctx, verdict), *extra))

    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        value = answer.value
        ctx.data.pop(SHOWN, None)
        links = choices(ctx, qn.rule(profile(ctx)))
        refused = qn.rule(profile(ctx)).outcome == "not_eligible"
        if value == CHANGE or (refused and value is None and _CHANGE_SAID.search(answer.text.lower())):
            CheckBook(qn).undo(ctx)
            return goto(ASK)
        if refused and value is None and _AGAIN_SAID.fullmatch(_PUNCT.sub("", answer.text.lower())):
            value = next((c.value for c in links if c.value.startswith("flow:")), None)  # the check's own start
        if value == DETAILS:
            ctx.data[SHOWN] = DETAILS  # the step, asked again, shows them (its prompt)
            return Outcome()
        if value == HOW_TO and how_to is not None:
            ctx.data[SHOWN] = HOW_TO
            return Outcome(replies=tuple(how_to(ctx)[:-1]))
        if value and value.startswith("flow:"):
            return switch(value[5:])
        # Not one of its choices: a flow's words start that flow, anything else is a question for the FAQ.
        return reroute()

    return State(prompt=prompt, handle=handle, free_text=True, to=(ASK, *(f"flow:{name}" for name in links)))


def stages_reply(ctx: Ctx, programme: str, heading: str, choices: tuple[Choice, ...] = ()) -> Reply:
    """The stages of ``programme``'s procedure after ``heading``, each with what it means and its article."""
    _ = ctx._
    steps = procedure.stages(programme)
    lines = [heading, *(f"{i}. {_(s.title)}: {_(s.explanation)}" for i, s in enumerate(steps, 1))]
    return Reply(text="\n".join(lines), choices=choices, citations=citations(ctx.locale, [s.ref for s in steps]))


def procedure_replies(ctx: Ctx, programme: str, start: date | None,
                      choices: tuple[Choice, ...] = ()) -> list[Reply]:
    """The stages ahead, each with what it means, and the 公示 dates when its start is known."""
    _ = ctx._
    first = stages_reply(ctx, programme, _("What happens after you file:"))
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
        except CalendarUnknown as exc:  # (the year the window runs into: a notice from 12-28 needs the next one)
            text = _("The public notice (公示) lasts {n} working days, but the official holiday calendar for {year} "
                     "is not published yet, so I cannot give its last day.", n=n, year=exc.year)
    last = procedure.stage(programme, "publicity")
    return [first, Reply(text=text, choices=choices, citations=citations(ctx.locale, [last.ref]))]


# -- studio and station: the same conversation over their own measure ---------------------------------------

def workshop_flows(programme: str, title: str, intro: str, commands: tuple[str, ...],
                   rules_commands: tuple[str, ...], menu_order: int) -> tuple[Flow, Flow]:
    """The eligibility check of a studio or station (第十条) and the one-shot "after naming" rules."""
    rules_flow = f"{programme}_rules"

    def links(ctx: Ctx, verdict: Verdict) -> tuple[Choice, ...]:
        if verdict.outcome == "not_eligible":
            return (Choice(f"flow:{programme}", ctx._("Check again from the start")),)
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
        return goto("verdict")

    def after_naming(ctx: Ctx) -> Outcome:
        _ = ctx._
        facts = [f for f in ws.FACTS[programme] if f.key not in ("batch", "hierarchy")]
        lines = [_("After naming:"), *(f"• {say(ctx, f)}" for f in facts)]
        return finish(Reply(text="\n".join(lines), citations=citations(ctx.locale, [f.ref for f in facts])))

    qn = Questionnaire(ws.QUESTIONS[programme], lambda p: ws.workshop_eligibility(programme, p), conclude,
                       f"{programme}_eligibility")
    targets = (programme, f"{programme}_draft", rules_flow)
    check = resumable(Flow(name=programme, title=title, start="ask", enter=start(qn, intro), enter_to=("verdict",),
                           states={**states(qn, ("verdict",)), "verdict": verdict_state(qn, links, how_to, links=targets)},
                           commands=commands, menu_order=menu_order), qn)
    rules = Flow(name=rules_flow, title=N_("After naming: re-examination, changes and funds"), states={},
                 enter=after_naming, enter_to=(), commands=rules_commands, in_menu=False)
    return check, rules
