"""Application drafts: the form fields against the annexes, validation, full conversations (invalid answers,
save, restart, back, correction, confirmation), the .docx, encryption at rest, and the clerk's export."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import docx
import openpyxl
import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from handlers.errors import Invalid
from handlers.forms import FORMS, applicable, field_of, parse_answer
from handlers.forms_docx import DOCX_MIME, ZIP_MIME, application_annex
from handlers.i18n import translator
from handlers.registry import build_dispatcher
from knowledge.loader import quote
from knowledge.text import squash
from storage.crypto import lookup_hash
from storage.models import AuditEvent
from storage.models_applications import ApplicationDraft

ID = "530102198503170027"
BAD_ID = "530102198503170021"  # check digit wrong
PHONE = "13987654321"
BRIEF = ("长期扎根生产一线，" * 70)[:600]  # exactly the limit
DEEDS = "主要事迹。" * 400  # 2000 characters
_ = translator("zh")
TODAY = date(2026, 3, 2)

CRAFTSMAN = {
    "申报方式": "4", "姓名": "张三", "性别": "1", "民族": "彝族", "手机号码": PHONE, "政治面貌": "群众",
    "学历": "大专", "职务": "班组长", "身份证号": ID, "电子邮箱": "zhang@example.com", "户籍属性": "1",
    "是否外来务工人员": "2", "家庭住址": "昆明市五华区青年路1号", "家庭住址邮编": "650031",
    "工作单位": "云南某机械有限公司", "单位性质": "国有企业", "所属行业": "装备制造", "工种": "钳工",
    "工作年限": "18", "单位地址": "昆明市官渡区工业路8号", "单位地址邮编": "650200", "身份": "3",
    "技能等级或职称": "1 6", "填报指标（至少选填一项）": "1 2", "技艺精湛高超：专长类别": "1",
    "技艺精湛高超：专长说明": "精密刮研", "技术水平": "3", "是否获得专利": "1", "发明专利数量": "2",
    "实用新型专利数量": "5", "外观设计专利数量": "0", "技能、技艺传授途径": "1 2", "技能、技艺传授范围": "1",
    "简要事迹": BRIEF, "事迹材料": DEEDS, "所获荣誉": "跳过", "申报受理单位": "昆明市总工会",
}
TEAM = {
    "所在单位名称": "云南某电力公司", "负责人": "王五", "联系人": "赵六", "电话": "0871-63123456",
    "手机": PHONE, "E-mail": "team@example.com", "成立时间": "2017年6月", "领军人员情况": "高级技师，省技术能手",
    "团队成员情况": "成员12人", "主要活动业绩及获奖情况": "完成技术攻关20项", "制度建立情况": "建立例会制度",
    "活动经费来源及使用情况": "单位专项经费", "另附补充说明材料目录": "跳过", "事迹材料": "工作室事迹。" * 10,
    "申报受理单位": "云南省能源工会",
}


def question(p) -> str:  # type: ignore[no-untyped-def]
    """The field title of the question now asked ("第3/28项：民族" -> "民族"), or "" when none is."""
    for reply in reversed(p.replies):
        m = re.match(r"^第\d+/\d+项：(.+)$", reply.text.splitlines()[0])
        if m:
            return m.group(1)
    return ""


def answer_until(p, answers: dict[str, str], stop: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Answer each question from ``answers`` until ``stop`` is asked (or no question is left)."""
    for _turn in range(80):
        q = question(p)
        if not q or q == stop:
            return
        key = next((k for k in answers if q.endswith(k) or q.startswith(k + "（")), None)
        assert key is not None, f"no answer for {q!r}"
        p.say(answers[key])
    raise AssertionError("too many questions")


def fill_craftsman(p, **overrides: str) -> None:  # type: ignore[no-untyped-def]
    p.say("/draft")
    p.say("1")
    answer_until(p, {**CRAFTSMAN, **overrides})
    assert "请核对您填写的内容" in p.last.text
    p.say("1")  # confirm


def cells(document) -> list[str]:  # type: ignore[no-untyped-def]
    """Texts of the table cells, merged cells once, in reading order."""
    out = []
    for table in document.tables:
        for row in table.rows:
            previous = None
            for cell in row.cells:
                if cell._tc is not previous:  # a merged cell repeats across the columns it spans
                    out.append(cell.text)
                previous = cell._tc
    return out


def value_after(document, label: str) -> str:  # type: ignore[no-untyped-def]
    texts = cells(document)
    return texts[texts.index(label) + 1]


def all_rows(engine) -> str:  # type: ignore[no-untyped-def]
    """Every row of every table, as text: what a look at the raw database would show."""
    with engine.connect() as conn:
        return "\n".join(str(tuple(row)) for t in SQLModel.metadata.sorted_tables
                         for row in conn.execute(text(f'SELECT * FROM "{t.name}"')))


# -- the fields against the annexes and the source text ----------------------------------------------

@pytest.mark.parametrize("programme", ["craftsman", "studio", "station"])
def test_every_field_asked_is_a_field_of_the_annex(programme: str) -> None:
    annex = application_annex(programme)
    printed = {f.key: f for f in annex.fields}
    labels = {squash(f.label) for f in annex.fields}
    kinds = {"int": "number", "long": "long", "date": "date"}
    for f in FORMS[programme]:
        if not f.on_form:
            assert f.basis, f.key
            continue
        assert squash(f.label) in labels, f"{programme}.{f.key}: {f.label} is not printed on the annex"
        if f.key == "skill_detail":  # the text after "一技之长：" etc. in the printed 技艺精湛高超 block
            assert printed["superb_skill"].label == f.label
            continue
        assert f.key in printed, f.key
        assert squash(printed[f.key].label) == squash(f.label)
        if printed[f.key].options:  # check boxes: the printed options, in the printed order
            assert tuple(v for v, _en in f.options) == printed[f.key].options, f.key
            assert f.kind == printed[f.key].kind, f.key
        elif f.kind in ("int", "long", "date"):
            assert printed[f.key].kind == kinds[f.kind], f.key
        if printed[f.key].max_chars:
            assert f.max_chars == printed[f.key].max_chars, f.key
    asked = {f.key for f in FORMS[programme]}
    for f in annex.fields:  # everything the applicant fills is asked; only the review boxes are not
        assert (f.key in asked) != (f.kind == "opinion"), f.key


def test_facts_of_the_forms_rest_on_the_source_text() -> None:
    notes = "".join(application_annex("craftsman").notes)
    # 填报要求1: the three criteria, at least one.
    assert "三项指标至少选填一项" in notes
    assert all(value in notes for value, _en in field_of("craftsman", "criteria").options)
    # 填报要求5 (craftsman) and 注3 (studio): brief account 600 characters, full account at most 2000.
    assert "600字以内的简要事迹" in notes and "不超2000字的事迹材料" in notes
    assert "不超2000字的事迹材料" in "".join(application_annex("studio").notes)
    assert not application_annex("station").notes  # hence no 事迹材料 question for the station
    assert "deeds" not in {f.key for f in FORMS["station"]}
    assert field_of("craftsman", "deeds").max_chars == 2000 == field_of("studio", "deeds").max_chars
    assert field_of("craftsman", "brief_deeds").max_chars == 600
    # 第九条: the four offline ways of application.
    article9 = squash(quote("craftsman", 9))
    for value, _en in field_of("craftsman", "declaration_channel").options:
        assert value in article9


def test_conditional_blocks_follow_the_criteria_ticked() -> None:
    keys = lambda answers: {f.key for f in applicable("craftsman", answers)}  # noqa: E731
    assert "technical_level" not in keys({"criteria": ["领军作用突出"]})
    assert {"technical_level", "has_patent"} <= keys({"criteria": ["技艺精湛高超"]})
    assert "invention_patents" in keys({"criteria": ["技艺精湛高超"], "has_patent": "是"})
    # Un-ticking the block drops the patent counts too, even though has_patent is still stored.
    assert "invention_patents" not in keys({"criteria": ["贡献卓越显著"], "has_patent": "是"})


# -- validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, words", [
    ("53010219850317002", "18位"), ("53010219850317A021", "17位数字"),
    ("530102198502300012", "出生日期"), (BAD_ID, "校验码"),
])
def test_id_number_problems_are_named(raw: str, words: str) -> None:
    with pytest.raises(Invalid) as bad:
        parse_answer(field_of("craftsman", "id_number"), raw, _, today=TODAY)
    assert words in bad.value.message and raw not in bad.value.message


def test_answers_are_parsed_and_normalised() -> None:
    f = lambda key, programme="craftsman": field_of(programme, key)  # noqa: E731
    assert parse_answer(f("id_number"), "530102 19850317 0027", _, today=TODAY) == ID
    assert parse_answer(f("id_number"), "11010519491231002x", _, today=TODAY) == "11010519491231002X"
    assert parse_answer(f("mobile"), "+86 139 8765 4321", _, today=TODAY) == PHONE
    assert parse_answer(f("skill_level"), "1、6", _, today=TODAY) == ["高级技师", "高级职称"]
    assert parse_answer(f("skill_level"), "6 1 6", _, today=TODAY) == ["高级技师", "高级职称"]
    assert parse_answer(f("criteria"), "13", _, today=TODAY) == ["技艺精湛高超", "贡献卓越显著"]
    assert parse_answer(f("gender"), "女", _, today=TODAY) == "女"
    # An option said as people say it: its start, in a sentence, or yes and no in words.
    for key, raw, value in [("household_type", "农业", "农业户口"), ("household_type", "非农", "非农业户口"),
                            ("household_type", "我是非农业户口的", "非农业户口"), ("household_type", "agri", "农业户口"),
                            ("identity", "普通工人吧", "普通工人"), ("identity", "专业技术", "专业技术人员"),
                            ("migrant_worker", "有", "是"), ("migrant_worker", "不是", "否"), ("has_patent", "没有", "否"),
                            ("gender", "男的", "男"), ("technical_level", "国内", "国内领先")]:
        assert parse_answer(f(key), raw, _, today=TODAY) == value, raw
    assert parse_answer(f("years_of_service"), "１８年", _, today=TODAY) == 18
    assert parse_answer(f("founded", "studio"), "2017-6-5", _, today=TODAY) == "2017年6月5日"
    assert parse_answer(f("founded", "studio"), "2017年6月", _, today=TODAY) == "2017年6月"
    for key, raw in [("mobile", "1398765432"), ("email", "zhang@"), ("home_postcode", "65003"),
                     ("years_of_service", "很多"), ("gender", "3"), ("skill_level", "1 0"), ("skill_level", "1 天"),
                     ("household_type", "不是农业户口"), ("identity", "工人"), ("skill_level", "高级"),  # denied, ambiguous
                     ("brief_deeds", "字" * 601)]:
        with pytest.raises(Invalid):
            parse_answer(f(key), raw, _, today=TODAY)
    for raw in ("2027-01-01", "2017-02-30", "去年"):
        with pytest.raises(Invalid):
            parse_answer(f("founded", "studio"), raw, _, today=TODAY)


# -- the conversation ------------------------------------------------------------------------------

def test_going_back_two_fields_walks_forward_through_the_answered_ones_and_keep_keeps(person) -> None:  # type: ignore[no-untyped-def]
    p = person("walk")
    p.say("填申报表")
    p.say("1")
    answer_until(p, CRAFTSMAN, stop="身份证号")
    p.say("返回")
    p.say("返回")
    assert question(p) == "学历" and "不改请回复“不变”" in p.text
    p.say("本科")
    assert question(p) == "职务" and "当前填写：班组长" in p.text  # the next answered field, not 身份证号 at once
    p.say("不变")
    assert question(p) == "身份证号"
    p.say("不变")  # nothing to keep yet
    assert "还没有填写" in p.text and question(p) == "身份证号"
    answer_until(p, CRAFTSMAN)
    assert "学历：本科" in p.last.text and "职务：班组长" in p.last.text and "职务：不变" not in p.last.text


def test_a_question_typed_at_a_short_field_is_not_stored_as_its_answer(person) -> None:  # type: ignore[no-untyped-def]
    p = person("quiz")
    p.say("填申报表")
    p.say("1")
    answer_until(p, CRAFTSMAN, stop="职务")
    p.say("申报表要交几份")
    assert question(p) == "职务" and "当前填写" not in p.text  # asked again, nothing stored
    p.say("评上云岭工匠有什么奖励")  # one the measures answer: answered, and the field asked again
    assert any(c.article == 21 for r in p.replies for c in r.citations) and question(p) == "职务"
    p.say("班组长")
    assert question(p) == "身份证号"
    answer_until(p, CRAFTSMAN, stop="单位地址")
    for no_value in ("同上", "不知道 我们单位有工会"):  # nothing a printed form can carry
        p.say(no_value)
        assert question(p) == "单位地址" and "不能作为填写内容" in p.text
    p.say("昆明市官渡区工业路8号")
    assert question(p) != "单位地址"


def test_questions_at_a_field_are_no_wrong_answers_and_do_not_stop_the_form(person) -> None:  # type: ignore[no-untyped-def]
    """Each question the measures do not answer, typed at 职务, counted as a wrong answer: the fourth stopped the
    form ("we seem to be stuck"). A question is no attempt at the field: the field waits as long as it takes."""
    p = person("quizzes")
    p.say("填申报表")
    p.say("1")
    answer_until(p, CRAFTSMAN, stop="职务")
    for asked in ("申报表要交几份", "要交几份复印件", "要不要盖章啊", "交到哪个部门呢", "纸质的要装订吗"):
        p.say(asked)
        assert question(p) == "职务" and "停止" not in p.text, p.text
    p.say("班组长")
    assert question(p) == "身份证号"



def test_an_id_or_mobile_number_typed_at_another_field_is_refused_and_not_kept(person, engine) -> None:  # type: ignore[no-untyped-def]
    """A trial's applicant typed the ID number at 民族 (the form had moved on while they read another answer): it was
    stored there in clear and printed as the ethnic group. Now refused, said so, and kept nowhere; a landline in an
    address is no such number."""
    p = person("pii")
    p.say("填申报表")
    p.say("1")
    answer_until(p, CRAFTSMAN, stop="民族")
    for typed in ("530102197503121234", "我的身份证 53010219750312123X", "138 1234 5678"):
        p.say(typed)
        assert question(p) == "民族" and "身份证号、银行卡号或手机号" in p.text, p.text
    p.say("彝族")
    assert question(p) == "手机号码"
    with Session(engine) as s:
        stored = " ".join(d.values_json for d in s.exec(select(ApplicationDraft)).all())
    assert "彝族" in stored and "5301021975" not in stored and "1381234" not in stored
    answer_until(p, CRAFTSMAN, stop="单位地址")
    p.say("昆明市官渡区工业路8号 电话0871-65123456")
    assert question(p) != "单位地址", p.text


def test_craftsman_form_conversation(person, engine, settings, clock) -> None:  # type: ignore[no-untyped-def]
    alice = person("alice")
    alice.say("填申报表")
    assert alice.choice_values() == ["craftsman", "studio", "station"]
    alice.say("1")
    assert "附件2" in alice.text and question(alice) == "申报方式"
    answer_until(alice, CRAFTSMAN, stop="手机号码")
    alice.say("1398765432")  # ten digits: re-asked
    assert "11位" in alice.text and question(alice) == "手机号码"
    answer_until(alice, CRAFTSMAN, stop="身份证号")
    alice.say(BAD_ID)
    assert "校验码" in alice.text and question(alice) == "身份证号"
    alice.say(ID)
    assert question(alice) == "电子邮箱"
    alice.say("跳过")  # optional
    assert question(alice) == "户籍属性"
    alice.say("保存")
    assert "已保存" in alice.text

    # A restart: a new dispatcher on the same database; the next entry resumes at the first open field.
    alice.d = build_dispatcher(engine, settings)
    alice.say("申报表")
    alice.say("1")
    assert "欢迎回来" in alice.text and question(alice) == "户籍属性"
    alice.say("2")
    alice.say("1")  # 是否外来务工人员: 是
    assert question(alice) == "家庭住址"
    alice.say("返回")
    assert question(alice) == "是否外来务工人员" and "当前填写：是" in alice.text
    alice.say("否")
    assert question(alice) == "家庭住址"  # back to the first open field

    alice.d = build_dispatcher(engine, settings)  # a restart in the middle of the conversation
    answer_until(alice, CRAFTSMAN, stop="简要事迹")
    alice.say(BRIEF + "。")  # 601 characters: re-asked
    assert "601" in alice.text and "600" in alice.text and question(alice) == "简要事迹"
    answer_until(alice, CRAFTSMAN)

    review = alice.last.text
    assert "请核对您填写的内容" in review
    assert ID not in review and "5301**********0027" in review
    assert PHONE not in review and "139****4321" in review
    assert "电子邮箱：（未填）" in review and "所获荣誉：（未填）" in review
    names = [line for line in review.splitlines() if "姓名：" in line]
    alice.say("修改 " + re.match(r"\[(\d+)\]", names[0]).group(1))  # type: ignore[union-attr]
    assert question(alice) == "姓名" and "当前填写：张三" in alice.text
    alice.say("张三丰")
    assert "已修改" in alice.text and "姓名：张三丰" in alice.last.text

    alice.say("确认无误，生成申报表")
    assert "昆明市总工会" in alice.text
    (doc_file,) = alice.last.attachments
    assert doc_file.kind == "document" and doc_file.mime == DOCX_MIME and doc_file.filename.endswith(".docx")
    assert "张三丰" in doc_file.filename
    document = docx.Document(io.BytesIO(doc_file.data))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "云南省第_____届云岭工匠申报表" in paragraphs
    assert "申报方式：☐工会逐级推荐 ☐行业协会推荐 ☐专业人士举荐 ☑个人自荐" in paragraphs
    assert "填报要求：" in paragraphs and "7.申报材料及所附证明材料须用A4纸装订成册" in paragraphs
    assert "张三丰事迹材料" in paragraphs and DEEDS[:50] in paragraphs
    assert value_after(document, "姓名") == "张三丰"
    assert value_after(document, "身份证号") == ID  # in full: this is the applicant's own copy
    assert value_after(document, "手机号码") == PHONE
    assert value_after(document, "户籍属性") == "☐农业户口 ☑非农业户口"
    assert value_after(document, "是否外来务工人员") == "☐是 ☑否"
    assert value_after(document, "工作年限") == "18"
    assert "☑高级技师 ☐技师" in value_after(document, "技能等级或职称")
    assert "☑高级职称" in value_after(document, "技能等级或职称")
    assert value_after(document, "技艺精湛高超").startswith("☑一技之长：精密刮研\n☐绝技高招：")
    assert "发明专利数量：2" in cells(document)[cells(document).index("技艺精湛高超") + 2]
    assert "☑带徒 ☑培训 ☐其他" in value_after(document, "领军作用突出")
    assert value_after(document, "简要事迹（600字）") == BRIEF
    opinion = value_after(document, "云岭工匠专家评审委员会意见")
    assert "盖章" in opinion and not opinion.replace("盖章：", "").replace("年", "").replace("月", "").replace(
        "日", "").strip()

    # Protected at rest: neither the ID number nor the phone is anywhere in the database in clear.
    raw = all_rows(engine)
    assert ID not in raw and PHONE not in raw and "张三丰" in raw
    with Session(engine) as s:
        draft = s.exec(select(ApplicationDraft)).one()
        assert draft.status == "submitted" and draft.unit == "昆明市总工会"
        assert draft.id_number_hash == lookup_hash(settings.data_key, ID)

    # Coming back after confirming: the form again, or edit it.
    alice.say("/draft")
    alice.say("1")
    alice.say("1")
    assert alice.last.attachments and alice.last.attachments[0].mime == DOCX_MIME


def test_skip_is_refused_for_required_fields_and_back_on_first(person) -> None:  # type: ignore[no-untyped-def]
    bob = person("bob")
    bob.say("flow:craftsman_draft", choice="flow:craftsman_draft")
    assert question(bob) == "申报方式"
    bob.say("返回")
    assert "第一题" in bob.text and question(bob) == "申报方式"
    bob.say("4")
    bob.say("跳过")
    assert "不能跳过" in bob.text and question(bob) == "姓名"
    bob.say("王二")
    bob.say("取消")  # cancel works everywhere; the answers given so far are kept
    assert question(bob) == "" and "menu:awards" in bob.choice_values()
    bob.say("/draft")
    bob.say("1")
    assert "2/" in bob.text and question(bob) == "性别"


def test_review_correction_reopens_a_block(person) -> None:  # type: ignore[no-untyped-def]
    carol = person("carol")
    carol.say("/draft")
    carol.say("1")
    answer_until(carol, {**CRAFTSMAN, "填报指标（至少选填一项）": "3", "贡献卓越显著：贡献范围": "2"})
    review = carol.last.text
    assert "技术水平" not in review and "贡献卓越显著：贡献范围：本省" in review
    number = next(re.match(r"\[(\d+)\]", line).group(1)  # type: ignore[union-attr]
                  for line in review.splitlines() if "填报指标" in line)
    carol.say("修改" + number)
    carol.say("1 3")  # add 技艺精湛高超: its questions are asked before the review comes back
    assert question(carol) == "技艺精湛高超：专长类别"
    answer_until(carol, CRAFTSMAN)
    assert "技术水平：省内领先" in carol.last.text


def test_english_questions(person) -> None:  # type: ignore[no-untyped-def]
    dave = person("dave", locale="en")
    dave.say("/draft")
    dave.say("1")
    assert "Question 1 of" in dave.text and "Way of application" in dave.text
    assert "Self-nomination (个人自荐)" in dave.text


@pytest.mark.parametrize("programme, number, title", [("studio", "2", "职工创新工作室名称"),
                                                       ("station", "3", "职工技师工作站名称")])
def test_studio_and_station_forms(person, engine, programme: str, number: str, title: str) -> None:  # type: ignore[no-untyped-def]
    erin = person("erin")
    erin.say("申报表")
    erin.say(number)
    assert question(erin) == title
    erin.say("电力创新工作室")
    answer_until(erin, {**TEAM, "主要活动业绩及获奖情况": "业" * 601}, stop="主要活动业绩及获奖情况")
    erin.say("业" * 601)
    assert "601" in erin.text and question(erin) == "主要活动业绩及获奖情况"
    answer_until(erin, TEAM)
    assert ("事迹材料" in erin.last.text) == (programme == "studio")
    erin.say("1")
    (doc_file,) = erin.last.attachments
    document = docx.Document(io.BytesIO(doc_file.data))
    annex = application_annex(programme)
    assert annex.printed_title in document.paragraphs[0].text
    assert value_after(document, title) == "电力创新工作室"
    assert value_after(document, "负责人") == "王五"
    assert value_after(document, "手 机") == PHONE
    assert value_after(document, "成立时间") == "2017年6月"
    texts = cells(document)
    assert any(t.startswith("领军人员情况：高级技师") for t in texts)
    for opinion in (f.label for f in annex.fields if f.kind == "opinion"):
        assert opinion in texts
    assert PHONE not in all_rows(engine)


# -- the clerk's export ----------------------------------------------------------------------------

def test_clerk_exports_the_forms_of_their_union(person, engine) -> None:  # type: ignore[no-untyped-def]
    fill_craftsman(person("alice"))
    fill_craftsman(person("frank"), **{"姓名": "李四", "申报受理单位": "曲靖市总工会"})
    pending = person("gina")
    pending.say("/draft")
    pending.say("1")
    answer_until(pending, CRAFTSMAN)  # at the review, not confirmed

    clerk = person("kmclerk", clerk="昆明市总工会")
    clerk.say("导出申报表")
    (bundle,) = clerk.last.attachments
    assert bundle.mime == ZIP_MIME and "1" in clerk.text and "昆明市总工会" in clerk.text
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as zf:
        names = zf.namelist()
        forms = [n for n in names if n.endswith(".docx") and not n.startswith("附件1")]
        assert len(forms) == 1 and "张三" in forms[0]
        # The union's 附件1: the applications received by way (张三: 个人自荐), each applicant with the age of
        # the ID number (born 1985-03-17: 40 on 2026-03-02, the birthday not yet come); the union's own decisions left blank.
        letter = docx.Document(io.BytesIO(zf.read("附件1-云岭工匠推荐承诺书-昆明市总工会.docx")))
        text = "\n".join(p.text for p in letter.paragraphs)
        assert "共收到云岭工匠申报材料1份。其中，逐级推荐的有0份，行业（学会）推荐的有0份，专业人士举荐的有0份，自荐的有1份" \
            in text, text
        assert "拟推荐以下____名人选" in text and "昆明市总工会（盖章）" in text and "第____届" in text
        rows_of_letter = [[c.text for c in r.cells] for r in letter.tables[0].rows]
        assert rows_of_letter == [["序号", "姓名", "年龄", "工作单位", "推荐理由"],
                                  ["1", "张三", "40", CRAFTSMAN["工作单位"], ""]], rows_of_letter
        document = docx.Document(io.BytesIO(zf.read(forms[0])))
        assert value_after(document, "身份证号") == ID  # in full for the clerk of the union it is filed with
        (sheet_name,) = [n for n in names if n.endswith(".xlsx")]
        sheet = openpyxl.load_workbook(io.BytesIO(zf.read(sheet_name))).active
        rows = list(sheet.iter_rows(values_only=True))
        from test_training_classes import assert_printable

        assert_printable(sheet, header_row=1, rows=len(rows) - 1, landscape=True)
        assert rows[1][2] == "张三" and len(rows) == 2
    with Session(engine) as s:
        (event,) = s.exec(select(AuditEvent).where(AuditEvent.action == "drafts.export")).all()
        assert event.subject == "昆明市总工会" and event.actor_person_id is not None

    other = person("ynclerk", clerk="云南省能源工会")
    other.say("/drafts")
    assert not other.last.attachments and "还没有" in other.text

    worker = person("harry")
    worker.say("/drafts")
    assert not worker.last.attachments and "仅限经授权的工会工作人员" in worker.text
    assert "flow:drafts_export" not in worker.choice_values()  # not even offered in the worker's menu


def test_a_channel_flow_hands_over_the_union_to_file_with(engine, settings, clock) -> None:  # type: ignore[no-untyped-def]
    from conftest import Person

    from handlers.flow import Flow, switch
    from handlers.flows import FLOWS, faq_answer

    def channel(ctx):  # type: ignore[no-untyped-def]  # what a channel check ends with
        ctx.data["body"] = "昆明市五华区总工会"  # the slot the craftsman channel check fills
        return switch("craftsman_draft")

    flows = (*FLOWS, Flow(name="t_channel", title="t", states={}, enter=channel, enter_to=("flow:craftsman_draft",),
                          commands=("/t_channel",)))
    ivy = Person(build_dispatcher(engine, settings, flows=flows, faq=faq_answer), clock, "ivy")
    ivy.say("/t_channel")
    assert question(ivy) == "申报方式"
    answer_until(ivy, CRAFTSMAN, stop="申报受理单位")
    assert [c.label for c in ivy.last.choices] == ["昆明市五华区总工会"]
    ivy.say("1")
    assert "申报受理单位：昆明市五华区总工会" in ivy.last.text
