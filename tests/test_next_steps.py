"""An answer offers what the person can do about it: the sign-in article offers the sign-in, the materials
article the form, the review steps the person's own progress; one tap opens the flow. A question that asks
for something done here ("学员怎么签到啊") is offered it whatever the answer."""

from __future__ import annotations

import pytest

from handlers.flows import FLOWS
from handlers.flows.ask import ASKED_FOR, NEXT_LABELS, NEXT_STEPS
from knowledge import loader


def test_the_sign_in_article_offers_the_sign_in(person) -> None:  # type: ignore[no-untyped-def]
    p = person("n1")
    p.say(choice="ask:§training:19")  # as tapped from a "did you mean" or a related question
    assert [(c.measure, c.article) for c in p.last.citations] == [("training", 19)]
    assert "flow:signin" in p.choice_values()
    assert p.choice_values()[-1] == "cmd:menu"  # the main menu stays last
    p.say(choice="flow:signin")
    assert not p.last.citations and "班" in p.text  # the sign-in asks for the class, not another answer


def test_in_english_the_offer_is_in_english(person) -> None:  # type: ignore[no-untyped-def]
    p = person("n2", locale="en")
    p.say(choice="ask:§training:21")
    labels = {c.value: c.label for c in p.last.choices}
    assert labels["flow:my_certificate"] == "See my certificates"


def test_the_materials_article_offers_the_form_and_the_review_the_progress(person) -> None:  # type: ignore[no-untyped-def]
    p = person("n3")
    p.say(choice="ask:§craftsman:10")
    assert "flow:craftsman_draft" in p.choice_values()
    p.say(choice="ask:§studio:16")
    assert "flow:status" in p.choice_values() and "flow:studio_draft" not in p.choice_values()


def test_an_abstention_offers_no_next_step(person) -> None:  # type: ignore[no-untyped-def]
    p = person("n4")
    p.say("昆明今天天气怎么样")
    assert not any(v.startswith("flow:") and v != "flow:handoff" for v in p.choice_values())


def test_every_next_step_is_a_flow_anyone_may_open_about_an_article_that_exists_and_asked_for_ones_exist() -> None:
    flows = {f.name: f for f in FLOWS}
    for (measure, number), names in NEXT_STEPS.items():
        loader.article(measure, number)  # raises KeyError for an article that does not exist
        for name in names:
            assert name in flows and not flows[name].roles, name
            assert name in NEXT_LABELS
    for name, *_ in ASKED_FOR:  # (a clerk's function is offered to clerks only: test_functions_named.py)
        assert name in flows and name in NEXT_LABELS, name


@pytest.mark.parametrize(("question", "flow", "locale"), [
    ("学员怎么签到啊", "signin", None), ("How do I check in to my training class?", "signin", "en"),
    ("申报进度在哪里看", "status", None), ("我的申报初审过了吗", "status", None),
    ("培训什么时候截止", "training_calendar", None),
    ("what are the deadlines for the training fund", "training_calendar", "en"),
    ("我想订阅培训提醒", "subscribe", None), ("Can you remind me before the deadlines?", "subscribe", "en")])
def test_a_question_asking_for_what_is_done_here_is_offered_it(person, question: str, flow: str,  # type: ignore[no-untyped-def]
                                                                locale: str | None) -> None:
    p = person("n5", locale=locale)
    p.say(question)
    values = p.choice_values()
    assert f"flow:{flow}" in values
    assert values.index(f"flow:{flow}") < values.index("cmd:menu")  # before the menu (and a hand-off)
    label = next(c.label for c in p.last.choices if c.value == f"flow:{flow}")
    assert f"“{label}”" in p.text  # and said, in the person's language
    assert ("You can do this here" in p.text) == (locale == "en")


@pytest.mark.parametrize(("question", "locale"), [
    ("培训班几点上课", None), ("我今天签到了没有", None), ("did I sign in this morning?", "en"), ("证书编号是多少", None),
    ("我啥时候上课", None), ("where is my class", "en"), ("我的课在哪点上", None),
    # a trial's trainee, once told the measures are silent:
    ("我签到了几回了", None), ("我的班在哪点上课", None), ("my attendance record", "en")])
def test_a_trainee_asking_to_see_their_own_record_is_shown_it(person, question: str,  # type: ignore[no-untyped-def]
                                                             locale: str | None) -> None:
    """Schedule, today's sign-in, certificates: what the function shows, at once (here: no class known yet),
    not an article and a tap to it."""
    p = person("n6", locale=locale)
    p.say(question)
    assert ("don't know your class yet" in p.text) if locale == "en" else ("暂未查到您所在的培训班" in p.text), p.text


def test_asking_for_what_is_done_here_in_words_the_search_half_matches_gets_the_offer_alone(person) -> None:  # type: ignore[no-untyped-def]
    # "我想查一下申报进度" (without "我的", which opens the progress at once): the search is unsure (its "did you mean" are on honesty and recusal); what is
    # wanted is plain, so the reply is the offer, a person and the menu, not three articles to pick from.
    from handlers.answering import answer

    question = "我想查一下申报进度"
    assert answer(question, contact="x").outcome in ("unsure", "abstained")  # (else this tests nothing)
    p = person("n7")
    p.say(question)
    assert p.last.text.split("\n\n")[-1].startswith("这件事可以直接在本助手里办理") and not p.last.citations  # (after the privacy note)
    assert [c.value for c in p.last.choices] == ["flow:status", "flow:handoff", "cmd:menu"]
    assert [c.label for c in p.last.choices][1] == "转人工服务"
    # Answered with "which programme?" (the same rule in several), the offer alone too: the progress is the person's.
    question = "my application status"
    assert answer(question, contact="x").outcome == "which"  # (else this tests nothing)
    en = person("n8", locale="en")
    en.say(question)  # a flow's own words: the progress itself
    assert "Which one do you mean" not in en.text and "no application registered" in en.text, en.text


def test_a_question_about_the_measures_alone_is_not_told_to_do_something_here(person) -> None:  # type: ignore[no-untyped-def]
    for i, question in enumerate(("云岭工匠每年评几个", "How many Yunling Craftsmen are named each year?",
                                  "学员生活补助一天多少钱", "昆明今天天气怎么样", "上班打卡迟到会扣钱吗",
                                  "What is the schedule of the craftsman review?",
                                  "Can the design in our studio be patented?")):  # "sign in" inside "design in"
        p = person(f"n6-{i}")  # each question on its own: not read together with the one before
        p.say(question)
        assert "本助手里办理" not in p.text and "You can do this here" not in p.text, question


def test_the_offered_sign_in_opens_it(person) -> None:  # type: ignore[no-untyped-def]
    eve, ann = person("eve"), person("ann")
    eve.say("学员怎么签到啊")
    eve.say(choice="flow:signin")
    ann.say("菜单")  # past the first message's privacy note, as eve is
    ann.say("签到")  # the word that opens sign-in anywhere
    assert eve.text == ann.text and eve.last.choices == ann.last.choices


def test_a_clerks_task_asked_by_someone_else_says_who_does_it(person) -> None:  # type: ignore[no-untyped-def]
    """"培训班的学员名单咋上传" from someone not on the clerk list: the answer says clerks do it here and how one
    becomes one; a clerk is offered the function instead; asking what the roster must hold is no such task."""
    worker, clerk = person("n30"), person("n31", clerk="昆明市总工会")
    worker.say("培训班的学员名单咋上传")
    assert "工会工作人员" in worker.text and "开通" in worker.text
    clerk.say("培训班的学员名单咋上传")
    assert "开通" not in clerk.text and any(c.value == "flow:training_classes" for r in clerk.replies for c in r.choices)
    worker.say("学员名单有啥要求")
    assert "开通" not in worker.text
    english = person("n32", locale="en")
    english.say("How do I add trainees to a class roster?")
    assert "ask your union to add you" in english.text
    english.say("How do I register a training class as a clerk?")
    assert "ask your union to add you" in english.text


@pytest.mark.parametrize(("typed", "opened"), [
    ("管理培训班", "登记新培训班"), ("Manage training classes", "Register a new class"),
    ("处理工单", "暂无待处理工单"), ("导出本单位的申报表", "报送并确认"), ("打开申报管理", "请选择操作"),
    ("填写申报表", "您要填写哪一份申报表"), ("Fill in an application form", "Which application form"),  # menu titles
    ("登记培训班", "登记新培训班"), ("register a training class", "Register a new class"),  # what a clerk says
])
def test_a_label_the_assistant_says_to_tap_opens_its_function_when_typed(person, typed: str,  # type: ignore[no-untyped-def]
                                                                        opened: str) -> None:
    """"这件事可以直接在本助手里办理：点“管理培训班”": on WeChat the label is typed, and it opens what it names."""
    clerk = person("n40", clerk="昆明市总工会", locale="en" if typed.isascii() else "zh")
    clerk.say(typed)
    assert opened in clerk.text and not clerk.last.citations, clerk.text


def test_help_in_the_middle_of_a_class_form_keeps_what_was_typed(person) -> None:  # type: ignore[no-untyped-def]
    clerk = person("n41", clerk="昆明市总工会")
    clerk.say("管理培训班")
    clerk.say("1")
    clerk.say("1")
    clerk.say("昆明市技工学校")
    assert "培训单位地址" in clerk.text
    clerk.say("帮助")
    assert "菜单" in clerk.text and "培训单位地址" in clerk.text  # the words that work, and the same question
    clerk.say("昆明市五华区1号")
    assert "培训班地址" in clerk.text


@pytest.mark.parametrize(("typed", "offered", "not_offered"), [
    ("更新一下申报的状态", "flow:cases", None), ("把1号申报改到复审阶段", "flow:cases", None),
    ("给KM2612班的学员发个提醒 明天早上8点上课", "flow:broadcast", None),
    ("导出KM2612的实名制汇总表", "flow:training_classes", "flow:drafts_export"),
    ("导出附件4", "flow:training_classes", "flow:drafts_export"),  # the training fund's roster, not an award's form
    ("导出附件2", "flow:drafts_export", "flow:training_classes"),
])
def test_a_clerks_task_in_chinese_offers_its_function(person, engine, typed: str, offered: str,  # type: ignore[no-untyped-def]
                                                     not_offered: str | None) -> None:
    """Offered, or (a desk asked for in a few words) opened at once."""
    from sqlmodel import Session, select

    from storage.models import Conversation

    clerk = person("n42", clerk="昆明市总工会")
    clerk.say(typed)
    with Session(engine) as s:
        opened = {f"flow:{c.flow}" for c in s.exec(select(Conversation)).all()}
    assert offered in clerk.choice_values() or offered in opened, clerk.text
    assert not_offered not in clerk.choice_values() and not_offered not in opened, clerk.text


def test_an_english_clerk_reads_the_class_forms_levels_explained(person) -> None:  # type: ignore[no-untyped-def]
    """附件3 is printed in Chinese, so a level's value stays "初级工"; its option says what it is in English."""
    clerk = person("n43", clerk="昆明市总工会", locale="en")
    clerk.say("Manage training classes")
    clerk.say("1")  # a new class
    clerk.say("1")  # the project
    for typed in ("Kunming Technician College", "1 Qingnian Road, Kunming", "Workshop 3", "Li Ming", "13987654321",
                  "Wang Fang", "13987654322", "welding"):
        clerk.say(typed)
    labels = [c.label for c in clerk.last.choices]
    assert "初级工 (entry level, grade 5)" in labels and "高级技师 (senior technician, grade 1)" in labels, clerk.text


@pytest.mark.parametrize("text", ["我昨天那节没签到 能不能现在补", "我昨天有事没来上课咋办",
                                  "I missed the class yesterday, what should I do?"])
def test_a_missed_class_is_not_offered_a_sign_in_now(person, text: str) -> None:  # type: ignore[no-untyped-def]
    """Signing in now cannot make up a day past, and the measures say nothing of it: who keeps the sign-ins
    (第十九条) is named, and no "sign in now" is offered."""
    p = person(f"missed-{text}")
    p.say(text)
    assert "第十九条" in p.text or "Art. 19" in p.text, p.text
    assert "flow:signin" not in [c.value for c in p.last.choices], p.last.choices


@pytest.mark.parametrize(("text", "flow"), [("帮我看看有哪些工单", "tickets"), ("我的待办", "tickets"),
                                            ("我要登记一个培训班", "training_classes"), ("开个新班", "training_classes"),
                                            ("list my cases", "cases"), ("I need to register a new training class", "training_classes"),
                                            # a clerk recording a case's progress in a trial's words
                                            ("我要登记一个申报的进度", "cases"), ("张三的云岭工匠申报初审过了", "cases"),
                                            ("Zhang Wei passed the first review", "cases")])
def test_a_clerks_desk_asked_for_in_a_few_words_opens(person, engine, text: str, flow: str) -> None:  # type: ignore[no-untyped-def]
    """No article is quoted for "我的待办" (the craftsman measure's 第二十七条 was): the desk opens. A worker
    saying the same is not given a clerk's desk."""
    from sqlmodel import Session, select

    from storage.models import Conversation

    clerk = person(f"desk-{text}", clerk="昆明市总工会")
    clerk.say(text)
    assert not any(r.citations for r in clerk.replies), clerk.text
    with Session(engine) as s:
        flows = {c.flow for c in s.exec(select(Conversation)).all()}
    assert flow in flows or "暂无待处理工单" in clerk.text, (flows, clerk.text)
    worker = person(f"desk-w-{text}")
    worker.say(text)
    assert "暂无待处理工单" not in worker.text and f"flow:{flow}" not in [c.value for c in worker.last.choices]


def test_a_clerk_saying_in_a_sentence_what_to_record_is_offered_the_case_desk(person) -> None:  # type: ignore[no-untyped-def]
    """"I want to record that an application passed the first review" was asked "which programme?" (the three
    awards' review articles): a clerk is offered the case desk, a worker is not."""
    text = "I want to record that an application passed the first review"
    clerk = person("desk-record", clerk="昆明市总工会", locale="en")
    clerk.say(text)
    assert "flow:cases" in [c.value for c in clerk.last.choices], clerk.text
    worker = person("desk-record-w", locale="en")
    worker.say(text)
    assert "flow:cases" not in [c.value for c in worker.last.choices], worker.text


@pytest.mark.parametrize("text", ["给学员发个通知 提醒明天上课带身份证", "提醒明天上课带身份证", "通知学员下周三的课改到下午"])
def test_a_clerk_reminding_trainees_of_a_class_is_offered_the_broadcast_not_their_schedule(person, text: str) -> None:  # type: ignore[no-untyped-def]
    """A clerk's "给学员发个通知 提醒明天上课带身份证" opened the trainee's own schedule ("明天上课"), asking for a
    class code. A message that names a clerk's desk the person has is not a trainee's own function."""
    clerk = person(f"remind-{text}", clerk="昆明市总工会")
    clerk.say(text)
    assert [c.value for c in clerk.last.choices][:1] == ["flow:broadcast"] and "查看该班的课程安排" not in clerk.text, \
        clerk.text
    trainee = person(f"remind-t-{text}")
    trainee.say("我明天上课要带身份证吗")
    assert "flow:broadcast" not in [c.value for c in trainee.last.choices], trainee.text


def test_asking_how_to_check_ones_own_progress_shows_it(person) -> None:  # type: ignore[no-untyped-def]
    """"我的申报进度怎么查" names one's own progress: shown at once, not offered."""
    p = person("n6")
    p.say("我的申报进度怎么查")
    assert "您目前还没有登记的申报" in p.text


@pytest.mark.parametrize("text", ["I need to update the status of an application",
                                  "how do I change the status of a case?"])
def test_a_clerk_updating_a_status_in_english_is_offered_the_case_desk(person, text: str) -> None:  # type: ignore[no-untyped-def]
    """A clerk's trial: "I need to update the status of an application" got "which programme?" about the rules."""
    clerk = person(f"status-en-{len(text)}", clerk="昆明市总工会", locale="en")
    clerk.say(text)
    assert "flow:cases" in [c.value for c in clerk.last.choices], clerk.text


@pytest.mark.parametrize(("text", "locale", "flow"), [
    ("我要填云岭工匠的申报表", None, "craftsman_draft"), ("帮我填一下工作站的申报表", None, "station_draft"),
    ("我要填申报表", None, "draft"), ("I want to fill in the application form", "en", "draft"),
])
def test_a_form_asked_to_be_filled_in_opens(person, engine, text: str, locale: str | None,  # type: ignore[no-untyped-def]
                                            flow: str) -> None:
    """"我要填云岭工匠的申报表" (a trial's applicant, who then typed the form's answers into the FAQ): the form opens,
    not the materials' article with a tap to it. Asking what the form holds is still answered from 第十条."""
    from sqlmodel import Session, select

    from storage.models import Conversation

    p = person(f"form-{text}", locale=locale)
    p.say(text)
    with Session(engine) as s:
        assert s.exec(select(Conversation)).one().flow == flow, p.text
    q = person(f"form-q-{text}")
    q.say("云岭工匠申报表要写什么")
    assert any(c.article == 10 for r in q.replies for c in r.citations), q.text
    assert "flow:craftsman_draft" in q.choice_values()
