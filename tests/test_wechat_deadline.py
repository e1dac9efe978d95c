"""The 5-second rule and WeChat's retries: one passive reply when the flow is quick, ``success`` and a
customer-service message when it is slow, never a second run of the flow and never a second answer.
Late replies go through the local stand-in of the WeChat API."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette
from test_wechat_webhook import OPENID, pusher, rows, web_app, wx_settings
from wechat_standin import TestClient, push_xml, running

from bot.app import App
from bot.web import build_web_app
from handlers.choices import HANDOFF_WORDS
from handlers.flow import Flow, finish
from handlers.flows import FLOWS
from handlers.registry import build_dispatcher
from handlers.types import Reply
from storage.models_wechat import WechatReplyCache

RUNS: dict[str, int] = {}
_runs_lock = threading.Lock()
SLOW_S = 1.2  # the slow step's duration, past the tests' short deadline


def _run(name: str) -> None:
    with _runs_lock:
        RUNS[name] = RUNS.get(name, 0) + 1


def _slow(ctx):  # type: ignore[no-untyped-def]
    _run("slow")
    time.sleep(SLOW_S)  # a step that takes too long (tests only: real steps never sleep)
    return finish(Reply(text="slow answer"), Reply(text="second part"))


def _medium(ctx):  # type: ignore[no-untyped-def]
    _run("medium")
    time.sleep(0.4)
    return finish(Reply(text="medium answer"))


def _quick(ctx):  # type: ignore[no-untyped-def]
    _run("quick")
    return finish(Reply(text="quick answer"))


def _long(ctx):  # type: ignore[no-untyped-def]
    return finish(Reply(text="\n".join(f"第{i:03d}行：云岭工匠选树管理办法的条文引用测试" for i in range(200))))


TEST_FLOWS = tuple(
    Flow(name=name, title=name, states={}, enter=enter, commands=(name,), in_menu=False)
    for name, enter in (("slowtest", _slow), ("mediumtest", _medium), ("quicktest", _quick), ("longtest", _long))
)


standin = pytest.fixture(running, name="standin")


@pytest.fixture(autouse=True)
def _reset_runs() -> None:
    RUNS.clear()


def make_web(engine, s):  # type: ignore[no-untyped-def]
    app = App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS), privacy_notice=False))
    return build_web_app(app, providers=("bot.wechat",))


async def _wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
async def test_slow_flow_answers_success_then_one_customer_service_message(engine, settings, standin, safe):  # type: ignore[no-untyped-def]
    s = wx_settings(settings, standin, safe=safe, wechat_reply_deadline_s=0.3)
    p = pusher(safe)
    xml = push_xml(OPENID, "text", Content="slowtest", MsgId=5001)

    async def attempt(client: httpx.AsyncClient, delay: float) -> httpx.Response:
        await asyncio.sleep(delay)
        params, body = p.safe(xml) if safe else p.plain(xml)  # each retry has its own nonce
        return await client.post("/wechat", params=params, content=body)

    transport = httpx.ASGITransport(app=make_web(engine, s))
    async with httpx.AsyncClient(transport=transport, base_url="http://wechat.test") as client:
        # The first delivery, then WeChat's retries while the flow is still running.
        first, *retries = await asyncio.gather(attempt(client, 0), attempt(client, 0.1), attempt(client, 0.6))
        assert [r.status_code for r in (first, *retries)] == [200, 200, 200]
        assert [r.text for r in (first, *retries)] == ["success"] * 3
        await _wait_for(lambda: len(standin.sent("message/custom/send")) >= 2)
        after = await attempt(client, 0)  # a retry after the late delivery
        assert after.status_code == 200 and after.text == "success"
    # Another process (a fresh webhook on the same database) gets the retry: still no second run.
    other = httpx.ASGITransport(app=make_web(engine, s))
    async with httpx.AsyncClient(transport=other, base_url="http://wechat.test") as client:
        assert (await attempt(client, 0)).text == "success"
    await asyncio.sleep(0.2)
    sent = standin.sent("message/custom/send")
    assert [m["text"]["content"] for m in sent] == ["slow answer", "second part"]
    assert {m["touser"] for m in sent} == {OPENID} and all(m["msgtype"] == "text" for m in sent)
    assert RUNS == {"slow": 1}
    assert standin.token_fetches == 1


async def test_retry_while_running_within_the_deadline_gets_the_same_passive_reply(engine, settings, standin):  # type: ignore[no-untyped-def]
    s = wx_settings(settings, standin, safe=True, wechat_reply_deadline_s=3.0)
    p = pusher(True)
    xml = push_xml(OPENID, "text", Content="mediumtest", MsgId=6001)

    async def attempt(client: httpx.AsyncClient, delay: float) -> dict:
        await asyncio.sleep(delay)
        params, body = p.safe(xml)
        res = await client.post("/wechat", params=params, content=body)
        assert res.status_code == 200
        return p.open(res.text)

    transport = httpx.ASGITransport(app=make_web(engine, s))
    async with httpx.AsyncClient(transport=transport, base_url="http://wechat.test") as client:
        a, b = await asyncio.gather(attempt(client, 0), attempt(client, 0.1))
    assert a["Content"] == b["Content"] == "medium answer"
    assert RUNS == {"medium": 1}
    assert standin.sent("message/custom/send") == []


def test_retry_after_a_passive_reply_gets_it_again(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    s = wx_settings(settings, standin, safe=True)
    p = pusher(True)
    xml = push_xml(OPENID, "text", Content="quicktest", MsgId=7001)
    client = TestClient(make_web(engine, s))
    replies = [p.open(client.post("/wechat", params=q, content=b).text) for q, b in (p.safe(xml), p.safe(xml))]
    # A retry landing on another process (WeChat retries after 5 s): the reply comes from the database cache.
    deadline = time.monotonic() + 10
    while not rows(engine, WechatReplyCache):
        assert time.monotonic() < deadline, "reply not cached"
        time.sleep(0.02)
    [cached] = rows(engine, WechatReplyCache)
    assert cached.message_key == "wx:7001" and "quick answer" not in cached.body  # encrypted at rest
    other = TestClient(make_web(engine, s))
    q, b = p.safe(xml)
    replies.append(p.open(other.post("/wechat", params=q, content=b).text))
    assert [r["Content"] for r in replies] == ["quick answer"] * 3
    assert RUNS == {"quick": 1}
    assert standin.sent("message/custom/send") == []


def test_finished_jobs_leave_memory_and_later_retries_are_served_from_the_database(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    from starlette.applications import Starlette

    from bot.wechat.deadline import JOBS_KEPT_S
    from bot.wechat.webhook import WeChatWebhook

    s = wx_settings(settings, standin, safe=True)
    p = pusher(True)
    now = [time.time()]
    hook = WeChatWebhook(App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS), privacy_notice=False)),
                         clock=lambda: now[0])
    client = TestClient(Starlette(routes=hook.routes()))
    xml = push_xml(OPENID, "text", Content="quicktest", MsgId=7101)

    def push(msg: str) -> dict:
        q, b = p.safe(msg, ts=int(now[0]))
        return p.open(client.post("/wechat", params=q, content=b).text)

    assert push(xml)["Content"] == "quick answer"
    assert "wx:7101" in hook.jobs
    deadline = time.monotonic() + 10
    while not rows(engine, WechatReplyCache):  # written in batches, a moment later
        assert time.monotonic() < deadline, "reply not cached"
        time.sleep(0.02)
    now[0] += JOBS_KEPT_S + 2  # past the in-memory window, within the cache's and the timestamp's
    assert push(push_xml(OPENID, "text", Content="quicktest", MsgId=7102))["Content"] == "quick answer"
    assert "wx:7101" not in hook.jobs and "wx:7102" in hook.jobs
    assert push(xml)["Content"] == "quick answer"  # a late retry of the first message: from the database
    assert RUNS == {"quick": 2}


def test_an_answered_job_is_kept_as_its_passive_reply_alone(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    """Once an attempt got its answer, the job (futures, locks, callbacks, the replies) is let go: what WeChat's
    retries get is kept as a tuple the garbage collector does not walk; a retry gets the same answer, without
    a second run."""
    import gc

    from bot.wechat.deadline import Answered
    from bot.wechat.webhook import WeChatWebhook

    s = wx_settings(settings, standin, safe=True)
    p = pusher(True)
    hook = WeChatWebhook(App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS), privacy_notice=False)))
    client = TestClient(Starlette(routes=hook.routes()))
    xml = push_xml(OPENID, "text", Content="quicktest", MsgId=7301)

    def push(msg: str) -> dict:
        q, b = p.safe(msg)
        return p.open(client.post("/wechat", params=q, content=b).text)

    assert push(xml)["Content"] == "quick answer"
    answer, first = hook.jobs.claim("wx:7301", OPENID, lambda job: pytest.fail("a second run"))
    assert isinstance(answer, Answered) and not first and answer.passive == "quick answer"
    gc.collect()
    assert not gc.is_tracked(hook.jobs._answered["wx:7301"]) and "wx:7301" not in hook.jobs._jobs
    assert push(xml)["Content"] == "quick answer"
    assert RUNS == {"quick": 1}


def test_long_reply_passive_part_then_customer_service(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    s = wx_settings(settings, standin, safe=False)
    p = pusher(False)
    client = TestClient(make_web(engine, s))
    q, b = p.plain(push_xml(OPENID, "text", Content="longtest", MsgId=8001))
    passive = p.open(client.post("/wechat", params=q, content=b).text)["Content"]
    rest = [m["text"]["content"] for m in standin.sent("message/custom/send")]
    assert len(passive.encode()) <= 2048 and rest and all(len(t.encode()) <= 2048 for t in rest)
    lines = "\n".join([passive, *rest]).splitlines()
    assert lines == [f"第{i:03d}行：云岭工匠选树管理办法的条文引用测试" for i in range(200)]


@pytest.mark.parametrize("word", [*HANDOFF_WORDS, "HUMAN", " Talk to a person "])
def test_transfer_to_customer_service_seats(engine, settings, standin, word: str) -> None:  # type: ignore[no-untyped-def]
    s = wx_settings(settings, standin, safe=True, wechat_transfer_to_kf=True)
    p = pusher(True)
    client = TestClient(make_web(engine, s))
    q, b = p.safe(push_xml(OPENID, "text", Content=word, MsgId=9001))
    reply = p.open(client.post("/wechat", params=q, content=b).text)
    assert reply["MsgType"] == "transfer_customer_service" and reply["ToUserName"] == OPENID


def test_without_transfer_the_assistant_handles_human(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    s = wx_settings(settings, standin, safe=False)
    p = pusher(False)
    client = TestClient(make_web(engine, s))
    q, b = p.plain(push_xml(OPENID, "text", Content="转人工", MsgId=9002))
    reply = p.open(client.post("/wechat", params=q, content=b).text)
    assert reply["MsgType"] == "text" and reply["Content"]


def test_menu_click_leaves_the_active_flow(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    s = replace(wx_settings(settings, standin, safe=False))
    p = pusher(False)
    client = TestClient(web_app(engine, s))
    q, b = p.plain(push_xml(OPENID, "text", Content="语言", MsgId=9101))  # the language flow asks a question
    asked = p.open(client.post("/wechat", params=q, content=b).text)["Content"]
    assert "中文" in asked and "English" in asked
    q, b = p.plain(push_xml(OPENID, "event", Event="CLICK", EventKey="flow:counttest", create_time=1_700_000_100))
    assert p.open(client.post("/wechat", params=q, content=b).text)["Content"] == "counted"
