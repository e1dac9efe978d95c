"""The Telegram adapter's pure parts: updates -> Incoming, replies -> Bot API calls, deep links."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from telegram import Update
from telegram_standin import callback_update, contact_update, text_update

from bot.telegram.inbound import (
    MAX_CALLBACK,
    callback_data,
    deep_link,
    normalize_phone,
    to_incoming,
    token_of,
)
from bot.telegram.render import MAX_MESSAGE, long_values, render, split_units, utf16_len
from handlers.i18n import translator
from handlers.types import Attachment, Choice, Citation, Reply

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
_ = translator("zh")


def incoming(data: dict, **kw):  # type: ignore[no-untyped-def]
    data = {"update_id": 5000, **data}
    return to_incoming(Update.de_json(data, None), now=NOW, payload_prefixes=("signin_",), **kw)


def test_text_message_becomes_incoming() -> None:
    inc = incoming(text_update(42, "谁可以申报云岭工匠", lang="zh-hans"))
    assert (inc.channel, inc.user_key, inc.chat_key, inc.message_key) == ("telegram", "42", "42", "tg:5000")
    assert inc.text == "谁可以申报云岭工匠" and inc.locale == "zh-hans" and inc.display_name == "阿明"
    assert inc.payload is None and inc.choice is None and inc.received_at == NOW


def test_start_with_a_known_payload_opens_the_deep_link() -> None:
    inc = incoming(text_update(42, "/start signin_KM2603_AB12CD"))
    assert inc.payload == "signin_KM2603_AB12CD" and inc.text == ""


@pytest.mark.parametrize("text", ["/start", "/start unknown_thing", "/start bad payload!", "/start@YunlingBot"])
def test_start_without_a_usable_payload_is_plain_start(text: str) -> None:
    inc = incoming(text_update(42, text))
    assert inc.text == "/start" and inc.payload is None


def test_command_addressed_to_the_bot_in_a_group_loses_the_suffix() -> None:
    assert incoming(text_update(42, "/menu@YunlingBot")).text == "/menu"


def test_button_tap_carries_the_choice_value() -> None:
    inc = incoming(callback_update(42, "v:flow:craftsman", message_id=9))
    assert inc.choice == "flow:craftsman" and inc.text == "" and inc.message_key == "tg:5000"


def test_token_button_is_resolved_through_the_lookup() -> None:
    long_value = "ask:" + "怎样申报云岭工匠" * 10
    token = token_of(long_value)
    inc = incoming(callback_update(42, "t:" + token, message_id=9), lookup={token: long_value}.get)
    assert inc.choice == long_value
    assert incoming(callback_update(42, "t:unknown", message_id=9)) is None


def test_the_chosen_marker_and_bots_are_ignored() -> None:
    assert incoming(callback_update(42, "x", message_id=9)) is None
    bot_msg = text_update(42, "hi")
    bot_msg["message"]["from"]["is_bot"] = True
    assert incoming(bot_msg) is None
    edited = text_update(42, "hi")
    assert incoming({"edited_message": edited["message"]}) is None


def test_own_contact_gives_the_number_to_the_flow_and_a_foreign_one_does_not() -> None:
    own = incoming(contact_update(42, "+86 138 0013 8000"))
    assert own.event == "contact" and own.text == "13800138000"
    foreign = incoming(contact_update(42, "+8613800138000", own=False))
    assert foreign.event == "contact" and foreign.text == ""
    assert normalize_phone("13912345678") == "13912345678"


def test_deep_link() -> None:
    assert deep_link("@YunlingBot", "signin_KM2603_AB12CD") == "https://t.me/YunlingBot?start=signin_KM2603_AB12CD"
    for bad in ("", "a b", "x" * 65, "签到"):
        with pytest.raises(ValueError):
            deep_link("YunlingBot", bad)


def test_callback_data_fits_and_long_values_get_a_token() -> None:
    assert callback_data("flow:craftsman") == "v:flow:craftsman"
    long_value = "ask:" + "云岭工匠" * 10  # 124 bytes in UTF-8
    data = callback_data(long_value)
    assert data.startswith("t:") and len(data.encode()) <= MAX_CALLBACK
    assert token_of(long_value) == token_of(long_value) != token_of(long_value + "!")
    items = render(Reply("?", choices=(Choice(long_value, "问"), Choice("flow:x", "X"))), _)
    assert long_values(items) == {token_of(long_value): long_value}


def test_text_is_escaped_for_html() -> None:
    (item,) = render(Reply("a < b & c > d, 第九条(一)*粗体*_x_"), _)
    assert item.html == "a &lt; b &amp; c &gt; d, 第九条(一)*粗体*_x_"


def test_long_text_is_split_on_line_boundaries_under_the_limit() -> None:
    lines = [f"第{i}行：" + "云岭工匠选树" * 30 for i in range(60)]  # ~ 11 000 characters
    items = render(Reply("\n".join(lines), choices=(Choice("a", "A"),)), _)
    assert len(items) >= 3
    assert all(utf16_len(it.html) <= MAX_MESSAGE for it in items)
    # Every message holds whole lines, in order, and nothing is lost.
    assert "\n".join(it.html for it in items).split("\n") == lines
    assert [bool(it.choices) for it in items] == [False] * (len(items) - 1) + [True]


def test_a_single_overlong_line_is_cut_and_escapes_are_never_broken() -> None:
    line = ("a&b " * 3000).strip()
    items = render(Reply(line), _)
    assert len(items) >= 3 and all(utf16_len(it.html) <= MAX_MESSAGE for it in items)
    assert "".join(html.unescape(it.html) + " " for it in items).split() == line.split()
    emoji = "😀" * 3000  # two UTF-16 units each
    assert all(utf16_len(it.html) <= MAX_MESSAGE for it in render(Reply(emoji), _))


def test_split_units_packs_greedily_and_drops_blank_edges() -> None:
    assert split_units(["", "aa", "bb", "cc", ""], limit=5) == ["aa\nbb", "cc"]


def test_citations_become_a_compact_footer() -> None:
    cite = Citation("craftsman", 9, "《云岭工匠选树管理办法》第九条", quote="申报人应当<具备>条件。", gist="")
    (item,) = render(Reply("可以申报。", citations=(cite,)), _)
    assert item.html.startswith("可以申报。\n\n📖 <b>《云岭工匠选树管理办法》第九条</b>")
    assert "<blockquote expandable>申报人应当&lt;具备&gt;条件。</blockquote>" in item.html


def test_attachments_follow_the_text_and_carry_the_keyboard() -> None:
    doc = Attachment("document", "申报表.docx", b"PK\x03\x04", "application/vnd.openxmlformats")
    qr = Attachment("image", "qr.png", b"\x89PNG", "image/png")
    items = render(Reply("表格如下", choices=(Choice("flow:x", "X"),), attachments=(doc, qr)), _)
    assert [it.kind for it in items] == ["text", "document", "photo"]
    assert items[1].attachment == doc and items[2].choices == (Choice("flow:x", "X"),)


def test_choices_without_text_get_a_prompt() -> None:
    (item,) = render(Reply("", choices=(Choice("a", "A"),)), _)
    assert item.html == _("Please choose:") and item.choices
