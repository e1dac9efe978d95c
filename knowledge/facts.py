"""Facts a person states about themselves in free text, and which check such a message should open.

    extract("我45岁，高级技师，干了22年电工，拿过省技能大赛一等奖，能评云岭工匠吗？")
    -> Facts(age=45, skill_grade="高级技师", years_in_trade=22,
             contest=Contest(level="provincial", rank=1), programme="craftsman", ...)
    route(text, facts) -> "craftsman_eligibility"

Pure and fast: regular expressions over the text, no database, no segmenter. Chinese and English; numbers
in Arabic, full-width or Chinese numerals (四十五, 二十来年 -> 20, 三十出头 -> 30). ID and mobile numbers are
masked before anything is read, so they are never extracted or kept.

Numbers that cannot be true (age 200, -3 years) and facts that contradict each other (30 years old with 40
years in the trade) are not believed: they are left out of the facts and reported in ``problems``.
A correction ("不对，是48岁") is recognised by :func:`is_correction`; :func:`corrected` replaces the facts it
states and keeps the others.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields, replace

from knowledge.places import _COUNTY_KEYS, _PREFECTURE_KEYS, Place, find_roman_places
from knowledge.text import redact

CHECKS = ("craftsman_eligibility", "craftsman_channel", "studio_eligibility", "station_eligibility",
          "training_eligibility", "training_subsidy")

WORKING_AGE_MIN = 14  # years_in_trade may not exceed age minus this
AGE_RANGE = (14, 100)
YEARS_MAX = 80

SKILL_GRADES = ("初级工", "中级工", "高级工", "技师", "高级技师")
TITLE_LEVELS = ("初级", "中级", "副高级", "正高级")
EXCLUSIONS = ("investigation", "violation", "discipline", "credit", "wage_arrears", "no_union", "accident",
              "insurance")

# Honours as 第六、七条 of the craftsman measure spell them, then others people commonly hold.
HONOURS: tuple[tuple[str, str], ...] = (  # (canonical name, pattern)
    ("大国工匠年度人物", r"大国工匠|great craftsman"),
    ("中国质量工匠", r"中国质量工匠|quality craftsman"),
    ("中华技能大奖", r"中华技能大奖|china skills? award"),
    ("全国技术能手", r"全国技术能手|national technical expert"),
    ("兴滇人才奖", r"兴滇人才|xingdian"),
    ("云南省劳动模范", r"(?:云南)?省(?:级)?劳(?:动)?模(?:范)?|provincial model worker|yunnan model worker"),
    ("千人计划专项", r"千人计划|thousand talents"),
    ("万人计划专项", r"万人计划|ten thousand talents"),
    ("云岭技能大师", r"云岭技能大师|yunling skill master"),
    ("云南省职工职业技能大赛技术状元", r"技术状元|technical champion"),
    ("全国劳动模范", r"全国劳(?:动)?模(?:范)?|national model worker"),
    ("全国五一劳动奖章", r"全国五一劳动奖章|national may day"),
    ("云南省五一劳动奖章", r"(?:云南)?省五一劳动奖章"),
    ("云南省技术能手", r"(?:云南)?省(?:级)?技术能手"),
    ("州市劳动模范", r"(?:州|市)(?:级)?劳(?:动)?模(?:范)?"),
    ("国务院特殊津贴", r"国务院(?:政府)?特殊津贴|state council special allowance"),
    ("首席技师", r"首席技师|chief technician"),
)
# Which 第七条 priority honour (knowledge.rules.eligibility.PRIORITY_HONOURS key) a canonical name is.
PRIORITY_KEYS = {
    "中华技能大奖": "china_skill_award", "全国技术能手": "national_technical_expert",
    "兴滇人才奖": "xingdian_talent", "云南省劳动模范": "provincial_model_worker",
    "千人计划专项": "thousand_talents", "万人计划专项": "ten_thousand_talents",
    "云岭技能大师": "yunling_skill_master", "云南省职工职业技能大赛技术状元": "provincial_contest_champion",
}
DIRECT_KEYS = {"大国工匠年度人物": "great_craftsman", "中国质量工匠": "quality_craftsman"}


@dataclass(frozen=True)
class Contest:
    level: str | None = None  # world | national | provincial | prefecture
    klass: str | None = None  # 一类 | 二类
    rank: int | None = None
    stage: str | None = None  # final | preliminary

    def as_dict(self) -> dict[str, object]:
        out = {"level": self.level, "class": self.klass, "rank": self.rank, "stage": self.stage}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class Problem:
    """A stated fact not believed: ``kind`` is "impossible" or "contradiction"; ``keys`` the facts
    concerned; ``values`` what was said."""

    kind: str
    keys: tuple[str, ...]
    values: tuple[int, ...]


@dataclass(frozen=True)
class Facts:
    age: int | None = None
    years_in_trade: int | None = None
    skill_grade: str | None = None
    title_level: str | None = None
    honours: tuple[str, ...] = ()
    contest: Contest | None = None
    chinese_national: bool | None = None
    unit_in_yunnan: bool | None = None
    household_place: str | None = None  # a Yunnan place as Place.name ("昆明市五华区")
    work_place: str | None = None
    self_employed: bool | None = None
    enterprise_head: bool | None = None
    unit_has_union: bool | None = None
    exclusion: str | None = None
    already_named: bool | None = None
    programme: str | None = None  # craftsman | studio | station | training
    team_size: int | None = None
    lead_age: int | None = None
    named_level: str | None = None  # prefecture | county | unit
    named_years: int | None = None
    route: str | None = None  # union | association | referral | self
    referrer_count: int | None = None
    trainees: int | None = None
    days: int | None = None
    project: str | None = None  # upgrade | poverty | other
    trainee_kind: str | None = None  # a key of knowledge.rules.training.CATEGORIES
    problems: tuple[Problem, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The stated facts only (no Nones, no problems); the contest as a dict."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "problems" or value is None or value == ():
                continue
            out[f.name] = value.as_dict() if isinstance(value, Contest) else list(value) \
                if isinstance(value, tuple) else value
        return out

    @property
    def personal(self) -> int:
        """How many facts about the person (or their studio, station or class) the text states."""
        return len([k for k in self.as_dict() if k not in ("programme", "project")]) + len(self.problems)

    def to_json(self) -> dict[str, object]:
        data = self.as_dict()
        data["problems"] = [asdict(p) for p in self.problems]
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Facts:
        kw: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name == "contest" and isinstance(value, dict):
                value = Contest(value.get("level"), value.get("class"), value.get("rank"), value.get("stage"))
            elif f.name == "problems" and isinstance(value, list):
                value = tuple(Problem(p["kind"], tuple(p["keys"]), tuple(p["values"])) for p in value)
            elif f.name == "honours" and isinstance(value, list):
                value = tuple(value)
            kw[f.name] = value
        return cls(**kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- numbers

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
          "九": 9}
_CN_NUM = re.compile(r"[零〇一二两三四五六七八九十百]+")


def cn_number(s: str) -> int | None:
    """四十五 -> 45, 十二 -> 12, 一百零五 -> 105, 二二 -> 22; None when it is not a numeral."""
    if not s or any(ch not in _DIGIT and ch not in "十百" for ch in s):
        return None
    if "十" not in s and "百" not in s:
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


_EN_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30}


def _arabic(text: str) -> str:
    """Chinese numerals and small English number words as Arabic digits; 负3 and minus 3 as -3."""
    def sub(m: re.Match[str]) -> str:
        value = cn_number(m.group())
        return str(value) if value is not None else m.group()

    text = _CN_NUM.sub(sub, text)
    text = re.sub(r"\b(" + "|".join(_EN_NUM) + r")\b", lambda m: str(_EN_NUM[m.group().lower()]), text, flags=re.I)
    return re.sub(r"(?:负|minus\s*)(\d)", r"-\1", text, flags=re.I)


def normalize(text: str) -> str:
    """Full-width to half-width, ID and mobile numbers masked, lower case."""
    return redact(unicodedata.normalize("NFKC", text)).lower()


# ---------------------------------------------------------------------------------------------- patterns

_N = r"(-?\d{1,4})"  # a plausible small number; longer digit runs (IDs, phones) never match
_APPROX = r"(?:多|来|几|出头|左右|余)?"
_NOT_THRESHOLD = r"(?!\s*(?:以上|以下|以内|及以上|及以下|（含）|\(含\)|之前|之后|的人))"
_NEG = r"(?:没有|没|无|未|从未|从没|不存在|不是|非|并非|never|no|not|without)"

_AGE = (
    re.compile(r"(?<![从自\d])" + _N + _APPROX + r"\s*(?:周岁|岁)" + _NOT_THRESHOLD),  # not "从十几岁就学"
    re.compile(r"(?:年龄|今年|age[d]?)\s*(?:是|为|:)?\s*" + _N + r"(?!\s*年)"),
    re.compile(r"\b" + _N + r"[\s-]*(?:years?|yrs?)[\s-]*old"),
    re.compile(r"\b(?:i|he|she)(?:'m|'s| am| is)\s+" + _N + r"\b(?!\s*(?:years? (?:in|of|as|on)|days|people))"),
    re.compile(r"(?:^|[我，,。\s])" + _N + r"出头"),
    # "站长五十七了", "the lead is 48": the age of a named person, without 岁
    re.compile(r"(?:站长|室主任|领衔人|领衔专家|带头人|负责人)(?:是|今年|已经)?\s*" + _N + r"(?:了|$|[，,。])"),
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
    # "修车修了25年", "搞木雕三十一年": a verb of the trade, then the years
    re.compile(r"(?:修|搞|干|做|学|开|跑|教|种|绣|雕|烧|织|编|焊|炒|当)[\u4e00-\u9fff]{0,4}?了?\s*" + _N + _APPROX
               + r"\s*年(?!级|前|后|代|度|的时候)"),
)
_TEAM = (
    re.compile(r"(?:团队|队伍|团队成员|成员|专家团队|创新团队)(?:有|共|一共)?\s*" + _N + r"\s*(?:个|名|位)?人"),
    re.compile(_N + r"\s*(?:个|名|位)?人的?(?:专家)?(?:团队|队伍)"),
    re.compile(r"team of " + _N + r"|" + _N + r"[- ](?:person|people|member)s? team|team (?:has|of) " + _N),
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
    re.compile(r"named\b[^.;]{0,80}?\b" + _N + r" (?:years?|yrs?)(?: ago)?"),
)
_NAMED_YEARS_LOOSE = (  # in a studio's or station's message, a bare span of years: "5年了", "2 yrs", "两年半了"
    re.compile(r"(?:(?<![^，,。；;\s])|(?<=已经)|(?<=到现在)|(?<=有)|(?<=才)|(?<=刚))" + _N + _APPROX
               + r"\s*年(?:了|多|半)"),
    re.compile(r"(?:(?<![^，,。；;\s])|(?<=已经)|(?<=到现在))" + _N + _APPROX + r"\s*年(?=$|[，,。；;\s])"),
    re.compile(r"\b" + _N + r"\s*(?:years?|yrs?)\b"),
)
_REFERRERS = (
    re.compile(_N + r"\s*(?:位|名|个)(?:同专业的?)?(?:专家|高级技师|高工|老师|人|师傅)?[^，,。]{0,6}(?:举荐|推荐|联名)"),
    re.compile(_N + r"\s*(?:位|名|个)[^，,。\d]{0,6}(?:专家|技师|高工|工程师|老师|师傅|同行|人)[^，,。]{0,8}(?:举荐|推荐|联名)"),
    re.compile(r"我们\s*" + _N + r"\s*(?:个|位|人)"),
    re.compile(r"(?:举荐人|推荐人)(?:有|共)?\s*" + _N),
    re.compile(r"\b" + _N + r" (?:experts|senior technicians|referees|people) (?:will )?(?:refer|recommend)"),
)
_TRAINEES = (
    re.compile(_N + r"\s*(?:个|名|位)?(?:学员|培训学员|人参加|人参训|人培训|个人培训|人的班|人)"),
    re.compile(_N + r"\s*(?:个|名|位)[\u4e00-\u9fff]{0,6}?(?:劳动力|农民工|工人|职工|学员|年轻人|人员|人)"),
    re.compile(r"\b" + _N + r" (?:[a-z-]+ ){0,2}(?:workers|trainees|people|participants|learners|labou?rers)\b"),
    re.compile(r"(?:学员|参训人数|培训人数)(?:有|共)?\s*" + _N),
)
_THRESHOLD_BEFORE = (r"(?<!超过)(?<!超出)(?<!不少于)(?<!少于)(?<!低于)(?<!不足)(?<!不满)(?<!多于)(?<!大于)(?<!小于)"
                     r"(?<!more than )(?<!at least )(?<!over )(?<!under )(?<!less than )")  # "培训超过30天": a rule's bound
_DAYS = (
    re.compile(_THRESHOLD_BEFORE + r"(?<!\d)" + _N + r"\s*(?:天|日)(?!以上|以下)"),
    re.compile(_THRESHOLD_BEFORE + r"\b" + _N + r"[- ]days?\b"),
)
_SKILL = (  # most specific first
    ("高级技师", r"高级技师|senior technician"),
    ("技师", r"(?<!高级)技师(?!工作站)|\btechnician\b(?! work ?station)"),
    ("高级工", r"高级工(?!程)|senior (?:skilled )?worker"),
    ("中级工", r"中级工(?!程)|intermediate (?:skilled )?worker"),
    ("初级工", r"初级工(?!程)|junior (?:skilled )?worker|entry[- ]level worker"),
)
_TITLE = (
    ("正高级", r"正高(?:级)?|教授级高(?:级)?工(?:程师)?|研究员|full professor|professor-level|senior engineer "
              r"\(full\)"),
    ("副高级", r"副高(?:级)?|高级(?:工程师|经济师|会计师|农艺师|讲师|实验师)|高工|副教授|副研究员|"
              r"senior engineer|associate professor"),
    ("中级", r"中级(?:职称|工程师)|(?<![高助理])工程师|\bengineer\b|中级(?=职称)"),
    ("初级", r"初级职称|助理工程师|技术员|assistant engineer"),
)
_STUDIO_STRONG = r"创新工作室|职工[^，,。]{0,4}工作室|innovation studio"
_PROGRAMMES = (
    ("station", r"技师工作站|工作站|workstation|\bstation\b"),
    ("studio", r"创新工作室|工作室|\bstudio\b"),
    ("craftsman", r"云岭工匠|工匠|craftsman"),
    ("training", r"培训|参训|\btraining\b|\btrainees?\b|\bcourse\b"),
)
_EXCLUSIONS = (  # (value, pattern); negated mentions ("没受过处分") are ignored
    ("investigation", r"(?:被)?(?:立案)?(?:调查|审查)|under investigation|being investigated"),
    ("credit", r"失信|老赖|黑名单|被执行人|dishonest|blacklist"),
    ("discipline", r"处分|诫勉|记过|记大过|警告处分|留党察看|disciplinary|sanction"),
    ("violation", r"违法|违纪|违反[^，,。；;]{0,8}纪律|犯罪|判刑|坐过牢|坐牢|刑满|criminal|convicted|broke the law"),
    ("wage_arrears", r"拖欠(?:职工|员工|工人)?工资|欠薪|欠[^，,。；;]{0,8}工资|owe[ds]? (?:[a-z]+ ){0,3}wages|"
                     r"wage arrears|unpaid wages"),
    ("accident", r"(?:安全|生产|重大|较大)事故|职业病(?:危害)?事故|serious accident|safety accident"),
    ("insurance", r"(?:没|未|没有)(?:按规定)?(?:交|缴|缴纳)社保|欠(?:缴)?社保|社保[^，,。；;]{0,6}(?:没|未)(?:给|有)?(?:交|缴)|"
                  r"social insurance (?:not|unpaid)|not paid social insurance"),
)
_OTHER_PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
                    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川",
                    "贵州", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾", "深圳", "成都",
                    "外省", "省外")
_OTHER_PROV_EN = ("guizhou", "sichuan", "guangdong", "shenzhen", "beijing", "shanghai", "another province",
                  "outside yunnan", "chongqing", "guangxi", "chengdu", "guiyang", "guangzhou", "nanning", "hangzhou",
                  "jiangsu", "zhejiang", "hunan", "hubei", "wuhan", "changsha", "tibet", "lhasa")


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    for p in patterns:
        m = p.search(text)
        if m:
            for g in m.groups():
                if g is not None:
                    return int(g)
    return None


def _clause(text: str, start: int, end: int) -> str:
    """The clause around text[start:end], between punctuation marks."""
    head = re.split(r"[，,。；;!?！？]|\.\s", text[:start])[-1]
    tail = re.split(r"[，,。；;!?！？]|\.\s", text[end:])[0]
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
    if re.search(r"(?:州|市|州市|州\(市\)|地州|省级产业|产业|系统|行业)(?:级)?(?:总)?工会[^，,。]{0,6}命|"
                 r"(?:州|市)总(?:工会)?[^，,。]{0,6}命|省[^，,。]{0,8}(?:公司|系统|产业|行业)(?:总)?工会[^，,。]{0,6}命|"
                 r"(?:州|市)级(?:的)?(?:示范)?(?:创新)?(?:工作室|工作站)|(?:by|from) (?:the )?(?:city|prefecture)", t):
        return "prefecture"
    if re.search(r"(?:县|区)(?:级|总工会|工会|总)[^，,。]{0,6}命|县级|by (?:the )?county", t):
        return "county"
    if re.search(r"(?:单位|公司|企业|厂里|厂)(?:内部)?(?:自己)?命|by (?:our|the) (?:unit|company|factory|plant)", t):
        return "unit"
    m = re.search(r"named by (?:the )?([a-z' -]{0,50}?)\b(?:federation of )?(?:trade )?unions?", t)
    if m and (find_roman_places(m.group(1)) or re.search(r"prefect|city|municipal", m.group(1))):
        return "prefecture"  # "named by the Qujing Federation of Trade Unions"
    return None


def _negated(text: str, start: int) -> bool:
    return re.search(_NEG + r"[^，,。；;]{0,4}$", text[max(0, start - 8):start]) is not None


def _find_places(text: str) -> list[tuple[int, Place]]:
    """Yunnan places named anywhere in ``text``, with where they start: full county names first (大理市 is
    the city, not the prefecture), then prefectures (with a county right after them: 昆明五华), then short
    county names followed by a place-ish word."""
    found: list[tuple[int, int, Place]] = []
    taken: set[int] = set()

    def free(m: re.Match[str]) -> bool:
        return not taken & set(range(m.start(), m.end()))

    for key, pref, county in _COUNTY_KEYS:
        if key != county:
            continue
        for m in re.finditer(re.escape(key), text):
            if free(m):
                found.append((m.start(), m.end(), Place(pref, county)))
                taken |= set(range(m.start(), m.end()))
    for key, pref in _PREFECTURE_KEYS:
        for m in re.finditer(re.escape(key), text):
            if not free(m):
                continue
            taken |= set(range(m.start(), m.end()))
            after = next((i for i, (s, _e, p) in enumerate(found) if s == m.end() and p.prefecture == pref), None)
            if after is not None:  # "昆明市五华区": the county, found already
                continue
            place = Place(pref)
            for ckey, cpref, county in _COUNTY_KEYS:  # "昆明五华"
                if cpref == pref and text.startswith(ckey, m.end()):
                    place = Place(pref, county)
                    taken |= set(range(m.end(), m.end() + len(ckey)))
                    break
            found.append((m.start(), m.end(), place))
    for key, pref, county in _COUNTY_KEYS:
        if key == county or len(key) < 2:
            continue
        for m in re.finditer(re.escape(key), text):
            # A bare short name must be followed by a place-ish word or stand alone, to avoid "华宁" and
            # the like inside other words.
            if free(m) and (re.match(r"(?:县|区|市|的|人|工作|上班|户口|$|[，,。\s])", text[m.end():])
                            or re.search(r"(?:在|到|去|住|从|来自)$", text[:m.start()])):
                found.append((m.start(), m.end(), Place(pref, county)))
                taken |= set(range(m.start(), m.end()))
    found += [f for f in find_roman_places(text) if not taken & set(range(f[0], f[1]))]
    return [(s, p) for s, _e, p in sorted(found, key=lambda t: t[0])]


def _places(text: str) -> tuple[str | None, str | None]:
    household = work = None
    for start, place in _find_places(text):
        if re.match(r"[^，,。]{0,6}?(?:总工会|总(?![经裁])|工会|federation|trade union)", text[start:start + 24]) and \
                re.search(r"(?:被|由|报|向|找|交给|交到|by|to)\s*(?:the\s*)?$", text[max(0, start - 6):start]):
            continue  # "被玉溪市总工会命名", "报昆明市总": a union acting or addressed, not where one works
        before = re.split(r"[，,。；;!?！？]", text[max(0, start - 8):start])[-1]
        after = text[start:start + 16]
        own = re.search(r"(?:我|他|她)是[^，,。]{0,5}$", before) and re.search(
            r"^[^，,。]{0,8}?(?:的(?!公司|单位|企业|厂)|人)", after) and not re.match(
            r"[^，,。]{0,8}?(?:工会|公司|单位|企业|厂|学校|医院)", after)
        if re.search(r"户口|户籍|老家|籍贯|household|hukou|\bfrom\s*$", before) or own or re.search(
                r"^[^，,。]{0,10}(?:户口|户籍|人)(?![员])", after):
            household = household or place.name
        else:
            work = work or place.name
    return household, work


def _contest(text: str) -> Contest | None:
    m = re.search(r"世界技能大赛|世赛|worldskills|world skills|大赛|竞赛|比赛|比武|技能赛|技能大赛|类赛|决赛|初赛|状元|"
                  r"competition|"
                  r"contest", text)
    if not m:
        return None
    if re.search(r"技术状元|技能状元", text) and not re.search(r"大赛|竞赛|比赛", text):
        return None  # an honour (第七条), not a contest placing
    level = None
    window = text[max(0, m.start() - 24):m.end() + 4]
    if re.search(r"世界|世赛|worldskills|world skills|international", window):
        level = "world"
    elif re.search(r"全国|国家级|国赛|national", window):
        level = "national"
    elif re.search(r"省|全省|provincial|yunnan", window):
        level = "provincial"
    elif re.search(r"州|市|地区|prefecture|city", window):
        level = "prefecture"
    klass = None
    if re.search(r"1类|一类|class (?:i|1)\b", text):
        klass = "一类"
    elif re.search(r"2类|二类|class (?:ii|2)\b", text):
        klass = "二类"
    rank = None
    rm = re.search(r"第\s*(\d{1,3})(?!\s*(?:届|次|期|年|个|批|季|轮|天|\d))|前\s*(\d{1,2})\s*名|(\d)\s*等奖|\b(\d{1,3})(?:st|nd|rd|th) place|"
                   r"place[d]? (\d{1,3})|top (\d{1,2})|rank(?:ed)? (\d{1,3})", text)
    if rm:
        rank = int(next(g for g in rm.groups() if g is not None))
    elif re.search(r"冠军|金牌|金奖|状元|gold|first prize|champion|won first", text):
        rank = 1
    elif re.search(r"亚军|银牌|银奖|silver|second prize", text):
        rank = 2
    elif re.search(r"季军|铜牌|铜奖|bronze|third prize", text):
        rank = 3
    stage = None
    if re.search(r"初赛|预赛|选拔赛|preliminar|qualif|selection round", text):
        stage = "preliminary"
    elif re.search(r"决赛|\bfinal", text):
        stage = "final"
    if level is None and rank is None and klass is None and stage is None:
        return None
    return Contest(level, klass, rank, stage)


def _flag(text: str, yes: str, no: str | None = None) -> bool | None:
    if no and re.search(no, text):
        return False
    m = re.search(yes, text)
    if m:
        return not _negated(text, m.start())
    return None


def _unit_in_yunnan(text: str, work_place: str | None) -> bool | None:
    provinces = "|".join(_OTHER_PROVINCES)
    if re.search(r"(?:单位|公司|企业|厂|工作|上班|注册|登记)[^，,。]{0,8}(?:在|于)(?:" + provinces + r")|(?:" + provinces
                 + r")的?(?:单位|公司|企业|厂)|(?:在|于)(?:" + provinces + r")(?:注册|登记|工作|上班)", text):
        return False
    if any(re.search(r"(?:company|employer|unit|firm|registered|work)[^.,]{0,30}" + p, text) for p in _OTHER_PROV_EN):
        return False
    if re.search(r"(?:" + provinces + r")(?:注册|登记)", text):
        return False
    if re.search(r"(?:单位|公司|企业|厂)[^，,。]{0,8}(?:在云南|云南注册|云南登记)|在云南(?:注册|登记|工作|上班)|"
                 r"(?:registered|based|work) in yunnan", text):
        return True
    if work_place and re.search(r"(?:单位|公司|企业|厂)[^，,。]{0,8}(?:注册|登记)(?!在外)|在[^，,。]{1,10}(?:注册|登记)|"
                                r"registered in", text) and \
            not re.search(r"(?:注册|登记)在外|registered (?:outside|elsewhere)", text):
        return True  # "单位在昆明注册的": a Yunnan place where the unit is registered
    return None


def extract(text: str) -> Facts:
    """The facts ``text`` states about the person (or their studio, station or class)."""
    t = normalize(text)
    n = _arabic(t)
    problems: list[Problem] = []
    kw: dict[str, object] = {}

    # Programme first: it tells whose age a number is and what a head count counts.
    for value, pattern in _PROGRAMMES:
        if re.search(pattern, t):
            kw["programme"] = value
            break
    if kw.get("programme") == "studio" and not re.search(_STUDIO_STRONG, t) and re.search(_PROGRAMMES[2][1], t):
        kw["programme"] = "craftsman"  # "runs his own pottery studio ... Yunling Craftsman"
    programme = kw.get("programme")
    group = programme in ("station", "studio")

    age = _first(_AGE, n)
    if age is not None and group:
        kw["lead_age"], age = age, None  # a studio's or station's age is its lead expert's
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
    lead_age = kw.get("lead_age")
    if isinstance(lead_age, int) and not AGE_RANGE[0] <= lead_age <= AGE_RANGE[1]:
        problems.append(Problem("impossible", ("lead_age",), (lead_age,)))
        kw["lead_age"] = lead_age = None
    if isinstance(lead_age, int) and years is not None and years > lead_age - WORKING_AGE_MIN:
        problems.append(Problem("contradiction", ("lead_age", "years_in_trade"), (lead_age, years)))
        kw["lead_age"] = years = None
    kw["age"], kw["years_in_trade"] = age, years

    kw["skill_grade"] = _skill_grade(t)
    for value, pattern in _TITLE:
        if re.search(pattern, t):
            kw["title_level"] = value
            break
    kw["honours"] = tuple(name for name, pattern in HONOURS
                          if (m := re.search(pattern, t)) and not _negated(t, m.start()))
    if "全国劳动模范" in kw["honours"] and "云南省劳动模范" in kw["honours"] and not re.search(r"(?<!全国)省", t):
        kw["honours"] = tuple(h for h in kw["honours"] if h != "云南省劳动模范")
    kw["contest"] = _contest(n)

    kw["chinese_national"] = _flag(t, r"中国籍|中国公民|中国国籍|chinese (?:national|citizen)",
                                   r"外籍|外国籍|外国人|(?<!中)(?:缅甸|越南|老挝|泰国|柬埔寨|印度|[\u4e00-\u9fff]国)籍|"
                                   r"foreign (?:national|citizen)|foreigner|not (?:a )?chinese|"
                                   r"(?:myanmar|burmese|vietnamese|lao|laotian|thai) (?:national|citizen)")
    household, work = _places(t)
    kw["household_place"], kw["work_place"] = household, work
    kw["unit_in_yunnan"] = _unit_in_yunnan(t, work)
    kw["self_employed"] = _flag(t, r"个体|自主创业|自己创业|自己开(?:了)?(?:个|一个|一家|家)?[^，,。]{0,4}"
                                   r"(?:店|厂|公司|工作室|作坊|坊)|自己当老板|self[- ]employed|"
                                   r"(?:my|his|her|their) own (?:business|shop|company|workshop|studio)|"
                                   r"runs? (?:my|his|her|their) own")
    kw["enterprise_head"] = _flag(t, r"法人|法定代表人|老板|总经理|董事长|厂长|企业负责人|(?:公司|企业)的?负责人|"
                                     r"\bboss\b|general manager|legal representative|owner of (?:the|a|my) "
                                     r"(?:company|firm)|head of (?:the|an|my) (?:company|enterprise)")
    no_union = re.search(r"(?:没有|没|未|未曾|还没)(?:成立|建立|建|设立|组建)?工会|无工会|no (?:trade )?union", t)
    for value, pattern in _EXCLUSIONS:
        m = re.search(pattern, t)
        if m and not _negated(t, m.start()):
            kw["exclusion"] = value
            break
    if no_union:
        if kw.get("enterprise_head") and "exclusion" not in kw:
            kw["exclusion"] = "no_union"
        else:
            kw["unit_has_union"] = False
    elif re.search(r"(?:单位|公司|厂|企业)(?:有|建了|成立了)工会|has a (?:trade )?union", t):
        kw["unit_has_union"] = True
    kw["already_named"] = _flag(t, r"(?:已经|已|曾经|曾|去年|前年|之前|早就)(?:被)?(?:评为|评上|评过|命名|当选|是)"
                                   r"[^，,。]{0,4}(?:云岭工匠|省级(?:的)?(?:职工)?(?:创新工作室|技师工作站|工作室|工作站))|"
                                   r"already (?:named|a) yunling craftsman|"
                                   r"(?:was|been) named (?:a )?yunling craftsman")

    kw["team_size"] = _first(_TEAM, n)
    if kw["team_size"] is None and group:
        kw["team_size"] = _first_outside(_TEAM_LOOSE, n, r"岁|年|year|yr|age")
        if kw["team_size"] is None and re.search(r"(?:我|我们)和[^，,。]{0,6}(?:徒弟|师傅|同事)两个人|就我们?两个", t):
            kw["team_size"] = 2
    if group and re.search(r"不到\s*(?:1|一)\s*年|less than (?:a|one) year|under (?:a|one) year", n):
        named_years: int | None = 0
    else:
        named_years = _first(_NAMED_YEARS, n) if group or re.search(r"命名|named", t) else None
    if named_years is None and group:
        named_years = _first_outside(_NAMED_YEARS_LOOSE, n, r"岁|干了|工作了|从业|old|age|job|trade")
    if named_years is not None and not 0 <= named_years <= YEARS_MAX:
        problems.append(Problem("impossible", ("named_years",), (named_years,)))
        named_years = None
    kw["named_years"] = named_years
    kw["named_level"] = _named_level(t)

    if programme not in (None, "craftsman"):
        pass  # a studio, station or class is not nominated by a route of 第九条
    elif re.search(r"举荐|专家推荐|联名推荐|refer(?:red|ral)? by|experts? (?:will )?(?:refer|recommend)", t):
        kw["route"] = "referral"
    elif re.search(r"自荐|自己(?:报|申报)|个人申报|以个人名义|nominate myself|self[- ]nominat", t):
        kw["route"] = "self"
    elif re.search(r"协会|学会|association|society", t):
        kw["route"] = "association"
    elif re.search(r"工会(?:逐级)?推荐|单位推荐|走工会|recommended by (?:my|our|the) union|through (?:my|our|the) union|"
                   r"(?:我们|我)是[^，,。]{0,6}工会|we are (?:the|a) [a-z ]{0,20}union", t):
        kw["route"] = "union"
    if kw.get("route") == "referral":
        kw["referrer_count"] = _first(_REFERRERS, n)
        if (m := re.search(r"我和(?:另外|其他|其余)?\s*(\d{1,2})\s*(?:个|位|名)", n)) or \
                (m := re.search(r"\bme and (\d{1,2}) (?:other|more)", n)):
            kw["referrer_count"] = int(m.group(1)) + 1

    if programme == "training" or re.search(r"补贴|补助|学员|参训|subsid|allowance|trainee", t):
        kw["trainees"] = _first(_TRAINEES, n)
        kw["days"] = _first(_DAYS, n)
    if re.search(r"脱贫|扶贫|搬迁|三区三州|poverty", t):
        kw["project"] = "poverty"
    elif re.search(r"技能提升|提升培训|upgrad", t):
        kw["project"] = "upgrade"
    for value, pattern in () if programme not in (None, "training") else (("poverty_migrant", r"搬迁[^，,。]{0,10}农民工|relocat[^,.]{0,20}migrant"),
                           ("poor", r"建档立卡|贫困户|贫困劳动力|贫困人口|registered poor|poor household"),
                           ("unemployed", r"失业|下岗|转岗|待业|unemployed|laid off|changing jobs"),
                           ("migrant", r"农民工|打工|migrant"),
                           ("employed", r"在岗职工|在职|在岗|一线(?:职工|工人|员工)|(?:公司|单位|厂|企业)[^，,。]{0,6}"
                                        r"(?:职工|员工|工人)|employed worker|frontline|employees|"
                                        r"(?:company|factory|plant|firm) has \d+ [a-z ]{0,20}workers")):
        if re.search(pattern, t):
            kw["trainee_kind"] = value
            break

    kw["problems"] = tuple(problems)
    return Facts(**{k: v for k, v in kw.items() if v is not None})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- routing

_ASKS = re.compile(r"能不能|能否|可以|可不可以|能评|能报|能申报|能参加|能当|能拿|符合|够不够|有没有资格|行不行|行吗|"
                   r"吗|么|\?|？|怎么|如何|哪里|哪儿|多少|流程|程序|步骤|手续|can i|could i|am i|eligible|qualify|may i|how|"
                   r"where|"
                   r"what|which|do i|does|is it")
_FIRST_PERSON = re.compile(r"我|本人|咱|俺|\bi\b|\bi'm\b|\bmy\b|\bwe\b|\bour\b|\bme\b")
# Someone in particular: the writer, or a person, team or class they speak for ("帮我表弟问问", "he's 63").
_SOMEONE = re.compile(_FIRST_PERSON.pattern + r"|他|她|同事|师傅|徒弟|老[王李张刘陈杨赵黄周吴]|领衔人|站长|团队|"
                      r"\b(?:he|she|his|her|they|their)\b|colleague|father|mother|friend")
# A rule asked about people in general: "老板拖欠工资的能评吗", "什么人可以参加", "if someone ...".
_GENERIC = re.compile(r"的人|的话|如果|假如|要是|有人|什么人|哪些人|的(?:能|可以|还能|也能|可不可以|算不算)|"
                      r"\bsomeone\b|\banyone\b|whoever|people who|\bif (?:a|an|someone|you)\b")
_CHANNEL = re.compile(r"怎么报|怎么申报|如何申报|向哪|找哪|在哪|哪里报|哪个工会|报给|交给|渠道|途径|举荐|自荐|"
                      r"where (?:do|can|should) i|how (?:do|can|should) i apply|which union|file with|refer")
_SUBSIDY = re.compile(r"补贴|补助|多少钱|能拿多少|拿多少|给多少|subsid|allowance|how much")


def route(text: str, facts: Facts) -> str | None:
    """The check a self-description should open, or None when ``text`` is a plain question for the FAQ."""
    t = normalize(text)
    if not _ASKS.search(t) and facts.personal < 2:
        return None
    if facts.personal == 0:
        return None
    numbers = [k for k in ("age", "years_in_trade", "team_size", "lead_age", "named_years", "referrer_count",
                           "trainees", "days") if getattr(facts, k) is not None] or facts.problems
    if _GENERIC.search(t) and not _SOMEONE.search(t) and not numbers:
        return None  # "老板拖欠工资的能评吗" asks about someone in general: the FAQ answers it
    programme = facts.programme
    if programme is None:
        if facts.trainees or facts.days or (facts.trainee_kind and re.search(r"培训|学|train", t)):
            programme = "training"
        elif facts.contest or facts.honours or facts.skill_grade or facts.referrer_count or facts.route:
            programme = "craftsman"
        else:
            return None
    if programme == "craftsman":
        channel = facts.route or facts.referrer_count is not None or _CHANNEL.search(t)
        check = "craftsman_channel" if channel else "craftsman_eligibility"
        return check if _useful(check, facts) else None
    if programme in ("studio", "station"):
        check = f"{programme}_eligibility"
    elif _SUBSIDY.search(t) or facts.days is not None:
        check = "training_subsidy"
    else:
        check = "training_eligibility"
    return check if _useful(check, facts) else None


def _useful(check: str, facts: Facts) -> bool:
    """A single fact the check never asks about ("我都五十多岁了还能报吗": age does not limit) is better
    answered by the FAQ's article than by a questionnaire."""
    return facts.personal >= 2 or bool(profile_for(check, facts)) or bool(facts.problems)


# ---------------------------------------------------------------------------------------------- corrections

_CORRECTION = re.compile(r"^\s*(?:不对|不是|错了|说错了|打错了|写错了|更正|纠正|改一下|应该是|其实是|准确地说|"
                         r"no[,. ]|nope|sorry|correction|actually|i meant|wrong)")


def is_correction(text: str) -> bool:
    """"不对，是48岁", "no, I'm 48": a message that corrects a fact stated before."""
    return bool(_CORRECTION.search(normalize(text))) and extract(text).personal > 0


def corrected(old: Facts, new: Facts) -> Facts:
    """``old`` with the facts ``new`` states replaced (the others kept); problems are re-checked."""
    changes = {f.name: getattr(new, f.name) for f in fields(new)
               if f.name != "problems" and getattr(new, f.name) not in (None, ())}
    merged = replace(old, **changes)
    touched = set(changes) | {k for p in new.problems for k in p.keys}
    problems = [p for p in old.problems if not set(p.keys) & touched] + list(new.problems)
    if merged.age is None and merged.years_in_trade is not None:
        # The age of a contradiction left out earlier comes back when only the years were corrected.
        for p in old.problems:
            if p.kind == "contradiction" and p.keys[0] == "age" and "age" not in changes:
                merged = replace(merged, age=p.values[0])
    if merged.years_in_trade is None and merged.age is not None:
        for p in old.problems:
            if p.kind == "contradiction" and "years_in_trade" not in changes:
                merged = replace(merged, years_in_trade=p.values[1])
    if merged.age is not None and merged.years_in_trade is not None and \
            merged.years_in_trade > merged.age - WORKING_AGE_MIN:
        problems.append(Problem("contradiction", ("age", "years_in_trade"), (merged.age, merged.years_in_trade)))
        merged = replace(merged, age=None, years_in_trade=None)
    return replace(merged, problems=tuple(problems))


def without_problems(facts: Facts) -> Facts:
    """The facts with the unbelieved numbers dropped for good (the person chose to go on without them)."""
    return replace(facts, problems=())


# ---------------------------------------------------------------------------------------------- profiles

_YES_NO = {True: "yes", False: "no"}
_GRADE_TO_STATION = {"高级技师": "senior_technician", "技师": "technician", "高级工": "below", "中级工": "below",
                     "初级工": "below"}
_HEAD_ISSUES = {"wage_arrears": "wages", "no_union": "no_union", "accident": "accident", "insurance": "insurance"}
_CRAFTSMAN_EXCLUSIONS = ("violation", "discipline", "credit", "investigation")  # 第八条 options of the same name
_CLASS = {"一类": "class1", "二类": "class2"}


def profile_for(check: str, facts: Facts) -> dict[str, object]:
    """The answers ``facts`` give to the questions of ``check`` (the rules modules' Question keys; for the
    training flows, their slot names), in the values those questions take. Only what the facts state."""
    p: dict[str, object] = {}
    if check == "craftsman_eligibility":
        for key in ("already_named", "chinese_national", "unit_in_yunnan", "enterprise_head"):
            value = getattr(facts, key)
            if value is not None:
                p[key] = _YES_NO[value]
        if facts.unit_in_yunnan is None and facts.work_place:
            p["unit_in_yunnan"] = "yes"  # working at a Yunnan place, no other province named for the unit
        if facts.exclusion in _CRAFTSMAN_EXCLUSIONS:
            p["exclusion"] = facts.exclusion
        elif facts.exclusion in _HEAD_ISSUES:  # 第八条（五）: these exclude enterprise heads only
            p["head_issue"] = _HEAD_ISSUES[facts.exclusion]
        c = facts.contest
        if c is not None and c.level == "world":
            p["direct_honour"] = "worldskills"
            if c.stage:
                p["worldskills_stage"] = c.stage
            if c.rank is not None:
                p["worldskills_rank"] = c.rank
        elif c is not None and c.level == "national":
            p["direct_honour"] = "national_contest"
            p["contest_class"] = _CLASS.get(c.klass or "") if c.klass else None
            if c.stage:
                p["contest_stage"] = c.stage
            if c.rank is not None:
                p["contest_rank"] = c.rank
        direct = [DIRECT_KEYS[h] for h in facts.honours if h in DIRECT_KEYS]
        if direct and "direct_honour" not in p:
            p["direct_honour"] = direct[0]
        priority = [PRIORITY_KEYS[h] for h in facts.honours if h in PRIORITY_KEYS]
        if priority:
            p["priority_honour"] = priority[0]
            p["priority_honours"] = priority
    elif check == "craftsman_channel":
        if facts.route:
            p["route"] = facts.route
        if facts.referrer_count is not None:
            p["referrer_count"] = facts.referrer_count
        if facts.household_place:
            p["household_in_yunnan"] = "yes"
            p["household_place"] = facts.household_place
        if facts.self_employed is not None:
            p["self_employed"] = _YES_NO[facts.self_employed]
        if facts.unit_has_union is not None:
            p["unit_has_union"] = _YES_NO[facts.unit_has_union]
        if facts.work_place:
            p["unit_prefecture"] = facts.work_place
            p["premises_place" if facts.self_employed else "unit_place"] = facts.work_place
    elif check in ("studio_eligibility", "station_eligibility"):
        if facts.named_level:
            p["named_level"] = "prefecture" if facts.named_level == "prefecture" else "lower"
        if facts.named_years is not None:
            p["named_years"] = "2plus" if facts.named_years >= 2 else "under2"
        if facts.team_size is not None:
            p["team_size"] = facts.team_size
        if check == "station_eligibility":
            if facts.unit_in_yunnan is not None:
                p["host_in_yunnan"] = _YES_NO[facts.unit_in_yunnan]
            lead_age = facts.lead_age if facts.lead_age is not None else facts.age
            if lead_age is not None:
                p["lead_age"] = lead_age
            if facts.skill_grade:
                p["lead_grade"] = _GRADE_TO_STATION[facts.skill_grade]
            elif facts.title_level:
                p["lead_grade"] = "title_only"
            if (facts.contest and facts.contest.level in ("world", "national", "provincial")) or any(
                    h in facts.honours for h in ("中华技能大奖", "全国技术能手", "云南省技术能手",
                                                  "云南省职工职业技能大赛技术状元", "云岭技能大师")):
                p["lead_award"] = "yes"
    elif check in ("training_eligibility", "training_subsidy"):
        project = facts.project
        if project is None and facts.trainee_kind in ("poor", "poverty_migrant"):
            project = "poverty"
        elif project is None and facts.trainee_kind in ("employed", "unemployed"):
            project = "upgrade"
        if project in ("upgrade", "poverty"):
            p["project"] = project
        if check == "training_subsidy":
            if facts.days is not None and facts.days > 0:
                p["days"] = facts.days
            if facts.trainees is not None and facts.trainees > 0:
                p["trainees"] = facts.trainees
    return {k: v for k, v in p.items() if v is not None}


__all__ = [
    "CHECKS",
    "DIRECT_KEYS",
    "PRIORITY_KEYS",
    "Contest",
    "Facts",
    "Problem",
    "corrected",
    "extract",
    "is_correction",
    "profile_for",
    "route",
    "without_problems",
]
