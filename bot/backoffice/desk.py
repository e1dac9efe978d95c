"""Console pages that act: the ticket queue and a ticket (claim, answer, mark for the FAQ, close), the case
board per measure and a case (history, move to the next stage with the applicant notified), and bulk moves
(several cases of the board to the next stage: a preview of who will be told, then one confirmed move with a
one-time key, so a double click moves once)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.backoffice.core import Missing, Page, Redirect, View, url
from handlers.i18n import N_
from handlers.services import console_actions as act
from handlers.services import tickets as ticket_service
from handlers.services.cases import may_change, may_record
from knowledge.rules import case_stages as cs
from storage import repo_cases as rc
from storage import repo_console_views as q
from storage import repo_questions as requests
from storage import repo_tickets as tickets
from storage.models_cases import Case
from storage.models_tickets import Ticket

STATUS_LABELS = {"open": N_("waiting"), "claimed": N_("being handled"), "answered": N_("answered"),
                 "closed": N_("closed")}
DONE = {"claimed": N_("You have claimed this ticket."), "answered": N_("Your answer is on its way to the person."),
        "closed": N_("The ticket is closed."), "faq": N_("Marked: it will appear in the FAQ review list."),
        "moved": N_("Done. The applicant has been notified."), "changed": N_("Done. The applicant has been notified.")}
BULK_MAX = 40  # cases in one bulk move (the form's fields are limited to 50)


def ticket_queue(v: View) -> Page:
    rows = q.ticket_queue(session=v.session, unit=v.clerk.scope)
    waiting, overdue = q.ticket_counts(session=v.session, unit=v.clerk.scope, now=v.now)
    per_week, per_unit = ticket_service.rating_stats(v.session, unit=v.clerk.scope, now=v.now, tz=v.tz)
    return Page("tickets.html", {"rows": rows, "waiting": waiting, "overdue": overdue, "labels": STATUS_LABELS,
                                 "no": act.ticket_no, "per_week": per_week, "per_unit": per_unit,
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
    return _board(v, programme)


def _board(v: View, programme: str, *, error: str = "", status: int = 200) -> Page:
    counts = q.stage_counts(session=v.session, unit=v.clerk.scope, programme=programme)
    cards = q.board(session=v.session, unit=v.clerk.scope, programme=programme)
    columns = [(st, counts.get(st.key, 0), [c for c in cards if c.stage == st.key]) for st in cs.stages(programme)]
    moved, refused = v.query.get("moved", ""), v.query.get("refused", "")
    return Page("cases.html", {"programme": programme, "programmes": cs.PROGRAMME_TITLES, "columns": columns,
                               "closed": q.closed_count(session=v.session, unit=v.clerk.scope, programme=programme),
                               "targets": cs.stages(programme)[1:], "error": error,
                               "moved": int(moved) if moved.isdigit() else None,
                               "refused": int(refused) if refused.isdigit() else 0, "tab": "cases"}, status=status)


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
    before = None if c.outcome else cs.previous_stage(c.programme, c.stage)
    # What the case can be closed as here: disqualified only during the 公示 (第十六条), as the service checks.
    closing = [] if c.outcome else [o for o in cs.OUTCOMES if o != "disqualified" or c.stage == "publicity"]
    # A recommending union records the application and its 初审 only (第十一条, 第十四条), as the service checks.
    changeable = may_change(c, v.clerk.unit)
    if not changeable:
        nxt, before, closing = None, None, []
    elif nxt is not None and not may_record(nxt.key, v.clerk.unit):
        nxt = None
    v.audit = ("console.view", f"case:{c.id}")
    return Page("case.html", {"c": c, "events": events, "events_titles": cs.EVENT_TITLES, "names": names, "next": nxt,
                              "before": before, "closing": closing, "changeable": changeable,
                              "stage": cs.stage(c.programme, c.stage), "programmes": cs.PROGRAMME_TITLES,
                              "outcomes": cs.OUTCOME_TITLES, "done": DONE.get(v.query.get("done", ""), ""),
                              "error": error, "error_params": params or {}, "tz": v.tz,
                              "today": v.local.date().isoformat(), "stage_title": _stage_title(c.programme),
                              "tab": "cases"}, status=status)


def _stage_title(programme: str) -> Callable[[str], str]:
    """A stage or outcome key of a case's history as its (N_-marked) title; other keys as they are."""
    titles = {st.key: st.title for st in cs.stages(programme)} | dict(cs.OUTCOME_TITLES)
    return lambda key: titles.get(key, key)


BAD_DATE = N_("Please enter a date such as 2026-04-01.")


def _publicity_start(v: View) -> tuple[date | None, bool]:
    """The publicity's first day that a move to "publicity" names (None for other stages), and whether it
    could be read."""
    if v.form.get("to", "") != "publicity":
        return None, True
    try:
        return date.fromisoformat(v.form.get("start", "").strip()), True
    except ValueError:
        return None, False


def case_move(v: View) -> Page | Redirect:
    c = _case(v)
    to_stage, (start, readable) = v.form.get("to", ""), _publicity_start(v)
    if not readable:
        return case(v, error=BAD_DATE, status=400)
    try:
        act.move_case(v.session, clerk=v.clerk, case=c, to_stage=to_stage, now=v.now, publicity_start=start)
    except act.ActionRefused as exc:
        return case(v, error=exc.message, params=exc.params, status=409)
    v.audit = ("console.case.move", f"case:{c.id}")
    return Redirect(url(f"/cases/{c.id}", done="moved"))


def case_change(v: View) -> Page | Redirect:
    """Closed with an outcome, a move taken back or a closed case opened again, each with its reason."""
    c = _case(v)
    change = v.form.get("change", "")
    try:
        act.change_case(v.session, clerk=v.clerk, case=c, change=change, reason=v.form.get("reason", ""), now=v.now)
    except act.ActionRefused as exc:
        return case(v, error=exc.message, params=exc.params, status=409)
    v.audit = ("console.case.change", f"case:{c.id} {change}")
    return Redirect(url(f"/cases/{c.id}", done="changed"))


# -- bulk moves ---------------------------------------------------------------------------------------
def mask_name(name: str) -> str:
    """A name as the preview shows it: the first character, then one star per character (at most three);
    a person's number (#12) as it is."""
    name = name.strip()
    if not name or name.startswith("#"):
        return name
    return name[0] + "*" * min(len(name) - 1, 3)


@dataclass(frozen=True)
class BulkRow:
    case: Case
    who: str  # the applicant's name, masked
    refused: str  # "" when the case will move, else why not (N_-marked)


def _selected(v: View) -> list[int]:
    ids = {int(k[5:]) for k, val in v.form.items() if k.startswith("case-") and k[5:].isdigit() and len(k) < 18
           and val}
    return sorted(ids)[:BULK_MAX]


def _bulk_rows(v: View, ids: list[int], to_stage: str) -> list[BulkRow]:
    cases = [c for c in (act.case_for(v.session, clerk=v.clerk, case_id=i) for i in ids) if c is not None]
    names = q.person_names(session=v.session, ids={c.person_id for c in cases})
    rows = []
    for c in cases:
        nxt = None if c.outcome else cs.next_stage(c.programme, c.stage)
        refused = "" if nxt is not None and nxt.key == to_stage else \
            N_("Not at the stage before this one: cases move one stage at a time.")
        if not refused and not may_record(to_stage, v.clerk.unit):
            refused = N_("The provincial federation's leading group office records this stage.")
        rows.append(BulkRow(c, mask_name(names.get(c.person_id, "")), refused))
    return rows


def bulk_preview(v: View, *, error: str = "", status: int = 200) -> Page:
    """Who will be told: the selected cases that will move (applicants' names masked) and those that will not,
    with a one-time key for the confirmation."""
    programme = v.form.get("programme", "")
    if programme not in cs.PROGRAMMES:
        raise Missing(programme)
    to_stage = v.form.get("to", "")
    target = next((st for st in cs.stages(programme)[1:] if st.key == to_stage), None)
    ids = _selected(v)
    if target is None or not ids:
        return _board(v, programme, error=N_("Select at least one case and the stage to move them to."), status=400)
    rows = _bulk_rows(v, ids, to_stage)
    return Page("cases_bulk.html", {"programme": programme, "target": target, "rows": rows,
                                    "moving": [r for r in rows if not r.refused],
                                    "key": v.form.get("key") or secrets.token_urlsafe(24),
                                    "start": v.form.get("start") or v.local.date().isoformat(),
                                    "stage_title": _stage_title(programme), "error": error, "tab": "cases"},
                status=status)


def bulk_move(v: View) -> Page | Redirect:
    """The confirmed bulk move: each case through the cases service (notification, audit), each in a savepoint
    so that one refused case leaves the others moved. The form's one-time key makes a second submission
    (a double click) show the first one's result."""
    programme = v.form.get("programme", "")
    key = v.form.get("key", "")
    if programme not in cs.PROGRAMMES or not 16 <= len(key) <= 64:
        raise Missing("bulk")
    to_stage, (start, readable) = v.form.get("to", ""), _publicity_start(v)
    if not readable:
        return bulk_preview(v, error=BAD_DATE, status=400)
    earlier = requests.claim_request(session=v.session, key=key, person_id=v.clerk.person_id,
                                     action="case.bulk_move", now=v.now)
    if earlier is not None:
        done = json.loads(earlier.result or "{}")
        v.audit = ("console.case.bulk_move.again", f"bulk:{key[:8]}")
        return Redirect(url("/cases", programme=programme, moved=done.get("moved", 0), refused=done.get("refused", 0)))
    moved: list[int] = []
    refused = 0
    for row in _bulk_rows(v, _selected(v), to_stage):
        if row.refused:
            refused += 1
            continue
        try:
            with v.session.begin_nested():
                act.move_case(v.session, clerk=v.clerk, case=row.case, to_stage=to_stage, now=v.now,
                              publicity_start=start)
            moved.append(row.case.id or 0)
        except act.ActionRefused:
            refused += 1
    requests.finish_request(session=v.session, key=key,
                            result=json.dumps({"moved": len(moved), "refused": refused, "cases": moved}))
    v.audit = ("console.case.bulk_move", f"bulk:{key[:8]} {to_stage} " + ",".join(map(str, moved))[:200])
    return Redirect(url("/cases", programme=programme, moved=len(moved), refused=refused))
