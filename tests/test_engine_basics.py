"""Dispatcher basics: menu, commands in both languages, duplicates, choices by number/text."""

from __future__ import annotations

from handlers.choices import resolve
from handlers.types import Choice


def test_duplicate_delivery_is_processed_once(person) -> None:
    alice = person("alice")
    first = alice.say("/me", key="k1")
    assert first and "console" in alice.text
    again = alice.d.handle(__import__("handlers.types", fromlist=["Incoming"]).Incoming(
        channel="console", user_key="alice", message_key="k1", received_at=alice.clock.now, text="/me"))
    assert again.duplicate and again.replies == []


def test_menu_and_language_switch(person) -> None:
    alice = person("alice")
    alice.say("菜单")
    assert "flow:lang" in alice.choice_values()
    alice.say("/lang")
    alice.say("English")
    assert "English" in alice.text
    alice.say("/me")
    assert "Your information" in alice.text


def test_choice_resolution_accepts_numbers_fullwidth_chinese_and_text() -> None:
    options = [Choice("a", "工会逐级推荐"), Choice("b", "行业协会推荐"), Choice("c", "个人自荐")]
    assert resolve("2", options).value == "b"
    assert resolve("２", options).value == "b"
    assert resolve("三", options).value == "c"
    assert resolve("第一个", options).value == "a"
    assert resolve("个人自荐", options).value == "c"
    assert resolve("行业协会", options).value == "b"
    assert resolve("7", options) is None
    assert resolve("天气怎么样", options) is None
    assert resolve("x", options, tapped="a").value == "a"
