"""The selection procedure of each programme as data, and its dates.

``stages(programme)`` lists the :class:`Stage` values in order (keys: submitted, preliminary, review,
expert_review, public_vote, inspection, leading_group, publicity, named) -- only the craftsman programme has
a public vote, an inspection and a leading-group review. ``publicity_end(start)`` is the last day of the
5-working-day 公示 on the Chinese statutory calendar (holidays and adjusted working days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.models import ArticleRef, ref
from knowledge.rules.awards import Fact
from knowledge.text import N_
from knowledge.workdays import add_workdays

PUBLICITY_WORKDAYS = 5  # 第十六条 of each of the three measures: 公示时间为5个工作日
PROGRAMMES = ("craftsman", "studio", "station")
STAGE_KEYS = ("submitted", "preliminary", "review", "expert_review", "public_vote", "inspection",
              "leading_group", "publicity", "named")


@dataclass(frozen=True)
class Stage:
    key: str
    title: str  # N_-marked
    explanation: str  # N_-marked: what happens in this stage
    next: str  # N_-marked: what comes after
    ref: ArticleRef


def publicity_end(start: date) -> date:
    """Last day of the 公示 that opens on ``start`` (counted from ``start`` when it is a working day)."""
    return add_workdays(start, PUBLICITY_WORKDAYS)


_PUBLICITY = N_("The names proposed are published on provincial websites or newspapers for 5 working days, and "
                "by their units at the same time. Anyone may object by phone or e-mail; if an objection proves "
                "true, that candidate is disqualified and the place is not filled.")


def _craftsman() -> tuple[Stage, ...]:
    m = "craftsman"
    return (
        Stage("submitted", N_("Application submitted"),
              N_("Your application has been filed online and offline through the way you chose."),
              N_("Next: the preliminary review by the union that recommends you."), ref(m, 9)),
        Stage("preliminary", N_("Preliminary review"),
              N_("Whoever recommends, reviews first: your prefecture federation or provincial industry, system "
                 "or company union has experts check the application, then fills in 附件1."),
              N_("Next: the eligibility re-check by the leading group's office."), ref(m, 11, 2)),
        Stage("review", N_("Eligibility re-check"),
              N_("The leading group's office at the provincial federation re-checks the eligibility of the "
                 "applications sent up."), N_("Next: the expert review."), ref(m, 11, 3)),
        Stage("expert_review", N_("Expert review"),
              N_("Experts score each applicant by name on craft expertise, skill level, leading role and "
                 "achievements: first in specialty groups, then in the comprehensive group, which proposes the "
                 "formal nominees."), N_("Next: the public vote."), ref(m, 12, 3)),
        Stage("public_vote", N_("Public vote"),
              N_("The formal nominees' basic information and brief achievements are put to a public vote on "
                 "provincial websites."), N_("Next: the inspection."), ref(m, 13)),
        Stage("inspection", N_("Inspection"),
              N_("The leading group's office inspects the nominees and, with the vote, proposes the names to be "
                 "given the title."), N_("Next: the leading group's review."), ref(m, 14)),
        Stage("leading_group", N_("Leading group review"),
              N_("The leading group reviews the inspection and vote results and ranks the names proposed."),
              N_("Next: the public notice (公示)."), ref(m, 15)),
        Stage("publicity", N_("Public notice (公示)"), _PUBLICITY,
              N_("Next: the final decision by the chairpersons' meeting of the provincial federation."),
              ref(m, 16, 1)),
        Stage("named", N_("Named"),
              N_("The chairpersons' meeting (主席办公会) of the provincial federation decides and names the Yunling "
                 "Craftsmen."), N_("Then: medal, certificate and a one-time working grant."), ref(m, 17)),
    )


def _workshop(m: str) -> tuple[Stage, ...]:
    return (
        Stage("submitted", N_("Recommended"),
              N_("Your prefecture federation or provincial industry, system or company union recommends the "
                 "application bottom-up; applications in a person's own name or skipping a level are refused."),
              N_("Next: the preliminary review."), ref(m, 13)),
        Stage("preliminary", N_("Preliminary review"),
              N_("The recommending union has experts check the application and fills in 附件1."),
              N_("Next: the eligibility re-check by the leading group's office."), ref(m, 14, 2)),
        Stage("review", N_("Eligibility re-check"),
              N_("The leading group's office re-checks the eligibility of the applications recommended."),
              N_("Next: the expert review."), ref(m, 14, 3)),
        Stage("expert_review", N_("Expert review"),
              N_("Experts score by name, first in specialty groups, then in the comprehensive group, which "
                 "proposes the names."), N_("Next: the public notice (公示)."), ref(m, 15, 3)),
        Stage("publicity", N_("Public notice (公示)"), _PUBLICITY,
              N_("Next: the final decision by the chairpersons' meeting of the provincial federation."),
              ref(m, 16, 1)),
        Stage("named", N_("Named"),
              N_("The chairpersons' meeting (主席办公会) of the provincial federation decides the list; the "
                 "federation makes and presents the plaques."), N_("Then: a one-time working grant."), ref(m, 17)),
    )


_STAGES = {"craftsman": _craftsman(), "studio": _workshop("studio"), "station": _workshop("station")}


def stages(programme: str) -> list[Stage]:
    try:
        return list(_STAGES[programme])
    except KeyError:
        raise ValueError(f"unknown programme {programme!r}; expected one of {', '.join(PROGRAMMES)}") from None


def stage(programme: str, key: str) -> Stage:
    for s in _STAGES[programme]:
        if s.key == key:
            return s
    raise KeyError(f"{programme} has no stage {key!r}")


def _objection_facts(m: str) -> tuple[Fact, ...]:
    return (
        Fact("publicity_days", N_("The public notice lasts {n} working days."), ref(m, 16, 1),
             {"n": PUBLICITY_WORKDAYS}, ("公示时间为5个工作日",)),
        Fact("objection", N_("Objections are made by phone or e-mail during the notice; a true objection "
                             "disqualifies the candidate and the vacancy is not filled."), ref(m, 16, 2), {},
             ("电话或邮件", "取消该公示对象评选资格", "空缺名额不予补足")),
    )


# 云岭工匠: the numbers and rules of 第三、十二条 and after naming (第二十一至二十五、三十二、三十三条).
CRAFTSMAN_FACTS: tuple[Fact, ...] = (
    Fact("per_year", N_("At most {n} people are named each year."), ref("craftsman", 3, 1), {"n": 20},
         ("每年命名人数不超过20名",)),
    Fact("no_repeat", N_("Nobody is named twice."), ref("craftsman", 3, 1), {}, ("不重复命名",)),
    Fact("scoring", N_("Experts score by name on craft expertise, skill level, leading role and achievements, in "
                       "specialty groups and then the comprehensive group."), ref("craftsman", 12, 3), {},
         ("实名打分", "工艺专长、技能水平、领军作用、业绩贡献", "分专业组评审和综合组评审")),
    *_objection_facts("craftsman"),
    Fact("final", N_("The chairpersons' meeting of the provincial federation makes the final decision."),
         ref("craftsman", 17), {}, ("主席办公会审定命名",)),
)

INCENTIVES: tuple[Fact, ...] = (
    Fact("medal", N_("Medal, certificate and a one-time working grant; priority for innovation project funds; "
                     "the Yunnan May Day Labour Medal when the conditions are met."), ref("craftsman", 21), {},
         ("颁发奖章、证书和给予一次性工作经费补助", "云南省五一劳动奖章")),
    Fact("recommend", N_("Priority recommendation for provincial model worker, Great Craftsman of the Year, China "
                         "Quality Craftsman and Most Beautiful Workers of Yunnan."), ref("craftsman", 22), {},
         ("优先推荐",)),
    Fact("recuperation", N_("Priority for union recuperation, training and exchange activities."),
         ref("craftsman", 23), {}, ("疗休养和培训交流",)),
    Fact("studio", N_("May apply to set up a Yunling Craftsman innovation studio, with a plaque and an "
                      "innovation grant once approved."), ref("craftsman", 24), {}, ("云岭工匠创新工作室",)),
    Fact("national_studio", N_("A Yunling Craftsman studio meeting the conditions is recommended with priority for "
                               "the national model studios."), ref("craftsman", 25), {}, ("优先推荐全国示范性",)),
    Fact("studio_relation", N_("A provincial workers' innovation studio or technician station named a Yunling "
                               "Craftsman studio keeps its plaque and is managed as one; one that is also a "
                               "provincial model-worker studio is managed as that; a model-worker studio may not "
                               "apply; working funds are not paid twice."), ref("craftsman", 32), {},
         ("不得申报云岭工匠创新工作室", "工作经费不重复补助")),
)

REVOCATION: tuple[Fact, ...] = tuple(
    Fact(key, text, ref("craftsman", 33, para), {}, (evidence,)) for key, text, para, evidence in (
        ("fraud", N_("breaking the selection rules or procedure, or obtaining the title by fraud"), 2, "弄虚作假骗取称号"),
        ("criminal", N_("a criminal penalty"), 3, "受到刑事处罚"),
        ("ip", N_("infringing intellectual property"), 4, "侵犯知识产权"),
        ("sanction", N_("removal from Party posts or heavier Party discipline, or demotion or heavier government "
                        "sanction"), 5, "撤销党内职务"),
        ("morals", N_("corrupt conduct with a bad social impact"), 6, "道德品质败坏"),
        ("other", N_("other circumstances that make keeping the title unsuitable"), 7, "其他不宜保留称号"),
    )
)
REVOCATION_INTRO = Fact("revocation", N_("The titles 'Yunling Craftsman' and 'Yunnan May Day Labour Medal' are "
                                         "withdrawn, the certificate cancelled and the studio plaque removed for:"),
                        ref("craftsman", 33, 1), {}, ("取消“云岭工匠”“云南省五一劳动奖章”称号",))

WORKSHOP_PROCEDURE_FACTS: dict[str, tuple[Fact, ...]] = {m: _objection_facts(m) for m in ("studio", "station")}
