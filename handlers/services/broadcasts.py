"""Broadcasts of a clerk's unit: drafts (written by a clerk or proposed by the calendar job), scheduling,
cancelling, and releasing the due ones into the outbox; each change of status is audited. The chat's
``flows/broadcast.py`` and the scheduler (``bot/scheduler.py``) call these; ``bot.delivery`` sends."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers.i18n import N_, translator
from handlers.notifications import PROGRAMME_CHOICES, fmt_date, unit_scope
from handlers.services.errors import InvalidInput
from handlers.types import Reply, reply_to_dict
from knowledge.rules import case_stages as cs
from storage import repo_cases as rc
from storage import repo_outbox as ro
from storage import repositories as repo
from storage.models_cases import Broadcast

log = logging.getLogger(__name__)

MAX_TEXT = 1000
WEB_KEY = "web:"  # prefix of the idempotency key of a broadcast composed in the console (``proposal_key``)


def create_draft(
    *, session: Session, author_person_id: int | None, unit: str, segment: dict[str, Any], text: str,
    now: datetime, proposal_key: str | None = None, relevant_until: datetime | None = None,
    scheduled_at: datetime | None = None,
) -> Broadcast | None:
    """A draft, audited; with ``proposal_key`` at most one per key (None when it exists already)."""
    row = rc.create_broadcast(session=session, author_person_id=author_person_id, unit=unit, segment=segment,
                              text=text, now=now, proposal_key=proposal_key, relevant_until=relevant_until,
                              scheduled_at=scheduled_at)
    if row is not None:
        repo.audit(session=session, actor_person_id=author_person_id, action="broadcast.draft",
                   subject=f"broadcast:{row.id}", detail=row.segment)
    return row


def set_status(
    *, session: Session, broadcast: Broadcast, status: str, from_statuses: tuple[str, ...], actor: int | None,
    now: datetime, scheduled_at: datetime | None = None,
) -> bool:
    """A conditional, audited change of status; False when the broadcast had already left ``from_statuses``."""
    if not rc.set_broadcast_status(session=session, broadcast=broadcast, status=status, from_statuses=from_statuses,
                                   actor=actor, now=now, scheduled_at=scheduled_at):
        return False
    repo.audit(session=session, actor_person_id=actor, action=f"broadcast.{status}",
               subject=f"broadcast:{broadcast.id}")
    return True


def broadcast_body(locale: str, unit: str, text: str) -> str:
    _ = translator(locale)
    return json.dumps(reply_to_dict(Reply(text=_("Notice from {unit}:", unit=unit) + "\n" + text)),
                      ensure_ascii=False)


def release_due_broadcasts(*, session: Session, now: datetime) -> int:
    """Turn due scheduled broadcasts into outbox rows (once: a conditional status change guards it);
    a reminder past its relevance is cancelled instead. Returns the number of messages enqueued."""
    total = 0
    for b in rc.due_broadcasts(session=session, now=now):
        if b.relevant_until and rc.as_utc(b.relevant_until) < now:
            set_status(session=session, broadcast=b, status="cancelled", from_statuses=("scheduled",),
                                    actor=None, now=now)
            log.info("broadcast %s expired before release", b.id)
            continue
        if not set_status(session=session, broadcast=b, status="sending",
                                       from_statuses=("scheduled",), actor=None, now=now):
            continue
        people = rc.segment_recipients(session=session, unit=b.unit, spec=json.loads(b.segment))
        rows = [(pid, broadcast_body(locale, b.unit, b.text), f"broadcast:{b.id}:person:{pid}")
                for pid, locale in people]
        total += ro.bulk_enqueue(session=session, rows=rows, kind="broadcast", now=now, broadcast_id=b.id)
        b.recipients = len(people)
        session.add(b)
    for b in rc.sending_broadcasts(session=session):
        if ro.open_count(session=session, broadcast_id=b.id) == 0:
            set_status(session=session, broadcast=b, status="done", from_statuses=("sending",),
                                    actor=None, now=now)
    return total



def _end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), tz).astimezone(UTC)


def _not_past(at: datetime, now: datetime) -> datetime:
    """``at``, or when it has passed, the next quarter of an hour from ``now``: never a time in the past."""
    if at > now:
        return at
    nxt = now.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=15)
    return nxt - timedelta(minutes=nxt.minute % 15)


def propose_reminders(*, session: Session, today: date, now: datetime, tz: ZoneInfo, units: list[str],
                      horizon_days: int = 7, lookback_days: int = 7, locale: str = "zh",
                      skipped: list[str] | None = None) -> list[Broadcast]:
    """Draft broadcasts for the clerks to approve: 公示 windows of their units' cases, and the training
    calendar's deadlines. Idempotent (one draft per proposal key); reminders whose date passed while the
    process was down are proposed once (the latest of them) if their deadline is still ahead. A draft is
    never scheduled in the past, and none is proposed that would reach nobody: those are added to
    ``skipped`` ("unit: what") instead, for the caller to report."""
    _ = translator(locale)
    made: list[Broadcast] = []
    now_utc = now.astimezone(UTC)

    def reaches(unit: str, segment: dict[str, str], what: str) -> bool:
        if rc.segment_recipients(session=session, unit=unit, spec=segment):
            return True
        if skipped is not None:
            skipped.append(f"{unit}: {what}")
        return False

    for case in rc.open_publicity_cases(session=session, today=today):
        assert case.publicity_start and case.publicity_end
        segment = {"kind": "subscribers", "programme": case.programme, **unit_scope(case.unit)}
        if not reaches(case.unit, segment, f"publicity {case.programme} {case.publicity_start}"):
            continue
        text = _("Public notice of the candidates proposed to be named as {programme}: from {start} to {end} "
                 "(5 working days). Anyone with an objection may raise it by phone or e-mail during this period.",
                 programme=_(cs.PROGRAMME_TITLES[case.programme]), start=fmt_date(locale, case.publicity_start),
                 end=fmt_date(locale, case.publicity_end))
        b = create_draft(
            session=session, author_person_id=None, unit=case.unit, now=now, text=text, segment=segment,
            proposal_key=f"publicity:{case.unit}:{case.programme}:{case.publicity_start}:{case.publicity_end}",
            relevant_until=_end_of_day(case.publicity_end, tz),
            scheduled_at=_not_past(datetime.combine(max(today, case.publicity_start), time(9, 0), tz)
                                   .astimezone(UTC), now_utc))
        if b:
            made.append(b)
    from knowledge import training_calendar as tc

    start = today - timedelta(days=lookback_days)
    due: list[tuple[date, Any]] = []
    latest_past: dict[str, int] = {}  # item id -> index in ``due`` of its latest reminder day up to today
    for day, item in tc.upcoming_reminders(start, horizon_days + lookback_days):
        if item.due < today:
            continue  # no longer relevant
        if day <= today:  # missed or today's: one reminder, the latest, sent now
            if item.id in latest_past:
                due[latest_past[item.id]] = (day, item)
                continue
            latest_past[item.id] = len(due)
        due.append((day, item))
    for day, item in due:
        text = _("Reminder: {task} — due {due} ({days} days left). {note}", task=_(item.task.title),
                 due=fmt_date(locale, item.due), days=(item.due - max(day, today)).days,
                 note=_(item.task.note) if item.task.note else "").strip()
        for unit in units:
            segment = {"kind": "subscribers", "programme": "training", **unit_scope(unit)}
            if not reaches(unit, segment, f"training {item.id} {day.isoformat()}"):
                continue
            b = create_draft(
                session=session, author_person_id=None, unit=unit, now=now, text=text, segment=segment,
                proposal_key=f"training:{unit}:{item.id}:{day.isoformat()}",
                relevant_until=_end_of_day(item.due, tz),
                scheduled_at=_not_past(datetime.combine(max(day, today), time(9, 0), tz).astimezone(UTC), now_utc))
            if b:
                made.append(b)
    return made


# -- composing, counting, cancelling, reporting (the chat flow and the console) --------------------------
def build_segment(*, session: Session, unit: str, kind: str, programme: str = "", stage: str = "",
                  class_code: str = "") -> dict[str, Any]:
    """A segment spec of ``unit`` from the choices the chat offers: applicants of the unit's cases (by programme
    and stage), trainees of one of its classes, subscribers of a programme within its scope. Raises
    :class:`InvalidInput` for a choice that does not exist."""
    if kind == "applicants":
        if programme and programme not in cs.PROGRAMME_TITLES:
            raise InvalidInput(N_("Please choose one of the programmes listed."))
        if stage and (not programme or stage not in {s.key for s in cs.stages(programme)}):
            raise InvalidInput(N_("Please choose one of the stages listed."))
        return {"kind": "applicants", "programme": programme or None, "stage": stage or None}
    if kind == "subscribers":
        if programme not in PROGRAMME_CHOICES:
            raise InvalidInput(N_("Please choose one of the programmes listed."))
        return {"kind": "subscribers", "programme": programme, **unit_scope(unit)}
    if kind == "class" and rc.training_available():
        class_id = rc.class_of_unit(session=session, code=class_code, unit=unit) if class_code.strip() else None
        if class_id is None:
            raise InvalidInput(N_("There is no class with that code in {unit}."), unit=unit)
        return {"kind": "class", "class_id": class_id}
    raise InvalidInput(N_("Please choose who should receive it."))


def recipient_count(*, session: Session, unit: str, segment: dict[str, Any]) -> int:
    """How many people the segment reaches now (0 for a segment whose tables are absent)."""
    try:
        return len(rc.segment_recipients(session=session, unit=unit, spec=segment))
    except rc.UnknownSegment:
        return 0


def roster_size(*, session: Session, segment: dict[str, Any]) -> int | None:
    """The number of trainees on the roster of a class segment (None for other segments)."""
    if segment.get("kind") != "class" or not rc.training_available():
        return None
    return rc.roster_size(session=session, class_id=int(segment.get("class_id", 0)))


def check_text(text: str) -> str:
    text = text.strip()
    if not 2 <= len(text) <= MAX_TEXT:
        raise InvalidInput(N_("Please write between 2 and {n} characters."), n=MAX_TEXT)
    return text


def preview(locale: str, unit: str, text: str) -> Reply:
    """The message as a person whose language is ``locale`` receives it (channels render it their way)."""
    _ = translator(locale)
    return Reply(text=_("Notice from {unit}:", unit=unit) + "\n" + text)


def schedule(*, session: Session, broadcast: Broadcast, when: datetime, actor: int | None, now: datetime) -> bool:
    """A draft to go at ``when`` (now or later); False when it had already been handled."""
    return set_status(session=session, broadcast=broadcast, status="scheduled", from_statuses=("draft",),
                      actor=actor, now=now, scheduled_at=max(when, now).astimezone(UTC))


def compose(*, session: Session, author_person_id: int | None, unit: str, segment: dict[str, Any], text: str,
            now: datetime, when: datetime | None, request_key: str) -> Broadcast:
    """A broadcast written and scheduled in one step (``when`` None: now). The same ``request_key`` sent again
    -- a double-clicked button, even two requests at once -- returns the broadcast it created."""
    text = check_text(text)
    if when is not None and when < now:
        raise InvalidInput(N_("That time has passed; please choose a later one."))
    key = (WEB_KEY + request_key)[:160] if request_key else None
    try:
        with session.begin_nested():  # the same key twice at once: the second waits, then finds the first
            row = create_draft(session=session, author_person_id=author_person_id, unit=unit, segment=segment,
                               text=text, now=now, proposal_key=key)
    except IntegrityError:
        row = None
    if row is None:
        found = rc.broadcast_by_key(session=session, proposal_key=key or "")
        if found is None:
            raise RuntimeError("a broadcast's idempotency key clashed but its row is not visible")
        return found
    schedule(session=session, broadcast=row, when=when or now, actor=author_person_id, now=now)
    return row


def cancel(*, session: Session, broadcast: Broadcast, actor: int | None, now: datetime) -> int | None:
    """Cancel a scheduled broadcast, or one being sent (its messages not yet sent are held back). The number
    held back, or None when it had already finished or been cancelled."""
    held = ro.cancel_open(session=session, broadcast_id=broadcast.id or 0) if broadcast.status == "sending" else 0
    if not set_status(session=session, broadcast=broadcast, status="cancelled", from_statuses=("scheduled", "sending"),
                      actor=actor, now=now):
        return None
    return held


def delivery_report(*, session: Session, broadcast_id: int, buckets: int = 12) -> ro.Report:
    """Sent / failed / unreachable / pending counts and the deliveries over time (see ``repo_outbox.report``)."""
    return ro.report(session=session, broadcast_id=broadcast_id, buckets=buckets)
