"""Who may apply for 云南省职工创新工作室 (studio) and 云南省职工技师工作站 (station), 第十条 of each measure,
and the rules that follow naming (第四、十二、十三、十五、二十三至三十条).

``workshop_eligibility("studio" | "station", profile)`` returns a :class:`Verdict`; any failed condition
makes it certain at once. A condition answered "not sure" makes it ``conditional``. The station check first
asks whether the host unit is registered in Yunnan (station 第二条); studio 第二条 sets no such condition. The :class:`Fact` tables carry each rule with the source words it rests on
(``evidence``), which the tests find in the cited article.
"""

from __future__ import annotations

from knowledge.models import ArticleRef, ref
from knowledge.rules.awards import (
    CONDITIONAL,
    ELIGIBLE,
    NOT_ELIGIBLE,
    UNKNOWN,
    UNSURE_OPTION,
    WHOM_HR,
    WHOM_UNION,
    YES_NO_UNSURE,
    Fact,
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

PROGRAMMES = ("studio", "station")

NAMED_YEARS_MIN = 2  # 第十条: named at prefecture/industry level 2 years or more (both measures)
STUDIO_TEAM_MIN = 3  # studio 第十条（二）
STUDIO_PROJECTS_MIN = 1  # studio 第十条（四）: 1~2 projects a year, so at least 1
STATION_AGE_MAX = 55  # station 第十条（二）: 55 周岁（含）以下
STATION_MONTHS_MIN = 6  # station 第十条（二）: 每年在工作室工作6个月以上
STATION_TEAM_MIN = 5  # station 第十条（二）: 领衔一个5人以上专家团队
BATCH_MAX = 30  # 第四条 (both): every two years, at most 30 per batch
REVIEW_CYCLE_YEARS = 3  # 第二十三条
RECTIFY_MONTHS = 6  # 第二十三条: 半年时间整改


def _named_questions(m: str) -> tuple[Question, ...]:
    return (
        Question("named_level", N_("Has it been named by a prefecture (州/市) federation of trade unions or "
                                   "by a provincial industry, system or company union?"), ref(m, 10, 1), options=(
            Option("prefecture", N_("Yes, at prefecture or provincial-industry level"), ("州市", "州（市）", "产业工会")),
            Option("lower", N_("Only by our unit or a county union"), ("县", "单位")),
            Option("none", N_("Not named yet"), ("没有", "还没", "未命名")), UNSURE_OPTION), whom=WHOM_UNION),
        Question("named_years", N_("How long ago was it named at that level?"), ref(m, 10, 1), options=(
            Option("2plus", N_("2 years or more")), Option("under2", N_("Less than 2 years")), UNSURE_OPTION),
                 whom=N_("the naming document of the prefecture or industry union")),
        # 第十条: "做出突出贡献、社会影响力较大的工作室不受本级命名2年以上条件限制" (the measure gives no examples).
        Question("outstanding", N_("Has it made an outstanding contribution, with a wide social influence?"),
                 ref(m, 10, 1), options=YES_NO_UNSURE, whom=WHOM_UNION),
        # 第十条's lead-in also asks for results: 工作室 "且创新成效显著", 工作站 "且带徒传技、攻关革新改造成效特别显著".
        Question("notable_results", N_("Has its innovation been clearly effective (创新成效显著)?") if m == "studio"
                 else N_("Has it been particularly effective in passing skills on to apprentices and in tackling "
                         "technical problems, innovation and improvements (带徒传技、攻关革新改造成效特别显著)?"),
                 ref(m, 10, 1), options=YES_NO_UNSURE, whom=WHOM_UNION),
    )


STUDIO_QUESTIONS: dict[str, Question] = {q.key: q for q in (
    *_named_questions("studio"),
    Question("lead_person", N_("Does the studio have a lead person with expertise, practical experience, "
                               "innovation ability and results of their own?"), ref("studio", 10, 2), options=YES_NO_UNSURE),
    Question("team_size", N_("How many people are in the innovation team? Type a number."), ref("studio", 10, 3),
             kind="number", minimum=0, maximum=10000, bound=("least", STUDIO_TEAM_MIN)),
    Question("team_commended", N_("In recent years, has at least one team member been commended by a higher "
                                  "body for innovation?"), ref("studio", 10, 3), options=YES_NO_UNSURE),
    Question("work_system", N_("Does the studio have clear goals, working rules and regular activities tied to "
                               "the unit's production, research or training?"), ref("studio", 10, 4), options=YES_NO_UNSURE),
    Question("projects_per_year", N_("How many innovation or problem-solving projects set up by the unit does "
                                     "the team take on each year? Type a number."), ref("studio", 10, 5),
             kind="number", minimum=0, maximum=1000, bound=("least", STUDIO_PROJECTS_MIN)),
    Question("recognised_result", N_("In every three years, has at least one result been recognised (award, "
                                     "patent, technical appraisal, adoption) with economic or social benefit?"),
             ref("studio", 10, 6), options=YES_NO_UNSURE),
    Question("premises_funds", N_("Does the studio have fixed premises, equipment and dedicated funds for "
                                  "innovation?"), ref("studio", 10, 7), options=YES_NO_UNSURE),
)}

STATION_QUESTIONS: dict[str, Question] = {q.key: q for q in (
    # 第二条: a station rests on an organisation registered in Yunnan; asked first, as it ends the check.
    Question("host_in_yunnan", N_("Is the host unit (enterprise, school, research institute, training body or "
                                  "skills-training base) registered in Yunnan?"), ref("station", 2),
             options=YES_NO_UNSURE, whom=WHOM_HR),
    *_named_questions("station"),
    Question("unit_conditions", N_("Does the host unit value highly skilled workers (training, evaluation and "
                                   "reward rules in place), provide the money, space and equipment the station "
                                   "needs, solve production problems through its expert team and train highly "
                                   "skilled workers through mentoring?"), ref("station", 10, 2), options=YES_NO_UNSURE),
    Question("lead_award", N_("Has the lead expert won a skill award from a provincial industry authority or "
                              "higher?"), ref("station", 10, 3), options=YES_NO_UNSURE),
    Question("lead_grade", N_("What is the lead expert's skill grade?"), ref("station", 10, 3), options=(
        Option("senior_technician", N_("Senior technician (高级技师)")),
        Option("technician", N_("Technician (技师)")),
        Option("below", N_("Senior worker (高级工) or lower")),
        Option("title_only", N_("Only a professional title, no skill grade")), UNSURE_OPTION),
             whom=N_("the lead expert's skill-grade certificate")),
    Question("lead_age", N_("How old is the lead expert (full years)? Type a number."), ref("station", 10, 3),
             kind="number", minimum=16, maximum=100, bound=("most", STATION_AGE_MAX)),
    Question("lead_months", N_("How many months a year does the lead expert work at the station? Type a number."),
             ref("station", 10, 3), kind="number", minimum=0, maximum=12, unit="month",
             bound=("least", STATION_MONTHS_MIN)),
    Question("team_size", N_("How many people are in the expert team the lead expert leads? Type a number."),
             ref("station", 10, 3), kind="number", minimum=0, maximum=10000, bound=("least", STATION_TEAM_MIN)),
    # 第十条（二） lists these one after another, each required: all of them, not any one.
    Question("lead_abilities", N_("Does the lead expert do all of these: use special skills for technical "
                                  "innovation and improvement, solve hard technical problems to raise productivity, "
                                  "train a number of highly skilled workers, and develop and pass on traditional "
                                  "crafts?"), ref("station", 10, 3), options=YES_NO_UNSURE),
    Question("lead_conduct", N_("Is the lead expert in good health, law-abiding, upright and devoted to the job?"),
             ref("station", 10, 3), options=YES_NO_UNSURE),
)}

QUESTIONS = {"studio": STUDIO_QUESTIONS, "station": STATION_QUESTIONS}

_STUDIO_CHECKS: tuple[tuple[str, str, ArticleRef], ...] = (  # yes/no conditions: key, refusal, article
    ("notable_results", N_("A studio is recommended when its innovation has been clearly effective."),
     ref("studio", 10, 1)),
    ("lead_person", N_("A studio needs a lead person with expertise and innovation results."), ref("studio", 10, 2)),
    ("team_commended", N_("At least one team member must have been commended by a higher body for "
                          "innovation in recent years."), ref("studio", 10, 3)),
    ("work_system", N_("A studio needs clear goals, working rules and regular activities."), ref("studio", 10, 4)),
    ("recognised_result", N_("A studio needs at least one recognised result every three years."),
     ref("studio", 10, 6)),
    ("premises_funds", N_("A studio needs fixed premises, equipment and dedicated funds."), ref("studio", 10, 7)),
)
_STATION_CHECKS: tuple[tuple[str, str, ArticleRef], ...] = (
    ("host_in_yunnan", N_("A technician workstation must rest on an organisation registered in Yunnan."),
     ref("station", 2)),
    ("notable_results", N_("A station is recommended when it has been particularly effective in passing skills "
                           "on and in tackling technical problems and innovation."), ref("station", 10, 1)),
    ("unit_conditions", N_("The host unit must value highly skilled workers, provide money, space and equipment, "
                           "and solve technical problems and train skilled workers through the station."),
     ref("station", 10, 2)),
    ("lead_award", N_("The lead expert must hold a skill award from a provincial industry authority or higher."),
     ref("station", 10, 3)),
    ("lead_abilities", N_("The lead expert must use special skills to innovate, solve technical problems, train "
                          "skilled workers and pass on traditional crafts."), ref("station", 10, 3)),
    ("lead_conduct", N_("The lead expert must be healthy, law-abiding and devoted to the job."), ref("station", 10, 3)),
)


def _named(m: str, p: Profile) -> tuple[list[Reason], list[str], list[Reason]]:
    """第十条 lead-in: (failures, open questions, passing reasons)."""
    r = ref(m, 10, 1)
    level = p.get("named_level")
    if level is None:
        return [], ["named_level"], []
    if level not in ("prefecture", "unsure"):
        return [Reason(N_("It must first be named by a prefecture federation of trade unions or a provincial "
                          "industry, system or company union."), r)], [], []
    if level == "unsure":
        return [], [], []  # a condition of the verdict (see _conditions)
    years = p.get("named_years")
    if years is None:
        return [], ["named_years"], []
    if years == "unsure":
        return [], [], []
    if years == "2plus":
        return [], [], [Reason(N_("Named at prefecture or industry level for {n} years or more."), r,
                               {"n": NAMED_YEARS_MIN})]
    outstanding = truth(p, "outstanding")
    if outstanding is None:
        return [], [] if unsure(p, "outstanding") else ["outstanding"], []
    if outstanding:
        return [], [], [Reason(N_("Named less than {n} years ago, but an outstanding contribution with wide "
                                  "influence lifts the {n}-year condition."), r, {"n": NAMED_YEARS_MIN})]
    return [Reason(N_("It must have been named at prefecture or industry level for {n} years or more (unless it "
                      "made an outstanding contribution with wide influence)."), r, {"n": NAMED_YEARS_MIN})], [], []


def _min(p: Profile, key: str, least: int, message: str, r: ArticleRef, failures: list[Reason],
         open_: list[str]) -> None:
    value = number(p, key)
    if value is None:
        open_.append(key)
    elif value < least:
        failures.append(Reason(message, r, {"n": least, "value": value}))


# Numbers with a least value (key -> least, refusal, article), per programme.
_MINIMA: dict[tuple[str, str], tuple[int, str, ArticleRef]] = {
    ("studio", "team_size"): (STUDIO_TEAM_MIN, N_("The team must have {n} or more people (you have {value})."),
                              ref("studio", 10, 3)),
    ("studio", "projects_per_year"): (STUDIO_PROJECTS_MIN, N_("The team must take on at least {n} project set up "
                                                              "by the unit each year."), ref("studio", 10, 5)),
    ("station", "team_size"): (STATION_TEAM_MIN, N_("The lead expert must lead a team of {n} or more people (you "
                                                    "have {value})."), ref("station", 10, 3)),
    ("station", "lead_months"): (STATION_MONTHS_MIN, N_("The lead expert must work at the station {n} months a "
                                                        "year or more (you said {value})."), ref("station", 10, 3)),
}
_NAMED_KEYS = ("named_level", "named_years", "outstanding")  # decided by _named (notable_results: a check)


def _yes_no(p: Profile, key: str, message: str, where: ArticleRef, failures: list[Reason],
            open_: list[str]) -> None:
    answer = truth(p, key)
    if answer is None and not unsure(p, key):
        open_.append(key)
    elif answer is False:
        failures.append(Reason(message, where))


def _lead_age(p: Profile, key: str, failures: list[Reason], open_: list[str]) -> None:
    age = number(p, key)
    if age is None:
        open_.append(key)
    elif age > STATION_AGE_MAX:
        failures.append(Reason(N_("The lead expert must be {n} or younger ({n} included); you said {value}."),
                               ref("station", 10, 3), {"n": STATION_AGE_MAX, "value": age}))


def _lead_grade(p: Profile, key: str, failures: list[Reason], open_: list[str]) -> None:
    grade = p.get(key)
    if grade is None:
        open_.append(key)
    elif grade not in ("senior_technician", "technician", "unsure"):
        failures.append(Reason(N_("The lead expert must have a skill grade of technician (技师) or above."),
                               ref("station", 10, 3)))


_OTHER_RULES = {("station", "lead_age"): _lead_age, ("station", "lead_grade"): _lead_grade}


def _article_10(m: str, p: Profile) -> tuple[list[Reason], list[str]]:
    """第十条's conditions after the lead-in, in asking order (the host unit, station 第二条, first):
    (failures, open questions)."""
    failures: list[Reason] = []
    open_: list[str] = []
    checks = {key: (message, where) for key, message, where in (_STUDIO_CHECKS if m == "studio" else _STATION_CHECKS)}
    for key in QUESTIONS[m]:
        if key in _NAMED_KEYS:
            continue
        if key in checks:
            _yes_no(p, key, *checks[key], failures, open_)
        if (m, key) in _MINIMA:
            least, message, where = _MINIMA[(m, key)]
            _min(p, key, least, message, where, failures, open_)
        elif (m, key) in _OTHER_RULES:
            _OTHER_RULES[(m, key)](p, key, failures, open_)
    return failures, open_


def workshop_eligibility(programme: str, p: Profile) -> Verdict:
    if programme not in PROGRAMMES:
        raise ValueError(f"unknown programme {programme!r}")
    m = programme
    failures, open_, passed = _named(m, p)
    more_failures, more_open = _article_10(m, p)
    failures += more_failures
    open_ += more_open
    if failures:
        return Verdict(m, NOT_ELIGIBLE, tuple(failures))
    if open_:
        open_.sort(key=lambda k: k != "host_in_yunnan")  # station 第二条 decides first
        return Verdict(m, UNKNOWN, tuple(passed), unknown=tuple(open_))
    conditions = [unsure_reason(QUESTIONS[m][k]) for k in QUESTIONS[m] if unsure(p, k)]
    return Verdict(m, CONDITIONAL if conditions else ELIGIBLE, (
        *conditions,
        *passed,
        Reason(N_("The other conditions of Article 10 are met.") if conditions else
               N_("All conditions of Article 10 are met."), ref(m, 10)),
        Reason(N_("The application goes only through the union hierarchy: your prefecture federation of trade "
                  "unions or provincial industry, system or company union recommends it. Applications in a "
                  "person's own name or skipping a level are not accepted."), ref(m, 13, 2), decisive=False),
        Reason(N_("The provincial federation names a batch every two years, in principle at most {n} per batch."),
               ref(m, 4), {"n": BATCH_MAX}, decisive=False),
    ))


def _workshop_facts(m: str) -> tuple[Fact, ...]:
    noun = N_("studio") if m == "studio" else N_("station")
    uses = "资料文印" if m == "studio" else "书报资料购置"
    return (
        Fact("batch", N_("Named every two years, in principle at most {n} per batch."), ref(m, 4),
             {"n": BATCH_MAX}, ("每两年命名一批", "每批不超过30个")),
        Fact("hierarchy", N_("Recommended bottom-up through the union hierarchy by the prefecture federation or "
                             "the provincial industry, system or company union; no application in a person's own "
                             "name and no skipping a level."), ref(m, 13), {}, ("按工会隶属关系", "不受理以个人名义申报和越级申报")),
        Fact("review_cycle", N_("Re-examined every {years} years; if it fails, it has {months} months to put things "
                                "right, and is stripped of the title and plaque if it fails again."), ref(m, 23, 1),
             {"years": REVIEW_CYCLE_YEARS, "months": RECTIFY_MONTHS}, ("以三年为一个考核周期", "给予半年时间整改", "撤销")),
        Fact("lead_leaves", N_("If the lead person it is named after leaves (transfer, retirement, serious fault), "
                               "the union applies level by level: renaming when work continues normally, "
                               "revocation of the plaque when it cannot."), ref(m, 24),
             {}, ("调动、退休或重大过失", "更名申请", "撤销申请")),
        Fact("other_titles", N_("If it is also named a Yunling Craftsman studio or a provincial model-worker "
                                "studio, it is managed as that one (model-worker studio first); working funds are "
                                "never paid twice."), ref(m, 25), {}, ("云岭工匠创新工作室", "劳模创新工作室", "工作经费不重复补助")),
        Fact("daily_funds", N_("Day-to-day costs are borne mainly by the host unit."), ref(m, 26), {}, ("所在单位承担",)),
        Fact("grant", N_("Once named, the provincial federation gives a one-time working grant; the prefecture or "
                         "industry union may add support."), ref(m, 27), {}, ("一次性",)),
        Fact("project_funds", N_("It may apply with priority for the provincial workers' innovation project "
                                 "funds."), ref(m, 28), {}, ("优先申请云南省职工创新项目补助资金",)),
        Fact("uses", N_("Funds pay for research and development, equipment, materials, office supplies, books, "
                        "mentoring, skill exchange, technical problem-solving and training."), ref(m, 30), {},
             ("研究、开发", uses)),
        Fact("forbidden", N_("Funds must not be diverted, withheld or misused, nor spent on hospitality, staff "
                             "benefits or allowances against the Eight-point Regulation."), ref(m, 30), {},
             ("不得挤占、截留、挪用", "不得用于接待费、发放", "严禁用于乱发津补贴")),
        Fact("accountable", N_("The lead person manages the {noun} and answers for the use of its funds."),
             ref(m, 29), {"noun": noun}, ("主体责任人",)),
        Fact("publicity", N_("The names proposed are published for {n} working days; the unit publishes them at "
                             "the same time."), ref(m, 16, 1), {"n": 5}, ("公示时间为5个工作日",)),
    )


FACTS: dict[str, tuple[Fact, ...]] = {m: _workshop_facts(m) for m in PROGRAMMES}

# 第十二条 materials; 第十五条 review criteria.
MATERIALS: dict[str, tuple[Fact, ...]] = {m: (
    Fact("letter", N_("Recommendation and commitment letter (附件1), filled in and stamped by the prefecture "
                      "federation or provincial industry, system or company union."), ref(m, 12, 2), {}, ("推荐承诺书",)),
    Fact("form", N_("Application form (附件2), filled in and stamped by the host unit."), ref(m, 12, 3), {},
         ("申报表",)),
    Fact("founding", N_("Proof that it was set up."), ref(m, 12, 5), {}, ("成立的证明材料",)),
    Fact("named", N_("Proof of naming by the prefecture federation or provincial industry, system or company "
                     "union."), ref(m, 12, 6), {}, ("被命名为",)),
    Fact("certificates", N_("Copies or scans of members' qualification, skill-grade and education certificates "
                            "and honours won through its activities."), ref(m, 12, 7), {}, ("复印件或扫描件",)),
    Fact("rules", N_("Its management rules, working system, work plan and activity records."), ref(m, 12, 8), {},
         ("管理办法、工作制度、工作计划",)),
    Fact("results", N_("Results of the last 2 years: projects, award, patent and appraisal certificates, proof "
                       "of adoption."), ref(m, 12, 9), {}, ("2年来的研究项目",)),
    Fact("plan", N_("Its goals and plans for the coming years."), ref(m, 12, 10), {}, ("今后目标规划",)),
    Fact("other", N_("Any other proof that it meets the conditions."), ref(m, 12, 11), {}, ("其它能证明",)),
) for m in PROGRAMMES}

REVIEW_CRITERIA: dict[str, Fact] = {
    "studio": Fact("criteria", N_("Experts score by name the economic or social benefit of scientific, "
                                  "management, technical, mechanism and service innovation, first in specialty "
                                  "groups, then in the comprehensive group."), ref("studio", 15, 3), {},
                   ("实名打分", "科技创新、管理创新、技术创新、机制创新、服务创新")),
    "station": Fact("criteria", N_("Experts score by name problem-solving and upgrading, innovation results, "
                                   "mentoring and results of activities, first in specialty groups, then in the "
                                   "comprehensive group."), ref("station", 15, 3), {},
                    ("实名打分", "攻关改造、革新成果、带徒传技、活动成效")),
}
