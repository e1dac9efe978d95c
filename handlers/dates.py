"""Dates and times typed by people, read in one place for every step that asks for them.

Dates: 2026-09-28, 2026/9/28, 2026.9.28, 2026年9月28日 or 号, full-width digits, English month names or their
abbreviations in either order (Dec 10, 10 December 2026, December 10th, 2026), Chinese numerals (十二月八号,
二〇二六年十二月八日; a lunar 初八 is no date); and -- when ``today`` is given -- 今天/明天/后天/大后天/today/tomorrow,
weekdays (周五, 这周五, 下周一, 礼拜天, Friday, next Monday), 下个月3号, 月底, and a date without its year (9月28日: this
year; :func:`planned_day` reads it as the nearest such day instead). 12/10 is month first, as dates are written in
Chinese.

Times: 09:00, 9am, 9:30pm, 9点, 上午9点, 下午3点半, 晚上11点; ranges with 到/至/-/~/to (9am to 12, 晚上11点到12点).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time, timedelta

_DATE = re.compile(r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
           "nov": 11, "dec": 12}
_MONTH = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])")
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?(?![\d:])"
# "Dec 10", "December 10th, 2026"; "10 Dec", "10th of December 2026".
_EN_MONTH_DAY = re.compile(rf"(?<![a-z]){_MONTH}\s*{_ORDINAL}(?:\s*,?\s*(\d{{4}}))?")
_EN_DAY_MONTH = re.compile(rf"(?<![\d.]){_ORDINAL}\s*(?:of\s+)?{_MONTH}(?:\s*,?\s*(\d{{4}}))?")
# Days named relative to today; a whole answer only ("公示明天开始" is a sentence, not a date).
_RELATIVE = {"today": 0, "今天": 0, "今日": 0, "tomorrow": 1, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
             "day after tomorrow": 2, "the day after tomorrow": 2}


def _clean(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).strip().lower()
    return _CN_DATE_PART.sub(lambda m: _cn_part(m[1]), t) if "月" in t else t


_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "1": 0, "2": 1, "3": 2, "4": 3,
             "5": 4, "6": 5, "7": 6, "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
# 周五 (the next Friday, today included), 这周五/本周五 (this week's, Monday first), 下周五/下个星期五 (next week's);
# "Friday", "on Friday", "this Friday", "next Friday". "next Friday" is read as 下周五, next week's: said on a
# Tuesday, English speakers differ on whether it is three days off or ten, and the clerk sees the date back.
_ZH_WEEKDAY = re.compile(r"(下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])")
_EN_WEEKDAY = re.compile(r"(?:(next|this|on)\s+)?(mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?")
# 下个月3号, 下月3日; 月底 (the last day of this month), 下个月底.
_NEXT_MONTH_DAY = re.compile(r"下个?月\s*(\d{1,2})\s*[日号]")
_MONTH_END = re.compile(r"(下个?|这个?|本)?月底")
# Chinese numerals in a date ("十二月八号", "二〇二六年十二月八日"), turned into digits before it is read.
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE_PART = re.compile(r"([〇零一二两三四五六七八九十]{1,4})(?=\s*[年月日号])")


def _cn_part(numeral: str) -> str:
    """"十二" -> "12", "二十八" -> "28", "二〇二六" -> "2026" (a year digit by digit); unchanged when no number."""
    if "十" not in numeral:
        return "".join(str(_CN_DIGITS[ch]) for ch in numeral)
    tens, _, ones = numeral.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return numeral
    return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _relative(t: str, today: date | None) -> date | None:
    """A day named from today: 今天, 大后天, 周五, 下周一, next Monday, 下个月3号, 月底; None otherwise."""
    if today is None:
        return None
    if (shift := _RELATIVE.get(t)) is not None:
        return today + timedelta(days=shift)
    if (m := _ZH_WEEKDAY.fullmatch(t)) or (m := _EN_WEEKDAY.fullmatch(t)):
        which, weekday = m[1] or "", _WEEKDAYS[m[2]]
        monday = today - timedelta(days=today.weekday())
        if which.startswith(("下", "next")):
            return monday + timedelta(days=7 + weekday)
        if which.startswith(("这", "本", "this")):
            return monday + timedelta(days=weekday)
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    if m := _NEXT_MONTH_DAY.fullmatch(t):
        first = _month_end(today) + timedelta(days=1)
        try:
            return first.replace(day=int(m[1]))
        except ValueError:
            return None
    if m := _MONTH_END.fullmatch(t):
        return _month_end(_month_end(today) + timedelta(days=1)) if (m[1] or "").startswith("下") else _month_end(today)
    return None


def _ymd(t: str, anywhere: bool) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) as typed in the cleaned text ``t``, not yet checked as a real date."""
    find = (lambda rx: rx.search(t)) if anywhere else (lambda rx: rx.fullmatch(t))
    if (m := find(_DATE)) is not None:
        return (int(m[1]) if m[1] else None), int(m[2]), int(m[3])
    if (m := find(_EN_MONTH_DAY)) is not None:
        return (int(m[3]) if m[3] else None), _MONTHS[m[1][:3]], int(m[2])
    if (m := find(_EN_DAY_MONTH)) is not None:
        return (int(m[3]) if m[3] else None), _MONTHS[m[2][:3]], int(m[1])
    return None


def parse_day(text: str, today: date | None = None, *, anywhere: bool = False) -> date | None:
    """The date in ``text``, or None. ``anywhere``: find it inside a sentence, not as the whole answer.
    Without ``today`` a year is required; with it, a date without its year is this year's."""
    t = _clean(text)
    if (day := _relative(t, today)) is not None:
        return day
    found = _ymd(t, anywhere)
    if found is None or (found[0] is None and today is None):
        return None
    year, month, dom = found
    try:
        return date(year if year is not None else today.year, month, dom)  # type: ignore[union-attr]
    except ValueError:
        return None


# A date typed without its year for something being planned ("3月20日" for a class) is the nearest such day
# from a month back on: a class registered late may have started days ago, and one in March is next March.
PLANNED_LOOKBACK_DAYS = 31


def planned_day(text: str, today: date, *, near: date | None = None,
                lookback_days: int = PLANNED_LOOKBACK_DAYS) -> date | None:
    """:func:`parse_day` for a day being planned: with its year as typed, 今天/明天 from ``today``, or without a
    year the nearest such day on or after ``near`` (default ``today``) less ``lookback_days``.
    None when ``text`` is no date."""
    t = _clean(text)
    if (day := _relative(t, today)) is not None:
        return day
    found = _ymd(t, anywhere=False)
    if found is None:
        return None
    year, month, dom = found
    if year is not None:
        try:
            return date(year, month, dom)
        except ValueError:
            return None
    earliest = (near or today) - timedelta(days=lookback_days)
    for year in (earliest.year, earliest.year + 1):
        try:
            day = date(year, month, dom)
        except ValueError:  # 2月29日 in a year without it
            continue
        if day >= earliest:
            return day
    return None


# -- times -------------------------------------------------------------------------------------------------
_AM_WORDS = ("凌晨", "早上", "早晨", "清晨", "上午", "早")
_EVENING_WORDS = ("傍晚", "晚上", "夜里", "夜间", "晚")  # 晚上12点 is midnight
_PM_WORDS = ("下午", "午后", *_EVENING_WORDS)
# (Not knowledge.facts.numbers.cn_number: importing that package costs the `yunling training` commands 0.2 s.)
_CN_HOURS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
             "十": 10, "十一": 11, "十二": 12}
_PERIOD = "|".join(sorted((*_AM_WORDS, *_PM_WORDS, "中午"), key=len, reverse=True))
_TIME = (rf"(?:(?P<zh>{_PERIOD})\s*)?"
         r"(?:(?P<h>\d{1,2}|十[一二]?|[零一二两三四五六七八九])\s*(?:"
         r"(?P<colon>:)\s*(?P<m>\d{2})"  # 9:30
         r"|(?P<dian>[点點时])(?:\s*(?P<half>半)|\s*(?P<q1>一刻)|\s*(?P<q3>三刻)|\s*(?P<cm>\d{1,2})\s*分?)?"  # 9点半
         r"|)\s*(?P<en>a\.?m\.?|p\.?m\.?)?"
         r"|(?P<word>noon|midnight))")
_ONE_TIME = re.compile(_TIME)
_TIME_AT_END = re.compile(_TIME + r"$")
_RANGE_SEP = re.compile(r"\s*(?:到|至|[-–—~～]|(?<![a-z])(?:to|until|till)(?![a-z]))\s*")
_DAY_END = 24 * 60


@dataclass(frozen=True)
class _Clock:
    """A time of day as typed: minutes since midnight (24:00 allowed) and the period it named, if any."""

    minutes: int
    period: str | None
    marked: bool


def _period_minutes(hour: int, minute: int, period: str | None, zh: str | None) -> int | None:
    if period is None:
        return hour * 60 + minute if hour <= 24 and (hour < 24 or minute == 0) else None
    if period == "am":
        return (0 if hour == 12 else hour) * 60 + minute if hour <= 12 else None
    if period == "noon":  # 中午12点, 中午1点
        return (hour + 12 if hour <= 5 else hour) * 60 + minute if hour <= 13 else None
    if hour > 12:  # 下午15点: already 24-hour
        return hour * 60 + minute if hour < 24 and zh is not None else None
    if hour == 12:  # 12pm and 下午12点 are noon, 晚上12点 is midnight
        return (_DAY_END if zh in _EVENING_WORDS else 12 * 60) + (minute if zh not in _EVENING_WORDS else 0)
    return (hour + 12) * 60 + minute


def _clock(m: re.Match[str]) -> _Clock | None:
    if m["word"]:
        return _Clock(12 * 60 if m["word"] == "noon" else _DAY_END, None, True)
    h = m["h"]
    hour = int(h) if h.isdigit() else _CN_HOURS[h]
    if m["colon"]:
        minute = int(m["m"])
    elif m["half"]:
        minute = 30
    elif m["q1"] or m["q3"]:
        minute = 15 if m["q1"] else 45
    else:
        minute = int(m["cm"]) if m["cm"] else 0
    if minute > 59 or (not h.isdigit() and not m["dian"]):  # "九" alone is no time
        return None
    zh, en = m["zh"], (m["en"] or "").replace(".", "")
    period = ("pm" if en == "pm" else "am") if en else (
        None if zh is None else "am" if zh in _AM_WORDS else "noon" if zh == "中午" else "pm")
    if en and zh:
        return None
    minutes = _period_minutes(hour, minute, period, zh)
    marked = bool(m["colon"] or m["dian"] or period)
    return None if minutes is None else _Clock(minutes, period, marked)


def _one_clock(t: str) -> _Clock | None:
    m = _ONE_TIME.fullmatch(t)
    return _clock(m) if m else None


def _as_time(minutes: int) -> time:
    # A time that ends at midnight ends with its day (a session does not run into the next one).
    return time(23, 59) if minutes >= _DAY_END else time(minutes // 60, minutes % 60)


def parse_time_range(text: str) -> tuple[time, time] | None:
    """A start and an end time, the end after the start ("09:00-12:00", "9am to 12", "下午2点到4点",
    "晚上11点到12点": the end read in the start's part of the day), or None."""
    t = re.sub(r"^(?:从|from)\s*", "", _clean(text))
    parts = _RANGE_SEP.split(t, maxsplit=1)
    if len(parts) != 2:
        return None
    start, end = _one_clock(parts[0].strip()), _one_clock(parts[1].strip())
    if start is None or end is None or start.minutes >= _DAY_END:
        return None
    if end.period is None and start.period is not None and end.minutes <= start.minutes \
            and end.minutes <= 12 * 60:  # "下午2点到4点": 4 in the afternoon
        end = _Clock(end.minutes + 12 * 60, start.period, True)
    if start.period is None and end.period in ("am", "pm"):  # "2 to 4pm": 2 in the afternoon
        shifted = _period_minutes(start.minutes // 60, start.minutes % 60, end.period, None)
        if shifted is not None and shifted < end.minutes:
            start = _Clock(shifted, end.period, True)
    if end.minutes <= start.minutes or end.minutes > _DAY_END:
        return None
    return _as_time(start.minutes), _as_time(end.minutes)


def parse_moment(text: str, today: date) -> tuple[date, time] | None:
    """A day and a time of day to come ("2026-04-01 09:00", "明天上午9点", "tomorrow 9am", "Dec 10 9:30pm"); a time
    alone is today's. A date without its year is its next one, today included ("jan 10 at 6pm" typed on 3 December
    is next January's). None when either is missing or wrong."""
    t = _clean(text)
    m = _TIME_AT_END.search(t)
    if m is None or (c := _clock(m)) is None or not c.marked or c.minutes >= _DAY_END:
        return None
    head = re.sub(r"(?:\s*(?:,|at|@|的))+$", "", t[: m.start()].strip()).strip()
    day = planned_day(head, today, lookback_days=0) if head else today
    return None if day is None else (day, _as_time(c.minutes))
