"""The applicant's side: "我的申报进度" (/status) shows one's own cases, each stage explained with what
comes next and its article, plus a personal link code for the clerk; subscriptions to reminders."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from handlers.cite import citations
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, choices_reply, finish, switch
from handlers.i18n import N_
from handlers.notifications import PROGRAMME_CHOICES, describe_case, fmt_date, programme_names
from handlers.services.cases import claim_paper_cases
from handlers.services.errors import ServiceError
from handlers.types import Reply
from knowledge.text import pseudonym
from storage import repo_cases as rc
from storage import repositories as repo

log = logging.getLogger(__name__)

LINK_CODE_TTL = timedelta(days=7)


def _status(ctx: Ctx) -> Outcome:
    _ = ctx._
    pid = ctx.person_id
    replies: list[Reply] = []
    cases = rc.cases_of_person(session=ctx.session, person_id=pid)
    if not cases:
        replies.append(Reply(text=_("You have no application registered with us yet. When your union opens a "
                                    "case for you, its progress will appear here.")))
        replies.append(Reply(text=_("Filed on paper, and your union gave you a claim code? Type 绑定申报 (or /claim) "
                                    "to make that application yours here.")))
    for case in cases:
        text, refs = describe_case(_, ctx.locale, case)
        replies.append(Reply(text=text, citations=citations(ctx.locale, refs)))
    code = rc.issue_link_code(session=ctx.session, person_id=pid, now=ctx.now, ttl=LINK_CODE_TTL)
    shown = rc.shown_code(code.code)
    until = fmt_date(ctx.locale, rc.expiry_day(code.expires_at, ctx.now.tzinfo))
    if cases:  # registered already: the code only matters for another application, said in one line
        replies.append(Reply(text=_("For another application, your personal link code is {code} (valid until "
                                    "{until}).", code=shown, until=until)))
    else:
        replies.append(Reply(text=_("Your personal link code: {code} (valid until {until}). Give it to your union "
                                    "clerk so they can register your application: the code is all they need, and "
                                    "it works once. ID and mobile numbers you enter in the application form are "
                                    "stored encrypted; only you and the clerks of the union you file with see them "
                                    "in full.", code=shown, until=until)))
    return finish(*replies)


def _ask_claim(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Please type the claim code your union gave you with the receipt of your paper "
                            "application (8 letters and digits, such as ABCD-2345)."))


def _on_claim(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    try:
        cases = claim_paper_cases(session=ctx.session, code=answer.text, person_id=ctx.person_id, now=ctx.now)
    except ServiceError as exc:
        log.warning("claim code refused for %s", pseudonym(ctx.incoming.channel, ctx.incoming.user_key))
        raise Invalid(exc.text(_)) from None
    replies = [Reply(text=_("Done: the application is now yours here. You will be told of every step; type /status "
                            "at any time to see where it stands."))]
    for case in cases:
        text, refs = describe_case(_, ctx.locale, case)
        replies.append(Reply(text=text, citations=citations(ctx.locale, refs)))
    return finish(*replies)


# An applicant who filed on paper: the union registered the case and gave them a claim code.
CLAIM = Flow(name="claim", title=N_("Claim a paper application"), start="code", in_menu=False,
             states={"code": State(prompt=_ask_claim, handle=_on_claim, free_text=True, to=())},
             commands=("/claim", "绑定申报", "认领申报", "申报码", "claim my application", "claim code"))


STATUS = Flow(name="status", title=N_("My application progress"), states={}, enter=_status, enter_to=(),
              commands=("/status", "我的申报进度", "申报进度", "我的申请", "my application", "application status"),
              menu_order=300)


def _ask_subscribe(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Which programme do you want reminders for?"),
                         [(k, ctx._(v)) for k, v in PROGRAMME_CHOICES.items()])


def _on_subscribe(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    key = answer.value or ""
    added = repo.subscribe(session=ctx.session, person_id=ctx.person_id, programme=key)
    title = _(PROGRAMME_CHOICES[key])
    done = (Reply(text=_("Subscribed: you will receive reminders for {programme}. Type 退订 or /unsubscribe to "
                         "stop.", programme=title)) if added else
            Reply(text=_("You were already subscribed to {programme}.", programme=title)))
    # Unions broadcast to their own prefecture: without one, the person hears only the province.
    return switch("area", done) if not ctx.person.prefecture else finish(done)


SUBSCRIBE = Flow(name="subscribe", title=N_("Subscribe to reminders"), start="programme",
                 states={"programme": State(prompt=_ask_subscribe, handle=_on_subscribe, to=("flow:area",))},
                 commands=("/subscribe", "订阅提醒", "订阅", "subscribe"), menu_order=700)


def _enter_unsubscribe(ctx: Ctx) -> Outcome | None:
    subs = repo.subscriptions_of(session=ctx.session, person_id=ctx.person_id)
    if not subs:
        return finish(Reply(text=ctx._("You have no reminder subscriptions.")))
    if len(subs) == 1 or _ALL.search(ctx.incoming.text or ""):  # nothing to choose ("全部退订", "stop all reminders")
        for key in subs:
            repo.unsubscribe(session=ctx.session, person_id=ctx.person_id, programme=key)
        return finish(Reply(text=ctx._("Unsubscribed from {programme}.",
                                       programme=programme_names(ctx._, ctx.locale, subs))))
    return None


_ALL = re.compile(r"全部|所有|都(?:不要|退|取消)|\ball\b|everything", re.IGNORECASE)


def _ask_unsubscribe(ctx: Ctx) -> Reply:
    subs = repo.subscriptions_of(session=ctx.session, person_id=ctx.person_id)
    return choices_reply(ctx._("Stop reminders for which programme?"),
                         [(k, ctx._(PROGRAMME_CHOICES.get(k, k))) for k in subs])


def _on_unsubscribe(ctx: Ctx, answer: Answer) -> Outcome:
    key = answer.value or ""
    repo.unsubscribe(session=ctx.session, person_id=ctx.person_id, programme=key)
    return finish(Reply(text=ctx._("Unsubscribed from {programme}.", programme=ctx._(PROGRAMME_CHOICES.get(key, key)))))


UNSUBSCRIBE = Flow(name="unsubscribe", title=N_("Stop reminders"), start="programme", enter=_enter_unsubscribe,
                   enter_to=(), states={"programme": State(prompt=_ask_unsubscribe, handle=_on_unsubscribe, to=())},
                   commands=("/unsubscribe", "退订", "取消订阅", "unsubscribe"), in_menu=False)
