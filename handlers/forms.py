"""The fields of the three 申报表 (附件2) as asked in conversation, and the validation of an answer.

``label`` is the label printed on the annex (the docx uses it, and a test maps it onto the annex data
of ``knowledge``); ``name`` is the English name shown to English readers; stored values are the
Chinese text printed on the form (check-box options) so the document reads like the paper form.
Facts of the measures (length limits, at least one criterion, the ways to apply) cite their source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from handlers.choices import number_of
from handlers.errors import Invalid
from handlers.fields import KINDS, NO, YES, nfkc
from handlers.i18n import N_, Translate

PROGRAMMES = ("craftsman", "studio", "station")
TEXT_MAX = 100  # short text answers (names, addresses)
LONG_MAX = 2000  # free-text blocks without a printed limit: one message of the dispatcher at most


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # as printed on the annex
    name: str  # N_-marked English name
    kind: str = "text"  # text | choice | multi | long | int | date | id | mobile | phone | email | postcode | unit
    options: tuple[tuple[str, str], ...] = ()  # (printed option, N_ English label)
    max_chars: int | None = None
    optional: bool = False
    hint: str = ""  # N_-marked example or explanation
    when: tuple[str, str] | None = None  # asked only if answer ``when[0]`` is/contains ``when[1]``
    group: str = ""  # the printed block the field sits in (技艺精湛高超 ...)
    on_form: bool = True  # False: asked for the filing, not a printed field (see ``basis``)
    basis: str = ""  # where an off-form field, or options the form leaves blank, come from (填报要求 / 注 / 第九条)
    display: str = ""  # Chinese label for the conversation when the printed one is ambiguous (two 邮编)

    @property
    def title(self) -> str:
        return self.display or self.label

    @property
    def personal(self) -> bool:
        """Stored in an encrypted column, shown masked."""
        return self.kind in ("id", "mobile")



YES_NO = (("是", N_("Yes")), ("否", N_("No")))
CRITERIA = ("技艺精湛高超", "领军作用突出", "贡献卓越显著")
SKILL, LEAD, CONTRIB = CRITERIA
UNIT_FIELD = Field("filed_with", "申报受理单位", N_("Union you file with"), kind="unit", on_form=False,
                   basis="第九条", hint=N_("The union that receives your form, e.g. 昆明市五华区总工会 "
                                          "(see the channel check for yours)."))

CRAFTSMAN: tuple[Field, ...] = (
    # 第九条: 线下申报方式分为：工会逐级推荐、行业协会推荐、专业人士举荐、个人自荐。
    Field("declaration_channel", "申报方式", N_("Way of application"), "choice", basis="第九条", options=(
        ("工会逐级推荐", N_("Recommended up the union hierarchy")),
        ("行业协会推荐", N_("Recommended by an industry association")),
        ("专业人士举荐", N_("Referred by professionals")),
        ("个人自荐", N_("Self-nomination")))),
    Field("name", "姓名", N_("Full name"), max_chars=30),
    Field("gender", "性别", N_("Sex"), "choice", options=(("男", N_("Male")), ("女", N_("Female")))),
    Field("ethnicity", "民族", N_("Ethnic group"), max_chars=20, hint=N_("e.g. 汉族, 彝族, 白族")),
    Field("mobile", "手机号码", N_("Mobile number"), "mobile"),
    Field("political_status", "政治面貌", N_("Political status"), max_chars=20,
          hint=N_("e.g. 中共党员, 共青团员, 群众")),
    Field("education", "学历", N_("Education"), max_chars=20, hint=N_("e.g. 高中, 大专, 本科")),
    Field("position", "职务", N_("Position"), max_chars=40, optional=True),
    Field("id_number", "身份证号", N_("ID card number"), "id"),
    Field("email", "电子邮箱", N_("E-mail"), "email", optional=True),
    Field("household_type", "户籍属性", N_("Household registration"), "choice", options=(
        ("农业户口", N_("Agricultural")), ("非农业户口", N_("Non-agricultural")))),
    Field("migrant_worker", "是否外来务工人员", N_("Migrant worker?"), "choice", options=YES_NO),
    Field("home_address", "家庭住址", N_("Home address"), max_chars=TEXT_MAX),
    Field("home_postcode", "邮编", N_("Postcode of the home address"), "postcode", display="家庭住址邮编"),
    Field("employer", "工作单位", N_("Employer"), max_chars=TEXT_MAX),
    Field("employer_type", "单位性质", N_("Type of employer"), max_chars=30,
          hint=N_("e.g. 国有企业, 民营企业, 事业单位, 个体")),
    Field("industry", "所属行业", N_("Industry"), max_chars=30),
    Field("trade", "工种", N_("Trade / type of work"), max_chars=30),
    Field("years_of_service", "工作年限", N_("Years of work"), "int"),
    Field("employer_address", "单位地址", N_("Employer's address"), max_chars=TEXT_MAX),
    Field("employer_postcode", "邮编", N_("Postcode of the employer's address"), "postcode",
          display="单位地址邮编"),
    Field("identity", "身份", N_("Status at work"), "choice", options=(
        ("干部", N_("Cadre")), ("专业技术人员", N_("Professional or technical staff")),
        ("普通工人", N_("Worker")), ("职员", N_("Clerk / office staff")), ("其他", N_("Other")))),
    Field("skill_level", "技能等级或职称", N_("Skill grade or professional title"), "multi", options=(
        ("高级技师", N_("Senior technician")), ("技师", N_("Technician")), ("高级工", N_("Senior worker")),
        ("中级工", N_("Intermediate worker")), ("初级工", N_("Junior worker")),
        ("高级职称", N_("Senior title")), ("中级职称", N_("Intermediate title")),
        ("初级职称", N_("Junior title")), ("其他", N_("Other")))),
    # 填报要求 1: 技艺精湛高超、领军作用突出、贡献卓越显著三项指标至少选填一项。
    Field("criteria", "填报指标", N_("Criteria you fill in (at least one)"), "multi", on_form=False,
          display="填报指标（至少选填一项）",
          basis="填报要求1", options=(
              (SKILL, N_("Superb skill")), (LEAD, N_("Outstanding leading role")),
              (CONTRIB, N_("Remarkable contribution")))),
    Field("superb_skill", SKILL, N_("Kind of skill"), "multi", group=SKILL, when=("criteria", SKILL),
          display=f"{SKILL}：专长类别", options=(
        ("一技之长", N_("A special skill")), ("绝技高招", N_("A unique technique")),
        ("技术专长", N_("A technical speciality")), ("其他", N_("Other")))),
    Field("skill_detail", SKILL, N_("Describe the skill"), "long", max_chars=200, group=SKILL, display=f"{SKILL}：专长说明",
          when=("criteria", SKILL), optional=True),
    Field("technical_level", "技术水平", N_("Level of the technique"), "choice", group=SKILL,
          when=("criteria", SKILL), options=(
              ("国际领先", N_("World-leading")), ("国内领先", N_("Leading in China")),
              ("省内领先", N_("Leading in the province")), ("市内领先", N_("Leading in the city")))),
    Field("has_patent", "是否获得专利", N_("Granted patents?"), "choice", group=SKILL,
          when=("criteria", SKILL), options=YES_NO),
    Field("invention_patents", "发明专利数量", N_("Number of invention patents"), "int", group=SKILL,
          when=("has_patent", "是")),
    Field("utility_model_patents", "实用新型专利数量", N_("Number of utility-model patents"), "int", group=SKILL,
          when=("has_patent", "是")),
    Field("design_patents", "外观设计专利数量", N_("Number of design patents"), "int", group=SKILL,
          when=("has_patent", "是")),
    Field("teaching_channel", "技能、技艺传授途径", N_("How you pass on your skills"), "multi", group=LEAD,
          when=("criteria", LEAD), options=(
              ("带徒", N_("Apprentices")), ("培训", N_("Training courses")), ("其他", N_("Other")))),
    Field("teaching_scope", "技能、技艺传授范围", N_("How widely you pass them on"), "multi", group=LEAD,
          when=("criteria", LEAD), options=(
              ("本单位", N_("Own unit")), ("本行业", N_("Own industry")), ("其他", N_("Other")))),
    Field("contribution_scope", CONTRIB, N_("Scope of your outstanding contribution and results"), "choice",
          group=CONTRIB, when=("criteria", CONTRIB), display=f"{CONTRIB}：贡献范围", options=(
              ("全国", N_("Nationwide")), ("本省", N_("The province")), ("本市", N_("The city")),
              ("本行业", N_("Own industry")), ("本单位", N_("Own unit")))),
    # Printed "简要事迹(600字)"; 填报要求 5: 除600字以内的简要事迹材料外 ... 不超2000字的事迹材料.
    Field("brief_deeds", "简要事迹", N_("Brief account of your deeds"), "long", max_chars=600),
    Field("deeds", "事迹材料", N_("Full account of your deeds"), "long", max_chars=2000, on_form=False,
          basis="填报要求5"),
    Field("honours", "所获荣誉", N_("Honours received"), "long", max_chars=1000, optional=True),
    UNIT_FIELD,
)


def _team_form(kind: str) -> tuple[Field, ...]:
    """The studio and station forms differ only in a few printed words."""
    studio = kind == "studio"
    noun = "职工创新工作室" if studio else "职工技师工作站"
    short = "创新工作室" if studio else "技师工作站"
    team = "团队成员简要情况" if studio else "团队人员简要情况"
    contact = f"{noun}负责人姓名及联系方式"
    fields = [
        Field("unit_name", f"{noun}名称", N_("Name of the studio") if studio else N_("Name of the station"),
              max_chars=TEXT_MAX),
        Field("employer", "所在单位名称", N_("Name of the host unit"), max_chars=TEXT_MAX),
        Field("leader", "负责人", N_("Person in charge"), max_chars=30, group=contact),
        Field("contact_person", "联系人", N_("Contact person"), max_chars=30, group=contact),
        Field("phone", "电话", N_("Telephone"), "phone", optional=True, group=contact),
        Field("mobile", "手机", N_("Mobile number of the contact"), "mobile", group=contact),
        Field("email", "E-mail", N_("E-mail"), "email", optional=True, group=contact),
        Field("founded", "成立时间", N_("Date of establishment"), "date"),
        Field("leader_profile", "领军人员情况", N_("About the leading person"), "long", max_chars=1000, group=team),
        Field("members_profile", "团队成员情况", N_("About the team members"), "long", max_chars=1000, group=team),
        # Printed "主要活动业绩及获奖情况(600字)".
        Field("achievements", "主要活动业绩及获奖情况", N_("Main activities, results and awards"), "long",
              max_chars=600),
        Field("rules", f"{short}制度建立情况", N_("Rules and procedures established"), "long", max_chars=LONG_MAX),
        Field("funding", "活动经费来源及使用情况", N_("Sources and use of funds"), "long", max_chars=LONG_MAX),
        Field("supplement_list", "另附补充说明材料目录", N_("List of supplementary materials"), "long",
              max_chars=1000, optional=True),
    ]
    if studio:  # 注 3 of the studio form: 还应提交字数不超 2000 字的事迹材料 (the station form has no such note)
        fields.append(Field("deeds", "事迹材料", N_("Full account of the studio's work"), "long", max_chars=2000,
                            on_form=False, basis="注3"))
    return (*fields, UNIT_FIELD)


FORMS: dict[str, tuple[Field, ...]] = {
    "craftsman": CRAFTSMAN, "studio": _team_form("studio"), "station": _team_form("station"),
}
PROGRAMME_NAMES = {"craftsman": N_("Yunling Craftsman"), "studio": N_("Workers' innovation studio"),
                   "station": N_("Workers' technician workstation")}


def applicable(programme: str, answers: dict[str, Any]) -> list[Field]:
    """The fields to ask, in order: a conditional field applies when the field it depends on applies
    and has the answer it needs (so un-ticking a criterion drops the whole block)."""
    out: list[Field] = []
    asked: set[str] = set()
    for f in FORMS[programme]:
        if f.when is not None:
            key, wanted = f.when
            got = answers.get(key)
            if key not in asked or not (wanted in got if isinstance(got, list) else got == wanted):
                continue
        out.append(f)
        asked.add(f.key)
    return out


def field_of(programme: str, key: str) -> Field:
    for f in FORMS[programme]:
        if f.key == key:
            return f
    raise KeyError(key)


# -- validation (the parsers of each kind are shared by every form: handlers.fields) -------------------

_SPLIT = re.compile(r"[\s,，、;；/和及]+")


def parse_answer(f: Field, text: str, _: Translate, *, today: date) -> Any:
    """The value to store for ``text``, or :class:`Invalid` with a message saying what is wrong.

    ``text`` must be the whole message as sent (length limits are checked on it, not on a cut copy).
    Choice answers arrive here as typed text too; numbers refer to the printed options.
    """
    text = text.strip()
    if not text:
        raise Invalid(_("Please type an answer."))
    if f.kind == "choice":
        return _pick(f, text, _)
    if f.kind == "multi":
        return _pick_many(f, text, _)
    if (parse := KINDS.get(f.kind)) is not None:
        return parse(text, _, today)
    limit = f.max_chars or (TEXT_MAX if f.kind in ("text", "unit") else LONG_MAX)
    if len(text) > limit:
        raise Invalid(_("This answer has {n} characters; the limit is {limit}. Please shorten it and send it "
                        "again.", n=len(text), limit=limit))
    return text


def _pick(f: Field, text: str, _: Translate) -> str:
    n = number_of(text)
    if n is not None and 1 <= n <= len(f.options):
        return f.options[n - 1][0]
    wanted = nfkc(text).lower().strip(_ENDS)
    for value, en in f.options:
        if wanted in (value, en.lower()):
            return value
    if f.options == YES_NO:  # "有", "没有", "不是"
        if wanted in YES:
            return "是"
        if wanted in NO:
            return "否"
    # The start of one option only ("农业" for 农业户口, "agri"), or one option said in a sentence ("我是非农业户口的":
    # the longest named, since 非农业户口 holds 农业户口), unless the sentence denies ("不是农业户口").
    starts = {v for v, en in f.options if (len(wanted) >= 2 and v.startswith(wanted))
              or (len(wanted) >= 3 and en.lower().startswith(wanted))}
    if len(starts) == 1:
        return starts.pop()
    named = sorted((v for v, _en in f.options if len(v) >= 2 and v in wanted), key=len, reverse=True)
    if named and not _DENIED.search(wanted) and (len(named) == 1 or len(named[0]) > len(named[1])):
        return named[0]
    raise Invalid(_("Please answer with one of the options (a number is enough)."))


_ENDS = " 。.!！~～的啊呀吧"
_DENIED = re.compile(r"不|没|未|\bnot?\b")


def _pick_many(f: Field, text: str, _: Translate) -> list[str]:
    chosen: list[str] = []
    for token in (t for t in _SPLIT.split(nfkc(text)) if t):
        tokens = list(token) if token.isdigit() and len(token) > 1 and len(f.options) < 10 else [token]
        for t in tokens:  # "13" with fewer than 10 options means 1 and 3
            try:
                value = _pick(f, t, _)
            except Invalid:
                raise Invalid(_("Please answer with the numbers of the options, separated by spaces "
                                "(e.g. 1 3).")) from None
            if value not in chosen:
                chosen.append(value)
    if not chosen:
        raise Invalid(_("Please choose at least one option."))
    order = [v for v, _en in f.options]
    return sorted(chosen, key=order.index)


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def typed_in_english(programme: str, answers: dict[str, Any]) -> list[Field]:
    """Free-text answers written in English (Latin words, no Chinese): the 申报表 is a Chinese form, so they
    stay as typed and are flagged for the clerk to translate. Choices never are: they are stored as the
    printed Chinese option whatever language they were picked in."""
    out = []
    for f in applicable(programme, answers):
        value = answers.get(f.key)
        if f.kind in ("text", "long", "unit") and isinstance(value, str) and _LATIN_WORD.search(value) \
                and not _CJK.search(value):
            out.append(f)
    return out
