"""云岭工匠 conversations: "can I apply?" (第三、五至八条), "which way and where do I file?" (第九、十条,
附件2 填报要求) with the procedure and 公示 dates ahead, and what the title brings or costs (第二十一至三十三条).

    craftsman:          ask (rule-driven questions) -> verdict (short; details one tap away) -> channel, form
    craftsman_channel:  ask (rule-driven questions) -> where to file, path, annexes, materials -> pub (公示 start)
                        -> procedure and dates -> next: switch to the draft (keeps slot "body") or the rules
    craftsman_rules:    one reply: incentives and revocation
"""

from __future__ import annotations

import re

from handlers.cite import citations
from handlers.flow import Answer, Ctx, Flow, Outcome, State, finish, goto, reroute, switch
from handlers.flows import awards_common as common
from handlers.flows import awards_verdict as verdicts
from handlers.i18n import N_
from handlers.types import Choice, Reply
from knowledge.rules import channels, eligibility, procedure
from knowledge.rules.awards import Verdict
from knowledge.rules.channels import ChannelPlan


def _links(ctx: Ctx, verdict: Verdict) -> tuple[Choice, ...]:
    _ = ctx._
    if verdict.outcome == "not_eligible":
        return (Choice("flow:craftsman", _("Check again from the start")),)
    return (Choice("flow:craftsman_channel", _("Choose how to apply and where to file")),
            *common.draft_choice(ctx, "craftsman"),
            Choice("flow:craftsman_rules", _("What the title brings, and when it is withdrawn")))


def _conclude_eligibility(ctx: Ctx, verdict: Verdict) -> Outcome:
    return goto("verdict")  # the short verdict, with its details one tap away


ELIGIBILITY = common.Questionnaire(eligibility.QUESTIONS, eligibility.craftsman_eligibility, _conclude_eligibility,
                                    "craftsman_eligibility")


def _plan_reply(ctx: Ctx, plan: ChannelPlan) -> Reply:
    _ = ctx._
    lines = [_("Where to file: {body}", body=_(plan.body)), "", _("How it goes up:")]
    lines += [f"{i}. {common.say_step(ctx, s)}" for i, s in enumerate(plan.path, 1)]
    lines += ["", _("Who fills in which form:")]
    lines += [f"• {common.say(ctx, f)}" for f in plan.annexes]
    lines += ["", _("Materials to prepare:")]
    lines += [f"• {common.say(ctx, f)}" for f in plan.materials]
    lines += ["", *(common.say(ctx, r) for r in plan.reasons)]
    refs = [r.ref for r in plan.reasons] + [plan.annexes[0].ref]
    return Reply(text="\n".join(lines), citations=citations(ctx.locale, refs))


def _conclude_channel(ctx: Ctx, plan: ChannelPlan) -> Outcome:
    _ = ctx._
    if not plan.valid:
        lines = [_("This way of applying does not fit your case:")]
        lines += [f"• {common.say(ctx, r)}" for r in plan.reasons]
        return finish(Reply(text="\n".join(lines), citations=citations(ctx.locale, [r.ref for r in plan.reasons]),
                            choices=(Choice("flow:craftsman_channel", _("Choose another way")),)))
    common.slots(ctx).body = plan.body
    return goto("pub", _plan_reply(ctx, plan))


CHANNEL = common.Questionnaire(channels.QUESTIONS, channels.craftsman_channel, _conclude_channel, "craftsman_channel")


def _ask_pub(ctx: Ctx) -> Reply:
    _ = ctx._
    return Reply(text=_("To date the later steps: has the provincial federation announced when this year's public "
                        "notice (公示) starts? If so, type the date (for example 2026-09-28); if not, or you do not "
                        "know, choose 'Not announced / not known'."),
                 choices=(Choice("unknown", _("Not announced / not known")),))


# "不晓得", "还没公布", "not sure": the date is not known (a date typed is read as one).
_NOT_KNOWN = re.compile(r"不知道|不晓得|不清楚|不确定|不知|没公布|未公布|还没|没有|尚未|没得|莫得|not sure|don'?t know|no idea|"
                        r"not yet|not announced|unknown|^no\b", re.I)


def _on_pub(ctx: Ctx, answer: Answer) -> Outcome:
    unknown = answer.value == "unknown" or (answer.value is None and _NOT_KNOWN.search(answer.text) is not None)
    start = None if unknown else common.parse_date(ctx, answer.text)
    return goto("next", *verdicts.procedure_replies(ctx, "craftsman", start))


def _ask_next(ctx: Ctx) -> Reply:
    _ = ctx._
    return Reply(text=_("What next?"), choices=(
        *common.draft_choice(ctx, "craftsman"),
        Choice("flow:craftsman_rules", _("What the title brings, and when it is withdrawn")),
        Choice("done", _("That's all for now"))))


def _on_next(ctx: Ctx, answer: Answer) -> Outcome:
    # switch() keeps the slots, so the draft flow receives the filing body found here (slot "body").
    if answer.value and answer.value.startswith("flow:"):
        return switch(answer.value[5:])
    if answer.value == "done":
        return finish(Reply(text=ctx._("Done. Type 'menu' for more, or ask me a question.")))
    # Anything typed is the person's next message, read as if the plan had ended: "报这个要交报名费不" is a question
    # (the Yunnan "…不" asks, it does not decline), "不用了" a goodbye.
    return reroute()


def _rules(ctx: Ctx) -> Outcome:
    _ = ctx._
    lines = [_("What the Yunling Craftsman title brings:")]
    lines += [f"• {common.say(ctx, f)}" for f in procedure.INCENTIVES]
    lines += ["", common.say(ctx, procedure.REVOCATION_INTRO)]
    lines += [f"• {common.say(ctx, f)}" for f in procedure.REVOCATION]
    refs = [f.ref for f in (*procedure.INCENTIVES, procedure.REVOCATION_INTRO)]
    return finish(Reply(text="\n".join(lines), citations=citations(ctx.locale, refs)))


CRAFTSMAN = common.resumable(Flow(
    name="craftsman", title=N_("Yunling Craftsman: can I apply?"),
    states={**common.states(ELIGIBILITY, ("verdict",)),
            "verdict": verdicts.verdict_state(ELIGIBILITY, _links, links=(
                "craftsman", "craftsman_channel", "craftsman_draft", "craftsman_rules"))},
    start="ask", enter_to=("verdict",),
    enter=common.start(ELIGIBILITY, N_("Let's check whether you can apply for Yunling Craftsman. I will ask only "
                                       "what matters for your case; answer by number. Type 'cancel' to stop.")),
    commands=("/craftsman", "云岭工匠", "评工匠", "申报云岭工匠", "我能评云岭工匠吗", "craftsman", "yunling craftsman"),
    menu_order=200,
), ELIGIBILITY)
CRAFTSMAN_CHANNEL = common.resumable(Flow(
    name="craftsman_channel", title=N_("Yunling Craftsman: where and how to apply"),
    states={**common.states(CHANNEL, ("pub",)),
            "pub": State(prompt=_ask_pub, handle=_on_pub, free_text=True, to=("next",)),
            "next": State(prompt=_ask_next, handle=_on_next, free_text=True,
                          to=("flow:craftsman_draft", "flow:craftsman_rules"))},
    start="ask", enter_to=("pub",),
    enter=common.start(CHANNEL, N_("Let's find the way to apply that fits you and exactly where to file. Type "
                                   "'cancel' to stop.")),
    commands=("/channel", "申报渠道", "怎么申报云岭工匠", "在哪里申报", "where to apply", "channel"),
    menu_order=210,
), CHANNEL)
CRAFTSMAN_RULES = Flow(
    name="craftsman_rules", title=N_("Yunling Craftsman: benefits and withdrawal"), states={}, enter=_rules, enter_to=(),
    commands=("/craftsman_rules", "云岭工匠待遇", "云岭工匠称号撤销", "craftsman benefits"), in_menu=False,
)

FLOWS = (CRAFTSMAN, CRAFTSMAN_CHANNEL, CRAFTSMAN_RULES)
