"""The delivery worker against recording stand-in senders that fail, hang, ask to slow down, report the
person unreachable or refuse the message -- and against a local HTTP stand-in of the Bot API."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from standins import BAD, BLOCKED, BROKEN, BotApiHttpSender, BotApiStandIn, retry_after, serve

from bot.delivery import NO_LIMITS, DeliveryWorker, Limits, RateLimiter
from bot.senders import Permanent, RetryAfter, Transient, Unreachable
from handlers.types import Reply, reply_to_dict
from storage import repo_outbox as ro
from storage import repositories as repo
from storage.db import session_scope
from storage.models import Identity, OutboxMessage
from tests.doubles import RecordingSender


class Now:
    def __init__(self) -> None:
        self.t = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


def _person(engine: Engine, *channels: tuple[str, str]) -> int:
    with session_scope(engine) as s:
        _ident, person = repo.get_or_create_identity(session=s, channel=channels[0][0], user_key=channels[0][1])
        for ch, key in channels[1:]:
            s.add(Identity(person_id=person.id or 0, channel=ch, user_key=key, chat_key=key,
                           created_at=datetime(2020, 1, 1, tzinfo=UTC)))
        return person.id or 0


def _enqueue(engine: Engine, person_id: int, key: str, now: datetime) -> None:
    with session_scope(engine) as s:
        repo.enqueue(session=s, person_id=person_id, body=reply_to_dict(Reply(text=f"hello {key}")),
                     dedupe_key=key, not_before=now)


def _row(engine: Engine, key: str) -> OutboxMessage:
    with session_scope(engine) as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()
        s.expunge(row)
        return row


def _worker(engine: Engine, senders: dict, clock: Now, **kw) -> DeliveryWorker:
    kw.setdefault("limits", {ch: NO_LIMITS for ch in senders})
    return DeliveryWorker(engine, senders, clock=clock, **kw)


def test_messages_are_sent_and_recorded(engine: Engine) -> None:
    clock, sender = Now(), RecordingSender("console")
    for i in range(3):
        _enqueue(engine, _person(engine, ("console", f"u{i}")), f"k{i}", clock())
    assert asyncio.run(_worker(engine, {"console": sender}, clock).drain()) == 3
    assert sorted(k for *_x, k in sender.sent) == ["k0", "k1", "k2"]
    row = _row(engine, "k1")
    assert (row.status, row.attempts, row.channel, row.sent_at) == ("sent", 1, "console", clock())
    assert sender.sent[0][1].text.startswith("hello")
    # Nothing left: a second round claims nothing and sends nothing more.
    assert asyncio.run(_worker(engine, {"console": sender}, clock).drain()) == 0
    assert len(sender.sent) == 3


def test_transient_failure_is_retried_with_backoff(engine: Engine) -> None:
    clock = Now()
    sender = RecordingSender("console", plan={"k": [Transient("connection reset"), Transient("502")]})
    _enqueue(engine, _person(engine, ("console", "u")), "k", clock())
    w = _worker(engine, {"console": sender}, clock, backoff_base=10)
    asyncio.run(w.drain())
    row = _row(engine, "k")
    assert (row.status, row.attempts) == ("failed", 1)
    assert "connection reset" in row.last_error
    first_wait = (row.next_attempt_at - clock()).total_seconds()
    assert 8 <= first_wait <= 12  # base 10 s, jitter ±20 %
    assert asyncio.run(w.drain()) == 0  # not due yet
    clock.advance(first_wait + 0.01)
    asyncio.run(w.drain())
    row = _row(engine, "k")
    second_wait = (row.next_attempt_at - clock()).total_seconds()
    assert (row.status, row.attempts) == ("failed", 2) and 16 <= second_wait <= 24  # doubled
    clock.advance(second_wait + 0.01)
    asyncio.run(w.drain())
    assert (_row(engine, "k").status, _row(engine, "k").attempts) == ("sent", 3)
    assert sender.attempts == ["k", "k", "k"]


def test_a_hanging_send_times_out_and_is_retried(engine: Engine) -> None:
    clock = Now()
    sender = RecordingSender("console", plan={"k": ["timeout"]})
    _enqueue(engine, _person(engine, ("console", "u")), "k", clock())
    w = _worker(engine, {"console": sender}, clock, send_timeout=0.05, backoff_base=1)
    asyncio.run(w.drain())
    row = _row(engine, "k")
    assert row.status == "failed" and "timeout" in row.last_error
    clock.advance(5)
    asyncio.run(w.drain())
    assert _row(engine, "k").status == "sent"


def test_retry_after_waits_the_time_asked_and_pauses_the_platform(engine: Engine) -> None:
    clock = Now()
    sender = RecordingSender("console", plan={"k": [RetryAfter(7)]})
    _enqueue(engine, _person(engine, ("console", "u")), "k", clock())
    w = _worker(engine, {"console": sender}, clock)
    asyncio.run(w.drain())
    row = _row(engine, "k")
    assert row.status == "failed" and row.next_attempt_at == clock() + timedelta(seconds=7)
    assert "rate limited" in row.last_error
    assert w.limiters["console"]._paused_until > 0


def test_unreachable_identity_falls_back_to_the_other_one(engine: Engine) -> None:
    clock = Now()
    tg = RecordingSender("telegram", plan={"telegram:42": [Unreachable("bot was blocked by the user")]})
    console = RecordingSender("console")
    pid = _person(engine, ("telegram", "42"), ("console", "alice"))
    _enqueue(engine, pid, "k", clock())
    asyncio.run(_worker(engine, {"telegram": tg, "console": console}, clock).drain())
    row = _row(engine, "k")
    assert (row.status, row.channel) == ("sent", "console")
    assert [r.user_key for r, *_x in console.sent] == ["alice"] and tg.sent == []
    with session_scope(engine) as s:
        assert repo.find_identity(session=s, channel="telegram", user_key="42").reachable is False
    # The next message goes straight to the reachable identity.
    _enqueue(engine, pid, "k2", clock())
    asyncio.run(_worker(engine, {"telegram": tg, "console": console}, clock).drain())
    assert tg.attempts == ["k"] and len(console.sent) == 2


def test_unreachable_everywhere_and_permanent_errors_are_dead_letters(engine: Engine) -> None:
    clock = Now()
    sender = RecordingSender("console", plan={"a": [Unreachable("blocked")], "b": [Permanent("chat not found")]})
    _enqueue(engine, _person(engine, ("console", "u1")), "a", clock())
    _enqueue(engine, _person(engine, ("console", "u2")), "b", clock())
    w = _worker(engine, {"console": sender}, clock)
    asyncio.run(w.drain())
    a, b = _row(engine, "a"), _row(engine, "b")
    assert (a.status, b.status) == ("dead", "dead")
    assert "unreachable" in a.last_error and "chat not found" in b.last_error
    clock.advance(10_000)
    assert asyncio.run(w.drain()) == 0 and sender.sent == []


def test_dead_letter_after_the_last_retry(engine: Engine) -> None:
    clock = Now()
    sender = RecordingSender("console", plan={"k": [Transient("down")] * 10})
    _enqueue(engine, _person(engine, ("console", "u")), "k", clock())
    w = _worker(engine, {"console": sender}, clock, max_attempts=3, backoff_base=1)
    for _ in range(5):
        asyncio.run(w.drain())
        clock.advance(3600)
    row = _row(engine, "k")
    assert (row.status, row.attempts) == ("dead", 3) and "gave up after 3 attempts" in row.last_error
    assert sender.attempts == ["k"] * 3


def test_a_person_without_any_identity_we_can_send_to_is_dead(engine: Engine) -> None:
    clock = Now()
    _enqueue(engine, _person(engine, ("wechat", "openid-1")), "k", clock())
    asyncio.run(_worker(engine, {"console": RecordingSender("console")}, clock).drain())
    assert _row(engine, "k").status == "dead" and _row(engine, "k").last_error == "no reachable identity"


def test_claims_do_not_overlap_and_a_stale_lease_is_taken_over(engine: Engine) -> None:
    clock = Now()
    pid = _person(engine, ("console", "u"))
    for i in range(5):
        _enqueue(engine, pid, f"k{i}", clock())
    lease = timedelta(seconds=60)
    with session_scope(engine) as s:
        first = ro.claim(session=s, worker_id="A", limit=3, now=clock(), lease=lease)
    with session_scope(engine) as s:
        second = ro.claim(session=s, worker_id="B", limit=10, now=clock(), lease=lease)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    with session_scope(engine) as s:  # A's lease still runs: nothing to take
        assert ro.claim(session=s, worker_id="C", limit=10, now=clock() + timedelta(seconds=59), lease=lease) == []
    with session_scope(engine) as s:  # A crashed; after the lease its rows are claimable again
        taken = ro.claim(session=s, worker_id="C", limit=10, now=clock() + timedelta(seconds=61), lease=lease)
    assert sorted(taken) == sorted(first + second)
    # A comes back late: its results are not written over C's claim.
    with session_scope(engine) as s:
        written = ro.record(session=s, worker_id="A", results=[ro.Result(first[0], "sent", 1)])
    assert written == 0
    with session_scope(engine) as s:
        assert s.get(OutboxMessage, first[0]).claimed_by == "C"


def test_rate_limiter_spacing_on_a_virtual_clock() -> None:
    t = [0.0]
    slots: list[tuple[str, float]] = []

    async def fake_sleep(d: float) -> None:
        t[0] += d

    limiter = RateLimiter(Limits(per_second=30, per_chat_interval=1.0, per_minute=100, jitter=0.0),
                          clock=lambda: t[0], sleep=fake_sleep)

    async def go() -> None:
        for i in range(150):
            chat = "same" if i % 10 == 0 else f"c{i}"
            await limiter.acquire(chat)
            slots.append((chat, t[0]))

    asyncio.run(go())
    times = [x for _c, x in slots]
    assert all(b - a >= 1 / 30 - 1e-9 for a, b in itertools.pairwise(times))
    same = [x for c, x in slots if c == "same"]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(same))
    for i, x in enumerate(times):  # no more than 100 in any rolling minute
        assert sum(1 for y in times[: i + 1] if y > x - 60 + 1e-6) <= 100
    assert times[100] >= 60.0  # the 101st waited for the minute to roll


def test_rate_limiter_holds_at_departure_when_the_loop_wakes_late() -> None:
    """A stalled event loop wakes every sleeper whose slot has passed at once: they must not leave in a
    bunch. Virtual time: the driver wakes sleepers in time order, and every 0.9 s of time stalls for 0.7 s."""
    t = [0.0]
    sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
    order = itertools.count()

    async def fake_sleep(d: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        heapq.heappush(sleepers, (t[0] + d, next(order), fut))
        await fut

    limiter = RateLimiter(Limits(per_second=30, per_chat_interval=1.0, jitter=0.0), clock=lambda: t[0],
                          sleep=fake_sleep)
    left: list[tuple[str, float]] = []

    async def one(chat: str) -> None:
        await limiter.acquire(chat)
        left.append((chat, t[0]))

    async def drive() -> None:
        tasks = [asyncio.create_task(one(f"c{i % 40}")) for i in range(300)]
        next_stall = 0.9
        while not all(task.done() for task in tasks):
            for _ in range(5):
                await asyncio.sleep(0)
            if not sleepers:
                continue
            t[0] = max(t[0], sleepers[0][0])
            if t[0] >= next_stall:
                t[0], next_stall = t[0] + 0.7, next_stall + 0.9
            while sleepers and sleepers[0][0] <= t[0]:
                heapq.heappop(sleepers)[2].set_result(None)

    asyncio.run(drive())
    times = sorted(x for _c, x in left)
    assert len(times) == 300
    assert max(bisect.bisect_left(times, x + 1.0) - i for i, x in enumerate(times)) <= 30
    per_chat: dict[str, list[float]] = {}
    for chat, x in left:
        per_chat.setdefault(chat, []).append(x)
    assert min(b - a for xs in per_chat.values() for a, b in itertools.pairwise(xs)) >= 1.0 - 1e-9


def test_http_stand_in_end_to_end(engine: Engine) -> None:
    """429 with retry_after, 500, 403 and 400 answered over real HTTP, mapped by the sender."""
    clock = Now()
    standin = BotApiStandIn()
    standin.script["1"] = [retry_after(3)]
    standin.script["2"] = [BROKEN]
    standin.script["3"] = [BLOCKED]
    standin.script["4"] = [BAD]
    for chat in ("1", "2", "3", "4", "5"):
        _enqueue(engine, _person(engine, ("telegram", chat)), f"m{chat}", clock())
    with serve(standin.app()) as url:
        sender = BotApiHttpSender(url)
        w = _worker(engine, {"telegram": sender}, clock, backoff_base=1)

        async def rounds() -> None:
            await w.drain()
            clock.advance(5)
            w.limiters["telegram"]._paused_until = 0  # the virtual clock moved on; so does the pause
            await w.drain()
            await sender.aclose()

        asyncio.run(rounds())
    status = {c: _row(engine, f"m{c}") for c in "12345"}
    assert status["1"].status == "sent" and status["1"].attempts == 2
    assert status["2"].status == "sent" and status["2"].attempts == 2
    assert status["3"].status == "dead" and "blocked" in status["3"].last_error
    assert status["4"].status == "dead" and "chat not found" in status["4"].last_error
    assert status["5"].status == "sent" and status["5"].attempts == 1
    assert standin.per_chat() == {"1": 1, "2": 1, "5": 1}


@pytest.mark.parametrize("n", [250])
def test_many_messages_through_http_each_exactly_once(engine: Engine, n: int) -> None:
    clock = Now()
    for i in range(n):
        _enqueue(engine, _person(engine, ("telegram", str(1000 + i))), f"b{i}", clock())
    standin = BotApiStandIn()
    with serve(standin.app()) as url:
        sender = BotApiHttpSender(url)

        async def go() -> int:
            done = await _worker(engine, {"telegram": sender}, clock, batch_size=64).drain()
            await sender.aclose()
            return done

        assert asyncio.run(go()) == n
    counts = standin.per_chat()
    assert len(counts) == n and set(counts.values()) == {1}
