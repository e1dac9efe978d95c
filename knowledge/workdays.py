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


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
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


def weekdays_end(start: date, n: int) -> date:
    """The n-th Monday-to-Friday day counted from ``start``: the earliest a window of n working days can end
    in a year whose holiday calendar is not published yet (its holidays only push the end later, unless a
    Saturday is made a working day)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    day, counted = start, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted == n:
                return day
        day += timedelta(days=1)

