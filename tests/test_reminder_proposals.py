"""Issue 18, item 9: reminder proposals on first start — no duplicates, never a time in the past, and no
broadcast that reaches nobody (the clerk is told instead)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from handlers.services.broadcasts import propose_reminders
from storage.db import session_scope
from tests.test_broadcast import KM, TZ, _subscriber

YN = "云南省总工会"


def test_first_start_proposes_each_reminder_once_never_in_the_past(engine: Engine) -> None:
    _subscriber(engine, "km1", "training", "昆明市")
    now = datetime(2026, 12, 3, 14, 7, tzinfo=TZ)  # after 09:00: today's 09:00 is in the past
    skipped: list[str] = []
    with session_scope(engine) as s:
        made = propose_reminders(session=s, today=date(2026, 12, 3), now=now, tz=TZ, units=[KM, YN],
                                 skipped=skipped)
        rows = [(b.unit, b.text, b.scheduled_at) for b in made]
    assert rows, "the 5 December deadline is ahead: something is proposed"
    assert len({(u, t) for u, t, _ in rows}) == len(rows), rows  # no two identical drafts
    assert all(at is not None and at.replace(tzinfo=at.tzinfo or UTC) > now for _u, _t, at in rows), rows
    assert {u for u, _t, _a in rows} == {KM, YN}  # the province addresses the Kunming subscriber too


def test_no_proposal_that_reaches_nobody_and_the_clerk_is_told(engine: Engine, person) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 11, 28, 8, 0, tzinfo=TZ)
    skipped: list[str] = []
    with session_scope(engine) as s:
        made = propose_reminders(session=s, today=date(2026, 11, 28), now=now, tz=TZ, units=[KM], skipped=skipped)
    assert made == [] and skipped and all(x.startswith(KM) for x in skipped)
    clerk = person("bob", clerk=KM)
    clerk.say("/broadcast")
    clerk.say(choice="drafts")
    assert "订阅" in clerk.text and KM in clerk.text
