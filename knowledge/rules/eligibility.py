"""Who may apply for 云岭工匠 (Yunling Craftsman measures 第三、五、六、七、八条).

``craftsman_eligibility(profile)`` reads the answers below (missing = not answered) and returns a
:class:`~knowledge.rules.awards.Verdict`. Disqualifying answers are looked at first, so a verdict is
certain as soon as one is known; otherwise ``unknown`` lists the next questions in asking order. A fact answered "not sure", or an investigation
still running (第八条（一）（六）), makes the verdict ``conditional``: its first reasons say what to check and
with whom.
Age, sex, education, rank, title, skill level and years of work are never grounds for refusal (第五条).
"""

from __future__ import annotations

from knowledge.models import ref
from knowledge.rules.awards import (
    CONDITIONAL,
    DIRECT,
    ELIGIBLE,
    NEEDS_REVIEW,
    NOT_ELIGIBLE,
    OTHER,
    UNKNOWN,
    UNSURE,
    UNSURE_OPTION,
    WHOM_HR,
    WHOM_RECOMMENDER,
    WHOM_UNION,
    YES_NO_UNSURE,
    Option,
    Profile,
    Question,
    Reason,
    Verdict,
    number,
    truth,
    unsure,
    unsure_reason,
)
from knowledge.text import N_

M = "craftsman"

# 第三条: at most 20 named a year, never named twice.
MAX_NAMED_PER_YEAR = 20
# 第六条: direct recognition thresholds.
WORLDSKILLS_TOP = 6
NATIONAL_CONTEST_TOP = 3
# 第五条: these never limit eligibility.
UNLIMITED_FACTS = ("age", "sex", "education", "rank", "title", "skill_level", "years_of_work")

CRITERIA = {  # 第五条（一）（二）（三）: value -> (name, paragraph)
    "skill": (N_("Superb craftsmanship (技艺精湛高超)"), 2),
    "leading": (N_("Outstanding leading role (领军作用突出)"), 3),
    "contribution": (N_("Remarkable contribution (贡献卓越显著)"), 4),
}

EXCLUSIONS = {  # 第八条 (一)–(四), (六): value -> (message, paragraph)
    "violation": (N_("People with serious violations of discipline or law cannot be candidates."), 2),
    "political": (N_("People who violated political discipline and rules cannot be candidates."), 3),
    "discipline": (N_("People still within the effect period of an admonishment, organisational measure or "
                      "Party/government disciplinary sanction cannot be candidates."), 4),
    "credit": (N_("People listed by law as targets of joint punishment for dishonesty cannot be candidates."), 5),
    "other": (N_("People unsuitable as candidates for other reasons cannot be candidates."), 7),
}

HEAD_ISSUES = {  # 第八条（五）: the enterprise-head case, four grounds
    "accident": N_("a serious (较大) or worse work-safety or occupational-disease accident in the last 3 years"),
    "wages": N_("wages owed to workers without good reason"),
    "insurance": N_("social insurance contributions not paid as required"),
    "no_union": N_("no trade union set up as the law requires"),
}

PRIORITY_HONOURS = {  # 第七条
    "china_skill_award": N_("China Skills Award (中华技能大奖)"),
    "national_technical_expert": N_("National Technical Expert (全国技术能手)"),
    "xingdian_talent": N_("Yunnan Xingdian Talent Award (兴滇人才奖)"),
    "provincial_model_worker": N_("Yunnan Provincial Model Worker (云南省劳动模范)"),
    "thousand_talents": N_("Yunnan Thousand Talents special programme (千人计划专项)"),
    "ten_thousand_talents": N_("Yunnan Ten Thousand Talents special programme (万人计划专项)"),
    "yunling_skill_master": N_("Yunling Skill Master (云岭技能大师)"),
    "provincial_contest_champion": N_("Champion of the Yunnan workers' skills contest (职工职业技能大赛技术状元)"),
}

# Words people type for the honours (matched in free text; the list of 第七条 is open: "等荣誉称号").
PRIORITY_SYNONYMS = {
    "china_skill_award": ("中华技能大奖",),
    "national_technical_expert": ("全国技术能手", "技术能手"),
    "xingdian_talent": ("兴滇人才",),
    "provincial_model_worker": ("云南省劳动模范", "省劳动模范", "省劳模", "省级劳模", "省级劳动模范"),
    "thousand_talents": ("千人计划",),
    "ten_thousand_talents": ("万人计划",),
    "yunling_skill_master": ("云岭技能大师",),
    "provincial_contest_champion": ("技术状元",),
}
DIRECT_SYNONYMS = {
    "great_craftsman": ("大国工匠",),
    "quality_craftsman": ("中国质量工匠", "质量工匠"),
    "worldskills": ("世界技能大赛", "世赛", "worldskills"),
    "national_contest": ("全国职业技能大赛", "国赛"),
}

DIRECT_HONOURS = {  # 第六条
    "great_craftsman": N_("Great Craftsman of the Year (大国工匠年度人物)"),
    "quality_craftsman": N_("China Quality Craftsman (中国质量工匠)"),
    "worldskills": N_("WorldSkills Competition (世界技能大赛)"),
    "national_contest": N_("National Vocational Skills Contest (全国职业技能大赛)"),
}

_CRITERIA_HELP = N_(  # 第五条（一）（二）（三）, and the form's notes (附件2 填报要求 1, 2); no examples: the text gives none
    "Meeting any one of the three is enough:\n"
    "1. Superb craftsmanship: your skill leads your trade in Yunnan or China, you created your own working "
    "methods and pass them on.\n"
    "2. Outstanding leading role: you lead a team to solve hard problems, created an operating method the "
    "trade recognises, and train apprentices.\n"
    "3. Remarkable contribution: you solved key production problems or achieved technical results that "
    "brought major economic or social benefit.\n"
    "The measures set no figures for them: on the application form you fill in at least one and prove it with "
    "evidence stamped by your unit.")

INVESTIGATION = "investigation"  # 第八条（一）（六）: not decided yet, so the verdict is conditional
# With the Southwestern Mandarin of Yunnan: 没得 / 莫得 (there is none).
_NONE = ("没有", "都没有", "无", "都不是", "没得", "都没得", "莫得", "都莫得", "一个都没有", "一样都没有", "none",
         "no", "none of them", "nothing")
_FINAL = Option("final", N_("Yes, in the final"), ("决赛",))
_PRELIMINARY = Option("preliminary", N_("No, only in selection or preliminary rounds"), ("选拔赛", "预赛", "初赛"))

QUESTIONS: dict[str, Question] = {q.key: q for q in (
    Question("already_named", N_("Have you already been named a Yunling Craftsman before?"), ref(M, 3, 1),
             options=YES_NO_UNSURE, whom=WHOM_UNION),
    Question("chinese_national", N_("Are you a Chinese national?"), ref(M, 5, 1), options=YES_NO_UNSURE,
             whom=WHOM_HR),
    Question("unit_in_yunnan",
             N_("Is the unit you work for registered in Yunnan? (If you run your own business: is it "
                "registered in Yunnan?)"), ref(M, 5, 1), options=YES_NO_UNSURE, whom=WHOM_HR),
    Question("exclusion", N_("Does any of the following apply to you? Choose the first that does, or 'none'."),
             ref(M, 8, 1), options=(
                 Option("none", N_("None of these"), _NONE),
                 Option("violation", N_("Serious violation of discipline or law"), ("严重违纪", "违法")),
                 Option("political", N_("Violation of political discipline and rules"), ("政治纪律", "政治规矩")),
                 Option("discipline", N_("Still under the effect period of an admonishment or disciplinary "
                                         "sanction"), ("诫勉", "处分", "组织处理")),
                 Option("credit", N_("Listed as a target of joint punishment for dishonesty (失信)"),
                        ("失信", "老赖", "黑名单")),
                 Option(INVESTIGATION, N_("Currently under investigation, not yet concluded"),
                        ("正在接受调查", "接受调查", "被调查", "调查", "审查", "立案", "investigat")),
                 Option("other", N_("Another serious reason that makes me unsuitable")),
                 UNSURE_OPTION,
             ), whom=WHOM_RECOMMENDER),
    Question("enterprise_head", N_("Are you the head (legal representative or principal) of an enterprise?"),
             ref(M, 8, 6), options=YES_NO_UNSURE, whom=WHOM_HR),
    Question("head_issue", N_("Has your enterprise had any of the following? Choose the first that applies."),
             ref(M, 8, 6), options=(Option("none", N_("None of these"), _NONE),
                                    *(Option(k, v) for k, v in HEAD_ISSUES.items()), UNSURE_OPTION),
             whom=N_("your enterprise's safety, payroll and social-insurance records and its trade union")),
    Question("direct_honour", N_("Have you won any of these? (They can lead to direct recognition.)"),
             ref(M, 6), options=(Option("none", N_("None of these"), _NONE),
                                 *(Option(k, v, DIRECT_SYNONYMS[k]) for k, v in DIRECT_HONOURS.items()),
                                 UNSURE_OPTION)),
    Question("worldskills_stage", N_("At the WorldSkills Competition, did you compete in the final?"),
             ref(M, 6), options=(_FINAL, _PRELIMINARY, UNSURE_OPTION)),
    Question("worldskills_rank", N_("What was your place in the WorldSkills final? Type a number, e.g. 5."),
             ref(M, 6), kind="number", minimum=1, maximum=200),
    Question("contest_class", N_("Which class was the national contest?"), ref(M, 6), options=(
        Option("class1", N_("Class I (一类)"), ("一类",)), Option("class2", N_("Class II (二类)"), ("二类",)),
        Option("other", N_("Another or not sure")), UNSURE_OPTION)),
    Question("contest_stage", N_("Did you compete in the national final?"), ref(M, 6), options=(
        _FINAL, _PRELIMINARY, UNSURE_OPTION)),
    Question("contest_rank", N_("What was your place in the national final? Type a number, e.g. 2."),
             ref(M, 6), kind="number", minimum=1, maximum=1000),
    Question("criterion", N_("Which of these describes you best?"), ref(M, 5, 1), options=(
        *(Option(k, v[0]) for k, v in CRITERIA.items()),
        Option("none", N_("None of them"), _NONE), Option(UNSURE, N_("Not sure"), UNSURE_OPTION.synonyms)),
        help=_CRITERIA_HELP),
    Question("priority_honour",
             N_("Do you hold any of these titles? They give priority in the selection. (Another title: type "
                "its name.)"), ref(M, 7),
             options=(Option("none", N_("None of these"), _NONE),
                      *(Option(k, v, PRIORITY_SYNONYMS[k]) for k, v in PRIORITY_HONOURS.items()), UNSURE_OPTION),
             open_list=True),
)}

GATE_ORDER = ("already_named", "chinese_national", "unit_in_yunnan", "exclusion", "enterprise_head")


def _gate_failures(p: Profile) -> list[Reason]:
    out: list[Reason] = []
    if truth(p, "already_named"):
        out.append(Reason(N_("A person is never named Yunling Craftsman twice."), ref(M, 3, 1)))
    if truth(p, "chinese_national") is False:
        out.append(Reason(N_("Only Chinese nationals can apply."), ref(M, 5, 1)))
    if truth(p, "unit_in_yunnan") is False:
        out.append(Reason(N_("The applicant's unit must be registered in Yunnan."), ref(M, 5, 1)))
    excl = p.get("exclusion")
    if isinstance(excl, str) and excl in EXCLUSIONS:
        message, para = EXCLUSIONS[excl]
        out.append(Reason(message, ref(M, 8, para)))
    issue = p.get("head_issue")
    if truth(p, "enterprise_head") and isinstance(issue, str) and issue in HEAD_ISSUES:
        out.append(Reason(N_("An enterprise head whose enterprise had {issue} cannot be a candidate."),
                          ref(M, 8, 6), {"issue": HEAD_ISSUES[issue]}))
    return out


def _conditions(p: Profile) -> list[Reason]:
    """What is not certain yet: gates answered "not sure", and an investigation still running."""
    out = [unsure_reason(QUESTIONS[k]) for k in GATE_ORDER if unsure(p, k)]
    if truth(p, "enterprise_head") and unsure(p, "head_issue"):
        out.append(unsure_reason(QUESTIONS["head_issue"]))
    if p.get("exclusion") == INVESTIGATION:
        # 第八条 names no investigation: only what a finding would mean, and that the text leaves the rest open.
        out.append(Reason(N_("The measures do not say whether an investigation still under way rules you out; a "
                             "serious violation of discipline or law does."), ref(M, 8, 2)))
        out.append(Reason(N_("So do other reasons that make a person unsuitable. Ask the union that would recommend "
                             "you, or type 'human'."), ref(M, 8, 7)))
    return out


def _gates_open(p: Profile) -> list[str]:
    keys = [k for k in GATE_ORDER if p.get(k) is None]
    if truth(p, "enterprise_head") and p.get("head_issue") is None:
        keys.append("head_issue")
    return keys


def _direct(p: Profile) -> tuple[bool | None, list[Reason], list[str]]:
    """Whether 第六条 applies: (decided?, reasons, questions still open)."""
    honour = p.get("direct_honour")
    r6 = ref(M, 6)
    if honour is None:
        return None, [], ["direct_honour"]
    if honour in (UNSURE, OTHER):
        return False, [Reason(N_("Direct recognition is only for the honours listed in Article 6; if you are "
                                 "not sure which you hold, your application goes through the normal review and "
                                 "your union can check it."), r6, decisive=False)], []
    if honour in ("great_craftsman", "quality_craftsman"):
        return True, [Reason(N_("Holders of {honour} may be recognised directly."), r6,
                             {"honour": DIRECT_HONOURS[str(honour)]})], []
    if honour == "worldskills":
        return _ranked(p, "worldskills_stage", "worldskills_rank", WORLDSKILLS_TOP,
                       N_("WorldSkills Competition final"))
    if honour == "national_contest":
        cls = p.get("contest_class")
        if cls is None:
            return None, [], ["contest_class"]
        if cls != "class1":
            return False, [Reason(N_("Only Class I (一类) national contests can lead to direct recognition; "
                                     "your application goes through the normal review."), r6, decisive=False)], []
        return _ranked(p, "contest_stage", "contest_rank", NATIONAL_CONTEST_TOP,
                       N_("National Vocational Skills Contest (Class I) final"))
    return False, [], []


def _ranked(p: Profile, stage_key: str, rank_key: str, top: int,
            contest: str) -> tuple[bool | None, list[Reason], list[str]]:
    r6 = ref(M, 6)
    stage = p.get(stage_key)
    if stage is None:
        return None, [], [stage_key]
    if stage == UNSURE:
        return False, [Reason(N_("Only places in the final count for direct recognition; if you are not sure you "
                                 "reached it, your application goes through the normal review."), r6,
                              decisive=False)], []
    if stage != "final":
        return False, [Reason(N_("Only places in the final count for direct recognition, not preliminary "
                                 "rounds; your application goes through the normal review."), r6,
                              decisive=False)], []
    rank = number(p, rank_key)
    if rank is None:
        return None, [], [rank_key]
    params = {"contest": contest, "rank": rank, "top": top}
    if rank <= top:
        return True, [Reason(N_("Place {rank} in the {contest} is within the top {top}: direct recognition "
                                "is possible."), r6, params)], []
    return False, [Reason(N_("Place {rank} in the {contest} is outside the top {top} needed for direct "
                             "recognition; your application goes through the normal review."), r6, params,
                          decisive=False)], []


def priority_found(p: Profile) -> tuple[str, ...]:
    raw = p.get("priority_honours", p.get("priority_honour"))
    values = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list | tuple) else []
    return tuple(v for v in values if v in PRIORITY_HONOURS)


def _notes(p: Profile) -> list[Reason]:
    notes = [Reason(N_("Age, sex, education, rank, professional title, skill level and years of work do not "
                       "limit who may apply."), ref(M, 5, 1), decisive=False)]
    notes.append(Reason(N_("At most {n} people are named each year, so meeting the conditions does not "
                           "guarantee the title."), ref(M, 3, 1), {"n": MAX_NAMED_PER_YEAR}, decisive=False))
    return notes


def craftsman_eligibility(p: Profile) -> Verdict:
    failures = _gate_failures(p)
    if failures:
        return Verdict(M, NOT_ELIGIBLE, tuple(failures))
    open_gates = _gates_open(p)
    direct, direct_reasons, direct_open = _direct(p)
    if direct is True:
        if open_gates:
            return Verdict(M, UNKNOWN, tuple(direct_reasons), unknown=tuple(open_gates))
        conditions = _conditions(p)
        if conditions:
            return Verdict(M, CONDITIONAL, (*conditions, *direct_reasons, *_notes(p)[1:]))
        return Verdict(M, DIRECT, (*direct_reasons, *_notes(p)[1:]))
    unknown = [*open_gates, *direct_open]
    criterion = p.get("criterion")
    reasons: list[Reason] = list(direct_reasons)
    if criterion is None:
        unknown.append("criterion")
    elif criterion == "none" and direct is False:  # certain whatever the open gates say
        return Verdict(M, NOT_ELIGIBLE, (*reasons, Reason(
            N_("An applicant must meet at least one of the three conditions: superb craftsmanship, "
               "outstanding leading role or remarkable contribution."), ref(M, 5, 1))))
    if unknown:
        return Verdict(M, UNKNOWN, tuple(reasons), unknown=tuple(unknown))
    priority = priority_found(p)
    if p.get("priority_honour") is None and p.get("priority_honours") is None:
        unknown.append("priority_honour")
    for key in priority:
        reasons.append(Reason(N_("{honour}: priority in the selection."), ref(M, 7),
                              {"honour": PRIORITY_HONOURS[key]}))
    other = p.get("priority_honour_text")
    if p.get("priority_honour") == OTHER and isinstance(other, str) and other:
        reasons.append(Reason(N_("{honour} is not named in Article 7, but its list is open ('等'): it may count "
                                 "for priority; the review committee decides."), ref(M, 7), {"honour": other},
                              decisive=False))
    if criterion == "unsure":
        outcome = NEEDS_REVIEW
        reasons.insert(0, Reason(N_("Whether you meet one of the three conditions is judged at the preliminary "
                                    "review by the union that recommends you; gather proof of your skill, "
                                    "leadership or contribution."), ref(M, 5, 1)))
    else:
        name, para = CRITERIA[str(criterion)]
        outcome = ELIGIBLE
        reasons.insert(0, Reason(N_("You meet the basic conditions and the condition '{criterion}'."),
                                 ref(M, 5, para), {"criterion": name}))
    conditions = _conditions(p)
    if conditions:
        outcome = CONDITIONAL
    return Verdict(M, outcome, (*conditions, *reasons, *_notes(p)), priority=priority, unknown=tuple(unknown))
