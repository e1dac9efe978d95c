from datetime import date, time

import pytest

from handlers.dates import parse_day, parse_moment, parse_time_range, planned_day

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
    ("明天", TODAY, True, date(2026, 9, 2)),  # a whole answer, also where a date is found in a sentence
    ("公示明天开始", TODAY, True, None),  # but not a word inside one
    # 号 as well as 日, and days named from today
    ("12月8号", TODAY, False, date(2026, 12, 8)),
    ("2026年12月28号", None, False, date(2026, 12, 28)),
    ("截止到12月5号", TODAY, True, date(2026, 12, 5)),
    ("明天", TODAY, False, date(2026, 9, 2)),
    ("后天", TODAY, False, date(2026, 9, 3)),
    ("tomorrow", TODAY, False, date(2026, 9, 2)),
    ("Today", TODAY, False, TODAY),
    # English month names and abbreviations, in either order, with or without a year
    ("Dec 10", TODAY, False, date(2026, 12, 10)),
    ("Dec 24", TODAY, False, date(2026, 12, 24)),
    ("December 10", TODAY, False, date(2026, 12, 10)),
    ("10 December 2026", None, False, date(2026, 12, 10)),
    ("December 10th, 2027", None, False, date(2027, 12, 10)),
    ("10th of Sept", TODAY, False, date(2026, 9, 10)),
    ("Dec 10", None, False, None),  # no year and no today
    # garbage stays refused
    ("12月32号", TODAY, False, None),
    ("13月5号", TODAY, False, None),
    ("Dec 45", TODAY, False, None),
    ("Decimal 10", TODAY, False, None),
    ("may I", TODAY, False, None),
    # TODAY is a Tuesday: weekdays named from it (Monday first), and other days said from today
    ("下周一", TODAY, False, date(2026, 9, 7)),
    ("下个星期三", TODAY, False, date(2026, 9, 9)),
    ("周五", TODAY, False, date(2026, 9, 4)),
    ("礼拜天", TODAY, False, date(2026, 9, 6)),
    ("星期二", TODAY, False, TODAY),  # today is the nearest Tuesday
    ("这周一", TODAY, False, date(2026, 8, 31)),  # this week's, though past: the step says a past date is wrong
    ("本周六", TODAY, False, date(2026, 9, 5)),
    ("Friday", TODAY, False, date(2026, 9, 4)),
    ("next Monday", TODAY, False, date(2026, 9, 7)),
    ("this Sat", TODAY, False, date(2026, 9, 5)),
    ("大后天", TODAY, False, date(2026, 9, 4)),
    ("月底", TODAY, False, date(2026, 9, 30)),
    ("下个月3号", TODAY, False, date(2026, 10, 3)),
    ("下月底", date(2027, 1, 15), False, date(2027, 2, 28)),
    ("下周一", None, False, None),  # nothing is relative without today
    # Chinese numerals; month first in 12/10 as dates are written in Chinese
    ("十二月八号", TODAY, False, date(2026, 12, 8)),
    ("二〇二六年十二月二十八日", None, False, date(2026, 12, 28)),
    ("十月三十一日", TODAY, False, date(2026, 10, 31)),
    ("12/10", TODAY, False, date(2026, 12, 10)),
    ("十二月初八", TODAY, False, None),  # a lunar date is not read as a solar one
    ("二月三十号", TODAY, False, None),
    ("下周八", TODAY, False, None),
    ("下个月32号", TODAY, False, None),
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
    ("下周一", date(2026, 12, 2), date(2026, 12, 7)),
    ("12月8号", date(2026, 12, 2), date(2026, 12, 8)),
    ("1月8号", date(2026, 12, 2), date(2027, 1, 8)),
    ("Dec 28", date(2026, 12, 2), date(2026, 12, 28)),
    ("10 January", date(2026, 12, 2), date(2027, 1, 10)),
    ("今天", date(2026, 12, 2), date(2026, 12, 2)),
    ("tomorrow", date(2026, 12, 2), date(2026, 12, 3)),
    ("Dec 45", date(2026, 12, 2), None),
])
def test_planned_day(text, today, expected) -> None:
    assert planned_day(text, today) == expected


def test_planned_day_near_another_day() -> None:
    """A session's date: without a year near its class's first day, 明天 from today."""
    assert planned_day("3月20日", date(2026, 12, 2), near=date(2027, 3, 1)) == date(2027, 3, 20)
    assert planned_day("明天", date(2026, 12, 2), near=date(2027, 3, 1)) == date(2026, 12, 3)


@pytest.mark.parametrize(("text", "expected"), [
    ("09:00", time(9)), ("9am", time(9)), ("9 a.m.", time(9)), ("9:30pm", time(21, 30)), ("12pm", time(12)),
    ("12am", time(0)), ("上午9点", time(9)), ("下午3点半", time(15, 30)), ("晚上11点", time(23)),
    ("中午12点", time(12)), ("中午1点", time(13)), ("9点15分", time(9, 15)), ("下午三点", time(15)),
    ("９：３０", time(9, 30)),
    ("9", None), ("13pm", None), ("上午13点", None), ("25:00", None), ("9:75", None), ("九", None), ("abc", None),
])
def test_a_time_alone_is_todays(text, expected) -> None:
    assert parse_moment(text, TODAY) == (None if expected is None else (TODAY, expected))


@pytest.mark.parametrize(("text", "expected"), [
    ("09:00-12:00", (time(9), time(12))),
    ("9:00 ～ 12:00", (time(9), time(12))),
    ("9am to 12", (time(9), time(12))),
    ("9:30am-11:45am", (time(9, 30), time(11, 45))),
    ("2 to 4pm", (time(14), time(16))),  # the end's afternoon is the start's too
    ("下午2点到4点", (time(14), time(16))),  # the start's afternoon is the end's too
    ("上午9点至下午3点半", (time(9), time(15, 30))),
    ("9点到12点", (time(9), time(12))),
    ("从9点到12点", (time(9), time(12))),
    ("晚上11点到12点", (time(23), time(23, 59))),  # ends at midnight, within its day
    ("11pm to midnight", (time(23), time(23, 59))),
    ("12:00-09:00", None),  # the end before the start
    ("9点", None), ("上午到下午", None), ("2026-03-02", None), ("whenever", None),
])
def test_parse_time_range(text, expected) -> None:
    assert parse_time_range(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-08 09:00", (date(2026, 12, 8), time(9))),
    ("明天上午9点", (date(2026, 9, 2), time(9))),
    ("tomorrow 9am", (date(2026, 9, 2), time(9))),
    ("tomorrow at 9:30pm", (date(2026, 9, 2), time(21, 30))),
    ("12月8号 9:00", (date(2026, 12, 8), time(9))),
    ("12月8号下午3点半", (date(2026, 12, 8), time(15, 30))),
    ("Dec 10 9am", (date(2026, 12, 10), time(9))),
    ("10 December 2026, 9am", (date(2026, 12, 10), time(9))),
    ("晚上8点", (TODAY, time(20))),  # a time alone is today's
    # without its year, the next such day (typed on 1 September: next January and August)
    ("jan 10 at 6pm", (date(2027, 1, 10), time(18))), ("8月5日 9:00", (date(2027, 8, 5), time(9))),
    ("9月1日 晚上8点", (TODAY, time(20))), ("2026-08-05 09:00", (date(2026, 8, 5), time(9))),  # a year typed is kept
    ("明天", None), ("Dec 10", None), ("someday 9am", None), ("明天 25:00", None),
])
def test_parse_moment(text, expected) -> None:
    assert parse_moment(text, TODAY) == expected
