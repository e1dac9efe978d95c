"""How cases are shown (the applicant's /status, the clerk's case desk, notifications) and whom a unit's
broadcasts may reach. The changes themselves are services: :mod:`handlers.services.cases` (case stages,
公示 dates, the applicant notified) and :mod:`handlers.services.broadcasts` (drafts, release, reminders).
"""

from __future__ import annotations

import logging
from datetime import date

from sqlmodel import Session, select

from handlers.i18n import N_, Translate
from knowledge import places
from knowledge.models import ArticleRef
from knowledge.rules import case_stages as cs
from knowledge.workdays import missing_year
from storage.models import Person
from storage.models_cases import Case

log = logging.getLogger(__name__)

PROGRAMME_CHOICES = {**cs.PROGRAMME_TITLES, "training": N_("Skills training")}  # what a person may subscribe to


def programme_names(_: Translate, locale: str, keys: list[str]) -> str:
    """Subscribed programmes named in the person's language, listed as it lists them ("云岭工匠、技能培训")."""
    return ("、" if locale.startswith("zh") else ", ").join(_(PROGRAMME_CHOICES.get(k, k)) for k in keys)


# -- formatting shared with /status ----------------------------------------------------------------
def fmt_date(locale: str, day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if locale == "zh" else day.strftime("%d %b %Y").lstrip("0")


def describe_case(_: Translate, locale: str, case: Case) -> tuple[str, tuple[ArticleRef, ...]]:
    """What the case's stage means and what comes next (or how it was closed), and the articles."""
    programme = _(cs.PROGRAMME_TITLES[case.programme])
    head = _("#{id} {title} — {programme}", id=case.id, title=case.title, programme=programme)
    if case.outcome:
        # The measures name no appeal: where to ask, not a procedure made up.
        lines = [head, _("Closed: {outcome}.", outcome=_(cs.OUTCOME_TITLES[case.outcome])),
                 _("Reason: {reason}", reason=case.outcome_reason),
                 _("Questions about it go to {unit}, the union you filed with; or type 'human'.", unit=case.unit)]
        return "\n".join(lines), cs.outcome_refs(case.programme, case.outcome)
    st = cs.stage(case.programme, case.stage)
    lines = [head, _("Current stage: {stage}.", stage=_(st.title)), _(st.explanation)]
    if case.stage == "publicity" and case.publicity_start and not case.publicity_end:
        lines.append(_("The public notice opens on {start} and lasts 5 working days; its last day will be known when "
                       "the official holiday calendar of {year} is published.",
                       start=fmt_date(locale, case.publicity_start),
                       year=missing_year(case.publicity_start, cs.PUBLICITY_WORKDAYS) or case.publicity_start.year))
    if case.stage == "publicity" and case.publicity_start and case.publicity_end:
        lines.append(_("The public notice runs from {start} to {end} (5 working days). During it, anyone with an "
                       "objection may raise it by phone or e-mail; if the objection proves true, the candidacy "
                       "is cancelled.", start=fmt_date(locale, case.publicity_start),
                       end=fmt_date(locale, case.publicity_end)))
    lines.append(_(st.next))
    if cs.next_stage(case.programme, case.stage) is None:
        lines.append(_("This is the last stage of the procedure."))
    return "\n".join(lines), cs.stage_refs(case.programme, case.stage)


# -- broadcasts --------------------------------------------------------------------------------------
def unit_scope(unit: str) -> dict[str, str]:
    """The subscribers a unit's clerk may address: all (the provincial federation), a prefecture (its
    federation, e.g. 昆明市总工会 -> 昆明市) or an industry/system/company union (itself)."""
    if unit == places.PROVINCIAL_UNION:
        return {}
    place = places.parse_place(unit)
    if place is not None and not place.county and unit == place.union:
        return {"prefecture": place.prefecture}
    return {"industry_union": unit}


def clerk_units(*, session: Session, extra: tuple[str, ...] = ()) -> list[str]:
    units = set(extra)
    for p in session.exec(select(Person).where(Person.unit != "")):
        if "clerk" in p.role_set():
            units.add(p.unit)
    return sorted(u for u in units if u)
