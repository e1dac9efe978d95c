"""Chinese working days (statutory holidays and adjusted working days) from the maintained
``chinese_calendar`` package -- used for the 5-working-day 公示 windows."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


class CalendarUnknown(ValueError):
    """The date lies outside the years the installed holiday calendar covers."""


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarUnknown(str(exc)) from exc


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

