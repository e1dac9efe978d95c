"""Thanks, "好的" and goodbyes are answered as such: never searched (the measures have no article on "好的",
and "did you mean" lists under them read as if the assistant had not listened), in a step or out of one."""

from __future__ import annotations

import pytest

from handlers.i18n import translator
from handlers.own_words import small_talk as kind_of
from handlers.smalltalk import ACK, ACK_WITH_CHOICES, BOT, BYE, DONE, DONT_KNOW, REPLIES, THANKS

ZH, EN = translator("zh"), translator("en")


@pytest.mark.parametrize(("text", "kind"), [
    ("谢谢", THANKS), ("谢谢！", THANKS), ("好的谢谢", THANKS), ("知道了，谢谢🙏", THANKS), ("🙏", THANKS),
    ("thank you very much!", THANKS), ("ok thanks", THANKS), ("Thanks for your help", THANKS),
    ("好的", ACK), ("嗯嗯", ACK), ("OK", ACK), ("👍", ACK), ("got it", ACK), ("好的呀~", ACK), ("对头", ACK), ("要得", ACK),
    ("再见", BYE), ("好的，再见", BYE), ("88", BYE), ("Thanks, bye!", BYE),
    ("没有了", DONE), ("不用了", DONE), ("no thanks", DONE),
    ("你是机器人吗", BOT), ("你是真人吗？", BOT), ("Are you a real person?", BOT), ("are you a bot", BOT),
    ("你好厉害", ACK), ("太棒了 谢谢", THANKS), ("good job", ACK), ("r u a real person?", BOT), ("你好聪明啊😂", ACK),
    ("晚安", BYE), ("不知道", DONT_KNOW), ("我也不晓得啊", DONT_KNOW), ("not sure", DONT_KNOW), ("I don't know", DONT_KNOW),
])
def test_small_talk_is_read_from_the_whole_message(text: str, kind: str) -> None:
    assert kind_of(text) == kind


@pytest.mark.parametrize("text", [
    "好的，那材料交到哪里", "谢谢，培训补贴多少钱", "ok so how do I apply", "好的88元", "8", "对不对", "不用交材料吗",
    "thanks to the union I learned welding", "", "   ", "云岭工匠",
    "你是机器人吗 云岭工匠怎么申报", "机器人操作工能评云岭工匠吗", "不知道怎么申报", "我不确定能不能评",
])
def test_a_message_that_says_more_is_not_small_talk(text: str) -> None:
    assert kind_of(text) is None


def test_thanks_after_an_answer_is_thanked_not_searched(person) -> None:
    worker = person("li")
    worker.say("云岭工匠每年评几个")
    assert worker.last.citations
    worker.say("谢谢")
    assert worker.text == ZH(REPLIES[THANKS])
    assert not any(r.citations for r in worker.replies)


def test_ok_after_an_answer_offers_its_choices_again_and_a_number_still_picks_one(person) -> None:
    worker = person("wang")
    worker.say("云岭工匠怎么申报")
    offered = worker.choice_values()
    assert offered and offered[0].startswith("flow:")  # the channel check, offered with the answer
    worker.say("好的")
    assert worker.choice_values() == offered
    assert not any(r.citations for r in worker.replies)
    worker.say("1")
    assert "申报" in worker.text and worker.last.choices  # the check's first question, not the main menu


@pytest.mark.parametrize(("text", "say"), [("不知道", ZH), ("not sure", EN)])
def test_dont_know_after_an_answer_is_not_searched_and_offers_the_choices_again(person, text, say) -> None:  # type: ignore[no-untyped-def]
    worker = person("wang")
    worker.say("云岭工匠怎么申报")
    offered = worker.choice_values()
    worker.say(text)  # searched, it met "did you mean" with articles it shares no word with
    assert worker.text.startswith(say(REPLIES[DONT_KNOW])) and not any(r.citations for r in worker.replies)
    assert worker.choice_values() == offered
    newcomer = person("zhang")
    newcomer.say(text)  # nothing on screen to offer again: a person and the menu
    assert say(REPLIES[DONT_KNOW]) in newcomer.text
    assert newcomer.choice_values() == ["flow:handoff", "cmd:menu"], newcomer.choice_values()


def test_dont_know_in_a_step_is_the_steps_own_answer(person) -> None:
    worker = person("zhou")
    worker.say("我想知道自己能不能评云岭工匠")
    assert "不确定" in worker.text
    worker.say("不确定")
    assert ZH(REPLIES[DONT_KNOW]) not in worker.text and worker.last.choices


def test_thanks_in_a_step_asks_the_step_again_without_counting_a_retry(person) -> None:
    worker = person("zhao")
    worker.say("云岭工匠")
    question = worker.last.text
    for _ in range(6):  # more than any step's retries: counted, they would stop the step
        worker.say("谢谢")
        assert worker.replies[0].text == ZH("You're welcome!")
        assert worker.last.text == question
    worker.say("好的")  # no answer to the step: its hint, as for any other word
    assert "没能把您的回答对应到选项" in worker.text and worker.last.text == question
    worker.say("2")  # the step still holds: it takes its answer
    assert worker.last.text != question


def test_a_goodbye_in_a_step_leaves_the_step_waiting(person) -> None:
    worker = person("sun")
    worker.say("云岭工匠")
    question = worker.last.text
    worker.say("再见")
    assert worker.text == ZH(REPLIES[BYE])
    worker.say("3")  # "不确定": the step's own answer, as if never left
    assert worker.last.text != question and "没能把您的回答对应到选项" not in worker.text


def test_english_words_are_answered_in_english_and_ok_in_the_persons_language(person) -> None:
    worker = person("zhou")
    worker.say("你好")
    worker.say("thank you!")
    assert worker.text == EN(REPLIES[THANKS])
    worker.say("ok")  # the menu "你好" showed is offered again
    assert worker.last.text == ZH(ACK_WITH_CHOICES) and worker.last.choices
    clerk = person("amy", locale="en")
    clerk.say("好的")
    assert clerk.last.text.endswith(EN(REPLIES[ACK]))


def test_small_talk_is_not_searched_before_the_transaction(dispatcher, person, monkeypatch) -> None:
    searched: list[str] = []
    monkeypatch.setattr(dispatcher, "prefetch", searched.append)
    person("wu").say("好的谢谢")
    person("wu").say("培训补贴多少钱")
    assert searched == ["培训补贴多少钱"]


def test_thanks_is_no_question_for_a_clerk(person) -> None:
    worker = person("qian")
    worker.say("云岭工匠的评选条件是什么")
    worker.say("好的谢谢")
    worker.say("人工")
    assert [c.label for c in worker.last.choices] and "好的谢谢" not in worker.text  # the last question is the real one
    worker.say("谢谢你")  # typed where the question is asked: thanked, and asked again
    assert worker.replies[0].text == ZH("You're welcome!") and worker.last.choices
    assert "哪个" not in worker.text  # not on to the programme step with "谢谢你" as the question


@pytest.mark.parametrize(("text", "question"), [
    ("好的，那培训补贴多少钱", "那培训补贴多少钱"), ("谢谢 请问证书怎么领，谢谢！", "请问证书怎么领"),
    ("Got it. And who approves it?", "And who approves it?"), ("培训补贴多少钱", "培训补贴多少钱"), ("好的", "好的"),
])
def test_the_faq_searches_the_question_without_the_small_talk_round_it(text: str, question: str) -> None:
    from handlers.own_words import without_talk

    assert without_talk(text) == question


def test_ok_before_a_question_does_not_spoil_its_answer(person) -> None:
    worker = person("feng")
    worker.say("云岭工匠每年评几个")
    worker.say("好的，那培训补贴多少钱")  # alone, "好的，" made the search unsure
    assert [(c.measure, c.article) for c in worker.replies[0].citations][:1] == [("training", 9)]


def test_a_word_is_never_offered_as_the_question_for_a_clerk(person) -> None:
    worker = person("chen")
    worker.say("云岭工匠")
    worker.say("算了 这个表我不弄了")  # a cancel, in other words
    worker.say("人工")
    assert not any("不弄了" in c.label for c in worker.last.choices), worker.text


def test_asked_whether_a_person_answers_it_says_it_is_an_assistant(person) -> None:
    worker = person("wang")
    worker.say("你是机器人吗")
    assert worker.text.endswith(ZH(REPLIES[BOT])) and "不是真人" in worker.text and "人工" in worker.text
    worker.say("are you a real person?")
    assert worker.last.text == EN(REPLIES[BOT]) and not any(r.citations for r in worker.replies)


@pytest.mark.parametrize(("text", "locale", "intro"), [
    ("你好，我是玉溪一家公司的人事", None, "云岭职工助手"),
    ("hi, I work in HR at a company in Yuxi", "en", "Yunling Workers' Assistant"),
])
def test_a_greeting_with_words_about_oneself_is_greeted_not_searched(person, text: str, locale: str | None,  # type: ignore[no-untyped-def]
                                                                   intro: str) -> None:
    """A first message that greets and says who is writing, asking nothing, gets the introduction and the
    menu: not "did you mean" articles nor "not in the measures"."""
    p = person(f"hello-{text}", locale=locale)
    p.say(text)
    assert intro in p.text and not any(r.citations for r in p.replies), p.text
    assert "flow:handoff" in p.choice_values() or any(v.startswith("menu:") for v in p.choice_values())
    assert "did you mean" not in p.text.lower() and "您是不是想问" not in p.text


@pytest.mark.parametrize("text", ["你好，我想申报云岭工匠", "你好 云岭工匠怎么申报", "hi, how do I apply for Yunling Craftsman?"])
def test_a_greeting_with_a_question_is_answered(person, text: str) -> None:  # type: ignore[no-untyped-def]
    p = person(f"hello-q-{text}")
    p.say(text)
    assert any(c.measure == "craftsman" for r in p.replies for c in r.citations), p.text
