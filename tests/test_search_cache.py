"""The FAQ search's cache (``handlers.answering``): a repeated question is not searched again, the answer is
the one an uncached search gives, the dispatcher's prefetch and the answer after it cost one search, and the
cache is bounded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers import answering
from handlers.answering import (
    SEARCH_CACHE_ENTRIES,
    answer,
    configure_search_cache,
    prefetch,
    search_cache_info,
)

QUESTIONS = ("云岭工匠每年评几个", "技能培训补贴怎么算", "how many Yunling Craftsmen are named each year",
             "职工创新工作室命名后有多少经费", "明天天气怎么样", "gongjiang zenme shenbao", "工作站")


@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The questions the real search was run on, with a fresh cache."""
    seen: list[str] = []
    real = answering.search

    def counted(query: str, **kw: object):  # type: ignore[no-untyped-def]
        seen.append(query)
        return real(query, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(answering, "search", counted)
    configure_search_cache(0)
    configure_search_cache(SEARCH_CACHE_ENTRIES)
    yield seen
    configure_search_cache(0)
    configure_search_cache(SEARCH_CACHE_ENTRIES)


def test_a_repeated_question_is_searched_once_and_answered_alike(searches: list[str]) -> None:
    first = [answer(q, contact="x").reply for q in QUESTIONS]
    assert len(searches) == len(QUESTIONS)
    again = [answer(q, contact="x").reply for q in QUESTIONS]
    assert len(searches) == len(QUESTIONS) and again == first
    hits, misses, entries = search_cache_info()
    assert (hits, misses, entries) == (len(QUESTIONS), len(QUESTIONS), len(QUESTIONS))
    configure_search_cache(0)  # no cache: every question searched, the same replies
    assert [answer(q, contact="x").reply for q in QUESTIONS] == first
    assert len(searches) == 2 * len(QUESTIONS)


def test_the_prefetch_and_the_answer_after_it_search_once(searches: list[str]) -> None:
    prefetch("云岭工匠要交哪些材料")
    reply = answer("云岭工匠要交哪些材料", contact="x").reply
    assert searches == ["云岭工匠要交哪些材料"] and reply.citations
    assert prefetch("§craftsman:10") is None and len(searches) == 1  # a tapped choice is not searched


def test_the_cache_is_bounded_and_long_messages_are_not_kept(searches: list[str]) -> None:
    configure_search_cache(2)
    for q in QUESTIONS[:3]:
        answer(q, contact="x")
    answer(QUESTIONS[0], contact="x")  # the oldest was dropped for the third
    assert searches == [*QUESTIONS[:3], QUESTIONS[0]] and search_cache_info()[2] == 2
    long = "云岭工匠怎么评选" + "，" * 1000
    answer(long, contact="x")
    answer(long, contact="x")
    assert searches[-2:] == [long, long] and search_cache_info()[2] == 2


def test_the_setting_sizes_the_cache(engine, settings, searches: list[str]) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from handlers.registry import build_dispatcher

    build_dispatcher(engine, replace(settings, search_cache_entries=0))
    answer(QUESTIONS[0], contact="x")
    answer(QUESTIONS[0], contact="x")
    assert searches == [QUESTIONS[0]] * 2
    build_dispatcher(engine, replace(settings, search_cache_entries=10))
    for _ in range(3):
        answer(QUESTIONS[0], contact="x")
    assert len(searches) == 3


def test_facts_of_a_repeated_message_are_read_once_and_sized_by_the_setting(
        engine, settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The listener's facts of a message follow the same setting: a repeated self-description is not read
    again, the reading is the same, and 0 keeps only the few texts one message reads more than once."""
    import importlib
    from dataclasses import replace

    from handlers.registry import build_dispatcher
    from knowledge import facts as kf

    listening = importlib.import_module("handlers.flows.listen")  # the package's listen() shadows it

    read: list[str] = []
    real = kf.extract

    def counted(text: str) -> kf.Facts:
        read.append(text)
        return real(text)

    monkeypatch.setattr(kf, "extract", counted)
    said = [f"我是电焊工，今年{age}岁，高级技师，能评云岭工匠吗" for age in range(30, 30 + listening.READ_KEPT_MIN + 6)]
    build_dispatcher(engine, replace(settings, search_cache_entries=listening.READ_KEPT_MIN + 10))
    first = [listening._read(t) for t in said]
    again = [listening._read(t) for t in said]
    assert read == said and again == first and first[0][0].age == 30
    assert listening.facts_cache_info()[2] == len(said)
    build_dispatcher(engine, replace(settings, search_cache_entries=0))  # the minimum: the oldest are read again
    [listening._read(t) for t in said]
    [listening._read(t) for t in said[:3]]
    assert read[len(said):] == [*said, *said[:3]]
    assert listening.facts_cache_info()[2] == listening.READ_KEPT_MIN
    build_dispatcher(engine, settings)
