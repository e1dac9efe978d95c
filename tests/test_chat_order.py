"""One person's messages are handled in their order across processes (issue 20): whoever handles a message of
a chat takes the chat's lock (a PostgreSQL advisory lock; a process lock on SQLite) and first handles the
chat's earlier messages still in the inbox, in Telegram's update order (WeChat: the order recorded), with their
replies sent before the lock goes (storage/chat_order.py).

Two "processes" are two Apps, each with an engine (connection pool) of its own, on one PostgreSQL database;
their webhooks get one person's updates interleaved and out of arrival order, and a process is held back
between acknowledging an update and handling it, as a loaded process is. Real python-telegram-bot against
the Bot API stand-in, real wechatpy crypto and the WeChat API stand-in, a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from conftest import PG_URL
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from telegram_standin import TelegramStandIn, echo_faq, make_app, text_update
from telegram_standin import running as telegram_running
from test_wechat_webhook import OPENID, pusher, wx_settings
from wechat_standin import push_xml
from wechat_standin import running as wechat_running

from bot.app import App
from bot.telegram.app import SECRET_HEADER, WEBHOOK_PATH, TelegramBot, telegram_for
from bot.web import build_web_app
from handlers.registry import build_dispatcher
from storage.channel_store import WeChatStore
from storage.chat_order import ChatLocks, chat_key, chat_locks
from storage.db import make_engine
from storage.models import InboxUpdate, ProcessedMessage

SECRET = "order-Secret_for_tests"
ALICE, BOB = 710000001, 710000002
two_processes = pytest.mark.skipif(not PG_URL, reason="several processes share a PostgreSQL database only "
                                                       "(set YUNLING_TEST_DATABASE_URL)")
wechat_standin = pytest.fixture(wechat_running, name="wechat_standin")


@pytest.fixture
def tg() -> Iterator[TelegramStandIn]:
    ptb_level = logging.getLogger("telegram").level  # TelegramBot raises it; later tests read PTB's DEBUG
    gen = telegram_running()
    yield next(gen)
    with pytest.raises(StopIteration):
        next(gen)
    logging.getLogger("telegram").setLevel(ptb_level)


@pytest.fixture
def second_engine(db_url: str, engine: Engine) -> Iterator[Engine]:
    """The same database through a pool of its own: another process's connections."""
    other = make_engine(db_url)
    yield other
    other.dispose()


def _rows(engine: Engine, model):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return list(s.exec(select(model)))


def _texts(standin: TelegramStandIn, chat: int) -> list[str]:
    return [c.text.rsplit("\n\n", 1)[-1] for c in standin.of("sendMessage") if c.chat == str(chat)]


async def _wait(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


class Process:
    """A started Telegram bot on its own App and engine, whose handling can be held back: updates are
    acknowledged (recorded, 200) at once, and handled only once ``go`` is set."""

    def __init__(self, bot: TelegramBot, web: object) -> None:
        self.bot, self.go = bot, asyncio.Event()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://test")  # type: ignore[arg-type]
        real = bot._in_order

        async def held_back(chat: int, update: object) -> None:
            await self.go.wait()
            await real(chat, update)  # type: ignore[arg-type]

        bot._in_order = held_back  # type: ignore[method-assign]

    @classmethod
    async def start(cls, engine: Engine, settings, standin: TelegramStandIn) -> Process:  # type: ignore[no-untyped-def]
        app = make_app(engine, settings, standin.url, telegram_webhook_secret=SECRET)  # type: ignore[attr-defined]
        web = build_web_app(app, providers=("bot.telegram",))
        bot = telegram_for(app)
        await bot.start()
        return cls(bot, web)

    async def post(self, update: dict) -> None:
        r = await self.client.post(WEBHOOK_PATH, content=json.dumps(update).encode(),
                                   headers={"content-type": "application/json", SECRET_HEADER: SECRET})
        assert r.status_code == 200

    async def stop(self) -> None:
        self.go.set()
        await self.client.aclose()
        await self.bot.stop()


@two_processes
async def test_telegram_one_chat_on_two_processes_is_handled_in_update_order(
        engine, second_engine, settings, tg) -> None:  # type: ignore[no-untyped-def]
    a = await Process.start(engine, settings, tg)
    b = await Process.start(second_engine, settings, tg)
    try:
        # Alice's 1 and 2 reach process A, which is slow to handle them; her 3 reaches B before her 2 reached A.
        # (Not bare numbers: with no list on screen those get the menu, not the echo.)
        await a.post(text_update(ALICE, "q1", update_id=501))
        await b.post(text_update(ALICE, "q3", update_id=503))
        await a.post(text_update(ALICE, "q2", update_id=502))
        await b.post(text_update(BOB, "b1", update_id=504))  # another chat is not held up by Alice's
        b.go.set()  # B handles Alice's 1 and 2 (A's, waiting in the inbox) before her 3
        await _wait(lambda: len(_texts(tg, ALICE)) >= 3 and _texts(tg, BOB))
        assert _texts(tg, ALICE) == ["echo: q1", "echo: q2", "echo: q3"]
        a.go.set()  # A comes round to 1 and 2: handled already, dropped
        # Then both run freely, Alice's updates alternating between them.
        for n, proc in zip(range(4, 10), (a, b, a, b, a, b), strict=True):
            await proc.post(text_update(ALICE, f"q{n}", update_id=500 + 10 + n))
        await _wait(lambda: len(_texts(tg, ALICE)) >= 9 and not _rows(engine, InboxUpdate))
        await asyncio.sleep(0.3)
    finally:
        await a.stop()
        await b.stop()
    assert _texts(tg, ALICE) == [f"echo: q{n}" for n in range(1, 10)]  # each once, in update order
    assert _texts(tg, BOB) == ["echo: b1"]
    assert len([r for r in _rows(engine, ProcessedMessage) if r.channel == "telegram"]) == 10


async def test_telegram_updates_recorded_out_of_order_are_handled_in_update_order(engine, settings, tg) -> None:  # type: ignore[no-untyped-def]
    """One process (the SQLite deployment): an update recorded after a later one of its chat, before either
    was handled, still goes first."""
    p = await Process.start(engine, settings, tg)
    try:
        # Not bare numbers: with no list on screen those get the menu, not the echo.
        await p.post(text_update(ALICE, "q2", update_id=602))
        await p.post(text_update(ALICE, "q1", update_id=601))
        await p.post(text_update(ALICE, "q3", update_id=603))
        p.go.set()
        await _wait(lambda: len(_texts(tg, ALICE)) >= 3 and not _rows(engine, InboxUpdate))
        await asyncio.sleep(0.2)
    finally:
        await p.stop()
    assert _texts(tg, ALICE) == ["echo: q1", "echo: q2", "echo: q3"]


async def test_telegram_update_left_by_a_dead_process_is_handled_by_a_live_one(engine, settings, tg) -> None:  # type: ignore[no-untyped-def]
    """A process acknowledged an update and died; the chat writes no more: another process's sweep handles
    it (no restart needed)."""
    p = await Process.start(engine, settings, tg)
    p.go.set()
    try:
        update = text_update(ALICE, "left", update_id=701)
        p.bot.store.record("tg:701", json.dumps(update), chat=p.bot.store.chat_of(str(ALICE)), seq=701)
        assert await p.bot.sweep(timedelta(seconds=60)) == 0  # not stale yet: its process may be busy
        assert await p.bot.sweep(timedelta(0)) == 1
        await _wait(lambda: _texts(tg, ALICE))
    finally:
        await p.stop()
    assert _texts(tg, ALICE) == ["echo: left"] and _rows(engine, InboxUpdate) == []


@two_processes
def test_a_chat_lock_is_one_holder_at_a_time_across_pools_and_freed_when_its_holder_dies(
        engine, second_engine) -> None:  # type: ignore[no-untyped-def]
    first, second = ChatLocks(engine), ChatLocks(second_engine)
    key = chat_key("telegram", str(ALICE))
    held = first.acquire(key)
    got = threading.Event()

    def wait_for_it() -> None:
        second.acquire(key).release()
        got.set()

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    assert not got.wait(0.5)  # the other pool waits
    second.acquire(chat_key("telegram", str(BOB))).release()  # another chat does not
    # The holder's process dies: its connection goes, and its lock with it.
    assert held.connection is not None
    pid = held.connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    assert got.wait(10)
    waiter.join(10)
    held.release()  # its connection is gone: discarded, not pooled
    first.acquire(key).release()
    first.dispose()
    second.dispose()


# -- WeChat ------------------------------------------------------------------------------------------------
def _wechat_app(engine: Engine, s) -> App:  # type: ignore[no-untyped-def]
    return App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, faq=echo_faq))


@two_processes
async def test_wechat_message_another_process_holds_is_handled_before_the_next_one(
        engine, second_engine, settings, wechat_standin) -> None:  # type: ignore[no-untyped-def]
    """A person's first message reaches process A, which records it and is slow to handle it (WeChat gets
    ``success`` at the deadline); their next message reaches B: B handles the first, sends its answer by
    the customer-service API, then answers the second in the HTTP reply. A then finds the first handled."""
    p = pusher(True)
    s_a = wx_settings(settings, wechat_standin, safe=True, wechat_reply_deadline_s=0.3)
    s_b = replace(s_a, wechat_reply_deadline_s=4.0)
    app_a, app_b = _wechat_app(engine, s_a), _wechat_app(second_engine, s_b)
    store_a, go = app_a.wechat_store(), threading.Event()
    lock_a = store_a.lock_all

    def slow_lock(chats):  # type: ignore[no-untyped-def]
        go.wait(10)  # A is busy: its thread reaches the lock late
        return lock_a(chats)

    store_a.lock_all = slow_lock  # type: ignore[method-assign]
    app_a.wechat_store = lambda: store_a  # type: ignore[method-assign]
    web_a = build_web_app(app_a, providers=("bot.wechat",))
    web_b = build_web_app(app_b, providers=("bot.wechat",))

    async def push(web, content: str, msg_id: int) -> httpx.Response:  # type: ignore[no-untyped-def]
        params, body = p.safe(push_xml(OPENID, "text", Content=content, MsgId=msg_id))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://wechat.test") as c:
            return await c.post("/wechat", params=params, content=body)

    await asyncio.sleep(0.5)  # each webhook's start-up recovery has run (on an empty inbox)
    try:
        first = await push(web_a, "first", 9501)
        assert first.text == "success"  # past A's deadline; recorded, not handled
        second = await push(web_b, "second", 9502)
        # By the time B answers the second, the first's answer has gone out.
        custom = [m["text"]["content"] for m in wechat_standin.sent("message/custom/send")]
        assert len(custom) == 1 and custom[0].endswith("echo: first")
        assert p.open(second.text)["Content"] == "echo: second"
        go.set()
        await _wait(lambda: not _rows(engine, InboxUpdate))
        await asyncio.sleep(0.5)
    finally:
        go.set()
    assert len(wechat_standin.sent("message/custom/send")) == 1  # A dropped it: handled once
    assert sorted(r.message_key for r in _rows(engine, ProcessedMessage) if r.channel == "wechat") == [
        "wx:9501", "wx:9502"]


@two_processes
def test_a_pooled_lock_connection_the_server_closed_is_replaced(engine, second_engine) -> None:  # type: ignore[no-untyped-def]
    """A pooled lock connection the server closed meanwhile (a restart) fails the lock's statement as a lost
    connection, and the lock is taken on a fresh one."""
    locks = ChatLocks(engine)
    key = chat_key("wechat", "o-replaced")
    held = locks.acquire(key)
    assert held.connection is not None
    pid = held.connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    held.release()  # back in the lock pool, its transaction (and the lock) ended
    with second_engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    again = locks.acquire(key)
    assert again.connection is not None
    assert again.connection.execute("SELECT pg_backend_pid()").fetchone()[0] != pid
    # The lock is held: another pool cannot take it now.
    other = ChatLocks(second_engine)
    with second_engine.connect() as conn:
        assert conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar() is False
    again.release()
    with second_engine.connect() as conn:
        assert conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar() is True
    locks.dispose()
    other.dispose()


@two_processes
def test_a_batch_holds_its_chats_locks_together_reads_each_queue_and_never_deadlocks(
        engine, second_engine) -> None:  # type: ignore[no-untyped-def]
    """The WeChat webhook's batches (bot.serial) lock all their chats at once on one connection: another process
    waits for any of them, not for a chat outside the batch, and two processes locking overlapping sets of
    chats in a loop both finish (the keys are taken in one order; crossed orders would deadlock)."""
    store, other = WeChatStore(engine, "k"), WeChatStore(second_engine, "k")
    alice, bob, cat = (store.chat_of(f"o-batch-{n}") for n in "abc")
    store.record("wx:b1", "for alice", chat=alice)
    store.record("wx:b2", "for bob", chat=bob)
    held = store.lock_all([bob, alice])
    assert held.connection is not None
    assert store.queue_of(held, alice, "wx:b1") == [("wx:b1", "for alice")]
    assert store.queue_of(held, bob) == [("wx:b2", "for bob")]
    granted: list[int] = []

    def take(chat: int) -> None:
        other.lock(chat).release()
        granted.append(chat)

    waiters = [threading.Thread(target=take, args=(chat,)) for chat in (alice, bob)]
    for w in waiters:
        w.start()
    other.lock(cat).release()  # a chat outside the batch is free
    time.sleep(0.5)
    assert granted == []  # both of the batch's chats are held
    held.release()
    for w in waiters:
        w.join(10)
    assert sorted(granted) == sorted([alice, bob])

    errors: list[BaseException] = []

    def loop(s: WeChatStore, chats: list[int]) -> None:
        try:
            for _ in range(200):
                s.lock_all(chats).release()
        except BaseException as exc:  # a deadlock is an error PostgreSQL raises in one of them
            errors.append(exc)

    crossed = [threading.Thread(target=loop, args=(store, [alice, bob, cat])),
               threading.Thread(target=loop, args=(other, [cat, bob, alice]))]
    for t in crossed:
        t.start()
    for t in crossed:
        t.join(30)
    assert errors == [] and not any(t.is_alive() for t in crossed)
    chat_locks(engine).dispose()
    chat_locks(second_engine).dispose()
