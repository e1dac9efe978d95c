"""Dates typed by people: 2026-09-28, 2026/9/28, 2026.9.28, 2026年9月28日, full-width digits, and — when
``today`` is given — "今天"/"today" and 9月28日 (this year)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_DATE = re.compile(r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TODAY = ("today", "今天", "今日")


def parse_day(text: str, today: date | None = None, *, anywhere: bool = False) -> date | None:
    """The date in ``text``, or None. ``anywhere``: find it inside a sentence, not as the whole answer.
    Without ``today`` a year is required."""
    t = unicodedata.normalize("NFKC", text).strip().lower()
    if today is not None and t in _TODAY:
        return today
    m = _DATE.search(t) if anywhere else _DATE.fullmatch(t)
    if not m or (m[1] is None and today is None):
        return None
    try:
        return date(int(m[1]) if m[1] else today.year, int(m[2]), int(m[3]))  # type: ignore[union-attr]
    except ValueError:
        return None


# A date typed without its year for something being planned ("3月20日" for a class) is the nearest such day
# from a month back on: a class registered late may have started days ago, and one in March is next March.
PLANNED_LOOKBACK_DAYS = 31


def planned_day(text: str, today: date) -> date | None:
    """:func:`parse_day` for a day being planned: with its year as typed, or without one the nearest such day
    on or after ``today`` less :data:`PLANNED_LOOKBACK_DAYS`. None when ``text`` is no date."""
    day = parse_day(text)
    if day is not None:
        return day
    t = unicodedata.normalize("NFKC", text).strip().lower()
    m = _DATE.fullmatch(t)
    if m is None or m[1] is not None:
        return None
    earliest = date.fromordinal(today.toordinal() - PLANNED_LOOKBACK_DAYS)
    for year in (earliest.year, earliest.year + 1):
        try:
            day = date(year, int(m[2]), int(m[3]))
        except ValueError:  # 2月29日 in a year without it
            continue
        if day >= earliest:
            return day
    return None
