"""Conversations that listen (issue 15), as transcripts through the real dispatcher: an opening
self-description -> confirmation -> only the missing questions -> verdict; a correction; a contradiction;
an impossible number; English; and plain questions still answered by the FAQ search."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from storage import repositories as repo

OPENING = "我45岁，高级技师，干了22年电工，拿过全国技能大赛一类决赛第2名，能评云岭工匠吗？"


def _slots(engine, user: str = "alice") -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        who = repo.identify(session=s, channel="console", user_key=user, chat_key=None, locale="zh")
        conv = repo.load_conversation(session=s, identity_id=who.identity_id)
        return conv.flow, json.loads(conv.data or "{}")


def test_self_description_confirms_then_asks_only_what_is_missing(person, engine) -> None:
    p = person()
    p.say(OPENING)
    assert "我记下了：45 岁、高级技师、从业 22 年、全国一类大赛决赛第2名。对吗？" in p.text
    assert p.choice_values() == ["yes", "fix"]
    assert [c.label for c in p.last.choices] == ["对", "有误，我来改"]
    flow, data = _slots(engine)
    assert flow == "listen_craftsman_eligibility" and data["facts"]["age"] == 45

    p.say("对")
    asked = []
    for _ in range(10):  # answer every remaining question with "no"/"none of these"
        question = p.last.text
        asked.append(question)
        if "结论：" in p.text:  # the verdict (an option may say "尚无结论")
            break
        values = p.choice_values()
        p.say(choice="none" if "none" in values else ("no" if "already" not in values and "no" in values
                                                       and "中国籍" not in question and "云南登记" not in question
                                                       else "yes"))
    assert "结论：您可以直接认定为“云岭工匠”" in p.text
    assert "决赛第2名，在前3名之内" in p.text
    # The contest was never asked about again: its class, stage and place came from the message.
    joined = "\n".join(asked)
    assert "哪一类" not in joined and "决赛中名次" not in joined and "是否进入" not in joined
    assert len(asked) == 6  # five gate questions and the verdict, nothing else


def test_a_correction_replaces_one_fact(person, engine) -> None:
    p = person()
    p.say(OPENING)
    p.say("不对，是48岁")
    assert "我记下了：48 岁、高级技师、从业 22 年" in p.text
    p.say(choice="fix")
    assert "哪里需要更正" in p.text
    p.say("干了25年")
    assert "48 岁、高级技师、从业 25 年" in p.text
    assert _slots(engine)[1]["facts"]["years_in_trade"] == 25


def test_a_contradiction_is_questioned_before_anything_is_believed(person) -> None:
    p = person()
    p.say("我30岁，干了40年电工，能评云岭工匠吗")
    assert "30 岁、从业 40 年" in p.text and "哪一个有误" in p.text
    assert "我记下了" not in p.text
    p.say("干了10年")
    assert "我记下了：30 岁、从业 10 年。对吗？" in p.text


def test_an_impossible_number_is_asked_again_with_the_reason(person) -> None:
    p = person()
    p.say("我200岁，高级技师，能评云岭工匠吗")
    assert "200 不可能是年龄（应在 14 到 100 之间）" in p.text
    p.say("是52岁")
    assert "我记下了：52 岁、高级技师。对吗？" in p.text


def test_numbers_left_out_on_request(person) -> None:
    p = person()
    p.say("我200岁，高级技师，能评云岭工匠吗")
    p.say(choice="drop")
    assert "我记下了：高级技师。对吗？" in p.text


def test_english_in_english(person) -> None:
    p = person()
    p.say("I am 45, a senior technician with 22 years as an electrician. Can I apply for Yunling Craftsman?")
    assert "I noted: 45 years old, senior technician (高级技师), 22 years in the trade. Is that right?" in p.text
    p.say("yes")
    assert "Have you already been named a Yunling Craftsman before?" in p.text


def test_a_station_check_skips_what_the_message_said(person) -> None:
    p = person()
    p.say("我们技师工作站是州总工会命名的，命名5年了，我是领衔专家，58岁，技师，团队6个人，能申报省级吗")
    assert "领衔专家 58 岁" in p.text
    p.say("对")
    asked = [p.last.text]
    for _ in range(8):
        if "结论：" in p.text:  # the verdict (an option may say "尚无结论")
            break
        p.say(choice="yes")
        asked.append(p.last.text)
    assert "结论：目前不能推荐申报" in p.text and "55周岁" in p.text
    assert not any("几岁" in q or "多大" in q or "命名" in q for q in asked)


@pytest.mark.parametrize(("before", "said", "noted"), [
    ("Hi, I work in HR at a company in Yuxi. What is a technician workstation?",
     "our lead is 45, a senior technician, team of 6", "lead expert 45 years old"),
    ("创新工作室要什么条件", "我们带头人48岁 高级技师 团队8个人", "领衔专家 48 岁")])
def test_a_team_described_after_asking_of_its_programme_is_that_programmes(person, before: str, said: str,
                                                                          noted: str) -> None:
    """A trial's HR officer asked about technician workstations, then described the station's lead expert and
    team without naming it again: the Yunling Craftsman check opened on the expert's grade."""
    p = person(f"team-{len(said)}")
    p.say(before)
    p.say(said)
    assert noted in p.text, p.text
    p.say("yes" if said.isascii() else "对")
    assert "Yunling Craftsman" not in p.text and "云岭工匠" not in p.text, p.text


def test_a_description_naming_its_programme_is_not_read_in_an_earlier_ones(person) -> None:
    p = person("own-programme")
    p.say("创新工作室要什么条件")
    p.say("我52了 高级技师 能评云岭工匠不")
    assert "我记下了：52 岁、高级技师" in p.text, p.text


def test_a_span_typed_in_words_is_the_months_asked(person) -> None:
    """"一年到头都在站里" asked in months is 12, not the 1 of 一年; a span in weeks is asked again."""
    p = person()
    p.say("技师工作站能不能评")
    for _ in range(12):
        if "几个月" in p.text:
            break
        p.say("45" if "年龄" in p.text else "1")  # the first option: yes, or the highest grade
    assert "几个月" in p.text
    p.say("两周")
    assert "那是几个月" in p.text
    p.say("一年到头都在站里")
    assert "团队共有多少人" in p.text
    p.say("6")
    for _ in range(8):
        if "结论：" in p.text:
            break
        p.say("1")
    assert "结论：可以推荐申报" in p.text  # 12 months meet 每年在工作站工作6个月以上


@pytest.mark.parametrize(("said", "moves_on"), [("19年就命名了", True), ("2025年命名的", True), ("命名三年了", True),
                                             ("2024年", False)])  # two calendar years back: maybe under two years
def test_how_long_ago_a_station_was_named_may_be_said_as_the_year(person, clock, said: str, moves_on: bool) -> None:
    p = person()
    p.say("技师工作站能不能评")
    p.say("1")
    p.say("1")
    asked = p.last.text
    assert "命名" in asked and "多长时间" in asked
    p.say(said)
    assert (p.last.text != asked) is moves_on, p.text


def test_a_question_typed_at_a_yes_or_no_step_is_answered_not_taken_for_yes(person, engine) -> None:
    """"对了 申报要交几份材料" at "您是否为中国籍？" was recorded as 是 and the question dropped."""
    p = person()
    p.say("看看我能不能评云岭工匠")
    p.say("2")  # not named before
    asked = p.last.text
    assert "中国籍" in asked
    p.say("对了 申报要交几份材料")
    assert 10 in [c.article for r in p.replies for c in r.citations] and p.last.text == asked
    p.say("是的 不过我想问下公示几天")
    assert 16 in [c.article for r in p.replies for c in r.citations] and p.last.text == asked
    p.say("不知道呢")  # a short answer with a particle is still an answer ("not sure")
    assert p.last.text != asked


def test_training_subsidy_from_the_message(person) -> None:
    p = person()
    p.say("脱贫攻坚培训31天，30个学员，补贴能拿多少")
    assert "助力脱贫攻坚专项技能培训、31 天、学员 30 人" in p.text
    p.say("对")
    assert "学费" in p.text  # project, days and trainees were not asked
    p.say("0")
    p.say("0")
    assert "108,000.00" in p.text


def test_plain_questions_still_go_to_the_faq(person, engine) -> None:
    p = person()
    p.say("云岭工匠每年评几个")
    assert "20" in p.text and "我记下了" not in p.text
    assert _slots(engine)[0] == ""
    p.say("我没上过大学能评工匠吗")
    assert "我记下了" not in p.text
    assert _slots(engine)[0] == ""


def test_a_channel_question_opens_the_channel_check_and_other_words_still_work(person, engine) -> None:
    p = person()
    p.say("我单位没有工会，我能自荐云岭工匠吗？要找哪个部门？")
    assert "我记下了：单位没有工会、申报方式：个人自荐。对吗？" in p.text
    assert _slots(engine)[0] == "listen_craftsman_channel"
    p.say("对")
    assert "您是否自主创业" in p.text or "自主创业" in p.text  # route and union already known
    p.say("取消")
    p.say("我单位没有工会，我能自荐云岭工匠吗？要找哪个部门？")
    p.say("转人工")
    assert _slots(engine)[0] == "handoff"


def test_a_new_description_for_another_check_starts_over(person, engine) -> None:
    p = person()
    p.say("我们办个脱贫攻坚培训班，20天，30个学员，补贴怎么算")
    assert "20 天" in p.text and "30" in p.text
    assert _slots(engine)[0] == "listen_training_subsidy"
    p.say("我52岁，高级技师，干了30年电焊，是全国技术能手，能评云岭工匠吗")
    flow, data = _slots(engine)
    assert flow == "listen_craftsman_eligibility"
    assert data["facts"]["age"] == 52 and "days" not in data["facts"] and "trainees" not in data["facts"]
    assert "52 岁" in p.text and "20 天" not in p.text


# -- asked to be checked, nothing said yet: the check itself opens ------------------------------------------

@pytest.mark.parametrize(("message", "flow", "first"), [
    ("看看能不能评云岭工匠", "craftsman", "您以前是否已被命名为“云岭工匠”？"),
    ("想看看自己够不够格当云岭工匠", "craftsman", "您以前是否已被命名为“云岭工匠”？"),
    ("我們工作室有沒有資格申報省級職工創新工作室？", "studio", "是否已被州（市）总工会或省级产业、系统、公司工会命名？"),
    ("工会办的陪训班 我得不得去", "training_eligibility", "请问您想了解哪一类培训项目？"),
    ("check if I can apply for Yunling Craftsman", "craftsman", "Have you already been named a Yunling Craftsman before?"),
])
def test_asking_to_be_checked_opens_the_check_at_its_first_question(person, engine, message: str, flow: str,
                                                                   first: str) -> None:
    """Nothing to confirm (no fact was said): the check's own first question, in the message's language, and
    not the FAQ's quote of the conditions (which "想看看自己够不够格当云岭工匠" ranked as 第十一条's 资格复审)."""
    p = person()
    p.say(message)
    assert _slots(engine)[0] == flow
    assert p.last.text.endswith(first) and not p.last.citations
    assert "我记下了" not in p.text and "I noted" not in p.text


@pytest.mark.parametrize(("message", "flow", "note"), [
    ("您好，请问我父亲能否申报云岭工匠？麻烦帮忙看看", "craftsman", "您是替别人问的：下面每个问题请按其本人的情况回答。"),
    ("我爸今年52，高级技师，能评云岭工匠吗", "listen_craftsman_eligibility", "您是替别人问的：下面每个问题请按其本人的情况回答。"),
    ("can my wife attend the union skills training?", "training_eligibility",
     "You are asking for someone else: answer each question as it applies to them."),
    ("帮我看看我能不能评云岭工匠", "craftsman", None),  # the writer's own case
    ("我45岁 高级技师 干了20年 带了十几个徒弟 能评云岭工匠不", "listen_craftsman_eligibility", None),  # apprentices he trains
    ("我师傅今年50岁，高级技师，他能评云岭工匠吗", "listen_craftsman_eligibility",
     "您是替别人问的：下面每个问题请按其本人的情况回答。"),
    ("帮他们看看他们工作室能不能报省级创新工作室", "studio", None),  # a unit's check asks about the unit
])
def test_a_check_asked_for_someone_else_says_whose_answers_it_wants(person, engine, message: str, flow: str,
                                                                   note: str | None) -> None:
    """The checks ask "您以前是否已被命名…": asked for a father, the person is told to answer for him."""
    p = person()
    p.say(message)
    assert _slots(engine)[0] == flow
    texts = [r.text for r in p.replies]
    if note:  # the first reply (after the privacy notice a new person gets), before the check's first question
        assert texts[0].endswith(note) and len(texts) > 1
    else:
        assert not [t for t in texts if "替别人" in t or "someone else" in t]


@pytest.mark.parametrize("message", [
    "我能当云岭工匠评委吗",  # a judge's seat
    "我能评云岭工匠吗？要交哪些材料",  # and something more particular
    "哪些人不能评云岭工匠",  # people in general
    "能不能拿我们厂的烟牌子当工作室名字",  # another subject, with the words of an ask
    "Can I apply for the studio title as an individual?",  # the channel, not eligibility
    "If somebody got a disciplinary warning, can they still be selected as Yunling Craftsman?",  # supposed: 第八条
])
def test_a_question_that_only_sounds_like_it_is_answered(person, engine, message: str) -> None:
    p = person()
    p.say(message)
    assert _slots(engine)[0] == "" and any(r.citations for r in p.replies)


# -- plain questions: the FAQ answers, and the reply offers the check that fits -----------------------------

def test_a_plain_question_about_applying_offers_the_channel_check(person, engine) -> None:
    p = person()
    p.say("请问云岭工匠怎么申报？")
    assert "我记下了" not in p.text and "线上线下同步申报" in p.text  # the FAQ's answer (第九条)
    assert _slots(engine)[0] == ""  # nothing opened on its own
    first = p.last.choices[0]
    assert (first.value, first.label) == ("flow:craftsman_channel", "想看看您适合哪种渠道？")
    p.say(choice="flow:craftsman_channel")
    assert _slots(engine)[0] == "craftsman_channel"
    assert p.choice_values()  # the channel check's first question, with its options


def test_a_plain_question_in_english_is_offered_the_check_in_english(person, engine) -> None:
    p = person()
    p.say("What are the requirements to become a Yunling Craftsman?")
    assert p.last.choices[0].value == "flow:craftsman"
    assert p.last.choices[0].label == "See whether you can be named a Yunling Craftsman"


def test_a_plain_training_question_offers_the_fitting_training_check(person, engine) -> None:
    p = person()
    p.say("工会技能培训谁可以参加")
    assert [(c.value, c.label) for c in p.last.choices][:1] == [("flow:training_eligibility", "看看能不能参加培训")]
    p.say("办一个培训班工会能给多少钱？")
    assert p.last.choices[0].value == "flow:training_subsidy"
    p.say("1")  # the offer's number opens it too
    assert _slots(engine)[0] == "training_subsidy"


def test_an_answer_on_another_subject_is_not_offered_the_check(person, engine) -> None:
    from handlers.flows.listen import ABOUT, OFFERS

    assert set(ABOUT) == set(OFFERS)
    p = person()
    p.say("云岭工匠公示几天")  # names the programme, but the notice period is not what the check is about
    assert [c.article for c in p.last.citations][:1] == [16]
    assert "flow:craftsman" not in p.choice_values()
    p.say(choice="ask:§training:22")  # a tapped article on spot checks: no training check offered
    assert not {"flow:training_eligibility", "flow:training_subsidy"} & set(p.choice_values())


@pytest.mark.parametrize(("said", "check"), [
    ("我想申请云岭工匠", "craftsman_eligibility"),  # its words alone rank 申请设立云岭工匠创新工作室 (第二十四条) first
    ("我想评云岭工匠", "craftsman_eligibility"),
    ("我想申请技师工作站", "station_eligibility"),  # alone: abstained on
    ("我们厂打算申报省级创新工作室", "studio_eligibility"),
    ("想参加工会的技能培训", "training_eligibility"),
    ("I want to apply for Yunling Craftsman", "craftsman_eligibility"),
    ("we'd like to apply for a provincial technician workstation", "station_eligibility"),
])
def test_saying_one_wants_to_apply_gets_what_the_check_is_about_and_the_check(person, engine, said: str,
                                                                              check: str) -> None:
    from handlers.flows.listen import ABOUT, TARGETS

    p = person()
    p.say(said)
    assert (p.last.citations[0].measure, p.last.citations[0].article) in ABOUT[check], p.text
    first = p.last.choices[0]
    assert first.value == "flow:" + TARGETS[check].name
    assert f"“{first.label}”" in p.last.text  # and the reply says so, in the question's language
    assert ("step by step" in p.last.text) == said.isascii()
    p.say(choice=first.value)
    assert _slots(engine)[0] == TARGETS[check].name


@pytest.mark.parametrize(("said", "wants"), [
    ("我想申请云岭工匠", True), ("俺想报名参加培训", True), ("I would like to join the union training", True),
    ("想报云岭工匠，公示几天", False),  # asks about the notice period
    ("我想申请云岭工匠，要准备多少份材料", False),
    ("我们单位想申报职工创新工作室，需要啥材料", False),  # 啥 is 什么: the materials (第十二条), not the conditions
    ("云岭工匠怎么申报", False),  # a question, answered by the search (and offered the channel check)
    ("I want to know how much the living allowance is", False),
    ("我想申请云岭工匠" + "，我在厂里干了很多年" * 5, False),  # a longer message says more than that
    ("我想申请云岭工匠，可以吗", True), ("我想评云岭工匠，有什么要求吗", True),  # how, or whether it can
    ("我想申请云岭工匠，我在厂里干了30年", True),  # says more of the person, asks nothing more
    ("我想参加技能培训，要自己出钱吗", False),  # a clause of its own asks about the cost
    ("I want to apply for the training, do I have to pay?", False),
    ("I want to apply for Yunling Craftsman, how?", True),
    ("我是焊工，想评云岭工匠，但是我们厂没有工会，怎么办", False),  # a circumstance of its own: where to file (第九条)
    ("I want to apply for Yunling Craftsman but I am retired", False),
])
def test_wanting_to_apply_is_told_from_asking_something_particular(said: str, wants: bool) -> None:
    from handlers.flows.listen import wants_to_apply

    assert wants_to_apply(said) is wants


def test_wanting_to_apply_and_asking_something_particular_is_answered_on_that(person) -> None:
    p = person()
    p.say("想报云岭工匠，公示几天")
    assert [c.article for c in p.last.citations][:1] == [16] and "一步步" not in p.text


def test_a_question_naming_no_programme_is_offered_nothing(person, engine) -> None:
    p = person()
    p.say("拖欠工资怎么办")
    assert not any(c.value.startswith("flow:") and c.value != "flow:handoff" for c in p.last.choices)


def test_a_plain_question_while_confirming_does_not_start_another_check(person, engine) -> None:
    p = person()
    p.say("我们办个脱贫攻坚培训班，20天，30个学员，补贴怎么算")
    p.say("云岭工匠怎么申报？")
    assert _slots(engine)[0] == "listen_training_subsidy"


def test_a_question_while_confirming_is_answered_and_the_facts_still_wait(person, engine) -> None:
    p = person()
    p.say("我们办个脱贫攻坚培训班，20天，30个学员，补贴怎么算")
    confirm = p.last.text.split("\n\n")[-1]  # (the first reply also carries the privacy note)
    p.say("云岭工匠怎么申报？")
    assert [(c.measure, c.article) for c in p.replies[0].citations][:1] == [("craftsman", 9)]  # answered
    assert not p.replies[0].choices  # its own taps would be numbered against the confirmation's
    assert p.last.text == confirm and p.choice_values() == ["yes", "fix"]
    assert _slots(engine)[0] == "listen_training_subsidy"
    p.say("对")  # the facts are still there to confirm
    assert "学费" in p.text
    # A slip is no question: the hint, as before.
    q = person("bob")
    q.say("我们办个脱贫攻坚培训班，20天，30个学员，补贴怎么算")
    q.say("对吧")
    assert "不对，是48岁" in q.text and not q.last.citations
    # While correcting too.
    q.say(choice="fix")
    q.say("云岭工匠公示几天")
    assert [c.article for c in q.replies[0].citations][:1] == [16]
    assert q.choice_values() == ["yes"]  # the correction's prompt again


def test_a_rule_asked_of_people_in_general_while_confirming_is_no_fact_of_this_case(person, engine) -> None:
    """"受过警告处分的能评工匠吗" states a sanction of nobody in particular: answered (article 8, item (三)), and the
    boss's facts wait unchanged; his own sanction, said of him, is taken."""
    p = person()
    p.say("我们老板拖欠工资，他能评云岭工匠吗")
    confirm = p.last.text.split("\n\n")[-1]
    assert "拖欠职工工资" in confirm
    p.say("受过警告处分的能评工匠吗")
    assert [(c.measure, c.article) for c in p.replies[0].citations][:1] == [("craftsman", 8)]
    assert "（三）" in p.replies[0].citations[0].quote
    assert p.last.text == confirm and _slots(engine)[0] == "listen_craftsman_eligibility"
    p.say("If someone is on the dishonest list, can they be selected?")
    assert p.last.text == confirm
    p.say(choice="fix")  # and while correcting
    p.say("受过处分的人还能评云岭工匠吗")
    assert [(c.measure, c.article) for c in p.replies[0].citations][:1] == [("craftsman", 8)]
    assert p.choice_values() == ["yes"]  # the correction's prompt again
    p.say("他受过处分")
    assert "处分影响期未满" in p.last.text


def test_an_impossible_head_count_is_asked_again_with_the_reason(person) -> None:
    p = person()
    p.say("我们办了个脱贫培训班，学员-20人，培训15天，补助多少")
    assert "-20 不可能是学员人数（应在 1 到 1000 之间）" in p.text
    assert "我记下了" not in p.text
    p.say("学员20人")
    assert "我记下了：" in p.text and "学员 20 人" in p.text and "15 天" in p.text


@pytest.mark.parametrize(("text", "locale", "verdict"), [
    ("我表弟是建档立卡贫困户，能参加工会的技能培训吗", "zh",
     "可以：贫困劳动力属于助力脱贫攻坚专项技能培训项目的培训对象。"),
    ("我是在岗职工，能参加助力脱贫攻坚专项技能培训吗", "zh",
     "不可以：在岗职工不属于助力脱贫攻坚专项技能培训项目的培训对象；职工（农民工）技能提升培训项目面向他们。"),
    ("can my colleague apply for the skills training? he was laid off last year", "en",
     "Yes: unemployed urban residents and workers changing jobs are among those Skills upgrading for workers "
     "(incl. migrant workers) is for."),
])
def test_a_described_trainee_gets_a_plain_yes_or_no(person, text: str, locale: str, verdict: str) -> None:
    """第六条: who each project is for. Described in one's own words, the trainee's category is answered first,
    before the project's whole list."""
    p = person("ann", locale=locale)
    p.say(text)
    p.say(choice="yes")
    assert p.last.text.splitlines()[0] == verdict
    assert 6 in [c.article for c in p.last.citations]


@pytest.mark.parametrize(("text", "article"), [
    ("我52了 干了20年钳工 评云岭工匠要交啥材料", 10),
    ("我在楚雄烟厂当了二十多年机修工，高级技师，想报云岭工匠，要交哪些材料啊", 10),
])
def test_a_question_asked_beside_the_facts_is_answered_and_the_check_offered(person, text: str,  # type: ignore[no-untyped-def]
                                                                            article: int) -> None:
    """What the check cannot tell (the materials) was dropped for "我记下了…对吗"; the article answers it, and the
    check that fits is offered with what the message said."""
    p = person("aside-facts")
    p.say(text)
    assert article in [c.article for r in p.replies for c in r.citations] and "对吗" not in p.text
    assert p.choice_values()[0].startswith("flow:listen_craftsman")
    p.say("1")
    assert "对吗" in p.text


def test_the_check_offered_under_an_answer_starts_from_what_the_question_said(person) -> None:  # type: ignore[no-untyped-def]
    """A rule asked by someone who says who they are is answered, and the check offered; tapped (or its number
    typed), the check confirms what the question said instead of asking it all again."""
    worker = person("offer1")
    worker.say("我在个旧锡矿干了二十年钳工，今年52了，评云岭工匠年龄有没有限制")
    assert "不设年龄限制" in worker.text
    assert worker.choice_values()[0] == "flow:listen_craftsman_eligibility"
    worker.say("1")
    assert "52 岁" in worker.text and "从业 20 年" in worker.text and "对吗" in worker.text
    worker.say("对")
    assert "云岭工匠" in worker.text and "52 岁" not in worker.text  # on into the check's own questions
    # For someone else: said so first, as when the description opens the check by itself.
    son = person("offer2")
    son.say("我爸今年60了，干木匠40年，评云岭工匠有年龄限制没")
    son.say(choice=son.choice_values()[0])
    assert "替别人问" in son.text and "60 岁" in son.text
    # A plain question states nothing: its offer is the check itself, which starts at its first question.
    plain = person("offer3")
    plain.say("云岭工匠有年龄限制吗")
    assert plain.choice_values()[0] == "flow:craftsman"
    plain.say("1")
    assert "对吗" not in plain.text and "是否已被命名" in plain.text
    # The listening check entered with nothing to carry (no earlier message): the check's first question.
    fresh = person("offer4")
    fresh.say(choice="flow:listen_craftsman_eligibility")
    assert "对吗" not in fresh.text and "是否已被命名" in fresh.text


@pytest.mark.parametrize(("text", "shown", "locale"), [
    ("团队不到5个人能报技师工作站吗", "团队 4 人（您说的是“不到5个人”）", "zh"),
    ("领头的师傅超过55岁了 还能报技师工作站吗", "领衔专家 56 岁（您说的是“超过55岁”）", "zh"),
    ("我们脱贫培训班不到15天 补贴怎么算", "14 天（您说的是“不到15天”）", "zh"),
    ("our studio team has fewer than 5 people, can we apply?", "team of 4 (you said “fewer than 5 people”)", "en"),
])
def test_a_number_said_against_a_bound_is_confirmed_with_the_words_said(person, text: str, shown: str,
                                                                       locale: str) -> None:
    """"不到5个人" is read as 4 (the check must not find the bound met), and the confirmation says so in the
    person's own words too, not a bare number they never said."""
    p = person(f"bound-{len(text)}", locale=locale)
    p.say(text)
    assert shown in p.text, p.text


def test_a_bare_number_corrects_what_the_programme_counts(person) -> None:  # type: ignore[no-untyped-def]
    """"不对 是6个人" at the confirmation of a station's team is the team (a class's trainees, its days)."""
    p = person("bare-fix")
    p.say("团队不到5个人能报技师工作站吗")
    p.say("不对 是6个人")
    assert "团队 6 人。" in p.text and "不到" not in p.text, p.text
    q = person("bare-fix-days")
    q.say("我们脱贫培训班不到15天 补贴怎么算")
    q.say("不对，是20天")
    assert "20 天。" in q.text, q.text


def test_a_question_or_a_supposition_at_the_confirmation_changes_no_fact(person) -> None:  # type: ignore[no-untyped-def]
    """"55岁是周岁还是虚岁" asks and "what if I get Chinese citizenship later?" supposes: neither is a fact of
    the case (the age stays 56); "对头" (Yunnan: right) and "yep" confirm; English is shown English examples."""
    p = person("ask-at-confirm")
    p.say("我今年56岁了 高级技师 还能报云岭工匠吗")
    p.say("55岁是周岁还是虚岁")
    assert "56 岁" in p.text and "55 岁" not in p.text, p.text
    p.say("对头")
    assert "云岭工匠" in p.text and "我记下了" not in p.text, p.text
    q = person("suppose-at-confirm", locale="en")
    q.say("I am 40, a senior technician, can I be a Yunling Craftsman?")
    q.say("What if I get Chinese citizenship later?")
    assert "Chinese national" not in q.text and "reads as a question" in q.text, q.text
    q.say("hmm")
    assert "不对" not in q.text and "no, I am 48" in q.text, q.text
    q.say("yep")
    assert "I noted" not in q.text, q.text


@pytest.mark.parametrize(("text", "said"), [
    # the test clock's year is 2026
    ("We have a technician workstation named by the city union in 2021. Can we apply for provincial level?",
     "named 5 years ago"),
    ("我们工作室2025年被州总工会命名的 团队8个人 能报省级吗", "命名已 1 年"),
    ("我们工作室2024年被州总工会命名的 团队8个人 能报省级吗", None),  # two calendar years back: maybe under two
    ("我们工作室去年被州总工会命名的 团队8个人 能报省级吗", "命名已 1 年"),
    ("我们工作室前年被州总工会命名的 团队8个人 能报省级吗", None),  # the same two calendar years, in words
])
def test_the_year_a_studio_was_named_is_read_against_today(person, text: str, said: str | None) -> None:
    """"named by the city union in 2021" was noted as named at prefecture level only, and the check asked how
    long ago; the step itself read "2021年命名的". Read as years ago when that decides 第十条's two years."""
    hr = person(f"hr-{len(text)}", locale="en" if text.isascii() else None)
    hr.say(text)
    assert ("named" in hr.text or "命名" in hr.text) and ("Is that right?" in hr.text or "对吗" in hr.text), hr.text
    if said is None:
        assert "命名已" not in hr.text, hr.text  # not a number of years: the check asks
    else:
        assert said in hr.text, hr.text
