"""The clerk's case desk ("申报管理", /cases): list the unit's cases, open one for an applicant identified
by the personal link code their /status shows, move a case to its next stage, set the 公示 dates, or close
it (not accepted / withdrawn / disqualified) with a reason. A clerk sees and changes only cases of the unit
they act for; every change is recorded, audited and notified (see :mod:`handlers.notifications`)."""

from __future__ import annotations

import logging
import re
from datetime import date

from handlers import dates
from handlers.choices import normalize
from handlers.fields import BACK
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, choices_reply, finish, goto
from handlers.i18n import N_
from handlers.notifications import describe_case, fmt_date
from handlers.services.cases import (
    CaseRuleError,
    advance_case,
    change_case,
    may_change,
    may_record,
    notice_running,
    open_case_for_code,
    open_paper_case,
    set_publicity,
)
from handlers.services.errors import ServiceError
from handlers.types import Reply
from knowledge.places import PROVINCIAL_UNION
from knowledge.rules import case_stages as cs
from knowledge.text import pseudonym
from knowledge.workdays import missing_year
from storage import repo_cases as rc
from storage.models_cases import Case

log = logging.getLogger(__name__)


def parse_day(text: str, today: date) -> date | None:
    return dates.parse_day(text, today)


LISTED = 30  # cases listed in a chat message

def _scope(ctx: Ctx) -> str | None:
    """The unit whose cases the clerk sees; None for the provincial federation's clerks, who see every unit's
    (as in the web console)."""
    return None if ctx.clerk_unit == PROVINCIAL_UNION else ctx.clerk_unit


def _case(ctx: Ctx) -> Case | None:
    return rc.case_for_unit(session=ctx.session, case_id=int(ctx.data.get("case_id", 0)), unit=_scope(ctx))


def _fail(ctx: Ctx, exc: Exception) -> Outcome:
    """A change refused: said, then the case's actions again (or the menu, with no case), never a dead end."""
    if isinstance(exc, ServiceError):
        said = Reply(text=exc.text(ctx._))
    else:
        said = Reply(text=ctx._("This case was changed by someone else meanwhile; please look at it again."))
    return goto("action", said) if _case(ctx) is not None else goto("menu", said)


def _gone(ctx: Ctx) -> Outcome:
    return goto("menu", Reply(text=ctx._("This case is no longer available.")))


# -- menu ------------------------------------------------------------------------------------------
def _ask_menu(ctx: Ctx) -> Reply:
    _ = ctx._
    return choices_reply(_("Cases of {unit}: what would you like to do?", unit=ctx.clerk_unit),
                         [("list", _("List the cases")), ("new", _("Register a new case")),
                          ("act", _("Update a case"))])


def _on_menu(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    if answer.value == "new":
        return goto("code")
    if answer.value == "act":
        return goto("case")
    cases = rc.cases_of_unit(session=ctx.session, unit=_scope(ctx))
    if not cases:
        return finish(Reply(text=_("No cases registered for {unit} yet.", unit=ctx.clerk_unit)))
    lines = [_("Cases of {unit}:", unit=ctx.clerk_unit) if _scope(ctx) else _("Cases of every unit:")]
    lines += [_line(ctx, c) for c in cases[-LISTED:]]
    if len(cases) > LISTED:  # a chat message is no register: the console's board holds them all
        lines.append(_("… the {n} most recent of {total}; every case is on the web console's board (后台).",
                       n=LISTED, total=len(cases)))
    return finish(Reply(text="\n".join(lines)))


def _line(ctx: Ctx, c: Case, numbered: bool = True) -> str:
    _ = ctx._
    where = _(cs.OUTCOME_TITLES[c.outcome]) if c.outcome else _(cs.stage(c.programme, c.stage).title)
    if not c.outcome and c.stage == "publicity" and c.publicity_end:
        where += " " + _("(until {end})", end=fmt_date(ctx.locale, c.publicity_end))
    unit = f" · {c.unit}" if _scope(ctx) is None else ""  # the provincial federation's list spans every unit
    return f"{f'#{c.id} ' if numbered else ''}{c.title} · {_(cs.PROGRAMME_TITLES[c.programme])} · {where}{unit}"


# -- new case --------------------------------------------------------------------------------------
def _ask_code(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Enter the applicant's personal link code (they see it when they type /status in "
                               "the assistant)."), [("paper", ctx._("No code: the application was filed on paper"))])


# "No code" typed rather than tapped: an applicant who filed on paper and never used the assistant.
_NO_CODE = frozenset({"paper", "on paper", "no code", "none", "纸质", "纸质申报", "纸质的", "没有码", "没有代码", "没有", "无"})


def _on_code(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data.pop("paper", None)
    if answer.value == "paper" or normalize(answer.text) in _NO_CODE:
        ctx.data["paper"] = True
        return goto("programme")
    code = rc.normalize_code(answer.text)
    if len(code) != rc.CODE_LENGTH or rc.peek_link_code(session=ctx.session, code=code, now=ctx.now) is None:
        log.warning("clerk %s entered an invalid link code", pseudonym(ctx.incoming.channel, ctx.incoming.user_key))
        raise Invalid(ctx._("This code is not valid (mistyped, used or expired). Ask the applicant to type "
                            "/status for a fresh one."))
    ctx.data["code"] = code
    return goto("programme")


def _ask_programme(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Which programme is the application for?"),
                         [(k, ctx._(v)) for k, v in cs.PROGRAMME_TITLES.items()])


def _on_programme(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["programme"] = answer.value
    return goto("title")


def _ask_title(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("The name of the applicant, or of the studio / workstation:"))


def _on_title(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    title = answer.text.strip()
    if not 2 <= len(title) <= 120:
        raise Invalid(_("Please enter a name of 2 to 120 characters."))
    if ctx.data.get("paper"):
        try:
            case, code, until = open_paper_case(session=ctx.session, programme=ctx.data["programme"], title=title,
                                                unit=ctx.clerk_unit, actor_id=ctx.person_id, now=ctx.now)
        except ServiceError as exc:
            return _fail(ctx, exc)
        return finish(Reply(text=_(
            "Case #{id} registered: {line}. It was filed on paper, so nobody is told of its steps yet. Give the "
            "applicant this claim code with the receipt: {code} (valid until {until}). In the assistant they type "
            "绑定申报 (or /claim) and then the code: the case becomes theirs, and from then on they are told of every step.", id=case.id,
            line=_line(ctx, case, numbered=False), code=rc.shown_code(code),
            until=fmt_date(ctx.locale, rc.expiry_day(until, ctx.now.tzinfo)))))
    try:
        case = open_case_for_code(session=ctx.session, code=ctx.data.get("code", ""), programme=ctx.data["programme"],
                                  title=title, unit=ctx.clerk_unit, actor_id=ctx.person_id, now=ctx.now)
    except ServiceError as exc:
        return _fail(ctx, exc)
    return finish(Reply(text=_("Case #{id} registered: {line}. The applicant has been notified.", id=case.id,
                               line=_line(ctx, case, numbered=False))))


# -- update a case ---------------------------------------------------------------------------------
def _ask_case(ctx: Ctx) -> Reply:
    # Listed as text, not as numbered choices: a typed "3" must mean case #3, not the third option.
    _ = ctx._
    open_cases = rc.cases_of_unit(session=ctx.session, unit=_scope(ctx), open_only=True)[-10:]
    lines = [_("Which case? Type its number (e.g. 12).")] + [_line(ctx, c) for c in open_cases]
    closed = [c for c in rc.cases_of_unit(session=ctx.session, unit=_scope(ctx)) if c.outcome][-10:]
    if closed:  # a case closed by mistake is opened again from its own page
        lines.append(_("Closed: {cases} (type one's number to see it or open it again).",
                       cases=_("、").join(f"#{c.id}" for c in closed)))
    return Reply(text="\n".join(lines))


def _on_case(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    digits = re.sub(r"\D", "", answer.text)
    if not digits:
        raise Invalid(_("Please type the case number, e.g. 12."))
    number = int(digits[:9])
    case = rc.case_for_unit(session=ctx.session, case_id=number, unit=_scope(ctx))
    if case is None:
        log.warning("clerk %s asked for case %s outside their unit or missing",
                    pseudonym(ctx.incoming.channel, ctx.incoming.user_key), number)
        raise Invalid(_("There is no case #{id} in {unit}.", id=number, unit=ctx.clerk_unit))
    ctx.data["case_id"] = case.id
    return goto("action")


# The provincial federation's stages, seen by a recommending union's clerk (第十一条, 第十四条), by article.
_FOLLOW_ONLY = {
    11: N_("This case is at the provincial federation's stages: its leading group's office records them "
           "(article 11). You can follow it here."),
    14: N_("This case is at the provincial federation's stages: its leading group's office records them "
           "(article 14). You can follow it here."),
}
# What a recommending union does when its preliminary review passes (a trial's clerk: "it passed the first
# review, how do i mark that?"): the federation records the re-check, so the union sends the case up.
_SENT_UP = {
    11: N_("Passed your preliminary review? Then there is nothing more to record here: fill in and stamp 附件1 "
           "(the recommendation letter, article 10) and send it up with the application; the leading group's office "
           "at the provincial federation re-checks it and records the stages from there (article 11). Not passed: "
           "choose “Not accepted”."),
    14: N_("Passed your preliminary review? Then there is nothing more to record here: fill in the preliminary "
           "review opinion on the application form and send it up; the leading group's office at the provincial "
           "federation re-checks it and records the stages from there (article 14). Not passed: choose “Not "
           "accepted”."),
}


def _ask_action(ctx: Ctx) -> Reply:
    _ = ctx._
    case = _case(ctx)
    assert case is not None
    text, _refs = describe_case(_, ctx.locale, case)
    options: list[tuple[str, str]] = []
    nxt = None if case.outcome else cs.next_stage(case.programme, case.stage)
    if not may_change(case, ctx.clerk_unit):  # the provincial federation's stages (第十一条, 第十四条)
        text += "\n\n" + _(_FOLLOW_ONLY[cs.REVIEW_ARTICLE[case.programme]])
        return choices_reply(text, [("history", _("Show the history"))])
    if nxt is not None and not may_record(nxt.key, ctx.clerk_unit):
        nxt = None  # recommended up: the re-check is recorded by the provincial federation
        text += "\n\n" + _(_SENT_UP[cs.REVIEW_ARTICLE[case.programme]])
    # While the 公示 runs the next stage is not offered; the screen says why (第十六条, 第十七条).
    running = notice_running(case, ctx.now.date()) if nxt is not None and case.stage == "publicity" else None
    if running is not None:
        text += "\n\n" + running.text(_)
    elif nxt is not None:
        options.append((f"move:{nxt.key}", _("Move to: {stage}", stage=_(nxt.title))))
    if not case.outcome:
        if case.stage == "publicity":
            options.append(("dates", _("Change the public notice dates")))
            options.append(("disqualified", _("Disqualify (objection upheld)")))
        options += [("rejected", _("Not accepted")), ("withdrawn", _("Withdrawn by the applicant"))]
        if (before := cs.previous_stage(case.programme, case.stage)) is not None:
            options.append(("back", _("Back to: {stage} (moved on by mistake)", stage=_(before.title))))
    else:
        options.append(("reopen", _("Open it again (closed by mistake)")))
    options.append(("history", _("Show the history")))
    return choices_reply(text + "\n\n" + _("What do you want to do?"), options)


def _on_action(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    case = _case(ctx)
    value = answer.value or ""
    if case is None:
        return _gone(ctx)
    if value == "history":
        lines = [_("History of case #{id}:", id=case.id)]
        for e in rc.events_of(session=ctx.session, case_id=case.id or 0):
            when = fmt_date(ctx.locale, rc.as_utc(e.created_at).astimezone(ctx.now.tzinfo).date())
            what = _(cs.EVENT_TITLES.get(e.action, e.action))
            moved = f"{_stage_title(ctx, case, e.from_stage)} → {_stage_title(ctx, case, e.to_stage)}" \
                if e.from_stage and e.from_stage != e.to_stage else _stage_title(ctx, case, e.to_stage)
            lines.append(f"{when} · {what} · {moved}" + (f" · {e.reason}" if e.reason else ""))
        return finish(Reply(text="\n".join(lines)))
    ctx.data["action"] = value
    if value in ("move:publicity", "dates"):
        return goto("pub_date")
    if value.startswith("move:"):
        if case.stage == "publicity" and (running := notice_running(case, ctx.now.date())) is not None:
            return goto("action", Reply(text=running.text(_)))  # refused before the confirmation is asked
        return goto("confirm_move")  # the applicant is notified at once: a slip of the finger is asked about
    return goto("reason")




def _stage_title(ctx: Ctx, case: Case, key: str) -> str:
    """A stage's or an outcome's title in the clerk's language (the key itself when unknown)."""
    if key in cs.OUTCOME_TITLES:
        return ctx._(cs.OUTCOME_TITLES[key])
    try:
        return ctx._(cs.stage(case.programme, key).title)
    except KeyError:
        return key


def _ask_confirm_move(ctx: Ctx) -> Reply:
    _ = ctx._
    case = _case(ctx)
    assert case is not None
    target = str(ctx.data.get("action", ""))[5:]
    return choices_reply(_("Move {line} to “{stage}”? The applicant is notified at once.", line=_line(ctx, case),
                           stage=_stage_title(ctx, case, target)),
                         [("yes", _("Yes, move it")), ("no", _("No, leave it as it is"))])


def _on_confirm_move(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    case = _case(ctx)
    if case is None:
        return _gone(ctx)
    if answer.value != "yes":
        return goto("action", Reply(text=_("Nothing was changed.")))
    try:
        advance_case(session=ctx.session, case=case, to_stage=str(ctx.data.get("action", ""))[5:],
                     actor_id=ctx.person_id, reason="", now=ctx.now, by_unit=ctx.clerk_unit)
    except (CaseRuleError, rc.CaseConflict) as exc:
        return _fail(ctx, exc)
    return finish(Reply(text=_("Done: {line}. The applicant has been notified.", line=_line(ctx, case))))


def _ask_reason(ctx: Ctx) -> Reply:
    if ctx.data.get("action") == "reopen":
        return Reply(text=ctx._("Why is it opened again? The applicant will see it (e.g. closed by a slip of the finger)."))
    if ctx.data.get("action") == "back":
        return Reply(text=ctx._("Why is it moved back? The applicant will see it (e.g. moved on by a slip of the finger)."))
    return Reply(text=ctx._("Please give the reason (the applicant will see it):"))


def _on_reason(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    # "返回" is no reason: nothing changed, the actions again. Only the word itself: "点错了，材料还在初审" is a
    # reason (the form's "我刚才选错了" reads as back).
    if normalize(answer.text) in BACK:
        return goto("action")
    reason = answer.text.strip()
    if len(reason) < 2:
        raise Invalid(_("Please give a reason; the applicant will see it."))
    case = _case(ctx)
    if case is None:
        return _gone(ctx)
    try:
        change_case(session=ctx.session, case=case, change=str(ctx.data.get("action", "")), reason=reason[:500],
                    actor_id=ctx.person_id, now=ctx.now, by_unit=ctx.clerk_unit)
    except (CaseRuleError, rc.CaseConflict) as exc:
        return _fail(ctx, exc)
    return finish(Reply(text=_("Done: {line}. The applicant has been notified.", line=_line(ctx, case))))


def _ask_pub_date(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("First day of the public notice (e.g. 2026-04-01, or 'today')? The end is computed as "
                            "5 working days, holidays skipped."))


def _on_pub_date(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    start = parse_day(answer.text, ctx.now.date())
    if start is None:
        raise Invalid(_("Please enter a date such as 2026-04-01."))
    case = _case(ctx)
    if case is None:
        return _gone(ctx)
    try:
        if ctx.data.get("action") == "dates":
            set_publicity(session=ctx.session, case=case, start=start, actor_id=ctx.person_id, now=ctx.now,
                          by_unit=ctx.clerk_unit)
        else:
            advance_case(session=ctx.session, case=case, to_stage="publicity", actor_id=ctx.person_id, reason="",
                         now=ctx.now, publicity_start=start, by_unit=ctx.clerk_unit)
    except (CaseRuleError, rc.CaseConflict) as exc:
        return _fail(ctx, exc)
    if case.publicity_end is None:  # the year's holiday calendar is not published: no end made up
        return finish(Reply(text=_("Public notice of case #{id}: from {start}, 5 working days; its last day will be "
                                   "known when the official holiday calendar of {year} is published. The applicant "
                                   "has been notified.", id=case.id, start=fmt_date(ctx.locale, start),
                                   year=missing_year(start, cs.PUBLICITY_WORKDAYS) or start.year)))
    return finish(Reply(text=_("Public notice of case #{id}: from {start} to {end}. The applicant has been notified.",
                               id=case.id, start=fmt_date(ctx.locale, start),
                               end=fmt_date(ctx.locale, case.publicity_end))))


CLERK_CASES = Flow(
    name="cases", title=N_("Case desk (clerks)"), start="menu", roles=frozenset({"clerk"}),
    states={
        "menu": State(prompt=_ask_menu, handle=_on_menu, to=("code", "case")),
        "code": State(prompt=_ask_code, handle=_on_code, free_text=True, to=("programme",)),
        "programme": State(prompt=_ask_programme, handle=_on_programme, to=("title",)),
        "title": State(prompt=_ask_title, handle=_on_title, free_text=True, to=("menu",)),
        "case": State(prompt=_ask_case, handle=_on_case, free_text=True, to=("action",)),
        "action": State(prompt=_ask_action, handle=_on_action, to=("pub_date", "reason", "confirm_move", "menu")),
        "confirm_move": State(prompt=_ask_confirm_move, handle=_on_confirm_move, to=("action", "menu")),
        "reason": State(prompt=_ask_reason, handle=_on_reason, free_text=True, prose=True, to=("action", "menu")),
        "pub_date": State(prompt=_ask_pub_date, handle=_on_pub_date, free_text=True, to=("action", "menu")),
    },
    commands=("/cases", "申报管理", "案件管理", "case desk"), menu_order=500,
)
