"""The facts' data model: what a person can state about themselves, and the problems of what they stated."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

CHECKS = ("craftsman_eligibility", "craftsman_channel", "studio_eligibility", "station_eligibility",
          "training_eligibility", "training_subsidy")

WORKING_AGE_MIN = 14  # years_in_trade may not exceed age minus this
AGE_RANGE = (14, 100)
YEARS_MAX = 80
CLASS_RANGES = {"trainees": (1, 1000), "days": (1, 366)}  # a class's head count and length

SKILL_GRADES = ("初级工", "中级工", "高级工", "技师", "高级技师")
TITLE_LEVELS = ("初级", "中级", "副高级", "正高级")
# 第八条 of the craftsman measure: what excludes the person (一)-(四), and what excludes an enterprise's head
# only (五). Two facts, not one: "老板拖欠工资" and "他还受过处分" are both true of the same boss.
PERSON_EXCLUSIONS = ("investigation", "violation", "discipline", "credit")
HEAD_ISSUES = ("wage_arrears", "no_union", "accident", "insurance")
# A sanction excludes only while its period of effect runs (第八条（三）): one said to be over, or received at a
# past time with nothing said of its period, is noted but answers none of the check's questions.
SANCTIONS_NOT_IN_EFFECT = ("discipline_ended", "discipline_dated")
EXCLUSIONS = PERSON_EXCLUSIONS + SANCTIONS_NOT_IN_EFFECT + HEAD_ISSUES

# "省劳模创新工作室", "劳模工匠创新工作室": a studio's name, not a person's honour.
_NOT_A_STUDIO = r"(?![^，。,；;！？!?\s]{0,8}工作室)"

# Honours as 第六、七条 of the craftsman measure spell them, then others people commonly hold.
HONOURS: tuple[tuple[str, str], ...] = (  # (canonical name, pattern)
    ("大国工匠年度人物", r"大国工匠|great craftsman"),
    ("中国质量工匠", r"中国质量工匠|quality craftsman"),
    ("中华技能大奖", r"中华技能大奖|china skills? award"),
    ("全国技术能手", r"全国技术能手|national technical expert"),
    ("兴滇人才奖", r"兴滇人才|xingdian"),
    ("云南省劳动模范", r"(?:云南)?省(?:级)?劳(?:动)?模(?:范)?" + _NOT_A_STUDIO + "|provincial model worker|yunnan model worker"),
    ("千人计划专项", r"千人计划|thousand talents"),
    ("万人计划专项", r"万人计划|ten thousand talents"),
    ("云岭技能大师", r"云岭技能大师|yunling skill master"),
    ("云南省职工职业技能大赛技术状元", r"技术状元|technical champion"),
    ("全国劳动模范", r"全国劳(?:动)?模(?:范)?" + _NOT_A_STUDIO + "|national model worker"),
    ("全国五一劳动奖章", r"全国五一劳动奖章|national may day"),
    ("云南省五一劳动奖章", r"(?:云南)?省五一劳动奖章"),
    ("云南省技术能手", r"(?:云南)?省(?:级)?技术能手"),
    ("州市劳动模范", r"(?:州|市)(?:级)?劳(?:动)?模(?:范)?" + _NOT_A_STUDIO),
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
    exclusion: str | None = None  # one of PERSON_EXCLUSIONS or SANCTIONS_NOT_IN_EFFECT
    head_issue: str | None = None  # one of HEAD_ISSUES: the enterprise's, which excludes its head
    already_named: bool | None = None
    programme: str | None = None  # craftsman | studio | station | training
    team_size: int | None = None
    lead_age: int | None = None
    named_level: str | None = None  # prefecture | county | unit
    named_years: int | None = None
    route: str | None = None  # union | association | referral | self
    referrer_count: int | None = None
    referrers_qualified: bool | None = None  # True: said to be 高级技师 or of deputy-senior title or above
    referrers_same_specialty: bool | None = None  # True: said to be of the nominee's specialty
    trainees: int | None = None
    days: int | None = None
    project: str | None = None  # upgrade | poverty | other
    trainee_kind: str | None = None  # a key of knowledge.rules.training.CATEGORIES
    problems: tuple[Problem, ...] = ()
    # A number said against a bound, as said: (the number read, the words), "团队不到5个人" (4, "不到5个人"). The
    # number is the nearest whole one past the bound (the check must not find the bound met); shown, the words
    # are too, so that the person is not told a number they did not say.
    said: tuple[tuple[int, str], ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The stated facts only (no Nones, no problems, not how a number was said); the contest as a dict."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("problems", "said") or value is None or value == ():
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
        if self.said:
            data["said"] = [list(pair) for pair in self.said]
        return data

    def said_as(self, value: int | None) -> str | None:
        """The words a number was said in against a bound ("不到5个人"), or None when it was said as it is."""
        return next((words for number, words in self.said if number == value), None) if value is not None else None

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
            elif f.name == "said" and isinstance(value, list):
                value = tuple((int(number), str(words)) for number, words in value)
            kw[f.name] = value
        if kw.get("exclusion") in HEAD_ISSUES and "head_issue" not in kw:  # stored before the two were apart
            kw["head_issue"] = kw.pop("exclusion")
        return cls(**kw)  # type: ignore[arg-type]


