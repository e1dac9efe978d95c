"""Hand-mapped annexes of the four measures, for ``convert_measures.py``.

The source prints the forms as HTML-ish tables whose cells wrap and merge unpredictably, so the fields are
listed here; the converter checks every label, option, column run and ``filled_by`` phrase against the
source text and fails if one is not printed there. ``filled_by`` quotes the article named in ``article``.
``body=True`` takes the printed prose of a letter-type annex from the source.
"""

from __future__ import annotations

from typing import Any


def f(key: str, label: str, *options: str, kind: str = "", max_chars: int | None = None,
      group: str = "") -> dict[str, Any]:
    """One form field; kind defaults to "choice" when check-box options are printed, else "text"."""
    field: dict[str, Any] = {"key": key, "label": label, "options": options,
                             "kind": kind or ("choice" if options else "text"), "group": group}
    if max_chars:
        field["max_chars"] = max_chars
    return field


def opinion(key: str, label: str) -> dict[str, Any]:
    return f(key, label, kind="opinion")


PROVINCIAL_UNIONS = "各州（市）总工会和省级产业、系统、公司工会"

CRAFTSMAN_FORM = [
    f("declaration_channel", "申报方式"),
    f("name", "姓名"),
    f("gender", "性别"),
    f("ethnicity", "民族"),
    f("mobile", "手机号码"),
    f("political_status", "政治面貌"),
    f("education", "学历"),
    f("position", "职务"),
    f("id_number", "身份证号"),
    f("email", "电子邮箱"),
    f("household_type", "户籍属性", "农业户口", "非农业户口"),
    f("migrant_worker", "是否外来务工人员", "是", "否"),
    f("home_address", "家庭住址"),
    f("home_postcode", "邮编"),
    f("employer", "工作单位"),
    f("employer_type", "单位性质"),
    f("industry", "所属行业"),
    f("trade", "工种"),
    f("years_of_service", "工作年限", kind="number"),
    f("employer_address", "单位地址"),
    f("employer_postcode", "邮编"),
    f("identity", "身份", "干部", "专业技术人员", "普通工人", "职员", "其他"),
    f("skill_level", "技能等级或职称", "高级技师", "技师", "高级工", "中级工", "初级工",
      "高级职称", "中级职称", "初级职称", "其他", kind="multi"),
    # 技艺精湛高超 / 领军作用突出 / 贡献卓越显著: art. 5 (一)(二)(三); at least one is required (填报要求 1).
    f("superb_skill", "技艺精湛高超", "一技之长", "绝技高招", "技术专长", "其他", kind="multi",
      group="技艺精湛高超"),
    f("technical_level", "技术水平", "国际领先", "国内领先", "省内领先", "市内领先", group="技艺精湛高超"),
    f("has_patent", "是否获得专利", "是", "否", group="技艺精湛高超"),
    f("invention_patents", "发明专利数量", kind="number", group="技艺精湛高超"),
    f("utility_model_patents", "实用新型专利数量", kind="number", group="技艺精湛高超"),
    f("design_patents", "外观设计专利数量", kind="number", group="技艺精湛高超"),
    f("teaching_channel", "技能、技艺传授途径", "带徒", "培训", "其他", kind="multi", group="领军作用突出"),
    f("teaching_scope", "技能、技艺传授范围", "本单位", "本行业", "其他", kind="multi", group="领军作用突出"),
    f("contribution_scope", "贡献卓越显著", "全国", "本省", "本市", "本行业", "本单位", group="贡献卓越显著"),
    f("brief_deeds", "简要事迹", kind="long", max_chars=600),
    f("honours", "所获荣誉", kind="long"),
    opinion("expert_committee_opinion", "云岭工匠专家评审委员会意见"),
    opinion("leading_group_opinion", "云岭工匠选树工作领导小组意见"),
    opinion("provincial_union_opinion", "云南省总工会意见"),
]


def team_form(unit: str, team_group: str, rules_label: str, opinions: list[dict[str, Any]]) -> list[dict]:
    """The studio and station application forms share one layout; ``unit`` is 职工创新工作室 / 职工技师工作站."""
    contact = f"{unit}负责人姓名及联系方式"
    return [
        f("unit_name", f"{unit}名称"),
        f("employer", "所在单位名称"),
        f("leader", "负责人", group=contact),
        f("contact_person", "联系人", group=contact),
        f("phone", "电话", group=contact),
        f("mobile", "手机", group=contact),
        f("email", "E-mail", group=contact),
        f("founded", "成立时间", kind="date"),
        f("leader_profile", "领军人员情况", kind="long", group=team_group),
        f("members_profile", "团队成员情况", kind="long", group=team_group),
        f("achievements", "主要活动业绩及获奖情况", kind="long", max_chars=600),
        f("rules", rules_label, kind="long"),
        f("funding", "活动经费来源及使用情况", kind="long"),
        f("supplement_list", "另附补充说明材料目录", kind="long"),
        *opinions,
    ]


REPORT_FOOTER = [f("contact_person", "联系人"), f("contact_phone", "联系电话"), f("reported_on", "上报时间", kind="date")]

ANNEXES: dict[str, dict[int, dict[str, Any]]] = {
    "craftsman": {
        1: {"article": 10, "filled_by": "各有关州（市）总工会或省级产业、系统、公司工会",
            "printed_title": "云南省第____届云岭工匠推荐承诺书", "body": True,
            "columns": ["序号", "姓名", "年龄", "工作单位", "推荐理由"]},
        2: {"article": 10, "filled_by": "申报人", "printed_title": "云南省第_____届云岭工匠申报表",
            "fields": CRAFTSMAN_FORM},
    },
    "studio": {
        1: {"article": 12, "filled_by": "各州（市）总工会、省级产业、系统公司工会",
            "printed_title": "云南省第____届职工创新工作室推荐承诺书", "body": True,
            "columns": ["序号", "工作室名称", "工作室负责人", "工作室所在单位"]},
        2: {"article": 12, "filled_by": "所在单位", "printed_title": "云南省第__届职工创新工作室申报表",
            "fields": team_form("职工创新工作室", "团队成员简要情况", "创新工作室制度建立情况", [
                opinion("employer_union_opinion", "所在单位工会推荐意见"),
                opinion("prefecture_union_opinion", "州（市）或省级产业、系统、公司工会初审意见"),
                opinion("provincial_office_opinion", "省总工会技术创新和职工素质建设工作办公室复审意见"),
                opinion("expert_opinion", "省职工创新工作室选树工作专家评审意见"),
                opinion("leading_group_opinion", "省职工创新工作室选树工作领导小组意见"),
                opinion("provincial_union_opinion", "云南省总工会审定意见"),
            ])},
    },
    "station": {
        1: {"article": 12, "filled_by": "各州市总工会、省级产业系统公司工会",
            "printed_title": "云南省第____届职工技师工作站推荐承诺书", "body": True,
            "columns": ["序号", "工作站名称", "工作站负责人", "工作站所在单位"]},
        # The source prints only two opinion boxes on this form.
        2: {"article": 12, "filled_by": "申报单位", "printed_title": "云南省第____届职工技师工作站申报表",
            "fields": team_form("职工技师工作站", "团队人员简要情况", "技师工作站制度建立情况", [
                opinion("employer_union_opinion", "所在单位工会推荐意见"),
                opinion("provincial_office_opinion", "省总工会技术创新和职工素质建设工作办公室复审意见"),
            ])},
    },
    "training": {
        1: {"article": 13, "filled_by": PROVINCIAL_UNIONS, "printed_title": "XX培训项目实施方案", "body": True},
        2: {"article": 13, "filled_by": PROVINCIAL_UNIONS,
            "printed_title": "云南省工会职工（农民工）技能培训项目汇总表",
            "fields": [f("reporting_unit", "上报单位（签章）"), *REPORT_FOOTER],
            "columns": ["培训项目", "培训人数", "培训对象", "培训时间", "培训地点", "培训组织单位",
                        "培训承办机构", "项目负责人及联系方式", "备注"]},
        3: {"article": 18, "filled_by": PROVINCIAL_UNIONS,
            "printed_title": "云南省工会职工（农民工）技能培训班审批表",
            "fields": [
                f("training_type", "培训类型"),
                f("training_provider", "培训单位"),
                f("provider_address", "培训单位地址"),
                f("class_address", "培训班地址"),
                f("person_in_charge", "负责人"),
                f("person_in_charge_phone", "联系电话"),
                f("head_teacher", "班主任"),
                f("head_teacher_phone", "联系电话"),
                f("specialty", "培训专业"),
                f("level", "培训等级"),
                f("trainees_total", "培训人数", kind="number", group="培训人数"),
                f("trainees_male", "男", kind="number", group="培训人数"),
                f("trainees_female", "女", kind="number", group="培训人数"),
                # The five trainee categories of art. 6.
                f("trainees_on_job", "在岗职工", kind="number", group="培训对象"),
                f("trainees_migrant", "农民工", kind="number", group="培训对象"),
                f("trainees_unemployed", "城镇失业人员和转岗职工", kind="number", group="培训对象"),
                f("trainees_poor", "贫困劳动力", kind="number", group="培训对象"),
                f("trainees_poverty_migrant", "助力脱贫攻坚专项技能培训项目农民工", kind="number", group="培训对象"),
                f("training_period", "培训时间"),
                f("total_hours", "总课时", kind="number"),
                opinion("county_union_opinion", "县（市、区）总工会意见"),
                opinion("approving_union_opinion", "州（市）或省级产业、系统、公司工会审批意见"),
            ]},
        4: {"article": 21, "filled_by": PROVINCIAL_UNIONS,
            "printed_title": "云南省工会职工（农民工）技能培训项目实名制汇总表",
            "fields": [f("reporting_unit", "上报单位（签章）"), *REPORT_FOOTER],
            "columns": ["姓名", "性别", "身份证号码", "单位", "职工类别", "培训工种", "取证等级",
                        "人社证书编号", "工会证书编号", "联系方式"]},
        # Printed without an "附件 5" heading: a certificate image the provincial union prints (art. 21).
        5: {"article": 21, "filled_by": "省总工会", "printed_title": "云南省工会系统技能培训合格证书"},
        6: {"article": 22, "filled_by": "各州（市）总工会",
            "printed_title": "云南省工会职工（农民工）技能培训就业情况统计表",
            "fields": [f("reporting_unit", "上报单位"), *REPORT_FOOTER],
            "columns": ["姓名", "身份证号码", "职工类别", "培训工种", "培训时间", "人社证书编号", "就业地点",
                        "就业单位", "本人电话", "就业单位电话", "备注"]},
    },
}
