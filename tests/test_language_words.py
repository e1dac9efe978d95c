"""A language asked for in one's own words ("说中文", "switch to English", "我看不懂英文") is set at once, in every
state; in a step the step goes on, asked again in that language."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from handlers.flow import LANGUAGE_SET
from handlers.i18n import translator
from handlers.own_words import asked_language
from storage.models import Conversation


@pytest.mark.parametrize(("text", "code"), [
    ("说中文", "zh"), ("我想用英文", "en"), ("能不能说英语？", "en"), ("用中文回答吧", "zh"), ("英文版", "en"),
    ("中文", "zh"), ("切换英文", "en"), ("我看不懂英文", "zh"),
    ("switch to English", "en"), ("English please", "en"), ("Can you reply in English?", "en"),
    ("please speak Chinese", "zh"), ("change language to english", "en"), ("I don't read Chinese", "en"),
    ("do you speak English?", "en"),
])
def test_a_language_asked_for_in_words(text: str, code: str) -> None:
    assert asked_language(text) == code


@pytest.mark.parametrize("text", ["英语培训有补贴吗", "中文名字怎么填", "english teacher training subsidy",
                                  "我们厂有很多人看不懂英文的说明书，能培训吗", "语言"])
def test_a_message_about_something_else_is_no_language_request(text: str) -> None:
    assert asked_language(text) is None


def test_at_idle_the_language_is_set(person) -> None:
    worker = person("li")
    worker.say("switch to English")
    assert worker.last.text.endswith(translator("en")(LANGUAGE_SET))
    worker.say("说中文")
    assert worker.text == translator("zh")(LANGUAGE_SET)
    worker.say("云岭工匠每年评几个")
    assert "每年命名不超过20名" in worker.text  # answered in Chinese


def test_in_a_step_the_step_goes_on_in_the_language_chosen(person, engine) -> None:
    worker = person("wang")
    worker.say("云岭工匠")
    zh_question, values = worker.last.text, worker.choice_values()
    worker.say("switch to English")
    assert worker.replies[0].text == translator("en")(LANGUAGE_SET)
    assert worker.last.text != zh_question and worker.choice_values() == values  # the same question, in English
    assert "Yunling Craftsman" in worker.last.text
    with Session(engine) as s:
        conv = s.exec(select(Conversation)).one()
    assert conv.flow == "craftsman" and conv.retries == 0
    worker.say("2")  # its options still pick
    assert "Chinese national" in worker.text


def test_the_language_chooser_in_a_step_returns_to_the_step(person, engine) -> None:
    worker = person("zhou")
    worker.say("云岭工匠")
    worker.say("2")  # not named before: on to the next question
    zh_question, values = worker.last.text, worker.choice_values()
    worker.say("语言")
    assert worker.choice_values() == ["zh", "en"]
    worker.say("2")
    assert worker.replies[0].text == translator("en")(LANGUAGE_SET)
    assert worker.last.text != zh_question and worker.choice_values() == values  # the same question, in English
    with Session(engine) as s:
        conv = s.exec(select(Conversation)).one()
    assert conv.flow == "craftsman"
