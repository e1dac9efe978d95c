"""Pure rules of 《云南省工会技能培训专项资金管理办法（试行）》 for one training class.

Project types (第五条) and trainee categories (the five rows of 附件3 审批表), who may join which project
(第六条), the 脱贫攻坚 class length and employment rate (第七条). Every verdict carries its article.

Decisions taken where the text leaves room:

* Class length counts calendar days inclusive of both ends: a class running 1–15 March is 15 days
  (``(end - start).days + 1``), the natural reading of 培训天数.
* "原则上不少于 15 天" is reported as a soft violation (``Violation.soft``): "原则上" means the approving union
  may grant an exception, so a shorter class is warned about and may still be registered once the clerk says
  the exception is granted (every other violation refuses the class).
* "就业率不低于 60%" is compared exactly in integers (``employed * 100 >= 60 * total``), so 60 % passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from knowledge.models import ArticleRef, ref
from knowledge.text import N_

MEASURE = "training"

UPGRADE = "upgrade"
POVERTY = "poverty"

# 第五条: the two project types, with their Chinese names as printed.
PROJECTS: dict[str, str] = {
    UPGRADE: "职工（农民工）技能提升培训",
    POVERTY: "助力脱贫攻坚专项技能培训",
}
PROJECT_LABELS_EN: dict[str, str] = {
    UPGRADE: N_("Skills upgrading for workers (incl. migrant workers)"),
    POVERTY: N_("Poverty-alleviation special skills training"),
}

# 附件3: the five trainee-category rows of the class approval form, in printed order.
CATEGORIES: dict[str, str] = {
    "employed": "在岗职工",
    "migrant": "农民工",
    "unemployed": "城镇失业人员和转岗职工",
    "poor": "贫困劳动力",
    "poverty_migrant": "助力脱贫攻坚专项技能培训项目农民工",
}
CATEGORY_LABELS_EN: dict[str, str] = {
    "employed": N_("employed workers"),
    "migrant": N_("migrant workers"),
    "unemployed": N_("unemployed urban residents and workers changing jobs"),
    "poor": N_("registered poor labourers"),
    "poverty_migrant": N_("migrant workers in the poverty-alleviation project"),
}

# 第六条（一）: upgrading is for 在岗职工、农民工、城镇失业人员和转岗职工;
# 第六条（二）: the poverty project is for 建档立卡贫困劳动力和农民工 of the relocation sites and 三区三州,
# which 附件3 records in its own row (助力脱贫攻坚专项技能培训项目农民工), distinct from ordinary 农民工.
ALLOWED_CATEGORIES: dict[str, frozenset[str]] = {
    UPGRADE: frozenset({"employed", "migrant", "unemployed"}),
    POVERTY: frozenset({"poor", "poverty_migrant"}),
}

POVERTY_MIN_DAYS = 15  # 第七条 "原则上不少于 15 天"
POVERTY_MIN_EMPLOYMENT_PERCENT = 60  # 第七条 "就业率不低于 60%"

# Where each fact lives (paragraph = 1-based index within the article, see knowledge.models.Paragraph).
REF_PROJECTS = ref(MEASURE, 5)
REF_UPGRADE_TRAINEES = ref(MEASURE, 6, 2)
REF_POVERTY_TRAINEES = ref(MEASURE, 6, 3)
REF_DAYS_AND_EMPLOYMENT = ref(MEASURE, 7)
REF_ONE_CLASS_ONE_APPROVAL = ref(MEASURE, 18)
REF_CATEGORIES = {UPGRADE: REF_UPGRADE_TRAINEES, POVERTY: REF_POVERTY_TRAINEES}


@dataclass(frozen=True)
class Violation:
    """One broken rule. ``message`` is an ``N_``-marked English template formatted with ``params``.

    String params that are labels (category, project) are themselves ``N_``-marked English msgids and a
    tuple param is a list of such labels: translate them before formatting (the zh catalog maps them to
    the official Chinese names of 附件3). Dates are ISO strings, counts are ints.

    ``soft``: the rule holds "in principle" (原则上) and the approving union may grant an exception, so the class
    may be registered once the clerk says so; a violation that is not soft refuses the class.
    """

    code: str
    message: str
    params: dict = field(default_factory=dict)
    ref: ArticleRef = REF_ONE_CLASS_ONE_APPROVAL
    soft: bool = False


def class_days(start: date, end: date) -> int:
    """Training days of a class, both ends included (1–15 March is 15 days)."""
    return (end - start).days + 1


def _require_project(project: str) -> None:
    if project not in PROJECTS:
        raise ValueError(f"unknown training project {project!r}; expected one of {sorted(PROJECTS)}")


def category_not_allowed(project: str, key: str, count: int = 1) -> Violation:
    """第六条: ``key`` (a category of :data:`CATEGORIES`) is not among those ``project`` trains."""
    allowed = ALLOWED_CATEGORIES[project]
    return Violation(
        "category_not_allowed",
        N_("{category} cannot be trained in a {project} class (the project is for: {allowed})."),
        {"category": CATEGORY_LABELS_EN[key], "category_key": key, "count": count,
         "project": PROJECT_LABELS_EN[project],
         "allowed": tuple(CATEGORY_LABELS_EN[k] for k in CATEGORIES if k in allowed)},
        REF_CATEGORIES[project],
    )


def trainee_category_problem(project: str, key: str) -> Violation | None:
    """A trainee of category ``key`` on the roster of a ``project`` class: None when 第六条 allows it."""
    _require_project(project)
    return None if key in ALLOWED_CATEGORIES[project] else category_not_allowed(project, key)


def check_class(project: str, categories: Mapping[str, int], start: date, end: date) -> list[Violation]:
    """Violations of a class as registered on 附件3: trainee categories by head count and the dates.

    An empty list means the class passes these rules. Unknown ``project`` raises ValueError (a programming
    error, not a user error); unknown category keys and negative counts are reported as violations.
    """
    _require_project(project)
    out: list[Violation] = []
    allowed = ALLOWED_CATEGORIES[project]
    for key, count in categories.items():
        if key not in CATEGORIES:
            out.append(Violation("unknown_category", N_("Unknown trainee category: {category}."),
                                 {"category": key}, REF_CATEGORIES[project]))
        elif count < 0:
            out.append(Violation("negative_count", N_("The number of {category} cannot be negative."),
                                 {"category": CATEGORY_LABELS_EN[key], "count": count}, REF_ONE_CLASS_ONE_APPROVAL))
        elif count > 0 and key not in allowed:
            out.append(category_not_allowed(project, key, count))
    if sum(c for k, c in categories.items() if k in CATEGORIES and c > 0) == 0:
        out.append(Violation("no_trainees", N_("The class has no trainees."), {}, REF_ONE_CLASS_ONE_APPROVAL))
    if end < start:
        out.append(Violation("end_before_start", N_("The class ends ({end}) before it starts ({start})."),
                             {"start": start.isoformat(), "end": end.isoformat()}, REF_ONE_CLASS_ONE_APPROVAL))
    elif project == POVERTY and class_days(start, end) < POVERTY_MIN_DAYS:
        out.append(Violation(
            "poverty_too_short",
            N_("A poverty-alleviation class should in principle last at least {min_days} days; this one lasts "
               "{days} days ({start} to {end}, both included)."),
            {"min_days": POVERTY_MIN_DAYS, "days": class_days(start, end),
             "start": start.isoformat(), "end": end.isoformat()},
            REF_DAYS_AND_EMPLOYMENT,
            soft=True,  # 原则上: the approving union may allow a shorter class
        ))
    return out


def employment_rate_check(project: str, employed: int, total: int) -> Violation | None:
    """第七条: after a poverty-alleviation class at least 60 % of trainees must be employed (60 % passes).

    Upgrading projects have no employment-rate rule and always pass. ``total`` 0 is no trainees.
    """
    _require_project(project)
    if employed < 0 or total < 0 or employed > total:
        raise ValueError("employed must be between 0 and total")
    if project != POVERTY:
        return None
    if total == 0:
        return Violation("no_trainees", N_("The class has no trainees."), {}, REF_ONE_CLASS_ONE_APPROVAL)
    if employed * 100 >= POVERTY_MIN_EMPLOYMENT_PERCENT * total:
        return None
    return Violation(
        "employment_rate_low",
        N_("Employment after a poverty-alleviation class must be at least {min_percent}%; {employed} of "
           "{total} trainees employed is {percent}%."),
        {"min_percent": POVERTY_MIN_EMPLOYMENT_PERCENT, "employed": employed, "total": total,
         "percent": _percent(employed, total)},
        REF_DAYS_AND_EMPLOYMENT,
    )


def _percent(part: int, whole: int) -> str:
    """One decimal, half up, as text ("59.9") — shown to people, never compared."""
    tenths = (part * 1000 * 2 + whole) // (whole * 2)
    return f"{tenths // 10}.{tenths % 10}"
