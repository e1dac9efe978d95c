from datetime import date

import pytest

from handlers.dates import parse_day

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
