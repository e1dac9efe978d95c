"""Case changes and the messages they start: every change of a case goes through the functions here, which
apply the procedure order (``knowledge.rules.case_stages``), record the event, audit it and put a
notification for the applicant in the outbox -- in the applicant's language, with the article.

Also here: releasing due broadcasts into the outbox and proposing deadline reminders as draft broadcasts.
Nothing is sent from here; ``bot.delivery`` drains the outbox.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from handlers.cite import citations
from handlers.i18n import N_, Translate, translator
from handlers.types import Reply, reply_to_dict
from knowledge import places
from knowledge.models import ArticleRef
from knowledge.rules import case_stages as cs
from storage import repo_cases as rc
from storage import repo_outbox as ro
from storage import repositories as repo
from storage.models import Person
from storage.models_cases import Broadcast, Case, CaseEvent

log = logging.getLogger(__name__)


class CaseRuleError(ValueError):
    """A change the procedure does not allow; ``message`` is an N_-marked text for the clerk."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message, self.params = message, params


# -- formatting shared with /status ----------------------------------------------------------------
def fmt_date(locale: str, day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if locale == "zh" else day.strftime("%d %b %Y").lstrip("0")


def describe_case(_: Translate, locale: str, case: Case) -> tuple[str, tuple[ArticleRef, ...]]:
    """What the case's stage means and what comes next (or how it was closed), and the articles."""
    programme = _(cs.PROGRAMME_TITLES[case.programme])
    head = _("#{id} {title} — {programme}", id=case.id, title=case.title, programme=programme)
    if case.outcome:
        lines = [head, _("Closed: {outcome}.", outcome=_(cs.OUTCOME_TITLES[case.outcome])),
                 _("Reason: {reason}", reason=case.outcome_reason)]
        return "\n".join(lines), cs.outcome_refs(case.programme, case.outcome)
    st = cs.stage(case.programme, case.stage)
    lines = [head, _("Current stage: {stage}.", stage=_(st.title)), _(st.explanation)]
    if case.stage == "publicity" and case.publicity_start and case.publicity_end:
        lines.append(_("The public notice runs from {start} to {end} (5 working days). During it, anyone with an "
                       "objection may raise it by phone or e-mail; if the objection proves true, the candidacy "
                       "is cancelled.", start=fmt_date(locale, case.publicity_start),
                       end=fmt_date(locale, case.publicity_end)))
    lines.append(_(st.next))
    if cs.next_stage(case.programme, case.stage) is None:
        lines.append(_("This is the last stage of the procedure."))
    return "\n".join(lines), cs.stage_refs(case.programme, case.stage)


# -- case changes ---------------------------------------------------------------------------------
def open_case(*, session: Session, programme: str, applicant_id: int, title: str, unit: str,
              actor_id: int | None, now: datetime) -> Case:
    if programme not in cs.PROGRAMMES:
        raise CaseRuleError(N_("Unknown programme {programme}."), programme=programme)
    if not title.strip() or not unit.strip():
        raise CaseRuleError(N_("A case needs a title and a unit."))
    case, event = rc.create_case(session=session, programme=programme, person_id=applicant_id,
                                 title=title.strip(), unit=unit, actor_person_id=actor_id, now=now)
    notify_case_event(session=session, case=case, event=event)
    return case


def advance_case(*, session: Session, case: Case, to_stage: str, actor_id: int | None, reason: str,
                 now: datetime, publicity_start: date | None = None) -> CaseEvent:
    """Move an open case to the next stage of its procedure; entering 公示 needs its first day."""
    if case.outcome:
        raise CaseRuleError(N_("This case is closed."))
    if not cs.is_forward_move(case.programme, case.stage, to_stage):
        nxt = cs.next_stage(case.programme, case.stage)
        raise CaseRuleError(N_("Cases move one stage at a time; the next stage of this case is {stage}."),
                            stage=nxt.key if nxt else "-")
    window = None
    if to_stage == "publicity":
        start = publicity_start or now.date()
        window = (start, cs.publicity_end(start))
    event = rc.record_move(session=session, case=case, to_stage=to_stage, actor_person_id=actor_id,
                           reason=reason, now=now, publicity=window)
    notify_case_event(session=session, case=case, event=event)
    return event


def set_publicity(*, session: Session, case: Case, start: date, actor_id: int | None, now: datetime) -> CaseEvent:
    if case.outcome or case.stage != "publicity":
        raise CaseRuleError(N_("The public notice dates can be set only while the case is at the public notice "
                               "stage."))
    event = rc.record_publicity(session=session, case=case, start=start, end=cs.publicity_end(start),
                                actor_person_id=actor_id, reason="", now=now)
    notify_case_event(session=session, case=case, event=event)
    return event


def close_case(*, session: Session, case: Case, outcome: str, reason: str, actor_id: int | None,
               now: datetime) -> CaseEvent:
    if outcome not in cs.OUTCOMES:
        raise CaseRuleError(N_("Unknown outcome {outcome}."), outcome=outcome)
    if case.outcome:
        raise CaseRuleError(N_("This case is closed."))
    if not reason.strip():
        raise CaseRuleError(N_("Please give a reason; the applicant will see it."))
    if outcome == "disqualified" and case.stage != "publicity":
        # 第十六条: disqualification follows an objection upheld during the public notice.
        raise CaseRuleError(N_("Disqualification follows an objection upheld during the public notice; this "
                               "case is not at that stage."))
    event = rc.record_close(session=session, case=case, outcome=outcome, reason=reason.strip(),
                            actor_person_id=actor_id, now=now)
    notify_case_event(session=session, case=case, event=event)
    return event


def notify_case_event(*, session: Session, case: Case, event: CaseEvent) -> None:
    """Enqueue the applicant's notification, once per event, in the applicant's language."""
    person = session.get(Person, case.person_id)
    locale = person.locale if person else "zh"
    _ = translator(locale)
    if event.action == "create":
        intro = _("A case has been opened for your application by {unit}. You will be told of every step; "
                  "type /status at any time to see where it stands.", unit=case.unit)
    elif event.action == "publicity":
        intro = _("The dates of the public notice of your application have been set.")
    elif event.action == "close":
        intro = _("Your application has been closed.")
    else:
        intro = _("Your application has moved to a new stage.")
    text, refs = describe_case(_, locale, case)
    reply = Reply(text=f"{intro}\n{text}", citations=citations(locale, refs))
    repo.enqueue(session=session, person_id=case.person_id, body=reply_to_dict(reply), kind="status",
                 dedupe_key=f"case-event:{event.id}")


# -- broadcasts --------------------------------------------------------------------------------------
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
            rc.set_broadcast_status(session=session, broadcast=b, status="cancelled", from_statuses=("scheduled",),
                                    actor=None, now=now)
            log.info("broadcast %s expired before release", b.id)
            continue
        if not rc.set_broadcast_status(session=session, broadcast=b, status="sending",
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
            rc.set_broadcast_status(session=session, broadcast=b, status="done", from_statuses=("sending",),
                                    actor=None, now=now)
    return total


def unit_scope(unit: str) -> dict[str, str]:
    """The subscribers a unit's clerk may address: all (the provincial federation), a prefecture (its
    federation, e.g. 昆明市总工会 -> 昆明市) or an industry/system/company union (itself)."""
    if unit == places.PROVINCIAL_UNION:
        return {}
    place = places.parse_place(unit)
    if place is not None and not place.county and unit == place.union:
        return {"prefecture": place.prefecture}
    return {"industry_union": unit}


def scope_allowed(unit: str, spec: dict[str, str]) -> bool:
    scope = unit_scope(unit)
    return all(spec.get(k) == v for k, v in scope.items())


def clerk_units(*, session: Session, extra: tuple[str, ...] = ()) -> list[str]:
    units = set(extra)
    for p in session.exec(select(Person).where(Person.unit != "")):
        if "clerk" in p.role_set():
            units.add(p.unit)
    return sorted(u for u in units if u)


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
        b = rc.create_broadcast(
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
            b = rc.create_broadcast(
                session=session, author_person_id=None, unit=unit, now=now, text=text, segment=segment,
                proposal_key=f"training:{unit}:{item.id}:{day.isoformat()}",
                relevant_until=_end_of_day(item.due, tz),
                scheduled_at=_not_past(datetime.combine(max(day, today), time(9, 0), tz).astimezone(UTC), now_utc))
            if b:
                made.append(b)
    return made
