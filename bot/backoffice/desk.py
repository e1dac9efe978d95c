"""Console pages that act: the ticket queue and a ticket (claim, answer, mark for the FAQ, close), the case
board per measure and a case (history, move to the next stage with the applicant notified)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from bot.backoffice.core import Missing, Page, Redirect, View, url
from handlers.i18n import N_
from handlers.services import console_actions as act
from knowledge.rules import case_stages as cs
from storage import repo_cases as rc
from storage import repo_console_views as q
from storage import repo_tickets as tickets
from storage.models_cases import Case
from storage.models_tickets import Ticket

STATUS_LABELS = {"open": N_("waiting"), "claimed": N_("being handled"), "answered": N_("answered"),
                 "closed": N_("closed")}
DONE = {"claimed": N_("You have claimed this ticket."), "answered": N_("Your answer is on its way to the person."),
        "closed": N_("The ticket is closed."), "faq": N_("Marked: it will appear in the FAQ review list."),
        "moved": N_("Done. The applicant has been notified.")}


def ticket_queue(v: View) -> Page:
    rows = q.ticket_queue(session=v.session, unit=v.clerk.scope)
    waiting, overdue = q.ticket_counts(session=v.session, unit=v.clerk.scope, now=v.now)
    return Page("tickets.html", {"rows": rows, "waiting": waiting, "overdue": overdue, "labels": STATUS_LABELS,
                                 "no": act.ticket_no,
                                 "now": v.now, "tz": v.tz, "tab": "tickets"})


def _ticket(v: View) -> Ticket:
    t = act.ticket_for(v.session, clerk=v.clerk, ticket_id=v.int_param("ticket_id"))
    if t is None:
        raise Missing("ticket")
    return t


def ticket(v: View, *, error: str = "", params: dict[str, object] | None = None, status: int = 200) -> Page:
    t = _ticket(v)
    names = q.person_names(session=v.session, ids={t.person_id})
    v.audit = ("console.view", f"ticket:{t.id}")
    return Page("ticket.html", {"t": t, "no": act.ticket_no(t), "who": names.get(t.person_id, ""),
                                "thread": tickets.thread(session=v.session, ticket_id=t.id or 0),
                                "context": json.loads(t.context or "[]"), "labels": STATUS_LABELS,
                                "done": DONE.get(v.query.get("done", ""), ""), "error": error,
                                "error_params": params or {}, "tz": v.tz, "draft": v.form.get("text", ""),
                                "tab": "tickets"}, status=status)


def ticket_action(v: View) -> Page | Redirect:
    t = _ticket(v)
    what = v.params.get("action", "")
    try:
        if what == "claim":
            act.claim(v.session, clerk=v.clerk, ticket=t)
            done = "claimed"
        elif what == "answer":
            act.answer(v.session, clerk=v.clerk, ticket=t, text=v.form.get("text", ""), now=v.now)
            done = "answered"
        elif what == "close":
            act.close(v.session, clerk=v.clerk, ticket=t, now=v.now)
            done = "closed"
        elif what == "faq":
            act.mark_faq(v.session, clerk=v.clerk, ticket=t)
            done = "faq"
        else:
            raise Missing(what)
    except act.ActionRefused as exc:
        return ticket(v, error=exc.message, params=exc.params, status=400)
    v.audit = ("console.ticket." + what, act.ticket_no(t))
    return Redirect(url(f"/tickets/{t.id}", done=done))


def case_board(v: View) -> Page:
    programme = v.query.get("programme", "craftsman")
    if programme not in cs.PROGRAMMES:
        programme = "craftsman"
    counts = q.stage_counts(session=v.session, unit=v.clerk.scope, programme=programme)
    cards = q.board(session=v.session, unit=v.clerk.scope, programme=programme)
    columns = [(st, counts.get(st.key, 0), [c for c in cards if c.stage == st.key]) for st in cs.stages(programme)]
    return Page("cases.html", {"programme": programme, "programmes": cs.PROGRAMME_TITLES, "columns": columns,
                               "closed": q.closed_count(session=v.session, unit=v.clerk.scope, programme=programme),
                               "tab": "cases"})


def _case(v: View) -> Case:
    case = act.case_for(v.session, clerk=v.clerk, case_id=v.int_param("case_id"))
    if case is None:
        raise Missing("case")
    return case


def case(v: View, *, error: str = "", params: dict[str, object] | None = None, status: int = 200) -> Page:
    c = _case(v)
    events = rc.events_of(session=v.session, case_id=c.id or 0)
    names = q.person_names(session=v.session, ids={e.actor_person_id for e in events if e.actor_person_id})
    nxt = None if c.outcome else cs.next_stage(c.programme, c.stage)
    v.audit = ("console.view", f"case:{c.id}")
    return Page("case.html", {"c": c, "events": events, "names": names, "next": nxt,
                              "stage": cs.stage(c.programme, c.stage), "programmes": cs.PROGRAMME_TITLES,
                              "outcomes": cs.OUTCOME_TITLES, "done": DONE.get(v.query.get("done", ""), ""),
                              "error": error, "error_params": params or {}, "tz": v.tz,
                              "today": v.local.date().isoformat(), "stage_title": _stage_title(c.programme),
                              "tab": "cases"}, status=status)


def _stage_title(programme: str) -> Callable[[str], str]:
    """A stage or outcome key of a case's history as its (N_-marked) title; other keys as they are."""
    titles = {st.key: st.title for st in cs.stages(programme)} | dict(cs.OUTCOME_TITLES)
    return lambda key: titles.get(key, key)


def case_move(v: View) -> Page | Redirect:
    c = _case(v)
    to_stage = v.form.get("to", "")
    start = None
    if to_stage == "publicity":
        try:
            start = date.fromisoformat(v.form.get("start", "").strip())
        except ValueError:
            return case(v, error=N_("Please enter a date such as 2026-04-01."), status=400)
    try:
        act.move_case(v.session, clerk=v.clerk, case=c, to_stage=to_stage, now=v.now, publicity_start=start)
    except act.ActionRefused as exc:
        return case(v, error=exc.message, params=exc.params, status=409)
    v.audit = ("console.case.move", f"case:{c.id}")
    return Redirect(url(f"/cases/{c.id}", done="moved"))
