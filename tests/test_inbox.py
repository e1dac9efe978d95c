"""Acknowledged means kept (issue 19, items 1 and 2): an update the platform was told we have survives the
process. Each test acknowledges updates to a process that "dies" before handling them (its handling never
runs), then starts a new process on the same database and checks that it handles each of them once, in
order, and that a re-delivery is not handled again. Real python-telegram-bot against the Bot API stand-in;
real wechatpy crypto on the WeChat webhook and the WeChat API stand-in. ``bench/crash.py`` does the same
with ``kill -9`` on real ``yunling serve`` processes."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session, select
from telegram_standin import TelegramStandIn, make_app, text_update
from telegram_standin import running as telegram_running
from test_wechat_deadline import RUNS, TEST_FLOWS
from test_wechat_webhook import OPENID, pusher, wx_settings
from wechat_standin import push_xml
from wechat_standin import running as wechat_running

from bot.app import App
from bot.delivery import NO_LIMITS, DeliveryWorker
from bot.telegram.app import REPLY_GRACE, SECRET_HEADER, WEBHOOK_PATH, TelegramBot, telegram_for
from bot.telegram.sender import TelegramSender
from bot.web import build_web_app
from bot.wechat.sender import WeChatSender
from handlers.dispatch import Dispatcher
from handlers.flows import FLOWS, MENU, faq_answer
from handlers.registry import build_dispatcher
from handlers.types import DispatchResult, Incoming
from storage.models import InboxUpdate, OutboxMessage, ProcessedMessage
from storage.models_wechat import WechatReplyCache

SECRET = "inbox-Secret_for_tests"
ALICE, BOB = 700000001, 700000002


def _rows(engine, model) -> list:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return list(s.exec(select(model)))


def _texts(standin: TelegramStandIn, chat: int) -> list[str]:
    return [c.text for c in standin.of("sendMessage") if c.chat == str(chat)]


# -- Telegram ----------------------------------------------------------------------------------------------
@pytest.fixture
def tg(monkeypatch):  # type: ignore[no-untyped-def]
    """A Telegram stand-in, and a switch that makes bots built while it is on die before handling."""
    ptb_level = logging.getLogger("telegram").level  # TelegramBot raises it; later tests read PTB's DEBUG
    gen = telegram_running()
    standin = next(gen)
    dead = asyncio.Event()

    async def dies(self, update, context) -> None:  # type: ignore[no-untyped-def]
        await dead.wait()  # the process is gone: nothing of the handling ever happens

    def dying() -> None:
        monkeypatch.setattr(TelegramBot, "_on_update", dies)

    yield standin, dying, dead, monkeypatch.undo
    with pytest.raises(StopIteration):
        next(gen)
    logging.getLogger("telegram").setLevel(ptb_level)


async def _post(client: httpx.AsyncClient, update: dict) -> int:
    r = await client.post(WEBHOOK_PATH, content=json.dumps(update).encode(),
                          headers={"content-type": "application/json", SECRET_HEADER: SECRET})
    return r.status_code


def _updates() -> list[dict]:
    return [text_update(ALICE, "a1", update_id=101), text_update(BOB, "b1", update_id=102),
            text_update(ALICE, "a2", update_id=103), text_update(ALICE, "a3", update_id=104)]


async def _webhook_process(engine, settings, standin: TelegramStandIn,  # type: ignore[no-untyped-def]
                           updates: Sequence[dict]) -> TelegramBot:
    """A started bot on its own App (a process), after posting ``updates`` to its webhook (all 200)."""
    app = make_app(engine, settings, standin.url, telegram_webhook_secret=SECRET)  # type: ignore[attr-defined]
    web = build_web_app(app, providers=("bot.telegram",))
    bot = telegram_for(app)
    await bot.start()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://test") as client:
        assert [await _post(client, u) for u in updates] == [200] * len(updates)
    return bot


async def test_telegram_webhook_update_acknowledged_then_crash_is_handled_once_after_restart(
        engine, settings, tg) -> None:  # type: ignore[no-untyped-def]
    standin, dying, dead, revive = tg
    dying()
    first = await _webhook_process(engine, settings, standin, _updates())
    await asyncio.sleep(0.3)
    assert standin.of("sendMessage") == []  # acknowledged (200) and not handled
    dead.set()  # the process dies (its stop only releases the HTTP clients: nothing is left to run)
    await first.stop()
    revive()

    # A new process on the same database: every acknowledged update is handled, once, in per-chat order.
    second = await _webhook_process(engine, settings, standin, [])
    try:
        await standin.wait_for_async(lambda s: len(s.of("sendMessage")) >= 4)
        assert _texts(standin, ALICE) == ["echo: a1", "echo: a2", "echo: a3"]
        assert _texts(standin, BOB) == ["echo: b1"]
        assert _rows(engine, InboxUpdate) == []
        # Telegram re-delivers one (its 200 was lost): dropped, not handled again.
        web = build_web_app(second.app, providers=("bot.telegram",))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://test") as client:
            assert await _post(client, _updates()[0]) == 200
        await asyncio.sleep(0.3)
    finally:
        await second.stop()
    third = await _webhook_process(engine, settings, standin, [])  # and a third start finds nothing
    await asyncio.sleep(0.3)
    await third.stop()
    assert len(standin.of("sendMessage")) == 4
    keys = sorted(r.message_key for r in _rows(engine, ProcessedMessage) if r.channel == "telegram")
    assert keys == ["tg:101", "tg:102", "tg:103", "tg:104"]
    assert _rows(engine, InboxUpdate) == []
    # Each reply was kept in the outbox with its commit and marked sent once it went out directly.
    assert sorted((o.dedupe_key, o.status) for o in _rows(engine, OutboxMessage)) == [
        (f"tg:{n}:reply:0", "sent") for n in (101, 102, 103, 104)]


async def test_telegram_reply_not_sent_when_the_process_dies_goes_out_from_the_outbox(
        engine, settings, tg) -> None:  # type: ignore[no-untyped-def]
    standin, _dying, _dead, _revive = tg
    standin.fail("sendMessage", 500)  # the direct send never arrives
    bot = await _webhook_process(engine, settings, standin, [text_update(ALICE, "kept", update_id=301)])
    await _wait(lambda: _rows(engine, ProcessedMessage) and [c.method for c in standin.calls].count("sendMessage") >= 1)
    await asyncio.sleep(0.2)
    await bot.stop()
    # Handled and kept: a failed send on the way out is no failed update, so no apology goes after it.
    assert _texts(standin, ALICE) == [] and [c.method for c in standin.calls].count("sendMessage") == 1
    (row,) = _rows(engine, OutboxMessage)
    assert row.dedupe_key == "tg:301:reply:0" and row.status == "pending"
    # Another process's delivery worker sends it once the grace is over.
    app = make_app(engine, settings, standin.url)  # type: ignore[attr-defined]
    later = datetime.now(UTC) + REPLY_GRACE + timedelta(seconds=1)
    worker = DeliveryWorker(engine, {"telegram": TelegramSender(app.settings, app.telegram_store())},
                            limits={"telegram": NO_LIMITS}, clock=lambda: later)
    assert await worker.drain() == 1
    assert _texts(standin, ALICE) == ["echo: kept"]


async def test_telegram_inbox_keeps_no_text_in_clear(engine, settings, tg) -> None:  # type: ignore[no-untyped-def]
    standin, dying, dead, revive = tg
    dying()
    bot = await _webhook_process(engine, settings, standin, [text_update(ALICE, "身份证530102199003073256",
                                                                         update_id=201)])
    (row,) = _rows(engine, InboxUpdate)
    assert row.message_key == "tg:201" and "530102199003073256" not in row.body and "身份证" not in row.body
    dead.set()
    await bot.stop()
    revive()


async def test_telegram_polling_confirms_an_offset_only_for_recorded_updates(engine, settings, tg) -> None:  # type: ignore[no-untyped-def]
    standin, dying, dead, revive = tg
    dying()
    first = TelegramBot(make_app(engine, settings, standin.url))  # type: ignore[attr-defined]
    await first.start(polling=True, poll_timeout=1)
    for u in _updates():
        standin.push(u)
    # The poller confirms them with its next getUpdates (the stand-in then forgets them) ...
    await standin.wait_for_async(lambda s: not s._updates and len(_rows(engine, InboxUpdate)) == 4, timeout=10)
    dead.set()  # ... and dies before handling them
    await first.stop()
    revive()
    assert standin.of("sendMessage") == []

    second = TelegramBot(make_app(engine, settings, standin.url))  # type: ignore[attr-defined]
    await second.start(polling=True, poll_timeout=1)
    try:
        await standin.wait_for_async(lambda s: len(s.of("sendMessage")) >= 4)
        await asyncio.sleep(0.3)
    finally:
        await second.stop()
    assert _texts(standin, ALICE) == ["echo: a1", "echo: a2", "echo: a3"] and _texts(standin, BOB) == ["echo: b1"]
    assert _rows(engine, InboxUpdate) == []


# -- WeChat ------------------------------------------------------------------------------------------------
wechat_standin = pytest.fixture(wechat_running, name="wechat_standin")


class DyingDispatcher(Dispatcher):
    """A process that dies before its dispatcher runs: handling never starts (and leaves no trace)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.dead = threading.Event()

    def handle(self, incoming: Incoming, **_kw) -> DispatchResult:  # type: ignore[no-untyped-def, override]
        self.dead.wait(10)
        return DispatchResult(duplicate=True)

    def handle_many(self, batch) -> list[DispatchResult]:  # type: ignore[no-untyped-def, override]
        return [self.handle(i[0]) for i in batch]


async def _drain(engine, s) -> int:  # type: ignore[no-untyped-def]
    worker = DeliveryWorker(engine, {"wechat": WeChatSender(s, engine)}, limits={"wechat": NO_LIMITS})
    return await worker.drain()


async def _wait(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
async def test_wechat_success_past_the_deadline_is_finished_by_a_restarted_process(
        engine, settings, wechat_standin, safe) -> None:  # type: ignore[no-untyped-def]
    RUNS.clear()
    s = wx_settings(settings, wechat_standin, safe=safe, wechat_reply_deadline_s=0.3)
    p = pusher(safe)
    xml = push_xml(OPENID, "text", Content="quicktest", MsgId=9101)

    async def push(web) -> httpx.Response:  # type: ignore[no-untyped-def]
        params, body = p.safe(xml) if safe else p.plain(xml)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://wechat.test") as c:
            return await c.post("/wechat", params=params, content=body)

    dying = DyingDispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS), faq=faq_answer, menu=MENU)
    first = await push(build_web_app(App(settings=s, engine=engine, dispatcher=dying), providers=("bot.wechat",)))
    assert first.status_code == 200 and first.text == "success"  # past the deadline: a promise
    dying.dead.set()  # the process dies before its job ran
    assert RUNS == {}

    # A new process: it finds the message, handles it and sends the answer by the customer-service API.
    app = App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS)))
    web = build_web_app(app, providers=("bot.wechat",))
    await _wait(lambda: not _rows(engine, InboxUpdate) and _rows(engine, OutboxMessage))
    assert await _drain(engine, s) == 1
    sent = wechat_standin.sent("message/custom/send")
    assert len(sent) == 1 and sent[0]["touser"] == OPENID
    assert sent[0]["text"]["content"].endswith("quick answer")  # after the first-contact privacy note
    # WeChat's retry of it (fresh nonce) gets "success" and nothing runs again.
    again = await push(web)
    assert again.status_code == 200 and again.text == "success"
    await asyncio.sleep(0.3)
    assert await _drain(engine, s) == 0
    assert len(wechat_standin.sent("message/custom/send")) == 1 and RUNS == {"quick": 1}


async def test_wechat_late_replies_are_in_the_outbox_with_the_commit_and_sent_once(
        engine, settings, wechat_standin) -> None:  # type: ignore[no-untyped-def]
    s = wx_settings(settings, wechat_standin, safe=True, wechat_reply_deadline_s=0.3)
    p = pusher(True)
    app = App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS)))
    web = build_web_app(app, providers=("bot.wechat",))
    params, body = p.safe(push_xml(OPENID, "text", Content="slowtest", MsgId=9201))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://wechat.test") as c:
        r = await c.post("/wechat", params=params, content=body)
    assert r.text == "success"
    await _wait(lambda: len(wechat_standin.sent("message/custom/send")) == 2
                and all(o.status == "sent" for o in _rows(engine, OutboxMessage)))
    late = sorted((o.dedupe_key, o.status) for o in _rows(engine, OutboxMessage))
    assert late == [("wx:9201:late:0", "sent"), ("wx:9201:late:1", "sent")]  # kept, then marked sent
    assert await _drain(engine, s) == 0 and len(wechat_standin.sent("message/custom/send")) == 2
    assert _rows(engine, InboxUpdate) == []


async def test_wechat_passive_reply_is_cached_with_the_commit(engine, settings, wechat_standin) -> None:  # type: ignore[no-untyped-def]
    """A process that dies between its commit and its answer: WeChat's retry, at another process, finds
    the passive reply (the message is processed, so it is not handled again)."""
    s = wx_settings(settings, wechat_standin, safe=True)
    p = pusher(True)
    app = App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS)))
    web = build_web_app(app, providers=("bot.wechat",))
    params, body = p.safe(push_xml(OPENID, "text", Content="quicktest", MsgId=9301))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://wechat.test") as c:
        r = await c.post("/wechat", params=params, content=body)
    assert p.open(r.text)["Content"].endswith("quick answer")
    (cached,) = _rows(engine, WechatReplyCache)  # there when the answer left, not a batch later
    assert cached.message_key == "wx:9301" and "quick answer" not in cached.body
