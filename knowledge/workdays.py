"""Chinese working days (statutory holidays and adjusted working days) from the maintained
``chinese_calendar`` package -- used for the 5-working-day 公示 windows."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


class CalendarUnknown(ValueError):
    """The date lies outside the years the installed holiday calendar covers; ``year`` is its year."""

    def __init__(self, message: str, year: int) -> None:
        super().__init__(message)
        self.year = year


# Holidays on fixed dates by law, every year, whatever the year's published schedule adds or shifts:
# 《全国年节及纪念日放假办法》第二条 (as revised in 2024, in force from 2025): 元旦 1月1日, 劳动节 5月1日、2日,
# 国庆节 10月1日、2日、3日. Only used for years the installed calendar lacks (older years had other rules).
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def is_fixed_holiday(day: date) -> bool:
    return (day.month, day.day) in FIXED_HOLIDAYS


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day; :class:`CalendarUnknown` when its year's schedule is not installed,
    unless it is a fixed holiday (1 January is never a working day)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        if is_fixed_holiday(day):
            return False
        raise CalendarUnknown(str(exc), day.year) from exc


def missing_year(start: date, n: int) -> int | None:
    """The year whose holiday calendar a window of ``n`` working days from ``start`` needs and the installed
    one lacks (a 公示 opening on 2026-12-28 runs into 2027); None when it is covered."""
    try:
        add_workdays(start, n)
    except CalendarUnknown as exc:
        return exc.year
    return None


def add_workdays(start: date, n: int) -> date:
    """The date on which the n-th working day counted from ``start`` (inclusive when a workday) falls.

    ``add_workdays(d, 5)`` is the last day of a 5-working-day window that opens on ``d``.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    day, counted = start, 0
    while True:
        if is_workday(day):
            counted += 1
            if counted == n:
                return day
        day += timedelta(days=1)

