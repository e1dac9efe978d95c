"""Answers that compute: when a question gives numbers and the article it is answered from gives the
rule, work the case out in one line (an age against the limit, a budget into its two tranches, a count of
classes into the share spot-checked, a team against its minimum).

Each rule reads one article and reuses the constant the rules modules cite to it (tests find each in its
article's text). ``reckon(measure, article, question)`` returns a :class:`Working` or ``None`` when the
question gives no number the article can use. Pure and fast: a few regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from knowledge.facts.numbers import BOUND, NOT_THRESHOLD
from knowledge.models import ArticleRef, ref
from knowledge.rules import subsidy
from knowledge.rules.award_workshops import (
    NAMED_YEARS_MIN,
    STATION_AGE_MAX,
    STATION_TEAM_MIN,
    STUDIO_TEAM_MIN,
)
from knowledge.rules.eligibility import NATIONAL_CONTEST_TOP, WORLDSKILLS_TOP
from knowledge.rules.training import POVERTY_MIN_DAYS, POVERTY_MIN_EMPLOYMENT_PERCENT
from knowledge.text import N_

__all__ = ["Working", "age_rule", "claim", "deadline", "numbers", "reckon", "stated_age", "unstated_amount"]

TRANCHE_SHARE = Decimal("0.50")  # training 第十六条: 分两次下拨 … 按50%的比例 … 剩余50%
SPOT_CHECK_SHARE = Decimal("0.30")  # training 第二十二条: 不低于年度培训班次30%的比例进行随机抽查

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "仨": 3, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两俩仨三四五六七八九十百千万]+")
# "30来万" / "30多万" (about 300 000) is read as 300 000.
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:来|多|余)?\s*(万|千|[wk](?![a-z]))?")  # not "7 working days"
# An age as people give it, in a question whose numerals are digits: "58岁", "我58了", "我师傅58了", "五十多了",
# "I am 57", "my master is 58", "61 years old". The first group that matched is the age. "了" after a number
# is an age only after a person ("我们班58了" is a count).
_PERSON = (r"我|他|她|今年|已经|都|快|满|年满|师傅|师父|父亲|母亲|爸爸?|妈妈?|老爸|老妈|老公|老婆|爱人|媳妇|丈夫|妻子"
           r"|同事|领导|老板|主任|本人|老师")
_PERSON_EN = r"father|dad|mother|mom|mum|husband|wife|boss|master|mentor|colleague|teacher|uncle|aunt"
# "领头的要60岁以下", "55周岁（含）以下": a bound of a rule (heard or read), not anyone's age.
_AGE = re.compile(rf"(\d{{2}})\s*周?岁{NOT_THRESHOLD}|(?:{_PERSON})\s*(\d{{2}})\s*(?:了|岁{NOT_THRESHOLD})"
                  r"|(\d{2})\s*(?:多|出头)\s*(?:了|岁)|\b(\d{2})\s*(?:years?|yrs?)[\s-]*old\b"
                  rf"|\b(?:i am|i'm|im|he is|she is|he's|she's|aged?|turning|turn|(?:{_PERSON_EN})\s+is)\s+(\d{{2}})\b")


@dataclass(frozen=True)
class Working:
    """One line of working: a gettext message id (N_-marked) with its values, and the article it rests on."""

    text: str
    params: dict[str, object]
    ref: ArticleRef


def _cn_to_int(s: str) -> int | None:
    """四十五 -> 45, 三十 -> 30, 十二 -> 12, 三万 -> 30000; None when it is not a number."""
    total, section, digit = 0, 0, None
    units = {"十": 10, "百": 100, "千": 1000}
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in units:
            section += (digit if digit is not None else 1) * units[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
    value = total + section + (digit or 0)
    return value if value or s in ("零", "〇") else None


def _digits(text: str) -> str:
    """``text`` with its Chinese numerals written in digits: 五十八 -> 58, 三万 -> 30000."""
    return _CN_NUMBER.sub(lambda m: str(v) if (v := _cn_to_int(m.group())) is not None else m.group(), text)


def stated_age(text: str) -> int | None:
    """The age a question gives ("我58了" -> 58), or None."""
    m = _AGE.search(_digits(text.lower()))
    return int(next(g for g in m.groups() if g)) if m else None


_DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,2})?|年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)"
                   r"(?!\d)")


def numbers(text: str) -> list[tuple[Decimal, str]]:
    """The numbers of a question with the few characters after each (its unit), in order. Chinese
    numerals are read too; 30万 is 300 000. A date is no number of anything ("2026-12-21", "2026年12月").
    """
    text = _DATE.sub(" ", _digits(text))
    out = []
    for m in _NUMBER.finditer(text):
        value = Decimal(m.group(1))
        mult = m.group(2)
        if mult in ("万", "w"):
            value *= 10000
        elif mult in ("千", "k"):
            value *= 1000
        after = re.split(r"\d", text[m.end(): m.end() + 24].lstrip(), maxsplit=1)[0]  # up to the next number
        # A Chinese unit is a character or two ("岁", "个班"); an English one is a word or two ("people",
        # "training classes"), which four characters cut short ("peop", "trai").
        out.append((value, " ".join(after.split()[:2]) if after[:1].isascii() and after[:1].isalpha() else after[:4]))
    return out


def _first(nums: list[tuple[Decimal, str]], *units: str, near: bool = False) -> Decimal | None:
    """The first number followed by one of ``units`` (``near``: within the next few characters)."""
    for value, after in nums:
        if any((u in after) if near else after.startswith(u) for u in units):
            return value
    return None


def _age(question: str, m: str, a: int) -> Working | None:
    age = stated_age(question)
    if age is None:
        return None
    if age <= STATION_AGE_MAX:
        return Working(N_("{value} years old: within the age limit ({limit} or younger)."),
                       {"value": age, "limit": STATION_AGE_MAX}, ref(m, a, 3))
    return Working(N_("{value} years old: over the age limit ({limit} or younger), so the lead expert must "
                      "be someone else."), {"value": age, "limit": STATION_AGE_MAX}, ref(m, a, 3))


def _team(nums: list[tuple[Decimal, str]], m: str, a: int) -> Working | None:
    size = _first(nums, "人", "个人", "名", "people", "members")
    if size is None:
        return None
    minimum, para = (STUDIO_TEAM_MIN, 3) if m == "studio" else (STATION_TEAM_MIN, 3)
    ok = size >= minimum
    msg = (N_("A team of {value}: meets the minimum of {n}.") if ok
           else N_("A team of {value}: below the minimum of {n}."))
    return Working(msg, {"value": int(size), "n": minimum}, ref(m, a, para))


# Words that make a number of years the time since naming ("命名3年了"), not a span in a year ("一年要在站里呆好久").
_NAMING = re.compile(r"命名|评上|挂牌|授牌|批下来|认定|named|designated", re.I)


def _named_years(nums: list[tuple[Decimal, str]], m: str, a: int, question: str) -> Working | None:
    years = _first(nums, "年", "years", "year")
    if years is None or years > 50 or not _NAMING.search(question):
        return None
    ok = years >= NAMED_YEARS_MIN
    msg = (N_("Named {value} years ago: meets the {n} years or more required.") if ok
           else N_("Named {value} years ago: short of the {n} years or more required."))
    return Working(msg, {"value": _plain(years), "n": NAMED_YEARS_MIN}, ref(m, a, 1))


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}".replace(".00", "")


def _tranches(nums: list[tuple[Decimal, str]], m: str, a: int) -> Working | None:
    budget = next((v for v, after in nums if v >= 1000 and not after.startswith(("人", "天", "年", "个", "班"))),
                  None)
    if budget is None:
        return None
    first = budget * TRANCHE_SHARE
    return Working(N_("Of {total} yuan: {first} yuan after the project starts, the remaining {second} yuan in "
                      "December, according to the certificates obtained."),
                   {"total": _money(budget), "first": _money(first), "second": _money(budget - first)}, ref(m, a))


def _spot_checks(nums: list[tuple[Decimal, str]], m: str, a: int) -> Working | None:
    classes = _first(nums, "班", "期", "class", near=True)
    if classes is None:
        return None
    least = int((classes * SPOT_CHECK_SHARE).to_integral_value(ROUND_CEILING))
    return Working(N_("{value} classes a year × 30 % = at least {n} classes spot-checked at random."),
                   {"value": int(classes), "n": least}, ref(m, a))


def _poverty_days(nums: list[tuple[Decimal, str]], m: str, a: int) -> Working | None:
    days = _first(nums, "天", "days", "day")
    if days is not None:
        ok = days >= POVERTY_MIN_DAYS
        msg = (N_("{value} days: meets the {n} days or more asked of a poverty-alleviation class.") if ok
               else N_("{value} days: shorter than the {n} days a poverty-alleviation class should in principle "
                       "last."))
        return Working(msg, {"value": int(days), "n": POVERTY_MIN_DAYS}, ref(m, a))
    rate = _first(nums, "%", "％", "percent")
    if rate is not None:
        ok = rate >= POVERTY_MIN_EMPLOYMENT_PERCENT
        msg = (N_("An employment rate of {value}%: meets the minimum of {n}%.") if ok
               else N_("An employment rate of {value}%: below the minimum of {n}%."))
        return Working(msg, {"value": _plain(rate), "n": POVERTY_MIN_EMPLOYMENT_PERCENT}, ref(m, a))
    return None


def _workshop(nums: list[tuple[Decimal, str]], m: str, a: int, question: str) -> Working | None:
    if m == "station" and (w := _age(question, m, a)):
        return w
    return _team(nums, m, a) or _named_years(nums, m, a, question)


def _any_age(nums: list[tuple[Decimal, str]], m: str, a: int, question: str) -> Working | None:
    # craftsman 第五条: "不受年龄、性别、学历、职级、职称、技能等级、工作年限等条件限制".
    age = stated_age(question)
    if age is None:
        return None
    return Working(N_("{value} years old: the Yunling Craftsman measure sets no age limit."), {"value": age},
                   ref(m, a, 1))


# A rule reads the question's numbers, and the question itself for what numbers alone do not say (an age).
_Rule = Callable[[list[tuple[Decimal, str]], str, int, str], Working | None]


def _numbers_only(rule: Callable[[list[tuple[Decimal, str]], str, int], Working | None]) -> _Rule:
    return lambda nums, m, a, _question: rule(nums, m, a)


def _contest_place(nums: list[tuple[Decimal, str]], m: str, a: int, question: str) -> Working | None:
    """第六条: a WorldSkills final's top 6, a class I national contest final's top 3, recognised directly."""
    from knowledge.facts.extract import extract  # late: the facts load their patterns on first use

    contest = extract(question).contest
    if contest is not None and contest.level in ("provincial", "prefecture"):
        return Working(N_("A provincial or local contest is not among those Art. 6 recognises directly (a WorldSkills "
                          "final's top 6, a class I national final's top 3); Art. 7 gives priority to the champion "
                          "(技术状元) of the Yunnan workers' vocational skills contest."), {}, ref(m, a))
    if contest is None or contest.rank is None or contest.level not in ("world", "national"):
        return None
    world = contest.level == "world"
    top = WORLDSKILLS_TOP if world else NATIONAL_CONTEST_TOP
    params: dict[str, object] = {"rank": contest.rank, "n": top}
    if contest.stage == "preliminary":
        return Working(N_("A place in a selection or preliminary round: Art. 6 recognises only a place in the final; "
                          "you may still apply under the conditions of Art. 5."), params, ref(m, a))
    if contest.rank > top or (not world and contest.klass == "二类"):
        msg = (N_("Place {rank} at the WorldSkills Competition: outside the top {n} of the final, so not recognised "
                  "directly under Art. 6; you may still apply under the conditions of Art. 5.") if world else
               N_("Place {rank} at the National Vocational Skills Contest: Art. 6 recognises directly only the top "
                  "{n} of a class I contest's final, so not this one; you may still apply under the conditions of "
                  "Art. 5."))
        return Working(msg, params, ref(m, a))
    if contest.stage == "final" and (world or contest.klass == "一类"):
        return Working(N_("Place {rank} in the final: within the top {n}, recognised directly under Art. 6."), params,
                       ref(m, a))
    msg = (N_("Place {rank} at the WorldSkills Competition: within the top {n}, recognised directly under Art. 6 if "
              "it was the final.") if world else
           N_("Place {rank} at the National Vocational Skills Contest: within the top {n}, recognised directly under "
              "Art. 6 if it was the final of a class I contest."))
    return Working(msg, params, ref(m, a))


# The living allowance asked about per trainee ("培训20天生活补助每人多少钱", "living allowance for 20 days").
_ALLOWANCE = re.compile(r"生活补助|生活补贴|生活费|living allowance|daily allowance", re.I)


_A_DAY = re.compile(r"(?:钱|多少|好多|几)\s*(?:一|1)\s*天|(?:一|1)\s*天\s*(?:多少|好多|几|能补|补多少|补好多|给多少)|"
                    r"\b(?:per|a|each) day\b", re.IGNORECASE)


def _living_allowance(nums: list[tuple[Decimal, str]], m: str, a: int, question: str) -> Working | None:
    """第十条第三款: 80 元 a day up to 30 days, a 3 600 元 lump sum from 31 days, per trainee."""
    days = _first(nums, "天", "days", "day")
    if not _ALLOWANCE.search(question) or days is None or days < 1 or days != days.to_integral_value():
        return None
    if days == 1 and _A_DAY.search(question):  # "生活补助好多钱一天" asks the daily rate, of no 1-day class
        return None
    step = subsidy.living_step(int(days))  # the calculator's own line
    return Working(step.message, dict(step.params), step.ref)


_RULES: dict[tuple[str, int], _Rule] = {
    ("craftsman", 5): _any_age,
    ("craftsman", 6): _contest_place,
    ("station", 10): _workshop,
    ("studio", 10): _workshop,
    ("training", 7): _numbers_only(_poverty_days),
    ("training", 10): _living_allowance,
    ("training", 16): _numbers_only(_tranches),
    ("training", 22): _numbers_only(_spot_checks),
}


# A number said against a bound ("超过55岁", "不到5个人", "不满两年", "fewer than 5 people"; not "差不多30万", which
# is about it): no value to check,
# and checked as if it were one, the line would say the opposite; the rule is quoted without a line of working.
_COMPARED = re.compile(rf"(?:{BOUND})\s*\d", re.IGNORECASE)


def reckon(measure: str, article: int, question: str) -> Working | None:
    """One line of working for ``question`` under the article, or None."""
    rule = _RULES.get((measure, article))
    if rule is None or _COMPARED.search(_digits(question)):
        return None
    nums = numbers(question)
    return rule(nums, measure, article, question) if nums else None


# The article of each measure that rules on a person's age: the craftsman's 第五条 (no age limit), the
# station's 第十条 (its lead expert 55 or younger). The studio and training measures set none.
_AGE_ARTICLES = {"craftsman": 5, "station": 10}


def age_rule(measure: str, question: str) -> Working | None:
    """For a question that gives the person's age, under a measure with an age rule: that rule's line of
    working, whichever article the question is answered with ("我58了还能评云岭工匠吗" quotes the
    exclusions of 第八条; the age is 第五条's)."""
    article = _AGE_ARTICLES.get(measure)
    if article is None or stated_age(question) is None:
        return None
    return reckon(measure, article, question)


# An article's other subject, asked "when" about ("when do I get my certificate?" under 第二十一条, whose date is the
# unions' summary table, 10 December): not that task's date. Unless it names the task itself.
_OTHER_SUBJECT = {("training", 21): re.compile(r"证|certificat")}
_THE_TASK = re.compile(r"汇总|总结|报告|实名|附件4|附件四|上报|报送|提交|summary|report|table|annex 4|submit")
# Words of a question about time: when something is due, whether one is still in time.
_WHEN = ("截止", "来得及", "来不及", "什么时候", "啥时候", "几号", "几月", "哪天", "之前", "以前", "晚了", "过期", "还能交",
         "还能报", "deadline", "when", "still in time", "too late", "by what date", "due")


def deadline(measure: str, article: int, question: str, today: date) -> Working | None:
    """For a question about a date under an article that sets a yearly deadline (training 第十一、十六、
    二十一、二十二条): the next due date seen from ``today`` and whether it is still in time."""
    from knowledge.training_calendar import _next, dated_tasks

    q = question.lower()
    if not any(w in q for w in _WHEN):
        return None
    if (measure, article) in _OTHER_SUBJECT and _OTHER_SUBJECT[measure, article].search(q) \
            and not _THE_TASK.search(q):
        return None
    for task in dated_tasks():
        if (task.ref.measure, task.ref.article) != (measure, article) or task.kind != "deadline":
            continue
        item = _next(task, today)
        params = {"today": today.isoformat(), "task": task.title, "due": item.due.isoformat(), "n": item.days_left}
        if item.days_left == 0:
            return Working(N_("Today ({today}) is the last day for “{task}”."), params, task.ref)
        return Working(N_("Today is {today}: “{task}” is due {due}; days left: {n}."), params, task.ref)
    return None


# A question that checks something heard ("听说公示要一个月，是真的吗", "I heard it's 50 a year, true?").
_HEARD = re.compile(r"听说|据说|听人说|有人说|传言|都说|是真的吗|真的吗|是不是真的|真的假的|对吗|对不对|没错吧"
                    r"|i heard|heard that|is it true|someone said|they say|people say|true\?|right\?|correct\?")
# The kinds of quantity a heard claim is checked on, by the words after the number. A bare 个 is a count only
# where no other word follows ("评50个吗", not "六个一").
_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"个?工作日|working days?|business days?"), "working days"),
    (re.compile(r"个?月(?!\d)|months?"), "months"),  # not a date's 3月31日
    (re.compile(r"天|days?"), "days"),
    (re.compile(r"[%％]|percent|per cent"), "percent"),
    (re.compile(r"名|人|个(?:[^\u4e00-\u9fff\d]|$|是|吗|啊|呀|呢|吧|人|名|工匠)"
                r"|(?:[a-z]+ )?(?:people|persons?|craftsm[ae]n|winners?|studios?|workstations?|stations?)"), "count"),
    (re.compile(r"元|块|yuan|rmb"), "yuan"),
    (re.compile(r"学时|课时|class hours?"), "class hours"),
)
# How the reply names each kind (message ids); a count as the provision counts it: people (名, 人) or not (个).
_UNIT_NAMES = {"working days": N_("working days"), "months": N_("months"), "days": N_("days"),
               "percent": N_("percent"), "yuan": N_("yuan"), "class hours": N_("class hours")}
_PEOPLE, _PLACES = N_("people"), N_("places")
# A bound on the provision's figure, in the words just before or after it ("不超过20名", "3人以上").
_AT_MOST = re.compile(r"(?:不超过|不高于|最多|最高|至多)[^，。；,;]{0,8}$")
_AT_LEAST = re.compile(r"(?:不低于|不少于|至少|最少|最低)[^，。；,;]{0,8}$")


@dataclass(frozen=True)
class _Figure:
    value: Decimal
    kind: str
    name: str  # the unit's message id
    bound: str = ""  # "most" | "least" | "" (exactly)


def _figures(text: str) -> list[_Figure]:
    """The numbers of ``text`` of a kind the claim check knows, with their unit and bound."""
    text = _digits(re.sub(r"百分之([零〇一二两三四五六七八九十百\d.]+)", r"\1%", text.lower()))
    out = []
    for m in _NUMBER.finditer(text):
        if m.group(2):  # 30万: an amount, never a count of people or days
            continue
        after = text[m.end(): m.end() + 20].lstrip()
        kind = next((k for pattern, k in _KINDS if pattern.match(after)), None)
        if kind is None:
            continue
        before, tail = text[max(0, m.start() - 12): m.start()], after[:6]
        bound = ("most" if _AT_MOST.search(before) or re.match(r"[^，。；]{0,4}以(?:下|内)", tail)
                 else "least" if _AT_LEAST.search(before) or re.match(r"[^，。；]{0,4}以上", tail) else "")
        name = _UNIT_NAMES.get(kind) or (_PLACES if after.startswith("个") else _PEOPLE)
        out.append(_Figure(Decimal(m.group(1)), kind, name, bound))
    return out


def claim(question: str, provision: str, cited: ArticleRef) -> Working | None:
    """For a question checking something heard, with a number the quoted provision also gives in the same
    unit: whether what was heard is what the text says, bounds included ("至多20名" is a ceiling, not a
    quota). None when the question is no such check, or the provision gives no single figure of that kind
    to hold it against (silence beats a wrong correction)."""
    if not _HEARD.search(question.lower()):
        return None
    given = _figures(provision)
    heard = [f for f in _figures(question) if any(f.kind == g.kind for g in given)]
    if len(heard) != 1:
        return None
    value, kind = heard[0].value, heard[0].kind
    figures = {(g.value, g.bound): g for g in given if g.kind == kind}
    if len(figures) != 1:
        return None
    fig = next(iter(figures.values()))
    params: dict[str, object] = {"heard": _plain(value), "said": _plain(fig.value), "unit": fig.name}
    if fig.bound == "most":
        return Working(N_("Not as you heard: the text says at most {said} {unit}, not {heard}.") if value > fig.value
                       else N_("The text sets a ceiling, not a fixed number: at most {said} {unit}."), params, cited)
    if fig.bound == "least":
        return Working(N_("Not as you heard: the text says at least {said} {unit}, not {heard}.") if value < fig.value
                       else N_("The text sets a minimum: at least {said} {unit}."), params, cited)
    if value == fig.value:
        return Working(N_("What you heard matches the text: {heard} {unit}."), params, cited)
    return Working(N_("Not as you heard: the text says {said} {unit}, not {heard}."), params, cited)


# A question asking how much money ("云岭工匠奖金多少钱", "补贴能给多少", "how much is the grant"); not "how much time".
_ASKS_AMOUNT = re.compile(r"多少钱|多少元|多少块|几[千万]块|金额|数额|(?:奖金|奖励|补助|补贴|经费|资助|资金|钱)[^，。？?]{0,4}多少"
                          r"|(?:给|发|拨|补)多少|\bhow much\b(?!\s+(?:time|notice|training|work|experience|of the))"
                          r"|\bamount\b|\bhow many (?:yuan|rmb)\b", re.IGNORECASE)
# A figure in the provision or its plain answer: any digit, or a Chinese numeral of money or a share.
_A_FIGURE = re.compile(r"\d|[零〇一二两三四五六七八九十百千万]+\s*(?:元|万|%|％)|百分之")


# A sum of money said in a question ("奖5万块", "50000元", "5 万"): one heard of, when the question checks it.
_MONEY_SAID = re.compile(r"\d+(?:\.\d+)?\s*(?:万|千)?\s*(?:元|块|rmb|yuan)|\d+(?:\.\d+)?\s*万(?![人名个])", re.IGNORECASE)
_CHECKS = re.compile(r"吗|是不是|对不对|真的|\?|？|\bis it\b|\bright\b")


def unstated_amount(question: str, provision: str, cited: ArticleRef) -> Working | None:
    """For a question asking how much money, or checking a sum heard of ("听说奖5万块是真的吗"), when the
    provision answering it (with its plain answer) gives no figure at all ("一次性工作经费补助"): say that the
    text states no amount, instead of leaving the person to look for one in the quote. None when the question
    asks no amount or the provision has a figure."""
    digits = _digits(question.lower())
    checked = _MONEY_SAID.search(digits) is not None and _CHECKS.search(digits) is not None
    if not (_ASKS_AMOUNT.search(question) or checked) or _A_FIGURE.search(provision):
        return None
    return Working(N_("The provision does not state an amount; reply “human” to ask a union clerk."), {}, cited)


def _plain(value: Decimal) -> str:
    """20 -> "20", 0.5 -> "0.5" (no trailing zeros, no exponent)."""
    return format(value.normalize(), "f")
