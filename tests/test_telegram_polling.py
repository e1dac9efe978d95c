"""Transcripts through the real python-telegram-bot, long polling a local Bot API stand-in."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram_standin import (
    BOT_USERNAME,
    DOCX,
    LONG_LINES,
    LONG_VALUE,
    QR,
    TelegramStandIn,
    callback_update,
    contact_update,
    document_update,
    make_app,
    running,
    text_update,
)

from bot.telegram.app import SORRY, TelegramBot
from bot.telegram.inbound import token_of
from bot.telegram.render import MAX_MESSAGE, utf16_len
from handlers.i18n import translator
from knowledge.text import pseudonym
from storage import models_telegram
from storage.db import session_scope

USER = 987654321


standin = pytest.fixture(running, name="standin")


@asynccontextmanager
async def polling(engine, settings, standin: TelegramStandIn) -> AsyncIterator[TelegramBot]:  # type: ignore[no-untyped-def]
    bot = TelegramBot(make_app(engine, settings, standin.url))  # type: ignore[attr-defined]
    await bot.start(polling=True, poll_timeout=1)
    try:
        yield bot
    finally:
        await bot.stop()


def texts_to(standin: TelegramStandIn, chat: int = USER) -> list[str]:
    return [c.text for c in standin.of("sendMessage") if c.chat == str(chat)]


async def test_start_registers_commands_and_answers_with_an_inline_keyboard(engine, settings, standin) -> None:
    async with polling(engine, settings, standin) as bot:
        assert bot.application.bot.username == BOT_USERNAME
        standin.push(text_update(USER, "/start"))
        await standin.wait_for_async(lambda s: any(c.buttons() for c in s.of("sendMessage")))
    methods = [c.method for c in standin.calls]
    assert methods[0] == "getMe" and "deleteWebhook" in methods  # polling clears a webhook first
    commands = {c.params.get("language_code", ""): c.json("commands") for c in standin.of("setMyCommands")}
    assert set(commands) == {"zh", ""}
    names = [c["command"] for c in commands["zh"]]
    assert names[:4] == ["start", "menu", "help", "cancel"] and "status" not in names  # no /status flow here
    assert commands[""][1]["description"] == "Main menu"
    assert commands["zh"][1]["description"] == translator("zh")("Main menu") != "Main menu"
    menu = standin.of("sendMessage")[-1]
    assert menu.params["parse_mode"] == "HTML" and ("Pick", "v:flow:pick") in menu.buttons()


async def test_button_tap_is_answered_the_keyboard_replaced_and_a_second_tap_ignored(
        engine, settings, standin) -> None:
    async with polling(engine, settings, standin):
        standin.push(text_update(USER, "/pick"))
        question = await standin.wait_for_async(lambda s: [c for c in s.of("sendMessage") if c.buttons()])
        buttons = question[0].buttons()
        token = token_of(LONG_VALUE)
        assert buttons == [("Red", "v:red"), ("Long one", "t:" + token)]
        with session_scope(engine) as s:  # the long value was stored server-side under its token
            assert models_telegram.value_of(session=s, token=token) == LONG_VALUE

        standin.push(callback_update(USER, "t:" + token, message_id=77, buttons=buttons))
        await standin.wait_for_async(lambda s: any(t.startswith("picked") for t in texts_to(s)))
        assert f"picked {LONG_VALUE}" in texts_to(standin)
        (answer,) = standin.of("answerCallbackQuery")
        assert answer.params["callback_query_id"] == "cq77t:" + token[:6]
        (edit,) = standin.of("editMessageReplyMarkup")
        assert edit.params["message_id"] == "77" and edit.buttons() == [("✓ Long one", "x")]

        # A second tap on the same (old) keyboard: answered, nothing else happens.
        standin.push(callback_update(USER, "v:red", message_id=77, buttons=buttons))
        standin.push(text_update(USER, "after"))
        await standin.wait_for_async(lambda s: "echo: after" in texts_to(s))
        assert len(standin.of("answerCallbackQuery")) == 2
        assert not any(t == "picked red" for t in texts_to(standin))
        assert len(standin.of("editMessageReplyMarkup")) == 1


async def test_long_reply_is_split_under_the_limit_with_the_keyboard_last(engine, settings, standin) -> None:
    async with polling(engine, settings, standin):
        standin.push(text_update(USER, "/long"))
        parts = await standin.wait_for_async(
            lambda s: (m := s.of("sendMessage")) and m[-1].buttons() and m)
    assert len(parts) >= 3
    assert all(utf16_len(p.text) <= MAX_MESSAGE for p in parts)
    assert "\n".join(p.text for p in parts).split("\n") == LONG_LINES
    assert [bool(p.buttons()) for p in parts] == [False] * (len(parts) - 1) + [True]


async def test_attachments_are_uploaded_as_document_and_photo(engine, settings, standin) -> None:
    async with polling(engine, settings, standin):
        standin.push(text_update(USER, "/files"))
        await standin.wait_for_async(lambda s: s.of("sendPhoto"))
    (text,) = standin.of("sendMessage")
    (doc,) = standin.of("sendDocument")
    (photo,) = standin.of("sendPhoto")
    assert text.text == "files &lt;b&gt;"
    assert doc.files["document"] == (DOCX.filename, DOCX.data) and doc.chat == str(USER)
    assert photo.files["photo"] == (QR.filename, QR.data)
    assert text.at <= doc.at <= photo.at


async def test_deep_link_payload_reaches_the_dispatcher(engine, settings, standin) -> None:
    async with polling(engine, settings, standin):
        standin.push(text_update(USER, "/start probe_KM2603_AB12CD"))
        await standin.wait_for_async(lambda s: texts_to(s))
    assert texts_to(standin) == ["payload=probe_KM2603_AB12CD"]


async def test_shared_contact_goes_to_the_flow_and_never_to_the_log(engine, settings, standin, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with polling(engine, settings, standin):
        standin.push(text_update(USER, "/phone"))
        await standin.wait_for_async(lambda s: "share your phone" in texts_to(s))
        standin.push(contact_update(USER, "+8613800138000"))
        await standin.wait_for_async(lambda s: any(t.startswith("phone ") for t in texts_to(s)))
    assert texts_to(standin)[-1] == "phone 138****8000"
    assert "13800138000" not in caplog.text


async def test_error_handler_logs_once_with_the_update_id_and_apologises(engine, settings, standin, caplog) -> None:
    standin.fail("sendMessage", 400, description="Bad Request: can't parse entities")
    async with polling(engine, settings, standin):
        update_id = standin.push(text_update(USER, "hello", lang="en"))
        await standin.wait_for_async(lambda s: texts_to(s))
    assert texts_to(standin) == [translator("en")(SORRY)]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    message = errors[0].getMessage()
    assert str(update_id) in message and pseudonym("telegram", str(USER)) in message
    assert str(USER) not in caplog.text and "hello" not in message


async def test_messages_of_one_chat_keep_their_order(engine, settings, standin) -> None:
    async with polling(engine, settings, standin):
        for i in range(8):
            standin.push(text_update(USER, f"m{i}"))
            standin.push(text_update(USER + 1, f"n{i}"))
        await standin.wait_for_async(lambda s: len(s.of("sendMessage")) == 16)
    assert texts_to(standin) == [f"echo: m{i}" for i in range(8)]
    assert texts_to(standin, USER + 1) == [f"echo: n{i}" for i in range(8)]


async def test_a_clerk_sends_the_roster_as_a_document_and_it_is_imported(engine, settings, standin) -> None:
    from dataclasses import replace

    from test_training_classes import UNIT, _class, good_rows, roster_sheet

    from bot.app import App
    from handlers.registry import build_dispatcher
    from storage import repo_training

    code = _class(engine)
    s = replace(settings, telegram_token=standin.token, telegram_base_url=standin.url,  # type: ignore[attr-defined]
                clerks={f"telegram:{USER}": UNIT})
    bot = TelegramBot(App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s)))
    await bot.start(polling=True, poll_timeout=1)

    def said(part: str):  # type: ignore[no-untyped-def]
        return lambda st: [c for c in st.of("sendMessage") if part in c.text]

    try:
        standin.push(text_update(USER, "/classes", lang="en"))
        await standin.wait_for_async(lambda st: any(("v:c:" + code) in str(c.buttons()) for c in st.of("sendMessage")))
        standin.push(callback_update(USER, f"v:c:{code}", message_id=201, lang="en"))
        await standin.wait_for_async(lambda st: any("v:import" in str(c.buttons()) for c in st.of("sendMessage")))
        standin.push(callback_update(USER, "v:import", message_id=202, lang="en"))
        await standin.wait_for_async(said("Annex 4"))
        sheet = roster_sheet(good_rows())
        file_id = standin.host(sheet)
        standin.push(document_update(USER, file_id, size=len(sheet), lang="en"))
        await standin.wait_for_async(said(f"Trainees imported into the roster of class {code}: 3"))
        # Too large to be a roster: refused from its declared size, never fetched.
        standin.push(document_update(USER, standin.host(b"big"), size=5 * 1024 * 1024, lang="en"))
        await standin.wait_for_async(said("too large"))
        # Telegram does not hand the file over: the person is told, nothing breaks.
        standin.fail("getFile", 500)
        standin.push(document_update(USER, standin.host(sheet), size=len(sheet), lang="en"))
        await standin.wait_for_async(said("could not fetch your file"))
    finally:
        await bot.stop()
    assert standin.downloads == [f"documents/{file_id}.xlsx"]
    with session_scope(engine) as ss:
        cls = repo_training.get_class(session=ss, code=code)
        assert len(repo_training.enrolments_of(session=ss, class_id=cls.id)) == 3
