"""``/metrics``: the Prometheus text format behind a bearer token, fed by a real WeChat webhook call; and
JSON log lines that carry the request's and the message's ids."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace

import pytest
from test_wechat_webhook import OPENID, pusher, send, web_app, wx_settings
from wechat_standin import TestClient, push_xml, running

from bot import metrics
from bot.logs import ContextFilter, JsonFormatter, RedactingFilter, message_id
from storage.db import run_in_transaction
from storage.models import OutboxMessage, Person

standin = pytest.fixture(running, name="standin")
METRICS_TOKEN = "scrape-token-0123456789"


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def cache_hits(body: str) -> float:
    line = next(x for x in body.splitlines() if x.startswith('yunling_search_cache_total{result="hit"}'))
    return float(line.split()[-1])


def test_metrics_need_the_token_and_count_a_real_webhook_message(engine, settings, standin) -> None:
    s = wx_settings(settings, standin, safe=True, metrics_token=METRICS_TOKEN)
    client = TestClient(web_app(engine, s))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": METRICS_TOKEN}).status_code == 401

    def enqueue(session) -> None:  # type: ignore[no-untyped-def]
        p = Person(display_name="x")
        session.add(p)
        session.flush()
        session.add(OutboxMessage(person_id=p.id, body="{}", dedupe_key="metrics-test"))

    run_in_transaction(engine, enqueue)
    before = (value("yunling_messages_total", channel="wechat", outcome="replied"),
              value("yunling_reply_seconds_count", channel="wechat"),
              value("yunling_faq_total", result="answered"))
    xml = push_xml(OPENID, "text", Content="云岭工匠每年评几个", MsgId=424242)
    assert send(client, pusher(True), xml, safe=True).status_code == 200
    res = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/plain; version=")
    assert value("yunling_messages_total", channel="wechat", outcome="replied") == before[0] + 1
    assert value("yunling_reply_seconds_count", channel="wechat") == before[1] + 1
    assert value("yunling_faq_total", result="answered") == before[2] + 1
    body = res.text
    assert 'yunling_outbox_depth{status="pending"} 1.0' in body
    # The question searched once (before the transaction), its answer taken from the search cache.
    hits = cache_hits(body)
    assert send(client, pusher(True), xml.replace("424242", "424243"), safe=True).status_code == 200
    again = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert cache_hits(again) >= hits + 1 and "yunling_search_cache_entries" in again
    assert "yunling_outbox_oldest_age_seconds" in body and "yunling_db_busy_retries_total" in body
    assert "# TYPE yunling_reply_seconds histogram" in body


def test_no_metrics_route_without_a_token(engine, settings, standin) -> None:
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=True)))
    assert client.get("/metrics").status_code == 404


def test_faq_results_are_classified() -> None:
    from handlers.answering import answer

    contact = "x"
    assert metrics.faq_result([answer("云岭工匠每年评几个", contact=contact).reply]) == "answered"
    assert metrics.faq_result([answer("明天天气怎么样", contact=contact).reply]) == "abstained"


def test_deliveries_are_counted_by_platform_result_and_error_code() -> None:
    from storage.repo_outbox import Result

    before = value("yunling_deliveries_total", platform="wechat", result="failed", error="transient 45009")
    metrics.observe_delivery(Result(1, "failed", 1, "transient on wechat: errcode=45009 api freq out of limit",
                                    channel="wechat"))
    assert value("yunling_deliveries_total", platform="wechat", result="failed", error="transient 45009") == before + 1


def test_json_log_lines_carry_the_request_and_message_ids(engine, settings, standin) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    handler.addFilter(ContextFilter())
    handler.setLevel(logging.DEBUG)
    watched = [logging.getLogger("bot.metrics"), logging.getLogger("bot.web")]
    old = [(lg.level, lg.propagate) for lg in watched]
    for lg in watched:  # debug lines to this handler only (the root's may hold an earlier test's stderr)
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
        lg.propagate = False
    try:
        s = replace(wx_settings(settings, standin, safe=True), metrics_token=METRICS_TOKEN)
        client = TestClient(web_app(engine, s))
        xml = push_xml(OPENID, "text", Content="我的身份证号是530102199001011234", MsgId=777)
        params, body = pusher(True).safe(xml)
        res = client.post("/wechat", params=params, content=body, headers={"X-Request-ID": "req-abcdef-0001"})
        assert res.headers["x-request-id"] == "req-abcdef-0001"
        assert len(client.get("/healthz").headers["x-request-id"]) == 16  # a fresh id when none is given
    finally:
        for lg, (level, propagate) in zip(watched, old, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= ln.keys() for ln in lines)
    assert any(ln.get("message_id") == message_id("wx:777") for ln in lines), lines
    assert "530102199001011234" not in stream.getvalue()
