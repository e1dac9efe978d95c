"""Numbers in free text: numerals (四十五, 二十来年, ４５, forty-five), and the numbers a person states about
themselves (age, years in the trade, team size, years since naming, referrers, trainees, days), each read
by its own patterns; impossible values and contradictions become problems."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from knowledge.search.text import traditional_simplified
from knowledge.text import redact

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
          "九": 9}
_CN_NUM = re.compile(r"[零〇一二两三四五六七八九十百]+")


_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_number(s: str) -> int | None:
    """四十五 -> 45, 十二 -> 12, 一百零五 -> 105, 二二 -> 22, 两千五 -> 2500, 一万二 -> 12000 (a last digit
    right after 百, 千 or 万 is of the next unit down, as people say amounts); None when it is not a numeral."""
    if not s or any(ch not in _DIGIT and ch not in _UNITS for ch in s):
        return None
    if "千" in s or "万" in s:
        return _large(s)
    if len(s) >= 3 and s[-2] == "百" and s[-1] not in "零〇":  # 一百二 (120)
        head = cn_number(s[:-1])
        return None if head is None else head + _DIGIT[s[-1]] * 10
    if "十" not in s and "百" not in s:
        if len(s) == 2 and _DIGIT[s[1]] == _DIGIT[s[0]] + 1 and s[0] not in "零〇":
            return None  # "七八个人", "三四年": a guess between two, not 78 or 34
        return int("".join(str(_DIGIT[ch]) for ch in s))
    total, current = 0, 0
    for ch in s:
        if ch in _DIGIT:
            current = _DIGIT[ch]
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
    return total + current


def _large(s: str) -> int | None:
    """A numeral with 千 or 万 (see :func:`cn_number`); None when it does not start with a digit ("千人计划")."""
    if s[0] not in _DIGIT and s[0] != "十":
        return None
    high, _sep, low = s.partition("万") if "万" in s else ("", "", s)
    total = 0
    if high:
        value = cn_number(high)
        if value is None:
            return None
        total = value * 10000
        if low and low in _DIGIT and low not in "零〇":  # 一万二
            return total + _DIGIT[low] * 1000
    if not low:
        return total
    if "千" in low:
        thousands, _sep, rest = low.partition("千")
        if len(thousands) != 1 or thousands not in _DIGIT:
            return None
        total += _DIGIT[thousands] * 1000
        if rest and rest in _DIGIT and rest not in "零〇":  # 两千五
            return total + _DIGIT[rest] * 100
        low = rest.lstrip("零〇")
    if not low:
        return total
    rest_value = cn_number(low)
    return None if rest_value is None else total + rest_value


_EN_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30}


def _arabic(text: str) -> str:
    """Chinese numerals and small English number words as Arabic digits; 负3 and minus 3 as -3."""
    def sub(m: re.Match[str]) -> str:
        value = cn_number(m.group())
        return str(value) if value is not None else m.group()

    text = _CN_NUM.sub(sub, text)
    # Only a text with Latin letters can hold an English number word or "minus" (most hold none: a Chinese
    # message skips both scans).
    if _LATIN.search(text):
        text = _EN_WORD.sub(lambda m: str(_EN_NUM[m.group().lower()]), text)
    elif "负" not in text:
        return text
    return _MINUS.sub(r"-\1", text)


_LATIN = re.compile(r"[a-z]", re.I)
_EN_WORD = re.compile(r"\b(" + "|".join(_EN_NUM) + r")\b", re.I)
_MINUS = re.compile(r"(?:负|minus\s*)(\d)", re.I)


# A count or amount answered in words: "两位", "十二个", "3 people". A number followed by one of these words is the
# one the answer gives ("一共两位": not the 一 of 一共).
_MEASURED = re.compile(r"(-?\d+)\s*(?:个|位|名|人|家|天|日|年|项|次|岁|元|块|people|persons?|trainees?|days?|years?)")
_VAGUE = re.compile(r"\d\s*(?:几|多|来|余)|\d\s*(?:到|至|或|~|～|-|\bto\b|\bor\b)\s*-?\d|[几好]\s*[十百个位名人]|左右|上下|\babout\b|\bover\b|\bor so\b")


def typed_number(text: str) -> int | None:
    """The one whole number a typed answer states: "5", "５", "两位", "二十五年", "three people", "一共三个";
    None when it states none, several, or a vague one ("十几个", "20多人", "about 30")."""
    t = _arabic(unicodedata.normalize("NFKC", text).lower().replace(",", ""))
    if _VAGUE.search(t):
        return None
    measured = _MEASURED.findall(t)
    found = measured if len(measured) == 1 else re.findall(r"-?\d+", t)
    return int(found[0]) if len(found) == 1 else None


# A vague number and the whole numbers it may mean: "7到8个月" (7-8), "20多人" / "20几个" (21-29), "8个多月" (8-9),
# "五十出头" (50-54), "8个月左右" / "about 30" / "十来个" (within a tenth, at least 1, either side).
_RANGE_BETWEEN = re.compile(r"(\d{1,4})\s*(?:到|至|~|～|-|—|或|\bto\b|\bor\b)\s*(\d{1,4})")
_RANGE_MORE = re.compile(r"(\d{1,4})\s*(个|岁|人|位|名|年|项|周岁)?\s*(多|余|几|出头)")
# A number said against a bound: below it (any number under it, or just under it: "快56了" is 55), above it, or
# at least it.
_BELOW_ANY = ("不到", "没到", "未到", "不满", "未满", "没满", "少于", "低于", "小于", "不足", "不够", "less than",
              "fewer than", "under", "below", "younger than")
_BELOW = re.compile(r"(" + "|".join(re.escape(w) for w in _BELOW_ANY) +
                    r"|快要|快|将近|接近|差一点|差点|almost|nearly|close to)\s*(\d{1,4})", re.I)
_ABOVE = re.compile(r"(?:超过|超出|多于|高于|大于|more than|over|above|older than)\s*(\d{1,4})", re.I)
_AT_LEAST = re.compile(r"(\d{1,4})\s*(?:个|岁|人|位|名|年|项|月|周岁|个月)?\s*(?:以上|及以上|or more|plus\b|\+)", re.I)
_NO_MOST = 10**6  # "超过50": no most said
# Two neighbouring digits: "五六个", "一两个", "两三年"; "五十五六" (55 or 56).
_TENS_NEIGHBOURS = re.compile(r"([一二三四五六七八九])十([一二三四五六七八])([二三四五六七八九])(?=个|人|岁|位|名|项|月|年|$|了)")
_NEIGHBOURS = re.compile(r"(?<![一二两三四五六七八九十百])([一二两三四五六七八])([二两三四五六七八九])(?=个|人|岁|位|名|项|月|年)")
_ROUGHLY = re.compile(r"\babout\b|\baround\b|大概|大约|差不多|约")
_RANGE_ABOUT = re.compile(r"(?:\babout\s*|\baround\s*|大概|大约|差不多|约)?(\d{1,4})\s*(来)?\s*(?:个|岁|人|位|名|年|项|月|周岁)*"
                          r"\s*(左右|上下|\bor so\b)?")


class Vague(NamedTuple):
    """A vague number: the whole numbers it may mean, ``least`` to ``most``, and the one it names (``said``: 8 of
    "8个月左右", the least of "十几个", whose 10 it is not)."""

    least: int
    most: int
    said: int


def typed_range(text: str, unit: str | None = None) -> Vague | None:
    """The whole numbers a vague answer may mean: what :func:`typed_number` refuses ("十几个", "8个月左右"), for a
    check that only needs to know which side of a bound it is on. None when the text states no vague number,
    more than one, or (``unit``: "day" or "month", asked for) a span in another unit ("8年左右" asked in months)."""
    t = unicodedata.normalize("NFKC", text).lower().replace(",", "")
    t = _TENS_NEIGHBOURS.sub(lambda m: f"{_DIGIT[m[1]]}{_DIGIT[m[2]]}到{_DIGIT[m[1]]}{_DIGIT[m[3]]}"
                             if _DIGIT[m[3]] == _DIGIT[m[2]] + 1 else m[0], t)
    t = _NEIGHBOURS.sub(lambda m: f"{_DIGIT[m[1]]}到{_DIGIT[m[2]]}" if _DIGIT[m[2]] == _DIGIT[m[1]] + 1 else m[0], t)
    t = _arabic(half_years_as_months(t).replace("半年", "6个月") if unit == "month" else t)
    if unit is not None and any(_SPAN_UNITS[u] != unit for _n, u in _SPAN.findall(t)):
        return None
    if len(re.findall(r"\d+", t)) > 2:
        return None
    if (m := _BELOW.search(t)) is not None:  # "不到5个", "快56了", "less than two years"
        n = int(m[2])
        close = m[1] not in _BELOW_ANY
        return Vague(max(0, n - 1) if close else 0, max(0, n - 1), max(0, n - 1)) if n > 0 else None
    if (m := _ABOVE.search(t)) is not None:  # "超过50岁", "more than 5"
        n = int(m[1])
        return Vague(n + 1, _NO_MOST, n + 1)
    if (m := _AT_LEAST.search(t)) is not None:  # "5个以上": the measures' 以上 counts the number itself
        n = int(m[1])
        return Vague(n, _NO_MOST, n)
    if (m := _RANGE_BETWEEN.search(t)) is not None:
        a, b = sorted((int(m[1]), int(m[2])))
        return Vague(a, b, a) if b - a <= max(2, a) else None  # "5-3000" is no range anyone says of a head count
    if (m := _RANGE_MORE.search(t)) is not None:
        n, word = int(m[1]), m[3]
        if word == "出头":
            return Vague(n, n + (4 if n >= 10 else 1), n)
        if word == "几" and n % 10:
            return None  # "3几" is no number
        if n >= 10 and n % 10 == 0 and not m[2]:  # "20多人", "10几个": the tens above
            return Vague(n + 1, n + 9, n + 1)
        return Vague(n, n, n)  # "8个多月", "3年多": n and a part, n whole ones (as typed_number reads "8个多月")
    if len(re.findall(r"\d+", t)) != 1:
        return None
    if (m := _RANGE_ABOUT.search(t)) is not None and (m[2] or m[3] or _ROUGHLY.search(t)):
        n = int(m[1])
        d = max(1, round(n / 10))
        return Vague(max(0, n - d), n + d, n)
    return None


# A span of time typed with its unit: "一个月", "两周", "8个月", "1 year". Read before typed_number(), which keeps the
# number and drops the unit: "一个月" asked for days is not 1 day, "一年到头" asked for months is not 1 month.
_SPAN = re.compile(r"(\d+)\s*(个月|个星期|个礼拜|月|星期|礼拜|周|天|日|年|months?\b|weeks?\b|days?\b|years?\b)")
_SPAN_UNITS = {"个月": "month", "月": "month", "month": "month", "months": "month", "个星期": "week", "个礼拜": "week",
               "星期": "week", "礼拜": "week", "周": "week", "week": "week", "weeks": "week", "天": "day", "日": "day",
               "day": "day", "days": "day", "年": "year", "year": "year", "years": "year"}
# Said without a number: the whole year, half of it.
_WHOLE_YEAR = re.compile(r"一年到头|一年四季|全年|常年|长年|整年|一整年|天天|每个月都|一直都?在|year[- ]round|all (?:the )?year|"
                         r"(?:the )?whole year|every month|full[- ]time|all the time")
_HALF_YEAR = re.compile(r"半年|half (?:a|the) year")
# Years and a half: "一年半", "1.5年", "a year and a half", "two and a half years" (read in months).
_EN_COUNT = r"(a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"
_YEARS_AND_A_HALF = re.compile(
    r"(?<![\d.])([零〇一二两三四五六七八九十]+|\d{1,2})\s*(?:个)?\s*年半(?!年)|(?<![\d.])(\d{1,2})\.5\s*年|"
    r"(?<![\d.])(\d{1,2})\.5\s*(?:years?|yrs?)\b|\b" + _EN_COUNT + r"\s+years?\s+and\s+a\s+half\b|"
    r"\b" + _EN_COUNT + r"\s+and\s+a\s+half\s+(?:years?|yrs?)\b", re.I)


def half_years_as_months(text: str) -> str:
    """``text`` with its years and a half said in months ("一年半左右" -> "18个月左右", "about a year and a half" ->
    "about 18 months"): the whole years alone are half a year short, and 1.5年 is no 5 years."""
    def months(m: re.Match[str]) -> str:
        at = next(i for i, g in enumerate(m.groups()) if g is not None)
        word = m.groups()[at].lower()
        n = 1 if word in ("a", "an") else int(word) if word.isdigit() else _EN_NUM.get(word, cn_number(word))
        if n is None:
            return m[0]
        return f"{n * 12 + 6}个月" if at < 2 else f"{n * 12 + 6} months"

    return _YEARS_AND_A_HALF.sub(months, text)
# How many of one unit another holds, where that is exact (a month's days vary; a week of training may be 5 or 7).
_EXACT = {("month", "year"): 12}


def typed_span(text: str, unit: str) -> tuple[int | None, str | None]:
    """A span of time typed in answer to "how many ``unit``s" ("day" or "month"): (the whole number of ``unit``s,
    None) when it says one: "30", "30天", "一年到头" (12 months), "半年" (6), "1年" (12 months); (None, the unit
    said) when it names a span only in another unit that does not convert exactly ("一个月" of days: months
    differ); (None, None) when it says no span, leaving the number to typed_number()."""
    t = unicodedata.normalize("NFKC", text).lower()
    if unit == "month":
        t = half_years_as_months(t)  # "一年半" is 18 months, not 12
    per_year = _EXACT.get((unit, "year"))
    if per_year is not None:
        if _WHOLE_YEAR.search(t):
            return per_year, None
        if _HALF_YEAR.search(t) and not re.search(r"\d|[一二两三四五六七八九十]", _HALF_YEAR.sub("", t)):
            return per_year // 2, None
    a = _arabic(t.replace(",", ""))
    if _VAGUE.search(a):  # "五个月左右": typed_number() asks for a number too
        return None, None
    spans = [(int(n), _SPAN_UNITS[u]) for n, u in _SPAN.findall(a)]
    # "每年8个月": the span said in the unit asked wins over the period it is counted in
    same = [n for n, u in spans if u == unit]
    if len(same) == 1:
        return same[0], None
    if len(spans) == 1:
        n, said = spans[0]
        factor = _EXACT.get((unit, said))
        return (n * factor, None) if factor else (None, said)
    return None, None


# Slips of pinyin input in the programmes' names (云岭公匠, 陪训班, 工做站, 创心工作室), read as the names.
SLIPS = tuple((re.compile(slip), name) for slip, name in (
    (r"[云芸][岭玲领]", "云岭"), (r"云?[岭玲领]公匠|云岭工将", "云岭工匠"), (r"[陪赔]训", "培训"), (r"工做(?=[站室])", "工作"),
    (r"创心(?=工作室)", "创新")))


@lru_cache(maxsize=64)
def normalize(text: str) -> str:
    """Full-width to half-width, ID and mobile numbers masked, lower case, traditional characters simplified
    ("我們工作室有沒有資格" reads as the patterns are written), slips in the programmes' names read as the names.
    Kept for the last texts: the extraction and the routing of one message both read it."""
    text = traditional_simplified(redact(unicodedata.normalize("NFKC", text)).lower())
    for slip, name in SLIPS:
        text = slip.sub(name, text)
    return text


# ---------------------------------------------------------------------------------------------- patterns

_N = r"(-?\d{1,4})"  # a plausible small number; longer digit runs (IDs, phones) never match
_APPROX = r"(?:多|来|几|出头|左右|余)?"
NOT_THRESHOLD = r"(?!\s*(?:以上|以下|以内|及以上|及以下|（含）|\(含\)|之前|之后|的人))"
# The words that put a number against a bound ("超过55岁", "不到5个人", "fewer than 5"), before the number: the
# facts take the number past the bound (extract), a line of working takes none (knowledge.reckon).
BOUND = (r"超过|超出|不到|没到|未到|不满|未满|没满|少于|低于|小于|多于|高于|大于|不足|不够|"
         r"\b(?:fewer|less|more|older|younger|under|over|below|above)\s+(?:than\s+)?")
_NEG = r"(?:没有|没|无|未|从未|从没|不存在|不是|非|并非|never|no|not|without)"

_AGE = (
    re.compile(r"(?<![从自\d])" + _N + _APPROX + r"\s*(?:周岁|岁)" + NOT_THRESHOLD),  # not "从十几岁就学"
    re.compile(r"(?:年龄|今年|age[d]?)\s*(?:是|为|:|都|已经|已)?\s*" + _N + r"(?!\s*年)"),
    re.compile(r"\b" + _N + r"[\s-]*(?:years?|yrs?)[\s-]*old"),
    re.compile(r"\b(?:i|he|she|husband|wife|father|dad|mother|mum|mom|son|daughter|brother|sister|cousin|friend|"
               r"colleague|master|uncle|aunt|fitter|welder|machinist|electrician|mechanic|carpenter|foreman|lineman|"
               r"guy|worker|technician|engineer|operator)(?:'m|'s| am| is)\s+" + _N
               + r"\b(?!\s*(?:years? (?:in|of|as|on)|days|people|%))"),
    re.compile(r"(?:^|[我，,。\s])" + _N + r"出头"),
    # "站长五十七了", "the lead is 48": the age of a named person, without 岁
    re.compile(r"(?:站长|室主任|领衔人|领衔专家|带头人|负责人)(?:是|今年|已经)?\s*" + _N + r"(?:了|$|[，,。\s])"),
    # "我五十一了", "我爸五十五了", "他五十六了": a person's age said with 了
    re.compile(r"(?:我|他|她|爸|妈|父亲|母亲|师傅|老公|爱人|媳妇)(?:今年|已经|都|也)?\s*" + _N
               + r"(?:了|多了)(?![\u4e00-\u9fff]{0,2}年)"),
    re.compile(r"\b(?:turns?|turned)\s+" + _N + r"\b"),
    # terse: "45 高级技师 22年", "52, senior technician, 30 yrs", "laid off, 41, want ..."
    re.compile(r"^\s*" + _N + r"(?=\s*[,，\s])(?!\s*[,，]?\s*(?:年|years?|yrs?|天|days?|个|人|people|of\b))"),
    re.compile(r"(?<=[,，]\s)" + _N + r"(?=\s*[,，])"),
    re.compile(r"\b(?:lead|leader|head)(?: expert)? is\s+" + _N + r"\b(?!\s*(?:years? (?:in|of)|people))"),
)
_YEARS = (
    re.compile(r"(?:干了|做了|从业|工作了|工作|从事[^，,。；;\d]{0,12}?|干[^，,。；;\d]{0,8}?|做[^，,。；;\d]{0,8}?|"
               r"工龄|教龄)\s*(?:已经|有|了)?\s*" + _N + _APPROX + r"\s*年(?!级|前|后|代|度|的时候)"),
    re.compile(_N + _APPROX + r"\s*年(?:的)?(?:工龄|经验|从业|教龄)"),
    re.compile(r"\b" + _N + r"\+?\s*years? (?:of experience|in the trade|in (?:this|the|my) (?:trade|job|field)|"
               r"as an? |working|of work)"),
    re.compile(r"(?:worked|working|been)\b[a-z' ]{0,40}?\bfor\s+(?:over |more than |about |nearly |almost |"
               r"around )?" + _N + r"\+?\s*years?"),
    re.compile(r"\b" + _N + r"\+?\s*years? (?:on|in) the job"),
    # "30 years at a state company", "20 years with the railway bureau": at an employer
    re.compile(r"\b" + _N + r"\+?\s*years? (?:at|with) (?:a|an|the|my|our|this|one) [a-z]"),
    re.compile(r"\b(?:worked|[a-z]+(?:er|ian|ist|or))\s+(?:for\s+)?" + _N + r"\+?\s*years?"),
    # terse: "22年", "30 yrs" standing alone
    re.compile(r"(?:^|(?<=[\s,，]))" + _N + r"\s*年(?=\s|[,，]|$)"),
    re.compile(r"(?:^|(?<=[\s,，]))" + _N + r"\s*(?:yrs?|years?)(?=\s*[,，]|\s*$)"),
    # "修车修了25年", "搞木雕三十一年": a verb of the trade, then the years
    re.compile(r"(?:修|搞|干|做|学|开|跑|教|种|绣|雕|烧|织|编|焊|炒|当|画|打(?!工)|敲|锻|铸|砌|染|酿|制)[\u4e00-\u9fff]{0,4}?了?\s*"
               + _N + _APPROX
               + r"\s*年(?!级|前|后|代|度|的时候)"),
)
_TEAM = (
    re.compile(r"(?:团队|队伍|团队成员|成员|专家团队|创新团队)(?:有|共|一共)?\s*" + _N + r"\s*(?:个|名|位)?人"),
    re.compile(_N + r"\s*(?:个|名|位)?人的?(?:专家)?(?:团队|队伍)"),
    re.compile(r"team of " + _N + r"|" + _N + r"[- ](?:person|people|member)s? team|team (?:has|of|is) " + _N
               + r"|team (?:strength|size)(?: is| of|:)? ?" + _N),
    re.compile(r"(?:站里|室里|工作室里|工作站里)(?:头|面)?(?:有|共|一共)?\s*" + _N + r"\s*(?:个|名|位)?人"),
    re.compile(r"(?:团队|队伍)[^，,。；;\d]{0,6}?" + _N + r"\s*(?:个|名|位)?人"),
)
_TEAM_LOOSE = (  # a studio's or station's head count said without the word team: "10个人", "4 people"
    re.compile(r"(?<![\d.])" + _N + r"\s*(?:个|名|位)?人(?![员才次])"),
    re.compile(r"\b" + _N + r"\s*(?:people|members|persons)\b"),
)
_NAMED_YEARS = (
    re.compile(r"命名(?:的)?[，,\s]*(?:已经|已|了)?\s*(?:有)?\s*" + _N + _APPROX + r"\s*年"),
    re.compile(_N + _APPROX + r"\s*年前(?:就)?(?:被)?(?:[^，,。]{0,12})?命名"),
    re.compile(r"named (?:as [^,.]{0,40} )?" + _N + r" years? ago|named for " + _N + r" years?"),
    re.compile(r"命[^，,。；;\d]{0,8}?" + _N + _APPROX + r"\s*年"),
    re.compile(r"挂牌(?:已经|已|了)?\s*(?:有)?\s*" + _N + _APPROX + r"\s*年"),
    re.compile(r"named\b[^.;]{0,80}?\b" + _N + r" (?:years?|yrs?)(?: ago)?"),
)
_NAMED_YEARS_LOOSE = (  # in a studio's or station's message, a bare span of years: "5年了", "2 yrs", "两年半了"
    re.compile(r"(?:(?<![^，,。；;\s])|(?<=已经)|(?<=到现在)|(?<=有)|(?<=才)|(?<=刚))" + _N + _APPROX
               + r"\s*年(?:了|多|半)"),
    re.compile(r"(?:(?<![^，,。；;\s])|(?<=已经)|(?<=到现在))" + _N + _APPROX + r"\s*年(?=$|[，,。；;\s])"),
    re.compile(r"\b" + _N + r"\s*(?:years?|yrs?)\b"),
    re.compile(r"满\s*" + _N + r"\s*年"),
)
_REFERRERS = (
    re.compile(_N + r"\s*(?:位|名|个)(?:同专业的?)?(?:专家|高级技师|高工|老师|人|师傅)?[^，,。]{0,6}(?:举荐|推荐|联名)"),
    re.compile(_N + r"\s*(?:位|名|个)[^，,。\d]{0,6}(?:专家|技师|高工|工程师|老师|师傅|同行|同事|教授|研究员|专业人士|人)"
               r"[^，,。\d]{0,12}(?:举荐|推荐|联名)"),
    re.compile(r"我们\s*" + _N + r"\s*(?:个|位|人)"),
    re.compile(r"(?:举荐人|推荐人)(?:有|共)?\s*" + _N),
    # "2 senior engineers (高级工程师) from our design institute want to jointly recommend", "two of our senior
    # engineers (both hold associate-senior titles, same field) want to co-nominate": people, then what they do
    re.compile(r"\b" + _N + r" (?:of (?:our|my|the) )?(?:[a-z\-]+ ){0,2}?(?:senior technicians?|technicians?|experts?|"
               r"engineers?|colleagues?|coworkers?|masters?|referees?|professors?|people)\b(?: \([^)]{0,60}\))?"
               r"(?: [a-z]+){0,5}? (?:will |want to |wants to |would like to |plan to |are going to |can |could )?"
               r"(?:jointly |co-)?(?:refer|recommend|nominate|co-nominate)\b"),
    re.compile(r"(?:我|我们)\s*" + _N + r"\s*(?:个人|人)(?=[^，,。]{0,4}(?:推荐|举荐))"),
    # "我两个师傅都是高级技师，他们想联名举荐我": the speaker's masters, named before what they do
    re.compile(r"我的?\s*" + _N + r"\s*(?:个|位|名)(?:师父|师傅|老师|同事|领导|朋友|同行)(?=[^。！？!?]{0,30}(?:举荐|推荐|联名))"),
    re.compile(r"\b(?:the )?" + _N + r" of us (?:can |could |will |would )?(?:jointly )?(?:refer|recommend)"),
)
_TRAINEES = (
    re.compile(_N + r"\s*(?:个|名|位)?(?:学员|培训学员|人参加|人参训|人培训|个人培训|人的班|人)"),
    re.compile(r"(?<!是)" + _N + r"\s*(?:个|名|位)[\u4e00-\u9fff]{0,6}?(?:劳动力|农民工|工人|职工|学员|年轻人|人员|人)"),
    re.compile(r"\b" + _N + r" (?:[a-z-]+ ){0,2}(?:workers|trainees|people|participants|learners|labou?rers)\b"),
    re.compile(r"(?:学员|参训人数|培训人数)(?:有|共)?\s*" + _N),
)
_THRESHOLD_BEFORE = (r"(?<!超过)(?<!超出)(?<!不少于)(?<!少于)(?<!低于)(?<!不足)(?<!不满)(?<!多于)(?<!大于)(?<!小于)"
                     r"(?<!more than )(?<!at least )(?<!over )(?<!under )(?<!less than )")  # "培训超过30天": a rule's bound
# Each starts by looking ahead at the number's first character: the ten lookbehinds then run only where a
# number starts, not at every character of the message (the same matches).
_DAYS = (
    re.compile(r"(?=[-\d])" + _THRESHOLD_BEFORE + r"(?<!\d)" + _N + r"\s*(?:天|日)(?!以上|以下)"),
    re.compile(r"(?=[-\d])" + _THRESHOLD_BEFORE + r"\b" + _N + r"[- ]days?\b"),
)
# A number taken back in the same message: "我42，不对，上个月过了生日43了", "领衔人48岁，哦说错了是46", "学员30个，
# 哦不是，后来又加了几个，现在是34个", "28天，不对，算上鉴定那两天是30天", "age 45, sorry, 46".
_SAID_UNITS = r"(岁|个|人|天|年|名|位|years?|days?|people)"
_TAKEN_BACK = re.compile(r"(-?\d{1,4})\s*" + _SAID_UNITS + r"?\s*[，,]\s*(?:哦|噢|呃|啊)?\s*"
                         r"(?:不对|不是(?=\s*[，,])|说错了|打错了|写错了|更正一下|sorry|i mean|no wait|correction)[，,:]?\s*")
_CLAUSE = re.compile(r"[^，,。；;!?！？]+")
_NUMBER_UNIT = re.compile(r"(-?\d{1,4})\s*" + _SAID_UNITS + "?")


def taken_back(n: str) -> str:
    """``n`` (digits already Arabic) with each number taken back replaced by the one said instead: the last number
    of the first clause after the correction that has one, of the same unit (or none) when the first had one. A
    year said for a count ("三年前，不对，是2022年底") is left as it was."""
    out, at = [], 0
    for m in _TAKEN_BACK.finditer(n):
        if m.start() < at:
            continue
        unit = m.group(2)
        instead = None
        for clause in _CLAUSE.finditer(n, m.end(), min(len(n), m.end() + 40)):
            numbers = [x for x in _NUMBER_UNIT.finditer(clause.group()) if unit is None or x.group(2) in (None, unit)]
            if numbers:
                instead = (numbers[-1], clause.start())
                break
        if instead is None:
            continue
        x, base = instead
        if (int(m.group(1)) < 200) != (int(x.group(1)) < 200):  # a count and a year are not the same kind of number
            continue
        # the first number (and its unit) now says the second; what follows the second goes on from there
        out.append(n[at:m.start(1)] + x.group(1) + (unit or ""))
        at = base + (x.end() if unit and x.group(2) else x.end(1))
    return "".join(out) + n[at:]


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    for p in patterns:
        m = p.search(text)
        if m:
            for g in m.groups():
                if g is not None:
                    return int(g)
    return None


CLAUSE_MARKS = r"[，,。；;!?！？]|\.\s"
SENTENCE_MARKS = r"[。；;!?！？\n]|\.(?:\s|$)"


def _clause(text: str, start: int, end: int, marks: str = CLAUSE_MARKS) -> str:
    """The clause around text[start:end], between punctuation marks (``SENTENCE_MARKS``: the sentence)."""
    head = re.split(marks, text[:start])[-1]
    tail = re.split(marks, text[end:])[0]
    return head + text[start:end] + tail


def _first_outside(patterns: tuple[re.Pattern[str], ...], text: str, avoid: str) -> int | None:
    """The first number a pattern finds in a clause that does not contain ``avoid``."""
    for p in patterns:
        for m in p.finditer(text):
            value = next((int(g) for g in m.groups() if g is not None), None)
            if value is not None and not re.search(avoid, _clause(text, m.start(), m.end())):
                return value
    return None


def _years(n: str, group: bool) -> int | None:
    """Years in the trade; in a studio's or station's message, not the years since it was named."""
    return _first_outside(_YEARS, n, r"命|named|ago") if group else _first(_YEARS, n)

