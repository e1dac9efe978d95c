"""extract(): the facts a message states about the person (or their studio, station or class), section by
section: programme, the person's numbers, traits, place, standing, the group's numbers, the route of 第九条
and the training class."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.facts.model import AGE_RANGE, CLASS_RANGES, HONOURS, WORKING_AGE_MIN, YEARS_MAX, Facts, Problem
from knowledge.facts.numbers import (
    _AGE,
    _DAYS,
    _NAMED_YEARS,
    _NAMED_YEARS_LOOSE,
    _REFERRERS,
    _TEAM,
    _TEAM_LOOSE,
    _TRAINEES,
    BOUND,
    _arabic,
    _first,
    _first_outside,
    _years,
    normalize,
    taken_back,
)
from knowledge.facts.places import _places, _unit_in_yunnan
from knowledge.facts.traits import (
    _EXCLUSIONS,
    _HEAD_ISSUES,
    _SKILL,
    _TITLE,
    _contest,
    _first_said,
    _flag,
    _named_level,
    _negated,
    _skill_grade,
    sanction_period,
)
from knowledge.rules.award_workshops import NAMED_YEARS_MIN

Kw = dict[str, object]

_STUDIO_STRONG = r"创新工作室|职工[^，,。]{0,4}工作室|innovation studio"
# (Slips of pinyin input in the names, 工做站 or 陪训班, are read as the names: numbers.SLIPS.)
_PROGRAMMES = (
    ("station", r"技师工作站|工作站|技师站|workstation|(?<!power )(?<!hydropower )(?<!gas )(?<!bus )(?<!railway )(?<!police )"
                r"\bstation\b"),
    ("studio", r"创新工作室|工作室|\bstudio\b"),
    ("craftsman", r"云岭工匠|工匠|craftsman"),
    ("training", r"培训|参训|学技术的班|技能班|技术班|(?:这期|那期|一期)班|的班(?=[，,。？?！!])|鉴定费|"
                 r"\btraining\b|\btrainees?\b|\bcourse\b|upgrad(?:e|ing) (?:class|course|program)|"
                 r"skills? (?:class|course|upgrad)"),
)
_TRAINEE_KINDS = (
    ("poverty_migrant", r"搬迁[^，,。]{0,10}农民工|relocat[^,.]{0,20}migrant"),
    ("poor", r"建档立卡|贫困户|贫困劳动力|贫困人口|registered poor|poor household"),
    ("unemployed", r"失业|下岗|转岗|待业|unemployed|laid[- ]off|changing jobs|lost (?:their|his|her|my) jobs?"),
    ("migrant", r"农民工|打工|migrant"),
    ("employed", r"在岗职工|在职|在岗|一线(?:职工|工人|员工)|(?:公司|单位|厂|企业)[^，,。]{0,6}"
                 r"(?:职工|员工|工人)|(?:想|要)给(?:我们)?的?(?:员工|职工|工人)办|"
                 r"employed worker|frontline|employees|in-service (?:staff|workers)|on-the-job (?:staff|workers)|"
                 r"(?:company|factory|plant|firm) has \d+ [a-z ]{0,20}workers"),
)


_BOUNDED = re.compile(rf"({BOUND})\s*(\d+)(?![.\d])"
                      r"(\s*(?:周?岁|个?人|名|天|日|days?|people|persons|members|years old)?)")
_BELOW = re.compile(r"不到|没到|未到|不满|未满|没满|少于|低于|小于|不足|不够|fewer|less|younger|under|below")


def _past_the_bound(m: re.Match[str], said: list[tuple[int, str]]) -> str:
    """Below a bound, the number under it; above one, the number over it when it is an age, a head count or
    days (checked against a rule's bound). "干了超过20年", "over 40 years" stay as said: how long one has
    worked is said roughly and bounds nothing. Each number changed, with the words it was said in, is added
    to ``said``."""
    below = _BELOW.match(m[1]) is not None
    if not below and not m[3].strip():
        return m[0]
    number = max(int(m[2]) + (-1 if below else 1), 0)
    said.append((number, m[0].strip()))
    return f"{m[1]}{number}{m[3]}"


def extract(text: str) -> Facts:
    """The facts ``text`` states about the person (or their studio, station or class)."""
    t = normalize(text)
    # "我42，不对，43了": the numbers as finally said; one said against a bound is the nearest whole number past it
    # ("团队不到5个人" 4, "超过55岁" 56, "不到一年" 0): read as the bound itself, the check would find it met.
    bounded: list[tuple[int, str]] = []
    n = _BOUNDED.sub(lambda m: _past_the_bound(m, bounded), taken_back(_arabic(t)))
    problems: list[Problem] = []
    # Programme first: it tells whose age a number is and what a head count counts.
    programme = _programme(t)
    group = programme in ("station", "studio")
    kw: Kw = {"programme": programme}
    kw |= _person_numbers(n, group, problems)
    kw |= _traits(t, n)
    kw |= _where(t)
    kw |= _standing(t)
    kw |= _group_numbers(t, n, group, problems)
    kw |= _route(t, n, programme)
    if kw.get("route") == "referral":
        _theirs_not_nominees(kw, n)
    kw |= _training(t, n, programme, problems)
    kw["problems"] = tuple(problems)
    kw["said"] = tuple(bounded)
    return Facts(**{k: v for k, v in kw.items() if v is not None})  # type: ignore[arg-type]


# The year a studio or station was named ("2021年被市总工会命名", "命名于2019年", "named by the city union in 2021").
_NAMED_IN = re.compile(r"((?:19|20)\d{2})\s*年[^，,。；;]{0,12}命名|命名(?:于|在|是)\s*((?:19|20)\d{2})\s*年|"
                       r"\bnamed\b[^.;]{0,40}?\bin\s+((?:19|20)\d{2})\b|\bin\s+((?:19|20)\d{2})\b[^.;]{0,30}?\bnamed\b")


def named_in(text: str) -> int | None:
    """The calendar year ``text`` says its studio or station was named in, or None. (How long ago that is depends
    on today: the caller's to work out.)"""
    m = _NAMED_IN.search(normalize(text))
    return int(next(g for g in m.groups() if g)) if m else None


def named_years_ago(year: int, this_year: int) -> int | None:
    """Whole years since a naming in ``year``, as of ``this_year``, when that decides 第十条's two years
    (``NAMED_YEARS_MIN``) either way; None for a year that cannot be a naming's, or for exactly that many calendar
    years back (2024 in 2026 may be less than two years: the check asks)."""
    if not 1949 <= year <= this_year:
        return None
    ago = this_year - year
    return None if ago == NAMED_YEARS_MIN else ago


def programme_named(text: str) -> str | None:
    """The programme ``text`` names in so many words ("技师工作站", "innovation studio"), or None."""
    return _programme(normalize(text))


def _programme(t: str) -> str | None:
    programme = next((value for value, pattern in _PROGRAMMES if re.search(pattern, t)), None)
    if programme == "studio" and not re.search(_STUDIO_STRONG, t) and re.search(_PROGRAMMES[2][1], t):
        return "craftsman"  # "runs his own pottery studio ... Yunling Craftsman"
    return programme


def _person_numbers(n: str, group: bool, problems: list[Problem]) -> Kw:
    """Age (a studio's or station's age is its lead expert's) and years in the trade; impossible values and
    a contradiction between them are problems, not facts."""
    age = _first(_AGE, n)
    lead_age = None
    if age is not None and group:
        lead_age, age = age, None
    years = _years(n, group)
    if age is not None and not AGE_RANGE[0] <= age <= AGE_RANGE[1]:
        problems.append(Problem("impossible", ("age",), (age,)))
        age = None
    if years is not None and not 0 <= years <= YEARS_MAX:
        problems.append(Problem("impossible", ("years_in_trade",), (years,)))
        years = None
    if age is not None and years is not None and years > age - WORKING_AGE_MIN:
        problems.append(Problem("contradiction", ("age", "years_in_trade"), (age, years)))
        age = years = None
    if lead_age is not None and not AGE_RANGE[0] <= lead_age <= AGE_RANGE[1]:
        problems.append(Problem("impossible", ("lead_age",), (lead_age,)))
        lead_age = None
    if lead_age is not None and years is not None and years > lead_age - WORKING_AGE_MIN:
        problems.append(Problem("contradiction", ("lead_age", "years_in_trade"), (lead_age, years)))
        lead_age = years = None
    return {"age": age, "lead_age": lead_age, "years_in_trade": years}


def _traits(t: str, n: str) -> Kw:
    """Skill grade, professional title, honours and contest placing."""
    title = next((value for value, pattern in _TITLE if _said(pattern, t)), None)  # not "我们县没有高工"
    honours = tuple(name for name, pattern in HONOURS if (m := re.search(pattern, t)) and not _negated(t, m.start()))
    if "全国劳动模范" in honours and "云南省劳动模范" in honours and not re.search(r"(?<!全国)省", t):
        honours = tuple(h for h in honours if h != "云南省劳动模范")
    return {"skill_grade": _skill_grade(t), "title_level": title, "honours": honours, "contest": _contest(n)}


def _where(t: str) -> Kw:
    """Nationality, household and work place, and whether the unit is registered in Yunnan."""
    national = _flag(t, r"中国籍|中国公民|中国国籍|chinese (?:national|citizen)",
                     r"外籍|外国籍|外国人|(?:缅甸|越南|老挝|泰国|柬埔寨|印度|(?!中)[\u4e00-\u9fff]国)籍|"
                     r"foreign (?:national|citizen)|foreigner|not (?:a )?chinese|"
                     r"(?:myanmar|burmese|vietnamese|lao|laotian|thai|german|american|british|french|japanese|"
                     r"korean|indian|russian) (?:national|citizen|worker|engineer|technician|man|woman)")
    household, work = _places(t)
    return {"chinese_national": national, "household_place": household, "work_place": work,
            "unit_in_yunnan": _unit_in_yunnan(t, work)}


_HEAD = re.compile(r"法人|法定代表人|老板|总经理|董事长|厂长|矿长|场长|企业负责人|(?:公司|企业)的?负责人|"
                   r"\bboss\b|general manager|managing director|\bceo\b|legal representative|"
                   r"owner of (?:the|a|my) (?:company|firm)|head of (?:the|an|my) (?:company|enterprise)")
# Heading one's own: "自己开了个汽修厂", "我在景洪开了个傣陶作坊，请了十几个工人" (a workshop of one's own hands alone
# is self-employment), "I run my own company".
_OWN_ENTERPRISE = re.compile(r"自己开(?:了)?(?:个|一个|一家|家)?[^，,。]{0,4}(?:厂|公司)|自己当老板|"
                             r"(?:我|本人)[^，,。；;]{0,12}开了?(?:个|一个|一家|家)[^，,。]{0,6}(?:厂|公司)|"
                             r"(?:我|自己|本人)[^，,。；;]{0,12}开了?(?:个|一个|一家|家)?[^，,。]{0,6}作坊[，,]?"
                             r"(?:请|雇|招)了?[^，,。]{0,4}(?:工人|员工|人)|"
                             r"\b(?:i|we) (?:run|own) (?:a|an|my|our) (?:own )?(?:company|firm|factory|business)\b")
# The writer says it of themself in the clause: "我是个小建筑公司老板", "我是一家矿山企业的法人", "是老板也是技术带头人"
# (the subject left out), "I am the managing director of …".
_SELF_BEFORE = re.compile(r"(?:我|本人|自己|俺)[^，,。；;]{0,3}(?:是|当|任|担任|做)[^，,。；;]{0,14}$|^(?:也|就|还)?是[^，,。；;]{0,14}$|"
                          r"^(?:身为|作为)[^，,。；;]{0,14}$|\b(?:i am|i'm|im|as) (?:[a-z-]+ ){0,6}$")


# The case asked about is another's ("他能评吗"): a head named is then whom the check is for.
_ASKED_OF_HIM = re.compile(r"(?:他|她)[^，,。；;]{0,4}(?:能|可以|能不能|可不可以|够不够|有没有资格|算不算)|"
                           r"\b(?:can|could|may) (?:he|she)\b")


def _heads_it(t: str) -> bool | None:
    """Whether the one the check is for heads the enterprise (第八条（五）): a head's title said of oneself ("我是厂长",
    "老板兼法人，自己也是高级技师", "I'm the boss"), one's own enterprise, or a boss asked about ("我们老板…，他能评吗");
    not a boss named by a worker asking for themself ("我们老板拖欠工资，我能评吗", "厂长说让我自己报"). None when
    nothing says so; False when denied ("我不是老板")."""
    if _OWN_ENTERPRISE.search(t):
        return True
    if _HEAD.search(t) and _ASKED_OF_HIM.search(t):  # "我们老板拖欠工资，他能评云岭工匠吗": the check is the boss's
        return True
    for m in _HEAD.finditer(t):
        head = re.split(r"[，,。；;!?！？]", t[:m.start()])[-1]
        own = _SELF_BEFORE.search(head) or (not head.strip() and re.match(r"\s*(?:兼|[，,、]|$)", t[m.end():]))
        if own:
            return not _negated(t, m.start())
    return None


def _standing(t: str) -> Kw:
    """Self-employment, heading an enterprise, the exclusions of 第八条, the unit's union, named before."""
    kw: Kw = {}
    kw["self_employed"] = _flag(t, r"个体|自主创业|自己创业|自己开(?:了)?(?:个|一个|一家|家)?[^，,。]{0,4}"
                                   r"(?:店|厂|公司|工作室|作坊|坊)|自己当老板|self[- ]employed|"
                                   r"(?:my|his|her|their) own (?:business|shop|company|workshop|studio)|"
                                   r"runs? (?:my|his|her|their) own|开(?:了)?(?:个|一个|一家|家)?民宿|没有单位|"
                                   r"no employer")
    kw["enterprise_head"] = _heads_it(t)
    kw["exclusion"], at = _first_said(_EXCLUSIONS, t)
    # Read whoever is said to head the enterprise: a head's next message ("欠了工人几个月工资") adds to the first.
    kw["head_issue"] = _first_said(_HEAD_ISSUES, t)[0]
    if kw["exclusion"] == "discipline":
        kw["exclusion"] = sanction_period(t, at)
    if re.search(r"(?:没有|没|未|未曾|还没)(?:成立|建立|建|设立|组建)?工会|无工会|no (?:trade )?union|"
                 r"工会[^，,。]{0,4}(?:没|未|没有)(?:成立|建立|建|设立|组建)", t):
        if kw["enterprise_head"] and kw["head_issue"] is None:
            kw["head_issue"] = "no_union"
        else:
            kw["unit_has_union"] = False
    elif re.search(r"(?:单位|公司|厂|企业)(?:有|建了|成立了)工会|has a (?:trade )?union", t):
        kw["unit_has_union"] = True
    kw["already_named"] = _flag(t, r"(?:已经|已|曾经|曾|去年|前年|之前|早就)(?:被)?(?:评为|评上|评过|命名|当选|是)"
                                   r"[^，,。]{0,4}(?:云岭工匠|省级(?:的)?(?:职工)?(?:创新工作室|技师工作站|工作室|工作站))|"
                                   r"already (?:been )?(?:named|a) (?:as )?(?:a )?yunling craftsm|"
                                   r"(?:was|been) named (?:a )?yunling craftsman")
    return kw


def _team_size(t: str, n: str, group: bool) -> int | None:
    team = _first(_TEAM, n)
    if team is None and group:
        team = _first_outside(_TEAM_LOOSE, n, r"岁|年|year|yr|age")
        if team is None and re.search(r"(?:我|我们)和[^，,。]{0,6}(?:徒弟|师傅|同事)两个人|就我们?两个", t):
            team = 2
    return team


def _group_numbers(t: str, n: str, group: bool, problems: list[Problem]) -> Kw:
    """A studio's or station's team size, years since naming and naming level."""
    named_years: int | None
    if group and re.search(r"不到\s*(?:1|一)\s*年|(?:命名|named)[^，,。]{0,6}(?:才|刚|只有)半年|(?<!大)半年前?[^，,。]{0,6}命名|"
                           r"less than (?:a|one) year|under (?:a|one) year", n):
        named_years = 0
    elif group and (m := re.search(r"(去年|前年)[^，,。]{0,10}命名", t)):
        # The year before last may be under two years, as a year two back is (named_years_ago): the check asks.
        return {"team_size": _team_size(t, n, group), "named_years": 1 if m.group(1) == "去年" else None,
                "named_level": _named_level(t)}
    else:
        named_years = _first(_NAMED_YEARS, n) if group or re.search(r"命名|named", t) else None
    if named_years is None and group:
        # (Nor the years since it was set up: "成立3年了" is not read either; 第十条 counts from the naming.)
        named_years = _first_outside(_NAMED_YEARS_LOOSE, n, r"岁|干了|工作了|从业|old|age|job|trade|set up|"
                                     r"established|founded|started|formed|created|opened")
    if named_years is not None and not 0 <= named_years <= YEARS_MAX:
        problems.append(Problem("impossible", ("named_years",), (named_years,)))
        named_years = None
    return {"team_size": _team_size(t, n, group), "named_years": named_years, "named_level": _named_level(t)}


# The referrer counts of _REFERRERS that name people recommending (not "我们3个人", which may be anything).
_PEOPLE_RECOMMEND = tuple(p for p in _REFERRERS if re.search(r"举荐|推荐|refer", p.pattern))


# The speakers recommending someone else ("我和另一个同事都是高级技师，想联名推荐他", "本人…正高职称，想推荐我以前带过的
# 学生", "we are both senior technicians and want to recommend…"), not "…推荐我" (the speaker is the nominee); or
# the speaker's master recommending them ("我师父是高级技师，他一个人举荐我").
_SPEAKERS_OWN = r"我的?(?:\d{1,2}\s*(?:个|位|名))?(?:师父|师傅|老师|同事|领导)"  # "我师父", "我两个师傅"
_SPEAKERS_RECOMMEND = re.compile(r"(?:我们|" + _SPEAKERS_OWN + r"|我|本人)[^。！？!?；;]{0,40}?(?:举荐|推荐)|"
                                 r"\b(?:we|i)\b[^.!?;]{0,80}?\b(?:co-)?(?:recommend|nominat|refer)")
_NOMINEE_ME = re.compile(r"(?:我|[a-z]* ?me)(?:[，,。！!？?\s]|$|评|报|参|申|去|当|为|做|成为|to\b|for\b)")


@lru_cache(maxsize=4)  # read by _route (the qualification) and _theirs_not_nominees (the grades): once
def _referrer_spans(n: str) -> tuple[tuple[int, int], ...]:
    """Where ``n`` speaks of the referrers (a grade or title said there is theirs, not the nominee's)."""
    spans = [m.span() for p in _PEOPLE_RECOMMEND for m in p.finditer(n)]
    for m in _SPEAKERS_RECOMMEND.finditer(n):
        # "我师父…举荐我": the master recommends the speaker; "我们…推荐我" is no such sentence
        someone = re.match(_SPEAKERS_OWN, m.group(0))
        if someone or not _NOMINEE_ME.match(n[m.end():m.end() + 6].lstrip("s ")):
            spans.append(m.span())
    return tuple(spans)


def _theirs_not_nominees(kw: Kw, n: str) -> None:
    """On the expert referral, a grade or title said only where the referrers are spoken of is theirs."""
    spans = _referrer_spans(n)
    if not spans:
        return
    chars = list(n)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    outside = "".join(chars)
    if kw.get("title_level") and not any(_said(p, outside) for v, p in _TITLE if v == kw["title_level"]):
        kw["title_level"] = None
    if kw.get("skill_grade") and not any(_said(p, outside) for v, p in _SKILL if v == kw["skill_grade"]):
        kw["skill_grade"] = None


def _said(pattern: str, text: str) -> bool:
    """Whether ``text`` says ``pattern`` of someone somewhere: not denied ("我们县没有高工"), nor as what the rule
    asks of people ("要两个副高职称的人")."""
    return any(not _negated(text, m.start()) and not _REQUIRED.search(text[max(0, m.start() - 10):m.start()])
               for m in re.finditer(pattern, text))


# What the rule asks for ("要两个", "需要找3位"): read by _said (a title) and _referrers_of_the_rule (the referrers).
_MUST = r"(?:要|需要|得|必须|须|要求)(?:有|找|请)?"
_REQUIRED = re.compile(_MUST + r"[^，,。；;]{0,4}(?:个|位|名)[^，,。；;]{0,2}$")


# The referrers as the rule has them, or as heard ("老师傅说要两个高工推荐", "听说得有两个高级技师举荐"): what the
# person asks about, not who recommends them.
_RULE_BEFORE = re.compile(r"(?:" + _MUST + r"|规定(?:有|找|请)?)\s*$|听说|据说|说是|说要|听人说|"
                          r"\b(?:need|needs|require[sd]?|must have|have to (?:get|find))\b[^.,;]{0,12}$")


def _referrers_of_the_rule(n: str) -> bool:
    """The first count of referrers is said as the rule's (or heard), in the clause before it."""
    for p in _REFERRERS:
        if (m := p.search(n)) is not None:
            head = re.split(r"[，,。；;!?！？]", n[:m.start()])[-1]
            return _RULE_BEFORE.search(head) is not None
    return False


def _route(t: str, n: str, programme: str | None) -> Kw:
    """The route of 第九条 and the number of referrers (a studio, station or class has no route)."""
    if programme not in (None, "craftsman"):
        return {}
    route = None
    if re.search(r"举荐|专家推荐|联名推荐|联合推荐|一起推荐|推荐(?:别人|他人)|refer(?:red|ral)? by|"
                 r"experts? (?:will )?(?:refer|recommend)|of us (?:can |could |will |would )?(?:jointly )?(?:refer|recommend)|"
                 r"\b(?:jointly|co-?)[- ]?(?:recommend|nominate|refer)|co-nominat", t):
        route = "referral"
    elif re.search(r"自荐|自己(?:报|申报)|个人申报|以个人名义|nominate (?:myself|himself|herself)|self[- ]nominat", t):
        route = "self"
    elif re.search(r"协会|学会|association|society", t):
        route = "association"
    elif re.search(r"工会(?:逐级)?推荐|单位推荐|走工会|recommended by (?:my|our|the) union|through (?:my|our|the) union|"
                   r"(?:我们|我)是[^，,。]{0,6}工会|we are (?:the|a) [a-z ]{0,20}union", t):
        route = "union"
    count = _first(_REFERRERS, n)
    if route is None and count is not None and _first(_PEOPLE_RECOMMEND, n) is not None:
        route = "referral"  # "有两个高级技师师傅愿意推荐我": people, not a union or association, put the nominee forward
    if route != "referral":
        return {"route": route}
    if _referrers_of_the_rule(n):
        return {"route": route}
    said = " ".join(n[a:b] for a, b in _referrer_spans(n))
    # 第九条: referrers are 高级技师 or hold 副高级 titles or above. Only a yes is read ("两个技师" may be loose talk).
    qualified = True if any(not _negated(said, m.start()) for m in re.finditer(
        r"高级技师|副高|正高|高级工程师|高工|教授|senior technician|senior engineer|professor|associate-senior|"
        r"deputy-senior", said)) else None
    if (m := re.search(r"我和(?:另外|另|其他|其余)?\s*(\d{1,2})\s*(?:个|位|名)", n)) or \
            (m := re.search(r"\bme and (\d{1,2}) (?:other|more)", n)):
        count = int(m.group(1)) + 1
    # 第九条 "同专业": the referrers of the nominee's specialty (only a yes is read)
    same = True if re.search(r"(?:跟|和|与)(?:我|他|她)(?:是)?(?:一个|同一个|同一|同)(?:个)?专业|同专业|专业(?:都)?(?:一样|相同)|"
                             r"same (?:specialty|speciality|field|trade)", t) and not re.search(
        r"专业不(?:一样|同)|不是(?:一个|同一个|同)专业|different (?:specialt|field|trade)", t) else None
    return {"route": route, "referrer_count": count, "referrers_qualified": qualified,
            "referrers_same_specialty": same}


# A question of the subsidy per person or per day ("培训补贴一个人一天多少钱", "每人每天补多少", "how much per trainee
# a day"): its one person and one day are the rate's units.
_RATE = re.compile(r"(?:1|每)\s*(?:个|名|位)?(?:人|学员)\s*(?:1|每)?\s*(?:天|日)?[^，,。？?]{0,6}(?:多少|几|补|给|发)|"
                   r"(?:1|每)\s*(?:天|日)[^，,。？?]{0,6}(?:多少|几)|(?:1|每)\s*(?:天|日)[^，,。？?\d]{0,4}\d+\s*(?:块|元)|人均|\bper (?:person|head|trainee|day)\b|"
                   r"\b(?:a|each|one) (?:person|trainee|day)\b[^.,;?]{0,12}\b(?:how much|what)|\bhow much\b[^.,;?]{0,30}"
                   r"\b(?:a|each) (?:person|trainee|day)\b")


def _training(t: str, n: str, programme: str | None, problems: list[Problem]) -> Kw:
    """A training class: trainees, days (a count that cannot be, "学员-20人", is a problem), the project and
    the trainees' kind."""
    kw: Kw = {}
    if programme == "training" or re.search(r"补贴|补助|学员|参训|subsid|allowance|trainee", t):
        rate = _RATE.search(n) is not None
        for key, patterns in (("trainees", _TRAINEES), ("days", _DAYS)):
            value = _first(patterns, n)
            lo, hi = CLASS_RANGES[key]
            if value is not None and not lo <= value <= hi:
                problems.append(Problem("impossible", (key,), (value,)))
                value = None
            kw[key] = None if rate and value == 1 else value  # "一个人一天多少钱": the rate, not a class of one
    if re.search(r"脱贫|扶贫(?!搬迁)|三区三州|poverty", t) or (
            re.search(r"搬迁", t) and re.search(r"培训班|办|搞|组织|承接", t)):  # a class at a relocation site
        kw["project"] = "poverty"
    elif re.search(r"技能提升|提升培训|upgrad", t):
        kw["project"] = "upgrade"
    if programme in (None, "training"):  # a kind denied ("不是建档立卡户") is not the trainees'
        kw["trainee_kind"] = _first_said(_TRAINEE_KINDS, t)[0]
    return kw
