from datetime import date

import pytest

from handlers.dates import parse_day, planned_day

TODAY = date(2026, 9, 1)


@pytest.mark.parametrize(("text", "today", "anywhere", "expected"), [
    ("2026-09-28", None, False, date(2026, 9, 28)),
    ("2026/9/28", None, False, date(2026, 9, 28)),
    ("２０２６年９月２８日", None, False, date(2026, 9, 28)),
    ("2026.9.28", None, False, date(2026, 9, 28)),
    ("9月28日", None, False, None),  # no year and no today: refused
    ("9月28日", TODAY, False, date(2026, 9, 28)),
    ("今天", TODAY, False, TODAY),
    ("today", None, False, None),
    ("2026-02-30", None, False, None),
    ("公示从9月28日开始", TODAY, False, None),
    ("公示从9月28日开始", TODAY, True, date(2026, 9, 28)),
    ("明天", TODAY, True, None),
])
def test_parse_day(text, today, anywhere, expected) -> None:
    assert parse_day(text, today, anywhere=anywhere) == expected


@pytest.mark.parametrize(("text", "today", "expected"), [
    ("3月20日", date(2026, 12, 2), date(2027, 3, 20)),  # planned in December: next March
    ("11月30日", date(2026, 12, 2), date(2026, 11, 30)),  # two days back: a class registered late
    ("11月1日", date(2026, 12, 2), date(2026, 11, 1)),  # 31 days back: still this year
    ("10月31日", date(2026, 12, 2), date(2027, 10, 31)),  # further back: next year's
    ("2026-03-20", date(2026, 12, 2), date(2026, 3, 20)),  # a year typed is the year
    ("2月29日", date(2027, 3, 1), date(2028, 2, 29)),  # the next year that has it
    ("下周一", date(2026, 12, 2), None),
])
def test_planned_day(text, today, expected) -> None:
    assert planned_day(text, today) == expected
