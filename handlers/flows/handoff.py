"""Hand-off to a person: a ticket the person can follow, answered by clerks of the responsible unit.

Person side: "人工" / "转人工" / "human" (also offered when the FAQ abstains) -> describe the question ->
programme -> responsible union -> ticket number and the promised answer time. "我的工单" / "/mytickets"
lists their tickets to continue a thread or close it with a 1-5 rating.
Clerk side (role clerk, own unit only): "/tickets" / "工单" lists open tickets, claims one, answers it
(delivered through the outbox), marks it worth a FAQ entry, or closes it.
"""

from __future__ import annotations

import json
from functools import cache

from handlers.choices import HANDOFF_WORDS, normalize, number_of, word_forms
from handlers.fields import reads_as_question
from handlers.flow import (
    Answer,
    Ctx,
    Flow,
    Invalid,
    MenuGroup,
    Outcome,
    State,
    choices_reply,
    finish,
    goto,
    switch,
)
from handlers.flows.core import keep_area
from handlers.i18n import N_
from handlers.own_words import meaning
from handlers.routing import RETURN
from handlers.services import tickets as service
from handlers.services.errors import ServiceError
from handlers.services.tickets import age, requester, ticket_no
from handlers.types import Choice, Reply
from knowledge.facts.extract import programme_named
from knowledge.places import PROVINCIAL_UNION, Place
from storage import repo_tickets as tickets
from storage.models import Person
from storage.models_tickets import Ticket

PROGRAMMES = (
    ("craftsman", N_("Yunling Craftsman")),
    ("studio", N_("Worker innovation studio")),
    ("station", N_("Technician workstation")),
    ("training", N_("Skills training")),
    ("other", N_("Something else")),
)


def _parse_no(text: str) -> int | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else None


# -- person: open a ticket ----------------------------------------------------------------------------
def _ask_question(ctx: Ctx) -> Reply:
    _ = ctx._
    last = _last_question(ctx)
    shown = last if len(last) <= 60 else last[:59] + "…"  # a label, not the whole message
    options = [("last", _("Send my last question: {q}", q=shown))] if last else []
    return choices_reply(_("I will pass your question to a union clerk. Please describe it in one message "
                           "(no ID numbers needed)."), options)


@cache
def _command_words() -> frozenset[str]:
    """Words that are commands, not questions: global words, and the words that open flows and submenus."""
    from handlers.dispatch import GLOBAL_COMMANDS
    from handlers.flows import FLOWS, MENU

    words = [w for ws in GLOBAL_COMMANDS.values() for w in ws]
    words += [w for f in FLOWS for w in f.commands]
    words += [w for g in MENU if isinstance(g, MenuGroup) for w in g.commands]
    return frozenset(normalize(w) for w in words)


def _last_question(ctx: Ctx) -> str:
    """The person's last message that reads like a question: never a command (also wrapped in polite words,
    "please show my tickets"), a menu word or a number. Asked for in the middle of a step (a call), the last
    messages are answers to it ("昆明技师学院"): only one that asks something."""
    in_step = RETURN in ctx.data
    for text in reversed(ctx.recent):
        word = normalize(text)
        if (len(word) < 4 or any(k in _command_words() for k in word_forms(text)) or word.startswith("/")
                or number_of(word) is not None or word.isdigit() or meaning(text) is not None
                or (in_step and not reads_as_question(text))):
            continue
        return text
    return ""


def _on_question(ctx: Ctx, a: Answer) -> Outcome:
    _ = ctx._
    text = _last_question(ctx) if a.value == "last" else a.text
    try:
        ctx.data["question"] = service.clean_question(text)
    except ServiceError as exc:
        raise Invalid(exc.text(_)) from None
    if (programme := _programme_known(ctx, text)) is not None:  # not asked again what the person just said
        return _on_programme(ctx, Answer(text="", choice=Choice(programme, programme)))
    return goto("programme")


def _programme_known(ctx: Ctx, question: str) -> str | None:
    """The programme the ticket is about when it is plain: the check or form "人工" was typed in (a call from its
    step), else the one programme the question names."""
    caller = ctx.data.get(RETURN)
    flow = str(caller.get("flow", "")) if isinstance(caller, dict) else ""
    known = {key for key, _label in PROGRAMMES if key != "other"}
    in_flow = next((key for key in known if key in flow), None)
    named = programme_named(question)
    return in_flow or (named if named in known else None)


def _ask_programme(ctx: Ctx) -> Reply:
    _ = ctx._
    return choices_reply(_("Which programme is it about?"), [(k, _(label)) for k, label in PROGRAMMES])


def _on_programme(ctx: Ctx, a: Answer) -> Outcome:
    ctx.data["programme"] = a.value
    if ctx.clerk_unit:  # a union's clerk asks the office above, not their own desk (where they would answer it)
        ctx.data["unit"] = PROVINCIAL_UNION
        return _create(ctx)
    if ctx.person.prefecture:
        ctx.data["unit"] = Place(ctx.person.prefecture).union
        return _create(ctx)
    return goto("unit")


def _ask_unit(ctx: Ctx) -> Reply:
    _ = ctx._
    return Reply(text=_("Which prefecture or city in Yunnan do you work in (e.g. 昆明市, 大理州)? The union there "
                        "will answer. Reply 'not sure' and the provincial federation will route it."))


def _on_unit(ctx: Ctx, a: Answer) -> Outcome:
    _ = ctx._
    text = a.text.strip()
    if text.lower() in ("not sure", "不清楚", "不知道", "不确定", "省总", "省总工会"):
        ctx.data["unit"] = PROVINCIAL_UNION
        return _create(ctx)
    ctx.data["unit"] = keep_area(ctx, text).prefecture_union
    return _create(ctx)


def _create(ctx: Ctx) -> Outcome:
    _ = ctx._
    ticket = service.open_ticket(ctx.session, person_id=ctx.person_id, unit=ctx.data["unit"],
                                 programme=ctx.data.get("programme", "other"), question=ctx.data["question"],
                                 recent=list(ctx.recent), now=ctx.now,
                                 promise_hours=ctx.settings.handoff_promise_hours)
    return finish(Reply(text=_(
        "Your ticket {no} has been sent to {unit}. A clerk will answer within {hours} hours on working days; "
        "the answer will reach you here. Type 'my tickets' to follow it.",
        no=ticket_no(ticket), unit=ticket.unit, hours=ctx.settings.handoff_promise_hours)))


HANDOFF = Flow(
    name="handoff", title=N_("Talk to a person"), start="question",
    states={
        "question": State(_ask_question, _on_question, free_text=True, prose=True, to=("programme", "unit")),
        "programme": State(_ask_programme, _on_programme, to=("unit",)),
        "unit": State(_ask_unit, _on_unit, free_text=True, to=()),
    },
    commands=HANDOFF_WORDS, menu_order=700,
)


# -- person: follow own tickets -----------------------------------------------------------------------
def _mine_enter(ctx: Ctx) -> Outcome | None:
    _ = ctx._
    mine = tickets.tickets_of_person(session=ctx.session, person_id=ctx.person_id)
    if not mine and ctx.clerk_unit and ctx.has_flow("tickets") and \
            tickets.tickets_of_unit(session=ctx.session, unit=ctx.clerk_unit):
        # A clerk who asked nothing themselves means their desk by "我的工单": the unit's queue.
        return switch("tickets", Reply(text=_("You have asked nothing yourself; here are the open tickets of "
                                              "{unit}.", unit=ctx.clerk_unit)))
    if not mine:
        return finish(Reply(text=_("You have no open tickets. Type 'human' to ask a union clerk."),
                            choices=(Choice("flow:handoff", _("Talk to a person")),)))
    return None


def _ask_pick_mine(ctx: Ctx) -> Reply:
    _ = ctx._
    mine = tickets.tickets_of_person(session=ctx.session, person_id=ctx.person_id)
    return Reply(text=_("Your tickets:"), choices=tuple(
        Choice(str(t.id), f"{ticket_no(t)} · {_(STATUS_LABELS[t.status])} · {t.question[:30]}") for t in mine))


def _own_ticket(ctx: Ctx) -> Ticket:
    try:
        return service.ticket_of_person(ctx.session, ticket_id=int(ctx.data["ticket"]), person_id=ctx.person_id)
    except ServiceError as exc:
        raise Invalid(exc.text(ctx._)) from None


def _on_pick_mine(ctx: Ctx, a: Answer) -> Outcome:
    ctx.data["ticket"] = a.value
    return goto("mine_action")


def _ask_mine_action(ctx: Ctx) -> Reply:
    _ = ctx._
    t = _own_ticket(ctx)
    lines = [f"{ticket_no(t)} · {t.unit} · {_(STATUS_LABELS[t.status])}"]
    for m in tickets.thread(session=ctx.session, ticket_id=t.id or 0):
        who = _("You") if m.author == "person" else _("Clerk")
        lines.append(f"{who}: {m.text}")
    return choices_reply("\n".join(lines), [("reply", _("Add a message")), ("close", _("Close and rate")),
                                            ("back", _("Back"))])


def _on_mine_action(ctx: Ctx, a: Answer) -> Outcome:
    if a.value == "reply":
        return goto("mine_reply")
    if a.value == "close":
        return goto("rate")
    return finish(Reply(text=ctx._("OK.")))


def _ask_mine_reply(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Type your message for the clerk."))


def _on_mine_reply(ctx: Ctx, a: Answer) -> Outcome:
    _ = ctx._
    t = _own_ticket(ctx)
    try:
        service.add_person_message(ctx.session, ticket=t, person_id=ctx.person_id, text=a.text, now=ctx.now)
    except ServiceError as exc:
        raise Invalid(exc.text(_)) from None
    return finish(Reply(text=_("Added to ticket {no}. The clerk will see it.", no=ticket_no(t))))


def _ask_rate(ctx: Ctx) -> Reply:
    _ = ctx._
    return choices_reply(_("How satisfied are you with the answer? (5 = very satisfied)"),
                         [(str(n), "★" * n) for n in range(1, 6)])  # option number = rating


def _on_rate(ctx: Ctx, a: Answer) -> Outcome:
    _ = ctx._
    t = _own_ticket(ctx)
    service.rate_and_close(ctx.session, ticket=t, person_id=ctx.person_id, rating=int(a.value or 0), now=ctx.now)
    return finish(Reply(text=_("Thank you. Ticket {no} is closed.", no=ticket_no(t))))


MY_TICKETS = Flow(
    name="mytickets", title=N_("My tickets"), start="pick", enter=_mine_enter, enter_to=("flow:tickets",),
    states={
        "pick": State(_ask_pick_mine, _on_pick_mine, to=("mine_action",)),
        "mine_action": State(_ask_mine_action, _on_mine_action, to=("mine_reply", "rate")),
        "mine_reply": State(_ask_mine_reply, _on_mine_reply, free_text=True, prose=True, to=()),
        "rate": State(_ask_rate, _on_rate, to=()),
    },
    commands=("我的工单", "/mytickets", "my tickets", "工单进度"), menu_order=710,
)

STATUS_LABELS = {"open": N_("waiting"), "claimed": N_("being handled"), "answered": N_("answered"),
                 "closed": N_("closed")}


# -- clerk: the unit's queue --------------------------------------------------------------------------
def _queue_enter(ctx: Ctx) -> Outcome | None:
    _ = ctx._
    if not tickets.tickets_of_unit(session=ctx.session, unit=ctx.clerk_unit):
        return finish(Reply(text=_("No open tickets for {unit}.", unit=ctx.clerk_unit)))
    return None


def _ask_queue(ctx: Ctx) -> Reply:
    _ = ctx._
    rows = tickets.tickets_of_unit(session=ctx.session, unit=ctx.clerk_unit)  # soonest due first
    labels = []
    for t in rows:
        due = t.due_at.astimezone(ctx.now.tzinfo)
        when = _("overdue since {due}", due=f"{due:%m-%d %H:%M}") if t.due_at < ctx.now else \
            _("due {due}", due=f"{due:%m-%d %H:%M}")
        labels.append((str(t.id), _("{no} · {status} · {when} · asked {age} ago by {who} · {question}",
                                     no=ticket_no(t), status=_(STATUS_LABELS[t.status]), when=when,
                                     age=age(ctx.now - t.created_at, ctx.locale), who=requester(ctx.session, t),
                                     question=t.question[:30])))
    return Reply(text=_("Open tickets of {unit} (soonest due first):", unit=ctx.clerk_unit),
                 choices=tuple(Choice(v, lab) for v, lab in labels))


def _unit_ticket(ctx: Ctx) -> Ticket:
    try:
        return service.ticket_of_unit(ctx.session, ticket_id=int(ctx.data["ticket"]), unit=ctx.clerk_unit)
    except ServiceError as exc:
        raise Invalid(exc.text(ctx._)) from None


def _on_queue(ctx: Ctx, a: Answer) -> Outcome:
    ctx.data["ticket"] = a.value
    return goto("ticket")


def _ask_ticket(ctx: Ctx) -> Reply:
    _ = ctx._
    t = _unit_ticket(ctx)
    owner = ctx.session.get(Person, t.person_id)
    lines = [_("Ticket {no} · {programme} · due {due}", no=ticket_no(t),
               programme=_(dict(PROGRAMMES).get(t.programme, t.programme)),
               due=t.due_at.astimezone(ctx.now.tzinfo).strftime("%Y-%m-%d %H:%M")),
             _("Recent conversation (masked): {recent}", recent=" / ".join(json.loads(t.context or "[]")))]
    for m in tickets.thread(session=ctx.session, ticket_id=t.id or 0):
        who = (owner.display_name if owner and owner.display_name else _("Person")) if m.author == "person" \
            else _("Clerk")
        lines.append(f"{who}: {m.text}")
    return choices_reply("\n".join(lines), [("answer", _("Claim and answer")), ("faq", _("Mark worth a FAQ entry")),
                                            ("close", _("Close")), ("back", _("Back to the list"))])


def _on_ticket(ctx: Ctx, a: Answer) -> Outcome:
    _ = ctx._
    t = _unit_ticket(ctx)
    if a.value == "answer":
        service.claim(ctx.session, ticket=t, clerk_id=ctx.person_id)
        return goto("answer")
    if a.value == "faq":
        service.mark_faq(ctx.session, ticket=t, clerk_id=ctx.person_id)
        return goto("ticket", Reply(text=_("Marked: it will appear in the FAQ review list.")))
    if a.value == "close":
        if not service.answered(ctx.session, t):  # closed unanswered by a slip, the question would be lost
            return goto("confirm_close")
        return _close(ctx, t)
    return goto("queue")


def _close(ctx: Ctx, t: Ticket) -> Outcome:
    service.close(ctx.session, ticket=t, clerk_id=ctx.person_id, now=ctx.now)
    return finish(Reply(text=ctx._("Ticket {no} closed; the person has been told.", no=ticket_no(t))))


def _ask_confirm_close(ctx: Ctx) -> Reply:
    _ = ctx._
    t = _unit_ticket(ctx)
    return choices_reply(_("Ticket {no} has no answer yet. Close it anyway? The person is told it was closed.",
                           no=ticket_no(t)),
                         [("answer", _("Claim and answer")), ("close", _("Close it unanswered")),
                          ("back", _("Back to the list"))])


def _on_confirm_close(ctx: Ctx, a: Answer) -> Outcome:
    t = _unit_ticket(ctx)
    if a.value == "answer":
        service.claim(ctx.session, ticket=t, clerk_id=ctx.person_id)
        return goto("answer")
    if a.value == "close":
        return _close(ctx, t)
    return goto("queue")


def _ask_answer(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Type your answer to the person (it is sent as is; do not include ID numbers)."))


def _on_answer(ctx: Ctx, a: Answer) -> Outcome:
    _ = ctx._
    t = _unit_ticket(ctx)
    try:
        service.answer(ctx.session, ticket=t, clerk_id=ctx.person_id, text=a.text, now=ctx.now)
    except ServiceError as exc:
        raise Invalid(exc.text(_)) from None
    return finish(Reply(text=_("Answer sent to the person of ticket {no}.", no=ticket_no(t))))


TICKETS = Flow(
    name="tickets", title=N_("Tickets (clerks)"), start="queue", enter=_queue_enter, enter_to=(), roles=frozenset({"clerk"}),
    states={
        "queue": State(_ask_queue, _on_queue, to=("ticket",)),
        "ticket": State(_ask_ticket, _on_ticket, to=("answer", "queue", "confirm_close")),
        "confirm_close": State(_ask_confirm_close, _on_confirm_close, to=("answer", "queue")),
        "answer": State(_ask_answer, _on_answer, free_text=True, prose=True, to=()),
    },
    commands=("/tickets", "工单", "工单列表", "tickets"), menu_order=720,
)


__all__ = ["HANDOFF", "MY_TICKETS", "TICKETS"]
