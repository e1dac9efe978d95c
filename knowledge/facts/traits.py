"""What the person is and holds: skill grade, professional title, honours, contest placings, exclusions
(第八条) and the naming level of a studio or station."""

from __future__ import annotations

import re
from typing import TypeVar

from knowledge.facts.model import Contest
from knowledge.facts.numbers import SENTENCE_MARKS, _clause
from knowledge.places import find_roman_places

_NEG = r"(?:没有|没|无|未|从未|从没|不存在|不是|非|并非|never|no|not|without)"
_SKILL = (  # most specific first
    ("高级技师", r"高级技师|senior technician"),
    # 技师站: the station, said short; "our lead technician is 58": the lead's role, not a grade
    ("技师", r"(?<!高级)技师(?!工作站|站)|(?<!lead )(?<!chief )(?<!head )\btechnician\b(?! work ?station)"),
    ("高级工", r"高级工(?!程)|senior (?:skilled )?worker"),
    ("中级工", r"中级工(?!程)|intermediate (?:skilled )?worker"),
    ("初级工", r"初级工(?!程)|junior (?:skilled )?worker|entry[- ]level worker"),
)
_TITLE = (
    ("正高级", r"正高(?:级)?|教授级高(?:级)?工(?:程师)?|研究员|full professor|professor-level|senior engineer "
              r"\(full\)"),
    ("副高级", r"副高(?:级)?|高级(?:工程师|经济师|会计师|农艺师|讲师|实验师)|高工|副教授|副研究员|"
              r"senior engineer|associate professor"),
    # "an electrical engineer" is a job in English, not the 工程师 title
    ("中级", r"中级(?:职称|工程师)|(?<![高助理])工程师|engineer title|intermediate (?:title|engineer)|中级(?=职称)"),
    ("初级", r"初级职称|助理工程师|技术员|assistant engineer"),
)
_EXCLUSIONS = (  # (value, pattern) of the person's; negated mentions ("没受过处分") are ignored
    ("investigation", r"(?:被)?(?:立案)?(?:调查|审查)|under investigation|being investigated"),
    ("credit", r"失信|老赖|黑名单|被执行人|dishonest|blacklist"),
    ("discipline", r"处分|诫勉|记过|记大过|警告处分|留党察看|disciplin(?:ary|ed)|sanction"),
    ("violation", r"违法|违纪|违反[^，,。；;]{0,8}纪律|犯罪|判刑|判过刑|被判(?:了|过)?(?:刑|缓刑|有期)|服过刑|坐过牢|坐牢|刑满|"
                  r"criminal|convicted|broke the law|jail|prison"),
)
_HEAD_ISSUES = (  # (value, pattern) of an enterprise's, which exclude its head; negated mentions are ignored
    ("wage_arrears", r"拖欠(?:职工|员工|工人)?工资|欠薪|欠[^，,。；;]{0,8}工资|工资[^，,。；;]{0,6}(?:拖着|拖了|没发|未发|欠着|发不出)|"
                     r"owe[ds]? (?:[a-z]+ ){0,3}wages|wage arrears|unpaid wages|"
                     r"(?:delayed|withheld|held back|not paid|didn't pay|did not pay)[^.,;]{0,20}(?:wages?|salar(?:y|ies))"),
    ("accident", r"(?:安全|生产|重大|较大)事故|职业病(?:危害)?事故|serious accident|safety accident"),
    ("insurance", r"(?:没|未|没有)(?:按规定|按时)?(?:交|缴|缴纳)社保|欠(?:缴)?社保|"
                  r"社保[^，,。；;]{0,6}(?:没|未)(?:给|有)?[^，,。；;]{0,6}?(?:按规定|按时|足额)?(?:交|缴|买)|"
                  r"social insurance (?:not|unpaid)|not paid social insurance"),
)


# 第八条（三） excludes a sanction's holder only "影响期未届满": while its period of effect runs. What the person
# says of that period, in the sentence that names the sanction.
_PERIOD_RUNS = (r"(?:没|未|尚未|还没|没有)(?:有)?(?:过|满|结束|届满|到期|解除|撤销)|还在|仍在|尚在|仍然有效|"
                r"still (?:in effect|in force|running|valid|active)|not (?:yet )?(?:over|ended|expired|lifted)")
_PERIOD_ENDED = (r"(?:影响期|期限|处分|诫勉|警告)[^，,。；;]{0,6}(?:(?:已经?|早就?|都)(?:过|满|结束|届满|到期|解除|撤销)|"
                 r"(?:过|满|结束)了|届满|到期|解除|撤销)|"
                 r"(?:已经?|早就?)(?:过了?|满了?)(?:影响期|期限)|(?:影响期|期限)(?:已经?)?过|"
                 r"(?:period|sanction|warning|it)[^.,;]{0,25}(?:ended|expired|is over|was over|has passed|"
                 r"was lifted|has been lifted)|no longer in effect")
_PERIOD_DATED = (r"去年|前年|[0-9一二两三四五六七八九十几]+年(?:前|以前)|(?:19|20)\d\d年|以前|之前|早年|曾经|"
                 r"last year|years? ago|(?:in|back in) (?:19|20)\d\d|long ago|a while ago")


def sanction_period(t: str, start: int) -> str:
    """"discipline": a sanction in effect, or said with no time ("我受过处分"); "discipline_ended": its period
    of effect is said to be over ("影响期已经过了"); "discipline_dated": received at a time in the past and
    nothing said of its period ("去年受过记过处分"): whether it still runs is the person's to say. ``start``:
    where the sanction is named in ``t``; only its sentence is read."""
    sentence = _clause(t, start, start, SENTENCE_MARKS)
    if re.search(_PERIOD_RUNS, sentence):
        return "discipline"
    if re.search(_PERIOD_ENDED, sentence):
        return "discipline_ended"
    return "discipline_dated" if re.search(_PERIOD_DATED, sentence) else "discipline"


def _skill_grade(t: str) -> str | None:
    """The first grade stated of the person: not one they lack ("还没考技师"), nor that of referrers
    ("3位高级技师联名举荐我"; but "我们都是高级技师，想联合举荐" is the speakers' own)."""
    found: list[tuple[int, str]] = []
    for value, pattern in _SKILL:
        for m in re.finditer(pattern, t):
            if any(s <= m.start() < e for s, e, _v in ((f[0], f[0] + 4, f[1]) for f in found if f[1] == "高级技师")):
                continue
            before = t[max(0, m.start() - 8):m.start()]
            if re.search(r"(?:没|没有|未|还没|不是|非)(?:考|拿|评|取得|考到|考过)?[^，,。]{0,1}$", before):
                continue
            own = re.search(r"(?:都是|是)$", before)
            if not own and (re.search(r"(?:举荐|推荐)[^，,。]{0,6}$", before)
                            or re.match(r"[^，,。]{0,4}(?:举荐|推荐|联名)", t[m.end():])):
                continue
            found.append((m.start(), value))
    return min(found)[1] if found else None


def _named_level(t: str) -> str | None:
    t = re.sub(r"(?:没有|没|未|不是)[^，,。]{0,4}命名", "", t)  # "没有州市命名": not a level it was named at
    if re.search(r"单位层面|企业内部|内部(?:自己)?挂牌|(?:公司|单位|企业|厂里|厂)自己挂的?牌|企业工会命名|单位工会命名|"
                 r"(?:named|plaque) (?:only )?(?:by|from) (?:our|the) (?:company|unit|enterprise|factory) ?(?:union)?\b", t):
        return "unit"
    if re.search(r"(?:州|市|州市)级?命名|(?:州|市|州市|州\(市\)|地州|省级产业|产业|系统|行业)(?:级)?(?:总)?工会[^，,。]{0,6}命|"
                 r"(?:州|市)总(?:工会)?[^，,。]{0,6}命|省[^，,。]{0,8}(?:公司|系统|产业|行业)(?:总)?工会[^，,。]{0,6}命|"
                 r"(?:州|市)级(?:的)?(?:示范)?(?:创新)?(?:工作室|工作站)|"
                 r"(?:州|市)里(?:给)?(?:命名|挂的?牌)|"
                 r"(?:by|from) (?:the )?(?:city|prefecture)|prefecture plaque|"
                 r"\b(?:our|my|we)\b[^.;?]{0,80}(?:named|plaque|recogni[sz]ed|designated)[^.;?]{0,40}"
                 r"(?:prefecture|city)[- ]level", t):
        return "prefecture"
    if re.search(r"(?:县|区)(?:级|总工会|工会|总)[^，,。]{0,6}命|县级|by (?:the )?county|"
                 r"\b(?:our|my|we)\b[^.;?]{0,80}(?:named|plaque|recogni[sz]ed|designated)[^.;?]{0,40}"
                 r"county(?:[- ]level| union)", t):
        return "county"
    if re.search(r"(?:单位|公司|企业|厂里|厂)(?:内部)?(?:自己)?命|by (?:our|the) (?:unit|company|factory|plant)", t):
        return "unit"
    m = re.search(r"named by (?:the )?([a-z' -]{0,50}?)\b(?:federation of )?(?:trade )?unions?", t)
    if m and (find_roman_places(m.group(1)) or re.search(r"prefect|city|municipal", m.group(1))):
        return "prefecture"  # "named by the Qujing Federation of Trade Unions"
    return None


def _negated(text: str, start: int) -> bool:
    return re.search(_NEG + r"[^，,。；;]{0,4}$", text[max(0, start - 8):start]) is not None


def _first_said(patterns: tuple[tuple[str, str], ...], text: str) -> tuple[str, int] | tuple[None, int]:
    """The value of the first (value, pattern) whose pattern ``text`` says and does not deny ("没受过处分",
    "不是建档立卡户"), and where it says it; (None, 0) when none."""
    return next(((value, m.start()) for value, pattern in patterns
                 if (m := re.search(pattern, text)) and not _negated(text, m.start())), (None, 0))


T = TypeVar("T")

_CONTEST = (r"世界技能大赛|世赛|国赛|省赛|州赛|市赛|worldskills|world skills|大赛|竞赛|比赛|比武|技能赛|技能大赛|类赛|决赛|初赛|状元|"
            r"competition|contest")
_CONTEST_LEVELS = (("world", r"世界|世赛|worldskills|world skills|international"),
                   ("national", r"全国|国家级|国赛|national"),
                   ("provincial", r"省|全省|provincial|yunnan"),
                   ("prefecture", r"州|市|地区|prefecture|city"))
_CONTEST_CLASSES = (("一类", r"1类|一类|class (?:i|1)\b"), ("二类", r"2类|二类|class (?:ii|2)\b"))
_RANK = (r"第\s*(\d{1,3})(?!\s*(?:届|次|期|年|个|批|季|轮|天|\d))|前\s*(\d{1,2})\s*名|(\d)\s*等奖|"
         r"\b(\d{1,3})(?:st|nd|rd|th) place|place[d]? (\d{1,3})|top (\d{1,2})|rank(?:ed)? (\d{1,3})|"
         r"\b(?:came|placed|finished|took|got)\s+(\d{1,3})(?:st|nd|rd|th)\b")
# "second place", "came third": English ordinals in words.
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_RANK_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\s+place\b|\b(?:came|placed|finished|took|got)\s+("
                           + "|".join(_ORDINALS) + r")\b")
_RANK_WORDS = ((1, r"冠军|金牌|金奖|状元|gold|first prize|champion|won first"), (2, r"亚军|银牌|银奖|silver|second prize"),
               (3, r"季军|铜牌|铜奖|bronze|third prize"))
_STAGES = (("preliminary", r"初赛|预赛|选拔赛|preliminar|qualif|selection round"), ("final", r"决赛|\bfinal"))


def _label(options: tuple[tuple[T, str], ...], text: str) -> T | None:
    """The value of the first option whose pattern occurs in ``text``."""
    return next((value for value, pattern in options if re.search(pattern, text)), None)


def _rank(text: str) -> int | None:
    rm = re.search(_RANK, text)
    if rm:
        return int(next(g for g in rm.groups() if g is not None))
    if om := _RANK_ORDINAL.search(text):
        return _ORDINALS.index(om.group(1) or om.group(2)) + 1
    return _label(_RANK_WORDS, text)


def _contest(text: str) -> Contest | None:
    m = re.search(_CONTEST, text)
    if not m:
        return None
    if re.search(r"技术状元|技能状元", text) and not re.search(r"大赛|竞赛|比赛", re.sub(r"职业技能大赛技术状元", "", text)):
        return None  # an honour (第七条), not a contest placing
    contest = Contest(_label(_CONTEST_LEVELS, text[max(0, m.start() - 24):m.end() + 4]),
                      _label(_CONTEST_CLASSES, text), _rank(text), _label(_STAGES, text))
    return contest if contest != Contest() else None


def _flag(text: str, yes: str, no: str | None = None) -> bool | None:
    if no and re.search(no, text):
        return False
    m = re.search(yes, text)
    if m:
        return not _negated(text, m.start())
    return None


