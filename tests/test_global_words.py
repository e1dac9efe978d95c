"""Issue 18, conversations: the hand-off records the question typed, global words work in every state of
every flow, and real sentences (English, pinyin, unknown commands) are not refused as non-words."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from handlers.dispatch import GLOBAL_COMMANDS
from handlers.flow import MenuGroup
from handlers.flows import FLOWS, MENU
from handlers.routing import CALLED_FROM_STEPS
from storage import repositories as repo
from storage.models import Conversation
from storage.models import Person as PersonRow
from storage.models_tickets import Ticket

UNIT = "昆明市总工会"


# -- 1. the hand-off ------------------------------------------------------------------------------
def test_handoff_records_the_question_typed_not_the_offered_option(person, engine) -> None:
    worker = person("wu", locale="en")
    worker.say("menu")
    worker.say("human")
    # "menu" is a command, never "your last question"
    assert not any("menu" in c.label.lower() for c in worker.last.choices), worker.text
    question = "My welding class ends on Dec 5, when will I get the certificate?"
    worker.say(question)
    assert "programme" in worker.text.lower()
    worker.say("4")  # skills training
    worker.say("Kunming")
    with Session(engine) as s:
        ticket = s.exec(select(Ticket)).one()
    assert ticket.question == question


def test_handoff_last_question_skips_commands_and_numbers(person) -> None:
    worker = person("zhao")
    worker.say("焊工培训结束后多久能拿到证书？")
    worker.say("菜单")
    worker.say("1")
    worker.say("我的工单")
    worker.say("帮我看一下我的工单吧")  # a command wrapped in polite words is no question either
    worker.say("人工")
    labels = [c.label for c in worker.last.choices]
    assert len(labels) == 1 and "焊工培训" in labels[0], labels


def test_free_text_step_never_fuzzy_matches_an_option(person, engine) -> None:
    worker = person("qian")
    worker.say("云岭工匠的评选条件是什么")
    worker.say("人工")
    assert worker.last.choices  # "send my last question: 云岭工匠的评选条件是什么"
    worker.say("云岭工匠的评选条件是什么？我单位没有工会")  # close to the option, but typed: it is the question
    worker.say("1")
    worker.say("大理州")
    with Session(engine) as s:
        assert s.exec(select(Ticket)).one().question == "云岭工匠的评选条件是什么？我单位没有工会"


@pytest.mark.parametrize(("question", "measure", "article", "locale"), [
    ("培训班最少要办几天", "training", 7, None),
    ("How many Yunling Craftsmen are named each year?", "craftsman", 3, "en"),
])
def test_a_question_typed_where_options_are_offered_is_answered_and_the_options_asked_again(
        person, engine, question: str, measure: str, article: int, locale: str | None) -> None:
    p = person("sun", locale=locale)
    p.say(choice="flow:craftsman")  # the eligibility check's first question, with its options
    step, values = p.last.text, p.choice_values()
    assert len(values) >= 3
    p.say(question)
    assert [(c.measure, c.article) for c in p.replies[0].citations][:1] == [(measure, article)]
    assert not p.replies[0].choices  # its taps would be numbered against the step's options
    assert p.last.text == step and p.choice_values() == values
    with Session(engine) as s:  # the step is where it was, its retries untouched
        conv = s.exec(select(Conversation)).one()
        assert conv.flow == "craftsman" and conv.retries == 0
    p.say("哈哈")  # no question: the options are asked for, as before
    assert p.replies[0].text != step and not p.replies[0].citations and p.last.text == step
    p.say("1")  # and its options still pick
    assert p.last.text != step


@pytest.mark.parametrize(("question", "locale", "flow", "expected"), [
    ("要交什么材料", None, "craftsman", ("craftsman", 10)), ("what documents do I need?", "en", "craftsman", ("craftsman", 10)),
    # unsure of its programme alone (the station's and the studio's 第十三条), the studio's in the studio's check
    ("可以自己个人报吗", None, "studio", ("studio", 13)),
    # alone, "which programme?" with each programme's article offered: the check's programme's, as a tap gives
    ("要带哪些材料", None, "craftsman", ("craftsman", 10)),
])
def test_a_question_in_a_programmes_check_that_names_no_programme_is_about_that_programme(
        person, question: str, locale: str | None, flow: str, expected: tuple[str, int]) -> None:
    from handlers.answering import answer

    assert answer(question, contact="x").outcome != "answered"  # alone: which programme? (else this tests nothing)
    p = person("zhou", locale=locale)
    p.say(choice=f"flow:{flow}")
    step = p.last.text
    p.say(question)
    assert [(c.measure, c.article) for c in p.replies[0].citations][:1] == [expected]
    assert p.last.text == step


def test_a_question_ending_in_the_dialects_bu_is_answered_in_a_check(person) -> None:
    """"我得过全国技术能手 这个算优先不": a question by its final 不 (no 吗), answered from 第七条 in the check, and
    the step asked again; words that ask nothing under the programme's name are no question about it."""
    p = person("qian")
    p.say(choice="flow:craftsman")
    step = p.last.text
    p.say("我得过全国技术能手 这个算优先不")
    assert [(c.measure, c.article) for c in p.replies[0].citations][:1] == [("craftsman", 7)], p.text
    assert p.last.text == step
    for chat in ("随便说点什么吧", "今天天气怎么样"):  # (the second offers no programme's article alone)
        p.say(chat)
        assert not any(r.citations for r in p.replies) and p.last.text == step, p.text
    q = person("qian2")  # asked with the dialect's 咋个 and 好多钱, no question word of Mandarin
    q.say("我们工作室是州里命名的 才一年 能报省级的不")  # the facts read, and a confirmation asked
    step = q.last.text.splitlines()[-1]  # (after the privacy note of a first message)
    for question, article in (("领衔人退休了工作室咋个办", 24), ("省里给好多钱补助", 27)):
        q.say(question)
        assert [(c.measure, c.article) for c in q.replies[0].citations][:1] == [("studio", article)], q.text
        assert q.last.text == step


def test_an_english_word_opens_its_function_in_either_number(person, engine) -> None:
    # The clerk's menu says "Broadcasts (clerks)"; the flow's word is "broadcast". The worker's "my ticket".
    clerk = person("li-en", clerk="昆明市总工会", locale="en")
    for typed, flow in (("broadcasts", "broadcast"), ("Broadcast", "broadcast"), ("case desks", "cases")):
        clerk.say("cancel")
        clerk.say(typed)
        with Session(engine) as s:
            assert repo.load_conversation(session=s, identity_id=repo.identify(
                session=s, channel="console", user_key="li-en", chat_key=None, locale="en").identity_id).flow == flow
    worker = person("wang-en", locale="en")
    worker.say("my ticket")
    assert "no open tickets" in worker.text.lower()
    worker.say("cancels")  # a global word is as typed only: this one is a question, not "cancel"
    assert "Cancelled" not in worker.text


@pytest.mark.parametrize("typed", ["补贴咋个算", "培训补贴咋算", "补贴咋个算嘛", "补贴怎么算嘛"])
def test_a_function_word_said_in_yunnan_speech_opens_it(person, engine, typed: str) -> None:
    # "补贴怎么算" opens the subsidy calculator; the same said with 咋个 or a final 嘛 once fell to the FAQ,
    # which abstained.
    worker = person("yn-" + typed)
    worker.say(typed)
    with Session(engine) as s:
        conv = repo.load_conversation(session=s, identity_id=repo.identify(
            session=s, channel="console", user_key="yn-" + typed, chat_key=None).identity_id)
    assert conv.flow == "training_subsidy", worker.text


@pytest.mark.parametrize(("question", "locale"), [("我想参加技能培训，可以吗", None),
                                               ("I want to join the skills training, can I?", "en")])
def test_a_question_answered_in_a_step_says_nothing_of_taps_it_does_not_show(person, question: str,
                                                                            locale: str | None) -> None:
    p = person("zhou", locale=locale)
    p.say(choice="flow:craftsman")
    step = p.last.text
    p.say(question)  # alone, answered with who may be trained and "tap 'Check who may join the training'"
    aside = p.replies[0]
    assert [(c.measure, c.article) for c in aside.citations][:1] == [("training", 6)]
    assert not aside.choices and "点“" not in aside.text and "tap “" not in aside.text
    assert p.last.text == step


# -- 2. global words in every state of every flow ----------------------------------------------------
def _flow_words() -> dict[str, str]:
    """Every word that opens a flow or a submenu, with what it opens ("flow:name" / "menu:key")."""
    words: dict[str, str] = {}
    for f in FLOWS:
        for w in f.commands:
            words.setdefault(w, f"flow:{f.name}")
    for g in MENU:
        if isinstance(g, MenuGroup):
            for w in g.commands:
                words.setdefault(w, f"menu:{g.key}")
    return words


def _put_in(engine, user: str, flow: str, state: str, now) -> None:
    from storage.models import Identity

    with Session(engine) as s, s.begin():
        ident = s.exec(select(Identity).where(Identity.user_key == user)).one()
        conv = repo.load_conversation(session=s, identity_id=ident.id, for_update=True)
        conv.move_to(flow=flow, state=state, data={}, offered=[], retries=0, now=now)
        repo.store_conversation(session=s, conv=conv)


def _where(engine, user: str) -> tuple[str, str]:
    from storage.models import Conversation, Identity

    with Session(engine) as s:
        ident = s.exec(select(Identity).where(Identity.user_key == user)).one()
        conv = s.exec(select(Conversation).where(Conversation.identity_id == ident.id)).one()
        return conv.flow or "", conv.state or ""


ALL_STATES = [(f.name, st) for f in FLOWS for st in f.states]
FIXED = ["取消", "cancel", "菜单", "menu", "帮助", "help", "人工", "human", "我的工单", "my tickets", "我的课程",
         "/lang", "/lang en", "我的信息", "/me", "/foo"]
# The same words wrapped in what people put round them: they work the same (handlers.choices.word_forms).
POLITE = {"please show my tickets": "my tickets", "我要转人工": "人工", "帮我取消一下吧": "取消",
          "show me the menu please": "menu", "I want to talk to a person": "human", "请帮我切换语言": "/lang",
          # ... and said in other words (handlers.own_words)
          "不想弄了": "取消", "回到首页": "菜单", "我要找人工客服": "人工", "never mind": "cancel"}


def test_every_flow_state_is_enumerated() -> None:
    assert len(ALL_STATES) > 60
    assert ("training_subsidy", "days") in ALL_STATES and ("signin", "code") in ALL_STATES


@pytest.mark.parametrize("chunk", range(4))
def test_global_words_work_in_every_state_of_every_flow(person, engine, clock, chunk: int) -> None:
    words = _flow_words()
    rotating = sorted(words)
    clerk = person("glob", clerk=UNIT)
    clerk.say("你好")
    globals_ = {normalize_word(w) for ws in GLOBAL_COMMANDS.values() for w in ws}
    for i, (flow, state) in enumerate(ALL_STATES):
        if i % 4 != chunk:
            continue
        extra = [rotating[(i * 3 + k) % len(rotating)] for k in range(3)]
        for typed in [*FIXED, *extra, *POLITE]:
            word = POLITE.get(typed, typed)
            _put_in(engine, "glob", flow, state, clock.now)
            replies = clerk.say(typed)
            where = _where(engine, "glob")
            seen = f"{flow}.{state} <- {typed!r}: now {where}, replied {clerk.text[:120]!r}"
            assert replies and "went wrong" not in clerk.text, seen
            assert "Please answer with one of the options" not in clerk.text, seen
            assert "请用选项" not in clerk.text, seen
            if normalize_word(word) in HELP:  # in a step, help explains it and asks it again
                assert where == (flow, state) and ("菜单" in clerk.text or "'menu'" in clerk.text), seen
            elif normalize_word(word) in globals_ or word == "/foo":
                assert where == ("", ""), seen
            else:
                target = "lang" if word.startswith("/lang") else words[word].split(":", 1)[1]
                if target != flow:
                    # A call from a step (a person, one's tickets) that ends at once is back at the step.
                    back = target in CALLED_FROM_STEPS and where == (flow, state)
                    assert where[0] in (target, "") or back, seen


HELP = {"帮助", "help"}


def normalize_word(w: str) -> str:
    from handlers.choices import normalize

    return normalize(w)


def test_lang_with_argument_sets_it_at_once(person) -> None:
    p = person("lan")
    p.say("/lang en")
    assert "English" in p.text and "Choose your language" not in p.text
    p.say("语言")  # inside the picker
    p.say("/lang zh")
    assert "中文" in p.text or "已切换" in p.text or "语言" in p.text
    p.say("菜单")
    assert "What would you like" not in p.text


def test_subsidy_calculator_lets_human_through(person, engine) -> None:
    p = person("sub")
    p.say("补贴怎么算")
    p.say("人工")
    assert "union clerk" in p.text or "工会工作人员" in p.text, p.text
    assert _where(engine, "sub") == ("handoff", "question")


def test_an_offered_label_equal_to_a_trigger_is_still_an_answer(person, engine) -> None:
    p = person("opt")
    p.say("人工")
    p.say("我想问一下每年评多少名")  # (names no programme: the programme is asked)
    assert _where(engine, "opt") == ("handoff", "programme")
    p.say("云岭工匠")  # the option "云岭工匠", though it is also the word that opens the Yunling Craftsman check
    assert _where(engine, "opt")[0] in ("handoff", "")
    assert _where(engine, "opt") != ("craftsman", "ask")


@pytest.mark.parametrize(("locale", "first"), [("en", "/lang en"), ("zh", "/lang zh")])
def test_a_bare_number_with_no_list_on_screen_gets_the_menu(person, engine, locale: str, first: str) -> None:
    p = person(f"num-{locale}")
    p.say(first)  # no numbered list on screen after the language is set
    p.say("3")
    assert not any(c.value.startswith("ask:") for c in p.last.choices), p.text  # not searched as a question
    assert any(c.value.startswith("menu:") for c in p.last.choices), p.text
    assert ("no list" in p.text) if locale == "en" else ("没有" in p.text and "What" not in p.text), p.text
    p.say("3")  # now it picks the menu's third entry
    assert _where(engine, f"num-{locale}") == ("", "")
    assert "My application progress" in p.text or "我的申报进度" in p.text, p.text


def test_a_number_not_on_the_list_gets_the_menu(person) -> None:
    p = person("num-far", locale="en")
    p.say("menu")
    p.say("９９")  # full-width, and not one of the menu's numbers
    assert "no option 99" in p.text, p.text
    assert any(c.value.startswith("menu:") for c in p.last.choices), p.text


# -- 3. real sentences --------------------------------------------------------------------------
def test_unknown_command_gets_the_menu_in_the_persons_language(person, engine) -> None:
    p = person("foo", locale="zh")
    p.say("/foo")
    assert "What would you like" not in p.text and "Please type your question" not in p.text
    assert any(c.value.startswith("menu:") or c.value.startswith("flow:") for c in p.last.choices)
    with Session(engine) as s:
        assert s.exec(select(PersonRow)).one().locale == "zh"


def test_pinyin_question_is_converted_and_answered(person) -> None:
    p = person("pin")
    p.say("yunling gongjiang zenme shenbao")
    assert "could not find" not in p.text and "没有找到" not in p.text and "无法" not in p.text[:30], p.text
    assert "云岭工匠" in p.text


def test_english_sentences_are_read_as_questions(person) -> None:
    """An English sentence is a question, never "not words"; it is answered from the measures or, when the
    search doubts it is about them, honestly not answered with a person offered. (Which of the two a given
    sentence gets is the search's accuracy, measured on the blind sets by bench/retrieval.py: "I want to
    learn welding, will the union pay for it?" was answered until the models learned from 1 000 more
    out-of-scope questions about other bodies' training fees.)"""
    p = person("eng", locale="en")
    for question, answered in (("Who can join a union skills training class?", True),
                               ("I want to learn welding, will the union pay for it?", None)):
        p.say(question)
        assert "Please type your question in words" not in p.text
        if answered:
            assert "could not find" not in p.text and "training" in p.text.lower(), p.text
        elif "could not find" in p.text:
            assert "flow:handoff" in p.choice_values(), p.text


def test_a_code_or_an_acronym_is_answered_in_the_persons_language(person) -> None:
    """"KM2612", "PDF" from someone who speaks Chinese are no English question: the reply stays in Chinese;
    a sentence in English from the same person is answered in English."""
    p = person("code", locale="zh")
    for typed in ("KM2612", "PDF"):
        p.say(typed)
        assert not re.search(r"\b(?:the|Please|Which|could)\b", p.text), p.text
        assert all(not c.label.isascii() for c in p.last.choices), p.text
    p.say("how do I apply for yunling craftsman")
    assert "Applications are made" in p.text, p.text


def test_pinyin_conversion() -> None:
    from knowledge.pinyin import to_hanzi

    assert to_hanzi("yunling gongjiang zenme shenbao") == "云岭工匠怎么申报"
    assert to_hanzi("I want to learn welding") is None
    assert to_hanzi("menu") is None or to_hanzi("hello") is None


def test_english_is_told_from_pinyin_before_the_vocabulary_is_loaded() -> None:
    from knowledge import pinyin

    # The syllable check may only ever refuse what the vocabulary could not convert: every key splits.
    assert all(pinyin.syllabic(key) for key in pinyin._vocabulary())
    assert pinyin.syllabic("yunlinggongjiang") and pinyin.syllabic("zhuangshuang")
    assert not pinyin.syllabic("craftsmen") and not pinyin.syllabic("how")
    assert not pinyin.syllabic("an" * 5000 + "x")  # linear, however long
    pinyin._vocabulary.cache_clear()
    assert pinyin.to_hanzi("How many Yunling Craftsmen are named each year?") is None
    assert pinyin._vocabulary.cache_info().currsize == 0  # an English question did not load it
    assert pinyin.to_hanzi("yunling gongjiang zenme shenbao") == "云岭工匠怎么申报"


def _json(s: str) -> object:
    return json.loads(s)


def test_polite_wrapping_is_stripped_only_round_a_whole_word() -> None:
    from handlers.choices import word_forms

    assert word_forms("Please show my tickets!") == ("please show my tickets!", "my tickets")
    assert word_forms("帮我取消一下吧")[-1] == "取消"
    # Not inside words, not in sentences: these stay what they are (questions for the FAQ).
    for text in ("thesis", "helpless", "请问云岭工匠的申报材料有哪些要求需要准备多少份复印件", "show the public notice"):
        assert word_forms(text)[-1] not in ("sis", "less", "menu", "cancel"), text
    assert word_forms("cancel my class registration for next week please") == (
        "cancel my class registration for next week please",)  # longer than a word: as typed only


def test_ones_own_thing_asked_with_a_final_ne_is_the_word_in_a_step(person, engine) -> None:  # type: ignore[no-untyped-def]
    """"我的证书呢" at the schedule's class-code step was answered as a question (第二十一条) and the step asked
    again; it names one's certificates as "我的证书" does. A programme with 呢 stays a follow-up question."""
    from handlers.choices import word_forms

    trainee = person("ne")
    trainee.say("我的课表")
    trainee.say("我的证书呢")
    with Session(engine) as s:
        conv = repo.load_conversation(session=s, identity_id=repo.identify(
            session=s, channel="console", user_key="ne", chat_key=None).identity_id)
    assert conv.flow != "my_schedule" and not trainee.last.citations, trainee.text
    assert "技师工作站" not in word_forms("技师工作站呢")


def test_back_with_no_step_open_shows_the_main_menu(person) -> None:  # type: ignore[no-untyped-def]
    p = person("stray-back")
    p.say("云岭工匠每年评几个")
    p.say("返回")
    assert "没有正在办理的步骤可以返回" in p.text and "cmd:menu" not in p.choice_values() and not p.last.citations
    assert any(v.startswith(("menu:", "flow:")) for v in p.choice_values())


def test_a_person_asked_for_in_a_step_returns_to_it_with_the_answers_kept(person, engine) -> None:
    """A clerk half-way through a class form (answers kept only in the conversation) asks for a person: the
    ticket is sent, then the form goes on at the same question with what was typed; "my tickets" as well.
    The form's answers are not offered as "my last question"."""
    clerk = person("form-human", clerk=UNIT)
    clerk.say("登记培训班")
    clerk.say("登记新培训班")
    clerk.say("1")
    clerk.say("昆明技师学院")
    asked = clerk.text
    assert _where(engine, "form-human")[0] == "training_classes"
    clerk.say("人工")
    assert _where(engine, "form-human") == ("handoff", "question")
    assert not clerk.last.choices, [c.label for c in clerk.last.choices]  # "昆明技师学院" is no question
    clerk.say("培训班学员名单怎么录入？")  # the training's; a clerk's ticket goes to the province: nothing more asked
    assert "GD000001" in clerk.text and "回到刚才的步骤" in clerk.text and asked in clerk.text, clerk.text
    clerk.say("我的工单")
    assert "GD000001" in clerk.text and _where(engine, "form-human")[0] == "mytickets"
    clerk.say("返回")  # the tickets seen: back to the form, at the same question
    assert "回到刚才的步骤" in clerk.text and asked in clerk.text, clerk.text
    clerk.say("昆明市五华区学府路")
    assert _where(engine, "form-human")[0] == "training_classes" and asked not in clerk.text, clerk.text
    worker = person("check-human")
    worker.say("补贴怎么算")
    worker.say("人工")
    worker.say("学时怎么算才合规？")
    worker.say("4")
    worker.say("大理州")
    assert "回到刚才的步骤" in worker.text and _where(engine, "check-human")[0] == "training_subsidy", worker.text


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_cancel_in_a_call_from_a_step_ends_the_call_not_the_step(person, engine, locale: str) -> None:
    """"人工" in the middle of an eligibility check, then "取消" (the person changed their mind about the
    ticket): the check goes on at the same question with its answers; a second "取消" leaves it."""
    worker = person(f"check-cancel-{locale}", locale=locale)
    worker.say("我能评云岭工匠吗" if locale == "zh" else "Can I apply to be a Yunling Craftsman?")
    worker.say("2")  # not named before
    worker.say("1")  # Chinese national
    asked = worker.text
    worker.say("人工" if locale == "zh" else "human")
    assert _where(engine, f"check-cancel-{locale}")[0] == "handoff"
    worker.say("取消" if locale == "zh" else "cancel")
    # Left, not cancelled: "已取消：培训班的一次课" read as the session itself cancelled.
    assert asked in worker.text and ("已退出“转人工服务”" in worker.text or "Left “Talk to a person”" in worker.text), \
        worker.text
    assert "取消" not in worker.text.split(asked)[0] and "Cancelled" not in worker.text, worker.text
    assert _where(engine, f"check-cancel-{locale}")[0] == "craftsman"
    worker.say("1")  # the next answer goes on from there: nothing typed before was lost
    assert "不能申报" not in worker.text and "not eligible" not in worker.text.lower(), worker.text
    worker.say("取消" if locale == "zh" else "cancel")
    assert _where(engine, f"check-cancel-{locale}") == ("", "")


def test_a_question_sharing_a_word_with_an_option_picks_nothing(person, engine) -> None:
    """"Is online training counted?" at "which project?" is close to "…special skills training" only by the
    word "training": answered aside, the project asked again; "poverty" still picks its option. The English
    words for the calculator open it."""
    p = person("fuzzy-q", locale="en")
    p.say("subsidy calculator")
    assert _where(engine, "fuzzy-q") == ("training_subsidy", "project"), p.text
    p.say("Is online training counted?")
    assert _where(engine, "fuzzy-q") == ("training_subsidy", "project") and "Which training project" in p.text
    p.say("poverty")
    assert _where(engine, "fuzzy-q") == ("training_subsidy", "days")


def test_a_question_in_a_programmes_check_is_not_answered_from_another_programme(person) -> None:  # type: ignore[no-untyped-def]
    """"批下来以后要干什么" in the studio's check: alone, the workstation's 第六条 ranks first, and the studio's own
    search is unsure. Not answered from the workstation's measure, nor said to be missing from the measures
    (it is not): the person is told the assistant is unsure, and the step waits."""
    from handlers.answering import prefetch

    alone = prefetch("批下来以后要干什么")
    assert alone is not None and not alone.abstained and alone.hits[0].measure != "studio"  # (else this tests nothing)
    p = person("sun")
    p.say(choice="flow:studio")
    step = p.last.text
    p.say("批下来以后要干什么")
    assert not any(c.measure != "studio" for r in p.replies for c in r.citations), p.text
    assert "不确定" in p.replies[0].text and "没有找到" not in p.replies[0].text, p.text
    assert p.last.text == step
    p.say("今天天气怎么样啊")  # found nowhere: said so
    assert "没有找到" in p.replies[0].text and p.last.text == step, p.text


@pytest.mark.parametrize(("check", "tickets"), [("我能评云岭工匠吗", "我的工单"), ("Can I apply to be a Yunling Craftsman?", "my tickets")])
def test_tickets_seen_from_a_step_offer_only_the_steps_options(person, check: str, tickets: str) -> None:  # type: ignore[no-untyped-def]
    """"我的工单" at a check's question, with none open: said so, then the question again. One numbered list, the
    question's: the tickets' own "talk to a person" above it made "1" mean two things (a trial's finding)."""
    p = person(f"tickets-step-{tickets}", locale="en" if tickets == "my tickets" else None)
    p.say(check)
    options = p.choice_values()
    p.say(tickets)
    assert sum(bool(r.choices) for r in p.replies) == 1 and p.choice_values() == options, p.text


def test_a_question_with_articles_near_it_at_a_desk_is_said_to_be_unsure_not_missing(person) -> None:  # type: ignore[no-untyped-def]
    """"培训要交钱吗" typed at the case desk: the search abstains with articles near it, as the FAQ says "I am not
    sure the measures cover this" above them; the step said "四个办法中也没有找到它的答案", which overstates it."""
    from handlers.answering import prefetch

    found = prefetch("培训要交钱吗")
    assert found is not None and found.abstained and found.nearby  # (else this tests nothing)
    clerk = person("desk", clerk="昆明市总工会")
    clerk.say("菜单")
    clerk.say("看看我们单位的申报")
    step = clerk.last.text
    clerk.say("培训要交钱吗")
    assert "不确定" in clerk.replies[0].text and "没有找到" not in clerk.replies[0].text, clerk.text
    assert clerk.last.text == step
