"""TelegramSender and its lean text path LeanTelegramSender (outbox senders, ``bot.senders`` contract)
against the local Bot API stand-in: the same answers map onto the same contract errors."""

from __future__ import annotations

from dataclasses import replace

import pytest
from telegram_standin import DOCX, LONG_VALUE, QR, TOKEN, running

from bot.senders import Permanent, Recipient, RetryAfter, Transient, Unreachable
from bot.telegram import make_sender
from bot.telegram.inbound import token_of
from bot.telegram.sender import LeanTelegramSender, TelegramSender
from handlers.types import Choice, Reply
from storage import models_telegram
from storage.channel_store import TelegramStore
from storage.db import session_scope

TO = Recipient(person_id=1, channel="telegram", user_key="4242", chat_key="4242", last_inbound_at=None)


standin = pytest.fixture(running, name="standin")


@pytest.fixture(params=[TelegramSender, LeanTelegramSender], ids=["ptb", "lean"])
def sender(request, settings, engine, standin) -> TelegramSender:  # type: ignore[no-untyped-def]
    s = replace(settings, telegram_token=TOKEN, telegram_base_url=standin.url)
    return request.param(s, TelegramStore(engine, s.data_key), timeout=0.5)


async def test_sends_text_keyboard_document_and_photo(sender, standin, engine) -> None:
    reply = Reply("公示期 5 个工作日 <注意>", choices=(Choice("flow:status", "我的申报进度"), Choice(LONG_VALUE, "长")),
                  attachments=(DOCX, QR))
    await sender.send(TO, reply, kind="notification", dedupe_key="n1")
    (text,) = standin.of("sendMessage")
    assert text.chat == "4242" and text.text == "公示期 5 个工作日 &lt;注意&gt;" and not text.buttons()
    (doc,) = standin.of("sendDocument")
    (photo,) = standin.of("sendPhoto")
    assert doc.files["document"] == (DOCX.filename, DOCX.data)
    assert photo.files["photo"] == (QR.filename, QR.data)
    assert photo.buttons() == [("我的申报进度", "v:flow:status"), ("长", "t:" + token_of(LONG_VALUE))]
    with session_scope(engine) as s:
        assert models_telegram.value_of(session=s, token=token_of(LONG_VALUE)) == LONG_VALUE
    await sender.aclose()


async def test_429_is_retry_after_with_the_seconds(sender, standin) -> None:
    standin.fail("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await sender.send(TO, Reply("hi"), kind="broadcast", dedupe_key="b1")
    assert caught.value.seconds == 7.0
    await sender.send(TO, Reply("hi"), kind="broadcast", dedupe_key="b1")  # the worker's retry succeeds
    assert [c.text for c in standin.of("sendMessage")] == ["hi"]
    await sender.aclose()


@pytest.mark.parametrize(("status", "error"), [(403, Unreachable), (400, Permanent), (500, Transient),
                                               (502, Transient), (401, Transient), (404, Transient),
                                               (409, Permanent), (429, Transient)])  # 429 without retry_after
async def test_errors_map_onto_the_contract(sender, standin, status, error) -> None:
    standin.fail("sendMessage", status)
    with pytest.raises(error):
        await sender.send(TO, Reply("hi"), kind="broadcast", dedupe_key="e1")
    await sender.aclose()


async def test_a_hanging_api_is_transient(sender, standin) -> None:
    standin.hang("sendMessage", seconds=1.5)
    with pytest.raises(Transient):
        await sender.send(TO, Reply("hi"), kind="broadcast", dedupe_key="h1")
    await sender.aclose()


@pytest.mark.parametrize("kind", [TelegramSender, LeanTelegramSender])
async def test_unreachable_api_is_transient(settings, engine, kind) -> None:
    s = replace(settings, telegram_token=TOKEN, telegram_base_url="http://127.0.0.1:9")  # nothing listens
    sender = kind(s, engine, timeout=0.5)
    with pytest.raises(Transient):
        await sender.send(TO, Reply("hi"), kind="broadcast", dedupe_key="u1")
    await sender.aclose()


async def test_a_retry_does_not_repeat_parts_already_delivered(sender, standin) -> None:
    reply = Reply("第一段", attachments=(DOCX,))
    standin.fail("sendDocument", 500)
    with pytest.raises(Transient):
        await sender.send(TO, reply, kind="notification", dedupe_key="p1")
    await sender.send(TO, reply, kind="notification", dedupe_key="p1")
    assert len(standin.of("sendMessage")) == 1 and len(standin.of("sendDocument")) == 1
    await sender.aclose()


async def test_text_goes_the_lean_way_and_long_text_resumes_where_it_stopped(settings, engine, standin) -> None:
    sender = LeanTelegramSender(replace(settings, telegram_token=TOKEN, telegram_base_url=standin.url),
                                TelegramStore(engine, settings.data_key),
                                timeout=0.5)
    long = "\n".join(f"第{i}行 " + "字" * 90 for i in range(120))  # about 11 000 characters: three messages
    # The first part is delivered, the second fails.
    standin.listener = lambda _call: standin.fail("sendMessage", 500) if len(standin.sent()) == 1 else None
    with pytest.raises(Transient):
        await sender.send(TO, Reply(long), kind="broadcast", dedupe_key="L1")
    standin.listener = None
    await sender.send(TO, Reply(long), kind="broadcast", dedupe_key="L1")  # the worker's retry
    parts = [c.text for c in standin.of("sendMessage")]
    assert len(parts) >= 3 and "".join(parts).replace("\n", "") == long.replace("\n", "")
    await sender.send(TO, Reply("短 <b>"), kind="broadcast", dedupe_key="s1")
    assert standin.of("sendMessage")[-1].text == "短 &lt;b&gt;"
    assert sender._bot is None  # PTB was never needed
    for i in range(10):
        await sender.send(TO, Reply(f"第{i}条"), kind="broadcast", dedupe_key=f"k{i}")
    assert sender.client.opened <= 2  # kept alive (a new one only after the stand-in's 500 closed one)
    await sender.aclose()


def test_make_sender_needs_a_token(settings, engine) -> None:
    from bot.app import App
    from handlers.registry import build_dispatcher

    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    assert make_sender(app) is None
    with_token = replace(settings, telegram_token=TOKEN)
    sender = make_sender(App(settings=with_token, engine=engine, dispatcher=app.dispatcher))
    assert isinstance(sender, LeanTelegramSender) and sender.channel == "telegram"
