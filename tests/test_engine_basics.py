"""Dispatcher basics: menu, commands in both languages, duplicates, choices by number/text."""

from __future__ import annotations

from handlers.choices import resolve
from handlers.types import Choice


def test_duplicate_delivery_is_processed_once(person) -> None:
    alice = person("alice")
    first = alice.say("/me", key="k1")
    assert first and "本地控制台" in alice.text
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


def test_a_sentence_sharing_a_word_with_an_option_is_no_choice(person) -> None:
    """WRatio scores a long text that shares one word ("and") with a label 85: a broadcast typed where the
    broadcast menu is shown is not its "Drafts and proposed reminders"; a mistyped label still is its option."""
    options = [Choice("new", "Write a new message"), Choice("drafts", "Drafts and proposed reminders"),
               Choice("cancel", "Cancel a scheduled message"), Choice("reports", "Delivery reports")]
    assert resolve("Reminder: training summaries and the 附件4 roster are due 10 December.", options) is None
    assert resolve("drafts and proposed remnders", options).value == "drafts"
    clerk = person("clerk", clerk="昆明市总工会")
    clerk.say("/lang en")
    clerk.say("broadcast a reminder about the December 10 deadline")
    clerk.say("1")
    clerk.say("Reminder: training summaries and the 附件4 roster are due 10 December.")
    assert "nothing here yet" not in clerk.text
    # The message typed at the menu is the new message's text: whom to send it to, then its preview.
    assert "as the message" in clerk.text and "Who should receive it?" in clerk.text
    clerk.say("3")  # subscribers of a programme
    clerk.say("4")  # skills training
    assert "Preview of broadcast" in clerk.text and "附件4 roster are due 10 December." in clerk.text
    assert "0 recipients" in clerk.text and "it would reach no one" in clerk.text  # nobody has subscribed yet
    # A label typed near enough is still its option; a short word that is none is asked again.
    clerk.say("cancel")
    clerk.say("broadcast")
    clerk.say("delivery reprts")
    assert "Report of which broadcast" in clerk.text or "nothing here yet" in clerk.text
    clerk.say("broadcast")
    clerk.say("the second one maybe")
    assert "Please answer with one of the options" in clerk.text and "Write a new message" in clerk.text
    # Typed one step later, where whom to send it to is asked: kept the same way, and that question asked again.
    clerk.say("1")
    clerk.say("Dear trainees: class starts at 8 tomorrow at the Workers' Cultural Palace, bring your ID card.")
    assert "as the message" in clerk.text and "Who should receive it?" in clerk.text
    clerk.say("3")
    clerk.say("4")
    assert "Preview of broadcast" in clerk.text and "bring your ID card." in clerk.text
    # A typo seen in the preview: the text typed again, for the same recipients; the first draft dropped.
    clerk.say(choice="edit")
    assert "Type the message" in clerk.text
    clerk.say("Dear trainees: class starts at 8:30 tomorrow.")
    assert "Preview of broadcast" in clerk.text and "8:30 tomorrow." in clerk.text and "ID card" not in clerk.text
    clerk.say(choice="discard")
    # "back" at the class code is no code: whom to send it to, asked again.
    clerk.say("broadcast")
    clerk.say("1")
    clerk.say("2")
    clerk.say("back")
    assert "Who should receive it?" in clerk.text and "no class" not in clerk.text


def test_every_menu_flow_is_reachable_through_the_menu(person, dispatcher) -> None:
    """The main menu leads to every capability: each in-menu flow is one or two taps away for its roles."""
    for who in (person("worker"), person("clerk", clerk="昆明市总工会")):
        who.say("菜单")
        reachable: set[str] = set()
        for value in who.choice_values():
            if value.startswith("flow:"):
                reachable.add(value[5:])
            elif value.startswith("menu:"):
                who.say("菜单")
                who.say(choice=value)
                reachable |= {v[5:] for v in who.choice_values() if v.startswith("flow:")}
        roles = frozenset({"clerk"}) if who.user == "clerk" else frozenset()
        expected = {f.name for f in dispatcher.flows.values() if f.in_menu and f.allows(roles)}
        assert expected <= reachable, expected - reachable
        if who.user == "worker":
            assert "broadcast" not in reachable and "tickets" not in reachable


def test_group_words_open_submenus(person) -> None:
    alice = person("alice")
    alice.say("技能培训")
    assert "flow:signin" in alice.choice_values() and "cmd:menu" in alice.choice_values()
    alice.say(str(len(alice.choice_values())))  # the last option, typed: back to the main menu
    assert "menu:training" in alice.choice_values()


def test_flow_diagrams_in_docs_are_current() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(root / "tools" / "flow_docs.py"), "--check"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
