"""Prometheus metrics of a server process (prometheus-client), served at ``/metrics`` to a scraper that
presents ``Authorization: Bearer <YUNLING_METRICS_TOKEN>``; without the setting the route does not exist.

What is measured, and where it is hooked (so the adapters themselves stay unaware of metrics):
* messages in by channel and outcome, and the FAQ's answered / suggested / abstained: wrappers around the
  dispatcher's ``handle`` / ``handle_many`` / ``faq`` (:func:`instrument`);
* reply latency by channel, and WeChat answers that took the whole reply deadline: the web middleware
  (:class:`RequestMetrics`), which also gives every request its id for the logs;
* deliveries by platform, result and error kind: :func:`observe_delivery`, called by the delivery worker;
* scheduler job lag: an APScheduler listener (:func:`job_listener`);
* database busy retries: a hook of :mod:`storage.db`;
* outbox depth and the age of its oldest undelivered message: read from the database at each scrape;
* the FAQ search's cache hits and misses: read from the cache at each scrape.

Each process has its own counters; Prometheus sums them across processes (scrape each one).
"""

from __future__ import annotations

import hmac
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.logs import message_id, message_id_var, request_id_var
from storage import db as storage_db

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
MESSAGES = Counter("yunling_messages", "Messages received, by channel and outcome", ["channel", "outcome"],
                   registry=REGISTRY)
FAQ = Counter("yunling_faq", "Free-text questions by result: answered, suggested (did you mean), abstained",
              ["result"], registry=REGISTRY)
LATENCY = Histogram("yunling_reply_seconds", "Webhook request to response, by channel", ["channel"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 10), registry=REGISTRY)
PAST_DEADLINE = Counter("yunling_wechat_past_deadline", "WeChat webhook calls that used the whole reply deadline "
                        "(the answer went out as a customer-service message)", registry=REGISTRY)
DELIVERIES = Counter("yunling_deliveries", "Outbox delivery attempts by platform, result (sent, failed, dead) and "
                     "error kind", ["platform", "result", "error"], registry=REGISTRY)
JOB_LAG = Histogram("yunling_scheduler_lag_seconds", "Scheduled run time to the end of the run, by job", ["job"],
                    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600), registry=REGISTRY)
BUSY_RETRIES = Counter("yunling_db_busy_retries", "Transactions retried because the database was busy",
                       registry=REGISTRY)

storage_db.BUSY_HOOKS.append(BUSY_RETRIES.inc)

CHANNEL_PATHS = {"/wechat": "wechat", "/telegram": "telegram"}


# -- dispatcher ----------------------------------------------------------------------------------------------

def _outcome(result: Any) -> str:
    if result.duplicate:
        return "duplicate"
    if result.held is not None:
        return "held"
    return "replied" if result.replies else "silent"


def faq_result(replies: list[Any]) -> str:
    """answered (an article cited), suggested (the best matches offered as choices), or abstained."""
    if any(r.citations for r in replies):
        return "answered"
    if any(c.value.startswith("§") for r in replies for c in r.choices):
        return "suggested"
    return "abstained"


def instrument(dispatcher: Any) -> Any:
    """Count what goes through ``dispatcher`` (wraps its methods on the instance; idempotent)."""
    if getattr(dispatcher, "_metered", False):
        return dispatcher
    handle, handle_many, faq = dispatcher.handle, dispatcher.handle_many, dispatcher.faq

    inner = threading.local()  # handle_many falls back on handle: count each message once

    def metered_handle(incoming: Any, **kw: Any) -> Any:
        token = message_id_var.set(message_id(incoming.message_key)) if incoming.message_key else None
        try:
            result = handle(incoming, **kw)
            if not getattr(inner, "batch", False):
                outcome = _outcome(result)
                MESSAGES.labels(incoming.channel, outcome).inc()
                log.debug("message %s on %s: %s", message_id_var.get(), incoming.channel, outcome)
            return result
        finally:
            if token is not None:
                message_id_var.reset(token)

    def metered_handle_many(batch: Any) -> Any:
        inner.batch = True
        try:
            results = handle_many(batch)
        finally:
            inner.batch = False
        debug = log.isEnabledFor(logging.DEBUG)
        for (incoming, *_hooks), result in zip(batch, results, strict=False):
            outcome = _outcome(result)
            MESSAGES.labels(incoming.channel, outcome).inc()
            if debug:
                token = message_id_var.set(message_id(incoming.message_key))
                log.debug("message %s on %s: %s", message_id_var.get(), incoming.channel, outcome)
                message_id_var.reset(token)
        return results

    def metered_faq(ctx: Any, question: str) -> Any:
        replies = faq(ctx, question)
        FAQ.labels(faq_result(replies)).inc()
        return replies

    dispatcher.handle, dispatcher.handle_many, dispatcher.faq = metered_handle, metered_handle_many, metered_faq
    dispatcher._metered = True
    return dispatcher


# -- delivery and scheduler ---------------------------------------------------------------------------------

_ERROR_KIND = re.compile(r"^(rate limited|transient|permanent|unreachable|error|gave up|malformed|no reachable)")
_ERRCODE = re.compile(r"\b(?:errcode|error_code|code)[=: ]+(-?\d+)")


def observe_delivery(result: Any) -> None:
    """One outbox result: the platform, the result, and the error's kind and platform code (no free text,
    which may quote a message)."""
    error = ""
    if result.last_error:
        kind = _ERROR_KIND.match(result.last_error)
        code = _ERRCODE.search(result.last_error)
        error = (kind.group(1) if kind else "other") + (f" {code.group(1)}" if code else "")
    DELIVERIES.labels(result.channel or "none", result.status, error).inc()


def job_listener(event: Any) -> None:
    """APScheduler EVENT_JOB_EXECUTED / EVENT_JOB_ERROR: how late the run finished after its scheduled time."""
    scheduled = getattr(event, "scheduled_run_time", None)
    if scheduled is not None:
        JOB_LAG.labels(event.job_id).observe(max(0.0, (datetime.now(UTC) - scheduled).total_seconds()))


# -- the outbox, read at scrape time ----------------------------------------------------------------------

class OutboxCollector:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("yunling_outbox_depth", "Outbox messages not yet delivered, by status",
                                  labels=["status"])
        oldest = GaugeMetricFamily("yunling_outbox_oldest_age_seconds",
                                   "Age of the oldest outbox message not yet delivered")
        counts: dict[str, int] = {"pending": 0, "sending": 0, "failed": 0}
        first: datetime | None = None
        try:
            with self.engine.connect() as conn:
                for status, n, created in conn.execute(text(
                        "SELECT status, count(*), min(created_at) FROM outbox "
                        "WHERE status IN ('pending', 'sending', 'failed') GROUP BY status")):
                    counts[status] = n
                    if isinstance(created, str):  # SQLite through a raw text query
                        created = datetime.fromisoformat(created)
                    if created is not None:
                        created = created if created.tzinfo else created.replace(tzinfo=UTC)
                        first = created if first is None or created < first else first
        except Exception as exc:
            log.warning("metrics: outbox not readable (%s)", type(exc).__name__)
            return
        for status, n in counts.items():
            depth.add_metric([status], n)
        oldest.add_metric([], (datetime.now(UTC) - first).total_seconds() if first else 0.0)
        yield depth
        yield oldest


def _facts_cache_info() -> tuple[int, int, int]:
    import importlib

    return importlib.import_module("handlers.flows.listen").facts_cache_info()  # the package's listen() shadows it


class SearchCacheCollector:
    """The FAQ search's cache (:func:`handlers.answering.search_cache_info`): how many questions it answered
    without searching, how many it searched, and how many results it holds; and the same counts of the facts
    cache beside it."""

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        from handlers.answering import search_cache_info

        hits, misses, entries = search_cache_info()
        yield _by_result("yunling_search_cache", "FAQ searches by cache result (hit: not searched again)", hits, misses)
        yield GaugeMetricFamily("yunling_search_cache_entries", "Search results held in memory", value=entries)
        # The listener's facts of a message (handlers/flows/listen.py), kept by the same setting.
        hits, misses, _entries = _facts_cache_info()
        yield _by_result("yunling_facts_cache", "Messages' facts by cache result (hit: not read again)", hits, misses)


def _by_result(name: str, documentation: str, hits: int, misses: int) -> CounterMetricFamily:
    found = CounterMetricFamily(name, documentation, labels=["result"])
    found.add_metric(["hit"], hits)
    found.add_metric(["miss"], misses)
    return found


def metrics_endpoint(engine: Engine, token: str) -> Callable[[Request], Any]:
    registry = CollectorRegistry()
    registry.register(OutboxCollector(engine))
    registry.register(SearchCacheCollector())
    expected = f"Bearer {token}".encode()

    def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return Response("unauthorized\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        body = generate_latest(REGISTRY) + generate_latest(registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics


# -- the web middleware --------------------------------------------------------------------------------------

class RequestMetrics:
    """Pure ASGI middleware: a request id for the logs (the caller's ``X-Request-ID`` when sane, else a new
    one, echoed in the response), and the webhook latency by channel."""

    def __init__(self, app: ASGIApp, *, wechat_deadline_s: float = 4.0) -> None:
        self.app, self.deadline = app, wechat_deadline_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", given) else uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        channel = CHANNEL_PATHS.get(scope["path"])
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
            if channel is not None:
                elapsed = time.perf_counter() - start
                LATENCY.labels(channel).observe(elapsed)
                if channel == "wechat" and elapsed >= self.deadline:
                    PAST_DEADLINE.inc()
