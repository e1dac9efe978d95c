"""Console pages that only read: Today and Audit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.backoffice.core import Page, View
from handlers.i18n import N_
from knowledge import training_calendar as cal
from storage import repo_cases as rc
from storage import repo_console_views as q

TITLES = {"today": N_("Today"), "tickets": N_("Tickets"), "cases": N_("Cases"), "classes": N_("Classes"),
          "audit": N_("Audit")}


def today(v: View) -> Page:
    """Sessions under way, tickets waiting and overdue, 公示 ending this week, the yearly calendar, the
    broadcasts scheduled."""
    local = v.local
    unit = v.clerk.scope
    monday = local.date() - timedelta(days=local.weekday())
    running = q.sessions_running(session=v.session, unit=unit, day=local.date(),
                                 at=time(local.hour, local.minute, local.second))
    waiting, overdue = q.ticket_counts(session=v.session, unit=unit, now=v.now)
    ending = q.publicity_ending(session=v.session, unit=unit, first=monday, last=monday + timedelta(days=6))
    calendar = next_deadlines(local.date())
    scheduled = sorted(rc.broadcasts_of_unit(session=v.session, unit=unit, statuses=("scheduled",), limit=20),
                       key=lambda b: rc.as_utc(b.scheduled_at) if b.scheduled_at else v.now)
    return Page("today.html", {"running": running, "waiting": waiting, "overdue": overdue, "ending": ending,
                               "calendar": calendar, "week": (monday, monday + timedelta(days=6)),
                               "scheduled": [(b, rc.as_utc(b.scheduled_at).astimezone(v.tz) if b.scheduled_at else None)
                                             for b in scheduled], "tab": "today"})


def next_deadlines(day: date) -> list[tuple[cal.Task, date, int]]:
    """Every dated task of the yearly training calendar with its next due date and the days left."""
    out = []
    for task in cal.dated_tasks():
        assert task.due is not None
        due = date(day.year, *task.due)
        if due < day:
            due = date(day.year + 1, *task.due)
        out.append((task, due, (due - day).days))
    return sorted(out, key=lambda item: (item[1], item[0].key))


def _day(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def audit(v: View) -> Page:
    """Who did what, when: filter by action (prefix), actor (name or #number) and dates (local days)."""
    action = v.query.get("action", "").strip()[:60]
    actor = v.query.get("actor", "").strip()[:60]
    since, until = _day(v.query.get("since", "")), _day(v.query.get("until", ""))
    bad = bool(v.query.get("since") and since is None) or bool(v.query.get("until") and until is None)
    rows = q.audit_rows(session=v.session, unit=v.clerk.scope, action=action, actor=actor,
                        since=since.replace(tzinfo=v.tz) if since else None,
                        until=(until.replace(tzinfo=v.tz) + timedelta(days=1)) if until else None)
    return Page("audit.html", {"rows": rows, "action": action, "actor": actor, "since": v.query.get("since", ""),
                               "until": v.query.get("until", ""), "bad_date": bad, "tab": "audit", "tz": v.tz})
