"""A person new to the assistant whose platform does not say their language (WeChat, the console) is
answered in the language of their first message; toneless pinyin is Chinese; a platform's own language
(Telegram's language_code) wins; a later English message does not switch a Chinese speaker."""

from __future__ import annotations


def test_a_first_message_in_english_is_answered_in_english(person) -> None:  # type: ignore[no-untyped-def]
    p = person("eng")
    p.say("how many craftsmen are named each year")
    assert "Privacy" in p.text and "20" in p.text and "隐私说明" not in p.text
    p.say("my tickets")
    assert "工单" not in p.text


def test_a_first_message_in_pinyin_stays_chinese(person) -> None:  # type: ignore[no-untyped-def]
    p = person("py")
    p.say("gongjiang zenme shenbao")
    assert "隐私说明" in p.text


def test_the_platform_language_wins_over_the_guess(person) -> None:  # type: ignore[no-untyped-def]
    p = person("tg", locale="zh")
    p.say("hello")
    assert "隐私说明" in p.text


def test_english_later_does_not_switch_a_chinese_speaker(person) -> None:  # type: ignore[no-untyped-def]
    p = person("zh")
    p.say("你好")
    p.say("menu")
    assert "请问您想办理什么" in p.text


def test_a_greeting_or_a_code_alone_says_nothing_of_the_language(person) -> None:  # type: ignore[no-untyped-def]
    for user, first in (("hi", "hello"), ("code", "KM2603"), ("ok", "ok"), ("signin-code", "QMYR5A")):
        p = person(user)
        p.say(first)
        assert "隐私说明" in p.text, first


def test_a_tapped_article_is_offered_its_check_in_the_persons_language(person) -> None:  # type: ignore[no-untyped-def]
    """Tapping "云岭工匠" at "which programme?" sends "§craftsman:10": not English, so the check offered
    beside the answer is in Chinese like the answer itself."""
    p = person("tap-zh")
    p.say("要交什么材料")
    labels = {c.label: c.value for c in p.last.choices}
    p.say(choice=labels["云岭工匠"])
    assert "附件2" in p.text
    offered = [c.label for c in p.last.choices if c.value.startswith("flow:")]
    assert offered and all(not label.isascii() for label in offered), offered


def test_a_greeting_then_english_is_answered_in_english_from_then_on(person) -> None:  # type: ignore[no-untyped-def]
    p = person("hi-en")
    p.say("hi")  # says nothing of the language: Chinese, the default
    assert "隐私说明" in p.text
    p.say("who can apply to be a yunling craftsman?")
    p.say("please show my tickets")  # a flow's own reply, not only the FAQ's, is in English now
    assert "ticket" in p.text.lower() and "工单" not in p.text
    q = person("hi-zh")
    q.say("hi")
    q.say("云岭工匠怎么申报")
    q.say("menu")
    assert "请问您想办理什么" in q.text  # Chinese first: English words later do not switch


def test_a_question_written_in_chinese_is_answered_in_chinese_whatever_came_first(person) -> None:  # type: ignore[no-untyped-def]
    """A person first answered in English who then writes a sentence in Chinese reads Chinese: that answer
    (and the check it opens) is in Chinese. A Chinese word inside English, or one copied alone, is not."""
    p = person("en-then-zh")
    p.say("how many craftsmen are named each year")
    p.say("云岭工匠怎么申报")
    assert "线上线下同步申报" in p.text and "online" not in p.text
    p.say("what is 云岭工匠")
    assert "Yunling Craftsman" in p.text and "主菜单" not in p.text
    p.say("我今年45岁 高级技师 能评云岭工匠吗")
    assert "我记下了" in p.text
