"""Cases and their stage changes (the procedures of the three award measures): every change goes through the
functions here, from the clerk's case desk in chat (``flows/clerk_cases.py``) or ``yunling case``. Each applies
the procedure order (``knowledge.rules.case_stages``; 公示 ends after 5 working days), records the event,
audits it and puts a notification for the applicant in the outbox -- in the applicant's language, with the
article. Nothing is sent from here; ``bot.delivery`` drains the outbox.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlmodel import Session

from handlers.cite import citations
from handlers.i18n import N_, translator
from handlers.notifications import describe_case
from handlers.services.errors import NotFound, RuleViolation
from handlers.types import Reply, reply_to_dict
from knowledge.places import PROVINCIAL_UNION
from knowledge.rules import case_stages as cs
from knowledge.workdays import CalendarUnknown, missing_year
from storage import repo_cases as rc
from storage import repositories as repo
from storage.models import Person
from storage.models_cases import Case, CaseEvent

CaseConflict = rc.CaseConflict


class CaseRuleError(RuleViolation):
    """A change the procedure does not allow; ``message`` is an N_-marked text for the clerk."""


def may_record(stage: str, by_unit: str | None) -> bool:
    """Whether a clerk of ``by_unit`` records a case at, or into, ``stage`` (None: the server's operator; the
    provincial federation's clerks record every stage, a recommending union's only its own)."""
    return by_unit is None or by_unit == PROVINCIAL_UNION or cs.recommender_may_record(stage)


def may_change(case: Case, by_unit: str | None) -> bool:
    """Whether a clerk of ``by_unit`` records changes to ``case`` as it stands."""
    return may_record(case.stage, by_unit)


def _recorder(case: Case, by_unit: str | None, to_stage: str | None = None) -> None:
    """Refuse a change a recommending union's clerk may not record (:func:`may_record`)."""
    if may_change(case, by_unit) and (to_stage is None or may_record(to_stage, by_unit)):
        return
    raise CaseRuleError(_PROVINCIAL_STAGES[cs.REVIEW_ARTICLE[case.programme]], unit=by_unit)


_PROVINCIAL_STAGES = {  # by the article that says so (the number in the text: params are not translated)
    11: N_("From the eligibility re-check on, a case is recorded by the leading group's office at the provincial "
           "federation (云南省总工会), not by {unit}: the recommending union records the application and its "
           "preliminary review (article 11)."),
    14: N_("From the eligibility re-check on, a case is recorded by the leading group's office at the provincial "
           "federation (云南省总工会), not by {unit}: the recommending union records the application and its "
           "preliminary review (article 14)."),
}



def open_case(*, session: Session, programme: str, applicant_id: int, title: str, unit: str,
              actor_id: int | None, now: datetime) -> Case:
    if programme not in cs.PROGRAMMES:
        raise CaseRuleError(N_("Unknown programme {programme}."), programme=programme)
    if not title.strip() or not unit.strip():
        raise CaseRuleError(N_("A case needs a title and a unit."))
    case, event = rc.create_case(session=session, programme=programme, person_id=applicant_id,
                                 title=title.strip(), unit=unit, actor_person_id=actor_id, now=now)
    _audit(session, case, event)
    notify_case_event(session=session, case=case, event=event)
    return case


def advance_case(*, session: Session, case: Case, to_stage: str, actor_id: int | None, reason: str,
                 now: datetime, publicity_start: date | None = None, by_unit: str | None = None) -> CaseEvent:
    """Move an open case to the next stage of its procedure; entering 公示 needs its first day. ``by_unit``: the
    clerk's union (None: the server's operator)."""
    if case.outcome:
        raise CaseRuleError(N_("This case is closed."))
    _recorder(case, by_unit, to_stage)
    if not cs.is_forward_move(case.programme, case.stage, to_stage):
        nxt = cs.next_stage(case.programme, case.stage)
        raise CaseRuleError(N_("Cases move one stage at a time; the next stage of this case is {stage}."),
                            stage=nxt.key if nxt else "-")
    if case.stage == "publicity" and (why := notice_running(case, now.date())) is not None:
        raise why
    window = None
    if to_stage == "publicity":
        start = publicity_start or now.date()
        window = (start, _end_or_none(start))
    event = rc.record_move(session=session, case=case, to_stage=to_stage, actor_person_id=actor_id,
                           reason=reason, now=now, publicity=window)
    _audit(session, case, event)
    notify_case_event(session=session, case=case, event=event)
    return event


def _end_or_none(start: date) -> date | None:
    """The 公示's last day, or None while the holiday calendar of its year is not published (no date is made up;
    the case says the end is to be confirmed)."""
    try:
        return cs.publicity_end(start)
    except CalendarUnknown:
        return None


def notice_running(case: Case, today: date) -> CaseRuleError | None:
    """Why a case in 公示 cannot move on yet: the naming decision comes after the 5 working days of notice
    (第十六条, 第十七条). With the end unknown (its year's holiday calendar not published) no end is guessed:
    the notice has not ended as far as anyone can tell."""
    start = case.publicity_start
    if start is None:
        return CaseRuleError(N_("Set the public notice dates first: the decision comes after the notice."))
    end = case.publicity_end or _end_or_none(start)  # the calendar may have been installed since
    if end is None:
        year = missing_year(start, cs.PUBLICITY_WORKDAYS) or start.year
        return CaseRuleError(N_("The public notice opened on {start} lasts {n} working days, and its last day is not "
                                "known yet: the official holiday calendar of {year} is not published. The case "
                                "moves on only after the notice ends (articles 16 and 17)."),
                             start=start.isoformat(), n=cs.PUBLICITY_WORKDAYS, year=year)
    if today <= end:
        return CaseRuleError(N_("The public notice runs until {end}: the case moves on only after it ends "
                                "(articles 16 and 17)."), end=end.isoformat())
    return None


def set_publicity(*, session: Session, case: Case, start: date, actor_id: int | None, now: datetime,
                  by_unit: str | None = None) -> CaseEvent:
    _recorder(case, by_unit)
    if case.outcome or case.stage != "publicity":
        raise CaseRuleError(N_("The public notice dates can be set only while the case is at the public notice "
                               "stage."))
    event = rc.record_publicity(session=session, case=case, start=start, end=_end_or_none(start),
                                actor_person_id=actor_id, reason="", now=now)
    _audit(session, case, event)
    notify_case_event(session=session, case=case, event=event)
    return event


REASON_MIN = 2  # characters: "x" or "." tells the applicant nothing


def close_case(*, session: Session, case: Case, outcome: str, reason: str, actor_id: int | None,
               now: datetime, by_unit: str | None = None) -> CaseEvent:
    _recorder(case, by_unit)
    if outcome not in cs.OUTCOMES:
        raise CaseRuleError(N_("Unknown outcome {outcome}."), outcome=outcome)
    if case.outcome:
        raise CaseRuleError(N_("This case is closed."))
    if len(reason.strip()) < REASON_MIN:
        raise CaseRuleError(N_("Please give a reason; the applicant will see it."))
    if outcome == "disqualified" and case.stage != "publicity":
        # 第十六条: disqualification follows an objection upheld during the public notice.
        raise CaseRuleError(N_("Disqualification follows an objection upheld during the public notice; this "
                               "case is not at that stage."))
    event = rc.record_close(session=session, case=case, outcome=outcome, reason=reason.strip(),
                            actor_person_id=actor_id, now=now)
    _audit(session, case, event)
    notify_case_event(session=session, case=case, event=event)
    return event


def step_back(*, session: Session, case: Case, reason: str, actor_id: int | None, now: datetime,
              by_unit: str | None = None) -> CaseEvent:
    """Take back a move made by mistake: the case at the stage before, with a reason the applicant is told."""
    _recorder(case, by_unit)
    if case.outcome:
        raise CaseRuleError(N_("This case is closed."))
    before = cs.previous_stage(case.programme, case.stage)
    if before is None:
        raise CaseRuleError(N_("This case is at its first stage."))
    if len(reason.strip()) < REASON_MIN:
        raise CaseRuleError(N_("Please give a reason; the applicant will see it."))
    event = rc.record_back(session=session, case=case, to_stage=before.key, reason=reason.strip(),
                           actor_person_id=actor_id, now=now)
    _audit(session, case, event)
    notify_case_event(session=session, case=case, event=event)
    return event


def reopen_case(*, session: Session, case: Case, reason: str, actor_id: int | None, now: datetime,
                by_unit: str | None = None) -> CaseEvent:
    """Open a case closed by mistake again, at the stage it was closed in; the applicant is told why."""
    _recorder(case, by_unit)
    if not case.outcome:
        raise CaseRuleError(N_("This case is open."))
    if len(reason.strip()) < REASON_MIN:
        raise CaseRuleError(N_("Please give a reason; the applicant will see it."))
    event = rc.record_reopen(session=session, case=case, reason=reason.strip(), actor_person_id=actor_id, now=now)
    _audit(session, case, event)
    notify_case_event(session=session, case=case, event=event)
    return event


REASONED = ("back", "reopen", *cs.OUTCOMES)  # the changes that need a reason the applicant is told


def change_case(*, session: Session, case: Case, change: str, reason: str, actor_id: int | None,
                now: datetime, by_unit: str | None = None) -> CaseEvent:
    """One of :data:`REASONED`: closing with an outcome, a move taken back, or a closed case opened again."""
    if change == "reopen":
        return reopen_case(session=session, case=case, reason=reason, actor_id=actor_id, now=now, by_unit=by_unit)
    if change == "back":
        return step_back(session=session, case=case, reason=reason, actor_id=actor_id, now=now, by_unit=by_unit)
    return close_case(session=session, case=case, outcome=change, reason=reason, actor_id=actor_id, now=now,
                      by_unit=by_unit)


def notify_case_event(*, session: Session, case: Case, event: CaseEvent) -> None:
    """Enqueue the applicant's notification, once per event, in the applicant's language (none for a paper
    application not yet claimed: nobody to send it to; the claim shows where the case stands)."""
    person = session.get(Person, case.person_id)
    if person is not None and rc.PAPER in person.role_set():
        return
    locale = person.locale if person else "zh"
    _ = translator(locale)
    if event.action == "create":
        intro = _("A case has been opened for your application by {unit}. You will be told of every step; "
                  "type /status at any time to see where it stands.", unit=case.unit)
    elif event.action == "publicity":
        intro = _("The dates of the public notice of your application have been set.")
    elif event.action == "close":
        intro = _("Your application has been closed.")
    elif event.action == "back":
        intro = _("Your application has been moved back to the stage before: it had been moved on by mistake "
                  "({reason}).", reason=event.reason)
    elif event.action == "reopen":
        intro = _("Your application is open again: it had been closed by mistake ({reason}).", reason=event.reason)
    else:
        intro = _("Your application has moved to a new stage.")
    text, refs = describe_case(_, locale, case)
    reply = Reply(text=f"{intro}\n{text}", citations=citations(locale, refs))
    repo.enqueue(session=session, person_id=case.person_id, body=reply_to_dict(reply), kind="status",
                 dedupe_key=f"case-event:{event.id}")


def open_case_for_code(*, session: Session, code: str, programme: str, title: str, unit: str, actor_id: int | None,
                       now: datetime) -> Case:
    """Open a case for the applicant whose personal link code (from their /status) is given."""
    applicant = rc.redeem_link_code(session=session, code=code, now=now)
    if applicant is None:
        raise NotFound(N_("The link code is no longer valid. Ask the applicant for a fresh one."))
    return open_case(session=session, programme=programme, applicant_id=applicant, title=title, unit=unit,
                     actor_id=actor_id, now=now)


# A paper application's claim code: the union hands it over with its receipt, and a selection round runs for
# months (application in spring, naming after the 公示), so it lasts longer than a chat's /status code.
PAPER_CODE_TTL = timedelta(days=180)


def open_paper_case(*, session: Session, programme: str, title: str, unit: str, actor_id: int | None,
                    now: datetime) -> tuple[Case, str, datetime]:
    """Open a case for an applicant who filed on paper and has no code from the assistant: the case stands for
    them until they claim it with the code returned (with its expiry), given to them by the union."""
    stand_in = rc.create_paper_applicant(session=session, now=now)
    case = open_case(session=session, programme=programme, applicant_id=stand_in, title=title, unit=unit,
                     actor_id=actor_id, now=now)
    code = rc.issue_link_code(session=session, person_id=stand_in, now=now, ttl=PAPER_CODE_TTL)
    return case, code.code, code.expires_at


def claim_paper_cases(*, session: Session, code: str, person_id: int, now: datetime) -> list[Case]:
    """The paper applications whose claim code ``code`` is, now the person's own. Only a paper applicant's code
    claims: another person's /status code (meant for a clerk) never hands over their cases."""
    owner = rc.peek_link_code(session=session, code=code, now=now)
    stand_in = session.get(Person, owner) if owner is not None else None
    if stand_in is None or rc.PAPER not in stand_in.role_set() \
            or rc.redeem_link_code(session=session, code=code, now=now) != owner:
        raise NotFound(N_("This code is not valid (mistyped, used or expired). Ask the union that registered "
                          "your application for it again."))
    cases = rc.move_cases(session=session, from_person=stand_in.id or 0, to_person=person_id)
    for case in cases:
        repo.audit(session=session, actor_person_id=person_id, action="case.claim", subject=f"case:{case.id}",
                   detail=json.dumps({"unit": case.unit}, ensure_ascii=False))
    return cases


def _audit(session: Session, case: Case, event: CaseEvent) -> None:
    repo.audit(session=session, actor_person_id=event.actor_person_id, action=f"case.{event.action}",
               subject=f"case:{case.id}",
               detail=json.dumps({"from": event.from_stage, "to": event.to_stage, "reason": event.reason[:500],
                                  "unit": case.unit}, ensure_ascii=False))
