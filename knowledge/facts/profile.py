"""The answers the facts give to the questions of each check (the rules modules' Question keys; for the
training flows, their slot names), in the values those questions take."""

from __future__ import annotations

from collections.abc import Callable

from knowledge.facts.model import DIRECT_KEYS, PERSON_EXCLUSIONS, PRIORITY_KEYS, Facts
from knowledge.places import parse_place

Profile = dict[str, object]

_YES_NO = {True: "yes", False: "no"}
_GRADE_TO_STATION = {"高级技师": "senior_technician", "技师": "technician", "高级工": "below", "中级工": "below",
                     "初级工": "below"}
_HEAD_ISSUES = {"wage_arrears": "wages", "no_union": "no_union", "accident": "accident", "insurance": "insurance"}
_CLASS = {"一类": "class1", "二类": "class2"}
_STATION_AWARDS = ("中华技能大奖", "全国技术能手", "云南省技术能手", "云南省职工职业技能大赛技术状元", "云岭技能大师")


def profile_for(check: str, facts: Facts) -> Profile:
    """The answers ``facts`` give to the questions of ``check``. Only what the facts state."""
    p = _PROFILES[check](facts) if check in _PROFILES else {}
    return {k: v for k, v in p.items() if v is not None}


def _craftsman_gates(facts: Facts) -> Profile:
    p: Profile = {}
    for key in ("already_named", "chinese_national", "unit_in_yunnan", "enterprise_head"):
        value = getattr(facts, key)
        if value is not None:
            p[key] = _YES_NO[value]
    if facts.unit_in_yunnan is None and facts.work_place:
        p["unit_in_yunnan"] = "yes"  # working at a Yunnan place, no other province named for the unit
    if facts.exclusion in PERSON_EXCLUSIONS:  # 第八条's options of the same name
        p["exclusion"] = facts.exclusion
    if facts.head_issue in _HEAD_ISSUES:  # 第八条（五）: these exclude enterprise heads only
        p["head_issue"] = _HEAD_ISSUES[facts.head_issue]
    return p


def _contest_answers(facts: Facts) -> Profile:
    c = facts.contest
    if c is None or c.level not in ("world", "national"):
        return {}
    if c.level == "world":
        return {"direct_honour": "worldskills", "worldskills_stage": c.stage, "worldskills_rank": c.rank}
    return {"direct_honour": "national_contest", "contest_class": _CLASS.get(c.klass or ""),
            "contest_stage": c.stage, "contest_rank": c.rank}


def _craftsman(facts: Facts) -> Profile:
    p = _craftsman_gates(facts) | _contest_answers(facts)
    direct = [DIRECT_KEYS[h] for h in facts.honours if h in DIRECT_KEYS]
    if direct and "direct_honour" not in p:
        p["direct_honour"] = direct[0]
    priority = [PRIORITY_KEYS[h] for h in facts.honours if h in PRIORITY_KEYS]
    if priority:
        p["priority_honour"] = priority[0]
        p["priority_honours"] = priority
    return p


def _channel(facts: Facts) -> Profile:
    p: Profile = {"route": facts.route, "referrer_count": facts.referrer_count}
    if facts.referrers_qualified:
        p["referrers_qualified"] = "yes"
    if facts.referrers_same_specialty:
        p["referrers_same_specialty"] = "yes"
    if facts.household_place:
        p["household_in_yunnan"] = "yes"
        if _county_named(facts.household_place):  # asked by county: "曲靖" alone names no union to file with
            p["household_place"] = facts.household_place
    if facts.self_employed is not None:
        p["self_employed"] = _YES_NO[facts.self_employed]
    if facts.unit_has_union is not None:
        p["unit_has_union"] = _YES_NO[facts.unit_has_union]
    if facts.work_place:
        p["unit_prefecture"] = facts.work_place
        if _county_named(facts.work_place):  # 第九条: the county union of the unit's place, never the prefecture's
            p["premises_place" if facts.self_employed else "unit_place"] = facts.work_place
    return p


def _county_named(place: str) -> bool:
    """``place`` names a county or district, not only its prefecture ("曲靖市麒麟区", not "曲靖市")."""
    found = parse_place(place)
    return found is not None and bool(found.county)


def _group(facts: Facts) -> Profile:
    p: Profile = {"team_size": facts.team_size}
    if facts.named_level:
        p["named_level"] = "prefecture" if facts.named_level == "prefecture" else "lower"
    if facts.named_years is not None:
        p["named_years"] = "2plus" if facts.named_years >= 2 else "under2"
    return p


def _station(facts: Facts) -> Profile:
    p = _group(facts)
    if facts.unit_in_yunnan is not None:
        p["host_in_yunnan"] = _YES_NO[facts.unit_in_yunnan]
    p["lead_age"] = facts.lead_age if facts.lead_age is not None else facts.age
    if facts.skill_grade:
        p["lead_grade"] = _GRADE_TO_STATION[facts.skill_grade]
    elif facts.title_level:
        p["lead_grade"] = "title_only"
    if (facts.contest and facts.contest.level in ("world", "national", "provincial")) or any(
            h in facts.honours for h in _STATION_AWARDS):
        p["lead_award"] = "yes"
    return p


def _training_project(facts: Facts) -> Profile:
    project = facts.project
    if project is None and facts.trainee_kind in ("poor", "poverty_migrant"):
        project = "poverty"
    elif project is None and facts.trainee_kind in ("employed", "unemployed"):
        project = "upgrade"
    return {"project": project} if project in ("upgrade", "poverty") else {}


def _subsidy(facts: Facts) -> Profile:
    p = _training_project(facts)
    if facts.days is not None and facts.days > 0:
        p["days"] = facts.days
    if facts.trainees is not None and facts.trainees > 0:
        p["trainees"] = facts.trainees
    return p


_PROFILES: dict[str, Callable[[Facts], Profile]] = {
    "craftsman_eligibility": _craftsman,
    "craftsman_channel": _channel,
    "studio_eligibility": _group,
    "station_eligibility": _station,
    "training_eligibility": _training_project,
    "training_subsidy": _subsidy,
}
