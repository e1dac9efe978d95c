"""Transcripts of the award conversations: 云岭工匠 eligibility and channel choice, studio and station checks.
Answers are given the way people give them: by number, by typing a place or a date, "上一步", "取消"."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from handlers.registry import build_dispatcher
from handlers.types import Reply


def pick(p, value: str) -> list[Reply]:  # type: ignore[no-untyped-def]
    """Answer with the number of the offered option whose value is ``value``, as a person types it."""
    values = p.choice_values()
    assert value in values, (value, values, p.text)
    return p.say(str(values.index(value) + 1))


def answer_all(p, *values: str) -> None:  # type: ignore[no-untyped-def]
    for v in values:
        pick(p, v)


def to_household(p, referrers: str) -> None:  # type: ignore[no-untyped-def]
    """The channel check by expert referral, ``referrers`` typed as their number, qualified referrers in Yunnan and
    a household there: up to the question of the household's county."""
    p.say("申报渠道")
    answer_all(p, "referral")
    p.say(referrers)
    answer_all(p, "yes", "yes", "yes", "yes")


def cited(p) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.label for r in p.replies for c in r.citations]


GATES = ("no", "yes", "yes", "none", "no")  # never named, Chinese, unit in Yunnan, no exclusion, not a head


def test_craftsman_eligible_with_priority_then_channel_and_dates(person) -> None:
    alice = person("alice")
    alice.say("云岭工匠")
    assert "云岭工匠" in alice.text and "已被命名" in alice.text
    answer_all(alice, *GATES, "none")
    assert "技艺精湛高超" in alice.text and "至少选填一项" in alice.text  # plain words, no invented example
    answer_all(alice, "leading", "xingdian_talent")
    assert "结论：您可以申报“云岭工匠”" in alice.text
    assert "领军作用突出" in alice.text and "兴滇人才奖" in alice.text and "优先评定" in alice.text
    assert len(alice.last.text) <= 500
    labels = cited(alice)
    assert "《云岭工匠选树管理办法》第五条" in labels and "《云岭工匠选树管理办法》第七条" in labels
    assert {"flow:craftsman_channel", "flow:craftsman_draft", "details"} <= set(alice.choice_values())
    pick(alice, "details")  # the full list is one tap away
    assert "不受年龄、性别、学历" in alice.text and "不超过20名" in alice.text and "中国籍" in alice.text

    pick(alice, "flow:craftsman_channel")
    assert "线上线下同步" in alice.text
    answer_all(alice, "self", "no", "no")  # self-nomination, employed, unit without a union
    assert "县（市、区）" in alice.text
    alice.say("玉溪红塔")
    assert "受理单位：玉溪市红塔区总工会" in alice.text
    assert "玉溪市总工会" in alice.text and "附件1" in alice.text and "附件2" in alice.text
    assert "600字以内" in alice.text and "一式三份" in alice.text and "线上申报可登录指定网站完成" in alice.text
    assert "《云岭工匠选树管理办法》第十条" in cited(alice)
    pick(alice, "unknown")
    assert "5个工作日" in alice.text and "公众投票" in alice.text and "谁推荐、谁初审" in alice.text
    # the application form takes over with the filing body found here (switch keeps the slots)
    pick(alice, "flow:craftsman_draft")
    assert "申报表" in alice.text


def test_channel_ends_quietly_when_nothing_more_is_wanted(person) -> None:
    rob = person("rob")
    rob.say("申报渠道")
    answer_all(rob, "self", "yes")
    rob.say("大理市")
    pick(rob, "unknown")
    pick(rob, "done")
    assert "菜单" in rob.text
    rob.say("云岭工匠")  # no flow is active any more: the trigger starts a new one
    assert "已被命名" in rob.text


def test_publicity_dates_over_national_day(person) -> None:
    bob = person("bob")
    bob.say("申报渠道")
    answer_all(bob, "union", "prefecture")
    bob.say("曲靖")
    assert "受理单位：曲靖市总工会" in bob.text
    bob.say("2026年9月28日")
    assert "2026-09-28" in bob.text and "2026-10-09" in bob.text


def test_a_question_with_a_date_at_the_notice_step_announces_no_date(person) -> None:
    """"截止日期是12月5号吗" at "has the 公示 start been announced?" asks: no notice is counted from 12月5日
    (no date of the source is a 公示 date), and the step is asked again; a date typed is counted, the end day
    included."""
    bob = person("bob-q")
    bob.say("申报渠道")
    answer_all(bob, "union", "prefecture")
    bob.say("曲靖")
    bob.say("截止日期是12月5号吗")
    assert "12-05" not in bob.text and "公示的开始日期" in bob.text, bob.text
    bob.say("2026年9月28日")
    assert "2026-10-09（含当日）" in bob.text, bob.text


def test_direct_recognition_stops_without_asking_the_three_conditions(person) -> None:
    carol = person("carol")
    carol.say("评工匠")
    answer_all(carol, *GATES, "worldskills", "final")
    carol.say("第6名")
    assert "直接认定" in carol.text and "第6名" in carol.text
    assert "《云岭工匠选树管理办法》第六条" in cited(carol)
    assert "以下哪一项最符合" not in carol.text


def test_near_miss_goes_to_normal_review(person) -> None:
    dan = person("dan")
    dan.say("/craftsman")
    answer_all(dan, *GATES, "worldskills", "final")
    dan.say("7")
    assert "以下哪一项最符合" in dan.text  # not direct: the three conditions are asked
    answer_all(dan, "skill", "none")
    assert "结论：您可以申报" in dan.text
    pick(dan, "details")
    assert "不在直接认定所要求的前6名之内" in dan.text


def test_refused_as_soon_as_certain(person) -> None:
    erin = person("erin")
    erin.say("云岭工匠")
    answer_all(erin, "no", "yes", "yes", "none", "yes", "no_union")
    assert "目前不能申报" in erin.text and "未依法建立工会" in erin.text
    assert "《云岭工匠选树管理办法》第八条" in cited(erin)
    assert erin.choice_values() == ["change", "flow:craftsman", "details"]
    frank = person("frank")
    frank.say("云岭工匠")
    answer_all(frank, "yes")
    assert "不重复命名" in frank.text and "《云岭工匠选树管理办法》第三条" in cited(frank)


def test_a_refusal_lets_the_deciding_answer_be_changed_keeping_the_others(person) -> None:
    erin = person("erin")
    erin.say("云岭工匠")
    answer_all(erin, "no", "yes", "yes", "none", "yes", "no_union")
    pick(erin, "change")  # the enterprise's issue is asked again; never named, Chinese, in Yunnan, a head: kept
    assert "您的企业是否有以下情形" in erin.text and "no_union" in erin.choice_values()
    pick(erin, "none")
    assert "结论：您目前不能申报" not in erin.text and "已被命名" not in erin.text
    mid = person("mid")  # said before the verdict: the previous question again
    mid.say("技师工作站")
    answer_all(mid, "yes")
    mid.say("我刚才选错了")
    assert "依托单位" in mid.text and "已被州（市）" not in mid.text
    for typed in ("我刚才选错了", "back", "点错了 改一下"):
        p = person(f"erin-{typed}")
        p.say("云岭工匠")
        answer_all(p, "no", "yes", "yes", "none", "yes", "no_union")
        p.say(typed)
        assert "您的企业是否有以下情形" in p.text, typed
    for typed in ("重新检查", "再查一次", "check again"):
        p = person(f"again-{typed}")
        p.say("云岭工匠")
        answer_all(p, "no", "yes", "yes", "none", "yes", "no_union")
        p.say(typed)
        assert "已被命名" in p.text and p.choice_values()[:2] == ["yes", "no"], typed
    p.say("2")  # never named: the next question, not the earlier answers
    assert "中国籍" in p.text


def test_a_refused_station_lets_the_deciding_answer_be_changed(person) -> None:
    p = person()
    p.say("技师工作站")
    answer_all(p, "yes", "prefecture", "2plus", "yes", "yes", "yes", "technician")
    p.say("56")
    assert "目前不能推荐" in p.text and p.choice_values()[:2] == ["change", "flow:station"]
    pick(p, "change")  # the lead expert's age asked again
    p.say("50")
    assert "目前不能推荐" not in p.text and "领衔专家每年在工作站" in p.text  # the next question


def test_correcting_answers_and_reasking_invalid_input(person) -> None:
    gina = person("gina")
    gina.say("云岭工匠")
    gina.say("随便说点什么")
    assert "请从选项中选择一项" in gina.text and "已被命名" in gina.text  # re-asked
    answer_all(gina, "no", "no")  # not Chinese: refused at once, nothing more is asked
    assert "目前不能申报" in gina.text
    gina.say("云岭工匠")
    answer_all(gina, "no", "yes")
    pick(gina, "back")  # change the nationality answer
    assert "中国籍" in gina.text
    answer_all(gina, "yes", "yes", "none", "no", "worldskills", "final")
    gina.say("很多")
    assert "请输入一个数字" in gina.text
    gina.say("上一步")  # typed back-word on a typed question
    assert "决赛" in gina.text and "final" in gina.choice_values()
    pick(gina, "preliminary")
    assert "以下哪一项最符合" in gina.text

    henry = person("henry")
    to_household(henry, "3")
    henry.say("北京市朝阳区")
    assert "没有识别出这是云南省内的地名" in henry.text
    henry.say("昆明")
    assert "请同时写明昆明市下的县" in henry.text
    henry.say("五华")
    assert "受理单位：昆明市五华区总工会" in henry.text
    assert "举荐资格的证明材料" in henry.text


def test_invalid_referral_is_refused_with_the_reason(person) -> None:
    ivy = person("ivy")
    ivy.say("申报渠道")
    answer_all(ivy, "referral")
    ivy.say("1")
    assert "这种申报方式不适用于您的情况" in ivy.text and "2名以上" in ivy.text
    assert "《云岭工匠选树管理办法》第九条" in cited(ivy)
    assert ivy.choice_values() == ["flow:craftsman_channel"]
    ivy.say("申报渠道")
    answer_all(ivy, "referral")
    ivy.say("2")
    answer_all(ivy, "yes", "no")
    assert "高级技师或具有副高级及以上职称" in ivy.text


@pytest.mark.parametrize(("said", "next_question"), [
    ("他们一个是高级工程师 一个是高级技师 都是焊接的", "同一专业"),
    ("一个是高工，另一个是我们厂的高级技师", "同一专业"),
    ("只有一个 是高级技师", "您只有1名")])  # one is one
def test_referrers_described_one_by_one_are_counted(person, said: str, next_question: str) -> None:
    """A trial's welder answered "how many experts will refer you?" by describing them; he was told to type a
    number."""
    p = person(f"listed-{len(said)}")
    p.say("申报渠道")
    answer_all(p, "referral")
    p.say(said)
    assert next_question in p.text, p.text


def test_association_route_names_the_union_of_its_office(person) -> None:
    jack = person("jack")
    jack.say("申报渠道")
    answer_all(jack, "association")
    jack.say("云南省有色金属行业协会")
    jack.say("盘龙区")
    assert "受理单位：昆明市盘龙区总工会" in jack.text and "所在地（" not in jack.text  # no template hole
    assert "云南省有色金属行业协会" in jack.text and "办公场所所在的县（市、区）" in jack.text
    assert "社团法人登记证书复印件" in jack.text


def test_cancel_mid_flow(person) -> None:
    kim = person("kim")
    kim.say("云岭工匠")
    answer_all(kim, "no", "yes")
    kim.say("取消")
    assert "已取消" in kim.text
    assert "menu:awards" in kim.choice_values()  # back at the main menu


def test_resume_after_restart(person, engine, settings, clock) -> None:
    lee = person("lee")
    lee.say("创新工作室")
    answer_all(lee, "prefecture", "under2")
    assert "突出贡献" in lee.text
    # The process restarts: a new dispatcher on the same database continues the conversation.
    lee.d = build_dispatcher(engine, settings)
    answer_all(lee, "yes", "yes", "yes")  # outstanding, notable results, lead person
    assert "创新团队共有多少人" in lee.text
    lee.say("5")
    answer_all(lee, "yes", "yes")
    lee.say("2")
    answer_all(lee, "yes", "yes")
    assert "结论：可以推荐申报“云南省职工创新工作室”" in lee.text
    assert len(lee.last.text) <= 500 and "flow:studio_rules" in lee.choice_values()
    assert "《云南省职工创新工作室选树管理办法》第十条" in cited(lee)
    pick(lee, "howto")
    assert "不受理以个人名义申报和越级申报" in lee.text and "推荐承诺书" in lee.text
    assert "科技创新、管理创新" in lee.text and "5个工作日" in lee.text
    assert "《云南省职工创新工作室选树管理办法》第十三条" in cited(lee)
    assert {"flow:studio_draft", "flow:studio_rules"} <= set(lee.choice_values())
    pick(lee, "flow:studio_rules")
    assert "半年" in lee.text or "6个月" in lee.text
    assert "工作经费不重复补助" in lee.text and "接待费" in lee.text


def test_station_refused_for_the_lead_experts_age(person) -> None:
    may = person("may")
    may.say("技师工作站")
    answer_all(may, "yes", "prefecture", "2plus", "yes", "yes", "yes", "technician")
    may.say("56")
    assert "目前不能推荐" in may.text and "55周岁（含）以下" in may.text
    assert "《云南省职工技师工作站选树管理办法》第十条" in cited(may)


def test_station_eligible(person) -> None:
    ned = person("ned")
    ned.say("/station")
    answer_all(ned, "yes", "prefecture", "2plus", "yes", "yes", "yes", "senior_technician")
    ned.say("55")
    ned.say("6")
    ned.say("5")
    answer_all(ned, "yes", "yes")
    assert "结论：可以推荐申报“云南省职工技师工作站”" in ned.text
    pick(ned, "howto")
    assert "攻关改造、革新成果、带徒传技" in ned.text
    assert "flow:station_draft" in ned.choice_values()


def test_station_vague_numbers_decide_when_they_are_on_one_side_of_the_rule(person) -> None:
    """"五十出头" (55 at most, 第十条) and "8个月左右" (6 at least) decide; "50多岁" and "6个月左右" may fall either
    side and are asked exactly; "十几个人" is a team of 5 or more; "都莫得" at the exclusions is none."""
    ann = person("ann")
    ann.say("/station")
    answer_all(ann, "yes", "prefecture", "2plus", "yes", "yes", "yes", "senior_technician")
    ann.say("50多岁")
    assert "界限（55）" in ann.text and "周岁年龄" in ann.text, ann.text
    ann.say("五十出头")
    assert "工作几个月" in ann.text, ann.text
    ann.say("6个月左右")
    assert "界限（6）" in ann.text and "工作几个月" in ann.text, ann.text
    ann.say("8个月左右")
    ann.say("十几个人")
    answer_all(ann, "yes", "yes")
    assert "结论：可以推荐申报“云南省职工技师工作站”" in ann.text, ann.text
    bob = person("bob", locale="en")
    bob.say("/station")
    answer_all(bob, "yes", "prefecture", "2plus", "yes", "yes", "yes", "senior_technician")
    bob.say("about 50")
    bob.say("around 4 months")
    assert "Not eligible" in bob.text or "cannot" in bob.text.lower() or "6 months" in bob.text, bob.text
    gus = person("gus")  # said against the bound: below it ("不到", "快"), which the rule decides
    gus.say("/station")
    answer_all(gus, "yes", "prefecture")
    gus.say("不到两年")  # under 2 years: the exception of 第十条 is asked
    assert "突出贡献" in gus.text, gus.text
    gus.say("1")
    answer_all(gus, "yes", "yes", "yes", "technician")
    gus.say("快56了")  # 55 in full years: within 第十条's 55
    assert "工作几个月" in gus.text, gus.text
    gus.say("不到6个月")
    assert "结论：目前不能推荐" in gus.text and "6个月以上" in gus.text, gus.text
    cal = person("cal")
    cal.say("我能评云岭工匠吗")
    cal.say("否")
    cal.say("是")
    cal.say("是")
    cal.say("都莫得")
    assert "企业负责人" in cal.text, cal.text


@pytest.mark.parametrize(("said", "two_or_more"), [("命名3年零2个月", True), ("命名8个月", False), ("30个月", True),
                                                 ("不到两年", False)])
def test_the_time_since_naming_is_read_in_years_before_months(person, said: str, two_or_more: bool) -> None:
    """第十条's "命名2年以上": "3年零2个月" is three years (its months are not the span), "8个月" under two."""
    pat = person(f"pat-{said}")
    pat.say("/station")
    answer_all(pat, "yes", "prefecture")
    pat.say(said)
    assert ("成效是否特别显著" in pat.text) is two_or_more and ("突出贡献" in pat.text) is not two_or_more, pat.text


def test_a_birth_year_answers_the_age_question_when_it_decides(person, clock) -> None:
    """"他是1970年生的" at the lead expert's age: 55 or 56 in full years, either side of 第十条's 55, so asked
    exactly; born 25 years before this year is within it, born 64 years before is over it."""
    year = clock.now.year
    eve = person("eve")
    eve.say("/station")
    answer_all(eve, "yes", "prefecture", "2plus", "yes", "yes", "yes", "technician")
    eve.say(f"他是{year - 56}年生的")
    assert "界限（55）" in eve.text, eve.text
    eve.say(f"{year - 25}年出生")
    assert "工作几个月" in eve.text, eve.text
    fay = person("fay", locale="en")
    fay.say("/station")
    answer_all(fay, "yes", "prefecture", "2plus", "yes", "yes", "yes", "technician")
    fay.say(f"born in {year - 64}")
    assert "55" in fay.text and "months" not in fay.text, fay.text


@pytest.mark.parametrize(("said", "today", "age"), [
    ("他是1960年生的", (2026, 12, 2), (65, 66, 66)),  # the birthday likelier past in December
    ("他是1960年生的", (2026, 3, 2), (65, 66, 65)),
    ("1960年5月出生", (2026, 3, 2), (65, 65, 65)), ("1960年1月出生", (2026, 3, 2), (66, 66, 66)),
    ("1960年3月出生", (2026, 3, 2), (65, 66, 65)),  # this month: before or after the birthday
    ("1960年3月5日出生", (2026, 3, 2), (65, 65, 65)), ("1960年3月2日生", (2026, 3, 2), (66, 66, 66)),
    ("born in 1970", (2026, 12, 2), (55, 56, 56)),
])
def test_the_age_of_a_birth_date_is_the_age_today(said: str, today: tuple[int, int, int],
                                                  age: tuple[int, int, int]) -> None:
    from datetime import date

    from handlers.flows.awards_common import _BORN, _age_on

    born = _BORN.search(said)
    assert born is not None and tuple(_age_on(date(*today), born)) == age


def test_a_birth_year_is_told_back_as_the_age_today(person, clock) -> None:
    """Born in 1960, told back in December 2026 as 66 (the birthday likelier past), not 65."""
    clock.advance(days=275)
    assert (clock.now.year, clock.now.month) == (2026, 12)
    gus = person("gus")
    gus.say("/station")
    answer_all(gus, "yes", "prefecture", "2plus", "yes", "yes", "yes", "technician")
    gus.say("他是1960年生的")
    assert "您填写的是66周岁" in gus.text, gus.text


def test_an_applicant_who_does_not_know_whom_their_union_reports_to_is_not_stuck(person) -> None:
    """"您单位的工会隶属于哪一级工会？" offers "not sure": the plan then names both kinds of union 第九条（三）
    allows, and goes on to the materials."""
    dan = person("dan")
    dan.say("申报渠道")
    answer_all(dan, "union")
    assert "不确定" in [c.label for c in dan.last.choices], dan.text
    dan.say("不晓得 我们是华能下面的电厂")
    assert "受理单位：所属州（市）总工会或省级产业、系统、公司工会" in dan.text, dan.text
    assert "一式三份" in dan.text and "《云岭工匠选树管理办法》第九条" in cited(dan)


@pytest.mark.parametrize(("said", "locale"), [("不晓得", "zh"), ("不知道", "zh"), ("not sure", "en")])
def test_an_applicant_who_does_not_know_the_prefecture_is_not_stuck(person, said: str, locale: str) -> None:
    """At "您的单位在哪个州（市）？", "不晓得" is "not sure", as at the union's level: the plan names the generic body.
    A place said with a doubt is still that place."""
    ida = person(f"ida-{said}", locale=locale)
    ida.say("/channel")
    answer_all(ida, "union", "prefecture")
    assert "unsure" in ida.choice_values(), ida.text
    ida.say(said)
    assert ("受理单位：所属州（市）总工会或省级产业、系统、公司工会" in ida.text
            or "Where to file: your prefecture federation of trade unions or provincial" in ida.text), ida.text
    jon = person(f"jon-{said}")
    jon.say("/channel")
    answer_all(jon, "union", "prefecture")
    jon.say("好像是曲靖")
    assert "受理单位：曲靖市总工会" in jon.text, jon.text


@pytest.mark.parametrize(("said", "body"), [("曲靖", "曲靖市总工会"), ("我们是红河州的", "红河哈尼族彝族自治州总工会")])
def test_a_place_said_at_the_unions_level_is_that_prefectures_federation(person, said: str, body: str) -> None:
    """"您单位的工会隶属于哪一级工会？" answered with a place in Yunnan (a trial's "曲靖"): the prefecture's
    federation, whose name the plan gives without asking for the prefecture again."""
    kay = person(f"kay-{said}")
    kay.say("/channel")
    answer_all(kay, "union")
    assert "prefecture" in kay.choice_values(), kay.text
    kay.say(said)
    assert f"受理单位：{body}" in kay.text, kay.text


@pytest.mark.parametrize("leave", ["菜单", "取消", "idle", "/subsidy"])
def test_a_check_left_half_done_is_offered_back_with_its_answers(person, engine, clock, leave: str) -> None:
    """Three answers into the craftsman check, the person leaves it (a word that works everywhere, an idle chat,
    another function): the answers are kept and said so; opened again, the check offers to go on, and goes on at
    the fourth question, or starts again. Concluded, nothing stays kept."""
    from storage.models_applications import CheckDraft

    kim = person(f"kim-{leave}")
    kim.say("我能评云岭工匠吗")
    answer_all(kim, "no", "yes", "yes")
    fourth = kim.last.text
    if leave == "idle":
        clock.advance(hours=3)
        kim.say("你好")
    else:
        kim.say(leave)
    assert "的回答已为您保留（已答 3 题）" in kim.text, kim.text
    kim.say("我能评云岭工匠吗")
    assert "已回答 3 题" in kim.text and kim.choice_values() == ["go_on", "again"], kim.text
    kim.say("1")
    assert kim.last.text.endswith(fourth), kim.text
    with Session(engine) as s:
        assert s.exec(select(CheckDraft)).all() == []  # taken up: back in the conversation only
    answer_all(kim, "none", "no", "none", "leading", "xingdian_talent")
    assert "结论：您可以申报“云岭工匠”" in kim.text, kim.text
    kim.say("菜单")
    kim.say("我能评云岭工匠吗")
    assert "已回答" not in kim.text and "已被命名" in kim.text, kim.text  # a finished check starts afresh


@pytest.mark.parametrize(("word", "locale"), [("继续", "zh"), ("接着刚才的", "zh"), ("continue", "en")])
def test_continue_takes_up_the_check_left_last(person, word: str, locale: str) -> None:
    """"继续" where nothing is under way: the check left most recently is offered back; with none kept, it says so
    (not an article that happens to contain the word)."""
    ned = person(f"ned-{word}", locale=locale)
    ned.say(word)
    assert "没有办到一半" in ned.text or "nothing left half done" in ned.text, ned.text
    ned.say("/station")
    answer_all(ned, "yes", "prefecture")
    ned.say("/subsidy")  # another function: the station check is kept
    ned.say(word)
    assert ned.choice_values() == ["go_on", "again"] and "“" in ned.text, ned.text
    ned.say("1")
    assert ("多长时间" in ned.text or "How long" in ned.text), ned.text  # the third question of the station check


def test_the_checks_own_words_typed_in_it_offer_its_answers_back(person) -> None:
    """"我能评云岭工匠吗" typed two answers into that check: not a fresh start over them, but the offer to go on;
    "继续" there is the option (not the word that opens the offer again), "从头来过" starts again."""
    amy = person("amy")
    amy.say("我能评云岭工匠吗")
    answer_all(amy, "no", "yes")
    third = amy.last.text
    amy.say("我能评云岭工匠吗")
    assert "已回答 2 题" in amy.text and amy.choice_values() == ["go_on", "again"], amy.text
    amy.say("继续")
    assert amy.last.text.endswith(third), amy.text
    amy.say("我能评云岭工匠吗")
    amy.say("从头来过")
    assert "已被命名" in amy.text and "已回答" not in amy.text, amy.text


@pytest.mark.parametrize(("word", "locale"), [("重新开始", "zh"), ("从头开始吧", "zh"), ("重来", "zh"),
                                            ("restart", "en"), ("start over", "en"), ("start again", "en")])
def test_starting_again_at_the_offer_to_go_on_starts_the_check_again(person, word: str, locale: str) -> None:
    """"重新开始" at the offer of kept answers starts the check again (it says the main menu elsewhere); naming the
    menu still leaves for it."""
    sam = person(f"sam-{word}", locale=locale)
    sam.say("/craftsman")
    answer_all(sam, "no", "yes")
    sam.say("菜单")
    sam.say("/craftsman")
    assert sam.choice_values() == ["go_on", "again"], sam.text
    sam.say(word)
    assert sam.choice_values()[:3] == ["yes", "no", "unsure"] and "go_on" not in sam.choice_values(), sam.text
    answer_all(sam, "no")
    sam.say("菜单")
    sam.say("/craftsman")
    sam.say("回菜单重新开始")
    assert "yes" not in sam.choice_values() and "go_on" not in sam.choice_values(), sam.text


def test_a_question_at_the_open_list_of_honours_is_no_honour(person) -> None:
    """第七条's list ends in "等": a title typed off it counts; "劳模算优先不" asks, and is not kept as a title."""
    bo = person("bo")
    bo.say("我能评云岭工匠吗")
    answer_all(bo, *GATES, "none", "leading")
    asked = bo.last.text
    bo.say("劳模算优先不")
    assert "结论" not in bo.text and bo.last.text == asked, bo.text
    bo.say("全国五一劳动奖章")
    assert "结论：您可以申报“云岭工匠”" in bo.text, bo.text


def test_a_check_kept_is_set_aside_by_starting_again_or_by_a_new_self_description(person, engine) -> None:
    lee = person("lee2")
    lee.say("我能评云岭工匠吗")
    answer_all(lee, "no", "yes")
    lee.say("菜单")
    lee.say("我能评云岭工匠吗")
    lee.say("2")  # start again
    assert "已被命名" in lee.text and "接着" not in lee.text
    answer_all(lee, "no")
    lee.say("菜单")
    lee.say("我今年45岁，是焊工，在昆明的国企上班，想评云岭工匠")  # what is said now starts it, kept or not
    assert "已回答" not in lee.text, lee.text


@pytest.mark.parametrize("said", ["不晓得", "还没公布", "not sure"])
def test_the_public_notice_date_not_known_is_said_in_words(person, said: str) -> None:
    """At the end of the channel plan the 公示's start is asked only to date the later steps: "不晓得" is the
    option "not announced / not known", not a wrong date."""
    joe = person(f"joe-{said}")
    joe.say("申报渠道")
    answer_all(joe, "union", "prefecture")
    joe.say("昆明市")
    assert "unknown" in joe.choice_values(), joe.text
    joe.say(said)
    assert "请输入日期" not in joe.text and "flow:craftsman_draft" in joe.choice_values(), joe.text


def test_english_run(person) -> None:
    olga = person("olga", locale="en")
    olga.say("/craftsman")
    assert "Have you already been named" in olga.text
    answer_all(olga, *GATES, "national_contest", "class2", "unsure", "none")
    assert "Result: you may apply for Yunling Craftsman" in olga.text
    pick(olga, "details")
    assert "Only Class I" in olga.text
    assert any("Art. 5" in label for label in cited(olga))
    gists = [c.gist for r in olga.replies for c in r.citations]
    assert all(gists)
    pick(olga, "flow:craftsman_channel")
    answer_all(olga, "self", "yes")
    olga.say("大理市")
    assert "Where to file: 大理市总工会" in olga.text and "in triplicate" in olga.text


def test_menu_lists_the_award_checks(person) -> None:
    pat = person("pat")
    pat.say("菜单")
    pat.say(choice="menu:awards")  # the awards submenu
    values = pat.choice_values()
    assert {"flow:craftsman", "flow:craftsman_channel", "flow:studio", "flow:station"} <= set(values)
    assert "云岭工匠：我能申报吗？" in pat.text


def test_craftsman_rules_after_naming(person) -> None:
    quinn = person("quinn")
    quinn.say("云岭工匠待遇")
    assert "五一劳动奖章" in quinn.text and "受到刑事处罚的" in quinn.text
    assert "《云岭工匠选树管理办法》第三十三条" in cited(quinn)


# -- issue 15: conversations that listen ----------------------------------------------------------------
def test_free_text_at_the_priority_question_is_matched_or_kept(person) -> None:
    rae = person("rae")
    rae.say("云岭工匠")
    answer_all(rae, *GATES, "none", "skill")
    rae.say("省劳模")  # a synonym of 云南省劳动模范
    assert "云南省劳动模范" in rae.text and "优先评定" in rae.text
    sam = person("sam")
    sam.say("云岭工匠")
    answer_all(sam, *GATES, "none", "skill")
    sam.say("全国劳动模范")  # not on the open list of 第七条: kept and reasoned about, not forced to an option
    assert "请从选项中选择一项" not in sam.text and "结论：您可以申报" in sam.text
    pick(sam, "details")
    assert "全国劳动模范" in sam.text and "由评审决定" in sam.text


def test_typed_not_sure_and_investigation_give_a_conditional_verdict(person) -> None:
    tom = person("tom")
    tom.say("云岭工匠")
    tom.say("没有")
    tom.say("是的")
    tom.say("不太清楚")  # unit registered in Yunnan?
    tom.say("我正在接受调查")
    answer_all(tom, "no", "none", "skill", "none")
    assert "您可以申报" not in tom.text.replace("才可以申报", "")
    assert "只有下列情况核实无问题" in tom.text and "人事部门" in tom.text
    assert "审查在申报前有结论且无问题" in tom.text or "…" in tom.text
    assert len(tom.last.text) <= 500


def test_a_sanction_said_to_be_over_is_no_exclusion(person) -> None:
    """第八条（三） excludes a sanction still in effect: one over, or dated with its period unsaid, is asked again."""
    from handlers.flows.awards_common import SANCTION_DATED, SANCTION_ENDED
    from handlers.i18n import translator

    zh = translator("zh")
    for said, why in (("前年受过一个党内警告处分 现在影响期过了", SANCTION_ENDED), ("处分期已经满了", SANCTION_ENDED),
                      ("去年受过记过处分", SANCTION_DATED)):
        p = person(said)
        p.say("云岭工匠")
        answer_all(p, "no", "yes", "yes")
        p.say(said)
        assert "目前不能申报" not in p.text and zh(why) in p.text and "none" in p.choice_values(), said
        pick(p, "none")
        assert "企业负责人" in p.text  # the next question
    still = person("still")
    still.say("云岭工匠")
    answer_all(still, "no", "yes", "yes")
    still.say("受过处分 还在影响期内")
    assert "目前不能申报" in still.text


def test_a_question_typed_at_a_yes_no_step_is_not_taken_as_yes(person) -> None:
    asked = person("asked")  # a question that names an exclusion's word is no choice of it
    asked.say("云岭工匠")
    answer_all(asked, "no", "yes", "yes")
    asked.say("诫勉的影响期是多久")
    assert "目前不能申报" not in asked.text and "以下情形" in asked.text
    for typed in ("是不是要求是党员啊", "对了户口不在云南有影响不"):
        p = person(typed)
        p.say("云岭工匠")
        answer_all(p, "no")
        p.say(typed)
        assert "中国籍" in p.text and "单位是否在云南" not in p.text, typed  # asked again, nothing recorded
    unsure = person("unsure")
    unsure.say("云岭工匠")
    unsure.say("不是很清楚我以前好像评过市级工匠")
    answer_all(unsure, "yes", "yes", "none", "no", "none", "skill", "none")
    assert "您可以申报" not in unsure.text and "已被命名" in unsure.text  # not sure of it: said so in the verdict


def test_a_bare_yes_or_no_picks_the_one_option_that_says_it() -> None:
    from handlers.flows.awards_common import match_option
    from knowledge.rules import award_workshops as ws
    from knowledge.rules import eligibility

    level = ws.QUESTIONS["studio"]["named_level"]  # "是，已获州（市）…命名", "仅获本单位或县级…", "尚未命名"
    assert (match_option(level, "是"), match_option(level, "没有")) == ("prefecture", "none")
    stage = eligibility.QUESTIONS["contest_stage"]  # "是，进入了决赛" / "没有，只参加了选拔赛或预赛"
    assert (match_option(stage, "是的"), match_option(stage, "没有")) == ("final", "preliminary")
    assert match_option(ws.QUESTIONS["studio"]["named_years"], "没有") is None  # "多长时间" is no yes-or-no question
    assert match_option(eligibility.QUESTIONS["exclusion"], "是") is None  # several cases: which one is not said


@pytest.mark.parametrize(("said", "option"), [
    ("一年半左右", "under2"), ("一年半", "under2"), ("大概一年半", "under2"), ("1.5年", "under2"),
    ("about a year and a half", "under2"), ("1.5 years", "under2"), ("两年半左右", "2plus"),
    ("two and a half years", "2plus"), ("一年半以上", None), ("命名三年了", "2plus"), ("半年", "under2")])
def test_years_and_a_half_since_the_naming_are_read(said: str, option: str | None) -> None:
    from handlers.flows.awards_common import _named_years_option

    assert _named_years_option(said, 2026) == option


@pytest.mark.parametrize(("said", "locale"), [("一年半左右", "zh"), ("about a year and a half", "en")])
def test_a_naming_a_year_and_a_half_ago_is_answered_in_the_check(person, said: str, locale: str) -> None:
    """At "获得该级命名已有多长时间？", "一年半左右" is under two years: the check goes on to what makes up for it."""
    kay = person(f"kay-{said}", locale=locale)
    kay.say("/studio")
    answer_all(kay, "prefecture")
    asked = kay.last.text
    kay.say(said)
    assert kay.last.text != asked, kay.text
    assert "突出贡献" in kay.text or "outstanding contribution" in kay.text, kay.text


def test_impossible_numbers_are_reasked_with_the_reason(person) -> None:
    uma = person("uma")
    uma.say("技师工作站")
    answer_all(uma, "yes", "prefecture", "2plus", "yes", "yes", "yes", "technician")
    uma.say("200")
    assert "200不可能" in uma.text and "16至100" in uma.text and "年龄" in uma.text
    uma.say("40")
    uma.say("-3")
    assert "-3不可能" in uma.text and "不能小于0" in uma.text


def test_station_asks_first_whether_the_host_is_registered_in_yunnan(person) -> None:
    val = person("val")
    val.say("技师工作站")
    assert "是否在云南登记注册" in val.text
    answer_all(val, "no")
    assert "目前不能推荐" in val.text and "《云南省职工技师工作站选树管理办法》第二条" in cited(val)


def _verdict_text(p) -> str:  # type: ignore[no-untyped-def]
    """The verdict message as a phone shows it: its text and one line per cited article (buttons apart)."""
    return p.last.text + "\n" + "\n".join(cited(p))


@pytest.mark.parametrize("locale", ["zh", "en"])
@pytest.mark.parametrize(("command", "answers"), [
    ("/craftsman", (*GATES, "none", "leading", "xingdian_talent")),  # eligible with priority
    ("/craftsman", (*GATES, "great_craftsman")),  # direct recognition
    ("/craftsman", (*GATES, "none", "unsure", "none")),  # needs review
    ("/craftsman", ("no", "yes", "unsure", "investigation", "unsure", "none", "unsure", "unsure")),  # conditional
    ("/craftsman", ("no", "yes", "yes", "none", "yes", "no_union")),  # not eligible
    ("/studio", ("prefecture", "2plus", "yes", "yes", "5", "yes", "yes", "2", "yes", "yes")),
    ("/studio", ("prefecture", "2plus", "unsure", "unsure", "5", "unsure", "unsure", "2", "unsure", "unsure")),
    ("/studio", ("lower",)),
    ("/station", ("yes", "prefecture", "2plus", "yes", "yes", "yes", "technician", "40", "6", "5", "yes", "yes")),
    ("/station", ("unsure", "unsure", "unsure", "unsure", "unsure", "unsure", "40", "6", "5", "unsure", "unsure")),
])
def test_every_verdict_fits_one_phone_screen(person, locale: str, command: str, answers: tuple[str, ...]) -> None:
    wes = person("wes", locale=locale)
    wes.say(command)
    for a in answers:
        if a.isdigit():
            wes.say(a)
        else:
            pick(wes, a)
    assert any(w in wes.text for w in ("结论", "Result")), wes.text
    shown = _verdict_text(wes)
    assert len(shown) <= 500, (len(shown), shown)
    labels = cited(wes)
    assert labels and len(labels) == len(set(labels))  # each article once


def test_start_check_asks_only_what_is_missing(person) -> None:
    """The entry point for facts told up front (issue 15): a step returns start_check(ctx, check, facts)."""
    from handlers.flow import Flow
    from handlers.flows import awards_common as common

    xia = person("xia")
    facts = {"already_named": "no", "chinese_national": "yes", "unit_in_yunnan": "yes", "enterprise_head": "yes",
             "age": 40, "exclusion": "bogus"}  # "age" is not asked; "bogus" is not an option: both dropped
    xia.d.flows["prefill_demo"] = Flow(name="prefill_demo", title="demo", states={},
                                       enter=lambda c: common.start_check(c, "craftsman", facts),
                                       enter_to=("flow:craftsman",))
    xia.say(choice="flow:prefill_demo")
    assert "以下情形" in xia.text and "已被命名" not in xia.text and "中国籍" not in xia.text  # exclusion next
    answer_all(xia, "none")
    assert "您的企业是否有以下情形" in xia.text  # the enterprise head's follow-up, since it was pre-filled yes
    answer_all(xia, "none", "none", "skill", "none")
    assert "结论：您可以申报" in xia.text
    pick(xia, "details")
    assert "中国籍" in xia.text  # the pre-filled facts are part of the conditions checked
    with pytest.raises(ValueError):
        common.start_check(None, "nothing", {})  # type: ignore[arg-type]


def test_the_checks_are_the_form_kind() -> None:
    """The eligibility questionnaires run on the engine's form kind (one form engine, one set of words)."""
    from handlers.flows import FLOWS
    from handlers.form import Form

    checks = {f.name: f for f in FLOWS if f.name in ("craftsman", "craftsman_channel", "studio", "station")}
    assert len(checks) == 4
    for name, flow in checks.items():
        assert isinstance(getattr(flow.states["ask"].handle, "__self__", None), Form), name


def test_a_check_saved_by_the_older_version_resumes(person, engine) -> None:
    """A conversation saved before the checks became forms (its open question under "asking") goes on with
    the rule's open question, rather than failing on a missing field."""
    import json

    from sqlmodel import Session, select

    from storage.models import Conversation

    lee = person("lee")
    lee.say("创新工作室")
    answer_all(lee, "prefecture", "under2")
    assert "突出贡献" in lee.text
    with Session(engine) as s, s.begin():
        conv = s.exec(select(Conversation).where(Conversation.flow == "studio")).one()
        data = json.loads(conv.data)
        data["asking"] = data.pop("field")
        conv.data = json.dumps(data)
    answer_all(lee, "yes", "yes", "yes")
    assert "创新团队共有多少人" in lee.text


@pytest.mark.parametrize(("typed", "accepted"), [("两位", True), ("一共三个人", True), ("two", True),
                                                  ("两三个", True), ("十几个", True), ("一两个", False), ("都是", False)])
def test_a_count_is_taken_in_words_as_people_type_it(person, typed: str, accepted: bool) -> None:
    """"两位" is two referrers (the channel check asks how many); a vague count that is 2 or more whatever it means
    ("两三个", "十几个") is enough for 第九条's "2名以上"; one that may be fewer ("一两个"), or none, is asked again."""
    ivy = person("ivy")
    ivy.say("申报渠道")
    answer_all(ivy, "referral")
    asked = ivy.last.text
    ivy.say(typed)
    assert ("请输入一个数字" not in ivy.text and "需要确切的数字" not in ivy.text) == accepted, ivy.text
    assert (ivy.last.text != asked) == accepted


def test_a_place_typed_in_a_sentence_is_read(person) -> None:
    """The referral's county union from "我户口在曲靖市麒麟区", as from "曲靖市麒麟区"; two places are asked again."""
    jack = person("jack")
    to_household(jack, "两位")
    jack.say("昆明或者曲靖")
    assert "没有识别出这是云南省内的地名" in jack.text
    jack.say("我户口在曲靖市麒麟区")
    assert "受理单位：曲靖市麒麟区总工会" in jack.text


def test_yunnan_yes_and_no_answer_a_check(person) -> None:  # type: ignore[no-untyped-def]
    """"没得" (Yunnan: there is none) is no and "对头" (right) yes, at a check's yes/no question."""
    p = person("dialect")
    p.say("帮我看看我能不能评云岭工匠")
    assert "是否已被命名" in p.text
    p.say("没得")
    assert "是否为中国籍" in p.text, p.text
    p.say("对头")
    assert "云南登记注册" in p.text, p.text


def test_not_sure_is_suggested_only_where_it_is_an_option(person) -> None:  # type: ignore[no-untyped-def]
    p = person("no-unsure")
    p.say("申报渠道")
    assert "不确定" not in p.text
    p.say("随便吧")
    assert "没能把您的回答对应到选项" in p.text and "不确定" not in p.text, p.text
    q = person("with-unsure")
    q.say("帮我看看我能不能评云岭工匠")
    assert "不确定" in q.text
    q.say("随便吧")
    assert "不清楚的话请选“不确定”" in q.text, q.text


@pytest.mark.parametrize(("said", "body"), [("我户口在大理州宾川县", "宾川县总工会"),
                                            ("户口在曲靖市麒麟区的", "曲靖市麒麟区总工会")])
def test_a_yes_no_question_answered_in_a_sentence_takes_what_else_it_says(person, said, body) -> None:
    """"我户口在大理州宾川县" at "is your household registered in Yunnan?" is a yes, and names the county asked next
    (第九条: the county union of the household's place), which is then not asked."""
    kim = person("kim")
    kim.say("申报渠道")
    answer_all(kim, "referral")
    kim.say("两位")
    answer_all(kim, "yes", "yes", "yes")
    assert "户口是否在云南省" in kim.text
    kim.say(said)
    assert f"受理单位：{body}" in kim.text, kim.text
    assert "哪个县" not in kim.text


def test_a_sentence_about_another_question_answers_nothing(person) -> None:
    """At "do all the referrers work in Yunnan?", "他们都在昆明上班" says where *they* work, which the facts read as the
    applicant's unit: nothing is taken, and the question is asked again."""
    lee = person("lee")
    lee.say("申报渠道")
    answer_all(lee, "referral")
    lee.say("两位")
    answer_all(lee, "yes", "yes")
    assert "是否都在云南省工作" in lee.text, lee.text
    lee.say("他们都在昆明上班")
    assert "是否都在云南省工作" in lee.text and "受理单位" not in lee.text


def test_an_honour_named_where_the_direct_ones_are_listed_answers_none_and_gives_priority(person) -> None:
    """"我拿过云南省劳动模范" at the direct-recognition question (第六条's list) is none of them; the honour gives
    priority (第七条), and the priority question is not asked again."""
    mia = person("mia")
    mia.say("云岭工匠")
    answer_all(mia, *GATES)
    assert "可能直接认定" in mia.text
    mia.say("我拿过云南省劳动模范")
    assert "技艺精湛高超" in mia.text, mia.text  # on to the three indicators of 第五条
    answer_all(mia, "skill")
    assert "结论：您可以申报“云岭工匠”" in mia.text and "云南省劳动模范" in mia.text and "优先评定" in mia.text
    mia.say("菜单")
    nia = person("nia")
    nia.say("云岭工匠")
    answer_all(nia, *GATES)
    nia.say("我得过世界技能大赛金牌")  # one of the list, with its place: the stage is what is asked next
    assert "决赛" in nia.text


def test_a_question_at_the_channel_plans_last_step_is_answered_not_taken_for_no(person) -> None:
    """"…不" is how a Yunnan speaker asks a yes/no question: at "what next?" it is a question (the measures say
    nothing of fees: not found, and a person offered), not "that's all for now"."""
    sam = person("sam")
    sam.say("申报渠道")
    answer_all(sam, "self", "yes")
    sam.say("大理市")
    pick(sam, "unknown")
    sam.say("报这个要交报名费不")
    assert "没有找到相关规定" in sam.text and "好的。回复“菜单”" not in sam.text
    assert any(v.endswith("handoff") for v in sam.choice_values()), sam.choice_values()


@pytest.mark.parametrize(("text", "locale", "said"), [
    ("我拿过省里焊工比赛一等奖", "zh", "不在可直接认定的荣誉之列"),
    ("I won first prize in the provincial welding contest in 2022", "en", "not one of the honours that give direct"),
])
def test_a_lesser_contest_at_the_direct_list_is_none_of_them_and_said_so(person, text: str, locale: str,
                                                                         said: str) -> None:
    """A provincial contest at "have you won any of these?" met "could not match that to an option" (asked
    again, forever): it is none of 第六条's national and world ones, and the reply says how it was read."""
    ann = person(f"ann-{locale}", locale=locale)
    ann.say("云岭工匠")
    answer_all(ann, *GATES)
    assert "直接认定" in ann.text or "direct recognition" in ann.text
    ann.say(text)
    assert said in ann.text and "技艺精湛高超" in ann.text, ann.text  # on to 第五条's three indicators
