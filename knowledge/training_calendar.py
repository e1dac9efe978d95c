"""The training fund's yearly calendar as data (第十一条, 第十三条, 第十六条, 第二十一条, 第二十二条).

Each :class:`Task` is a yearly duty with its article. Dated tasks recur every year on a month/day; undated
ones (project application, the first 50 % payment, spot checks) follow events and are listed apart.

Decisions taken where the text leaves room:

* "12 月 5 日前" and "12 月 10 日前" are read as "by the end of that day": 5 December is still on time,
  6 December is late (the usual reading of 日前 in administrative deadlines).
* "每年 2 月前" is read as "before 1 February": 31 January is the last day, 1 February is late.
* ``opens`` is when we start showing a dated task; for the November survey and the December payment it is
  the month the text names, for the other deadlines it is our own lead time (marked below).
* A missed deadline is reported as overdue for :data:`LATE_DAYS` days (and never once its next yearly
  occurrence opens): long past that, a reminder no longer helps. ``done`` keys are either the task key
  ("plan") or the occurrence id ("plan@2026-12-05").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from knowledge.models import ArticleRef, ref
from knowledge.text import N_

MEASURE = "training"
SOON_DAYS = 14  # a deadline this close is "due soon" even before its window opens
LATE_DAYS = 31  # how long a missed deadline is still reported as overdue
AHEAD_DAYS = 62  # deadlines this far off are named as coming next (附件6 by 31 January, seen in December)
REMINDER_OFFSETS = (7, 1, 0)  # days before a deadline when reminders go out (plus the opening day)


@dataclass(frozen=True)
class Task:
    key: str
    title: str  # N_-marked English
    ref: ArticleRef
    due: tuple[int, int] | None = None  # (month, day) last day, None for event-driven tasks
    opens: tuple[int, int] | None = None  # (month, day) first day shown
    kind: str = "deadline"  # deadline: the unions must deliver | window: a month of work | expect: the province acts
    note: str = ""  # N_-marked English detail


TASKS: tuple[Task, ...] = (
    # 第十一条 "每年 11 月应组织下级工会开展培训需求摸底调查，制定下一年度技能培训计划"
    Task("survey", N_("Survey the lower-level unions' training needs (November)"), ref(MEASURE, 11),
         due=(11, 30), opens=(11, 1), kind="window",
         note=N_("Organise the lower-level unions' survey of training needs in November.")),
    # 第十一条 "并于每年 12 月 5 日前报省总工会技术创新和职工素质建设工作办公室"
    Task("plan", N_("Draw up next year's training plan and submit it to the provincial federation"), ref(MEASURE, 11),
         due=(12, 5), opens=(11, 1),
         note=N_("Project types, trades and numbers of trainees; due by 5 December.")),
    # 第二十一条 "技能培训工作总结于每年12月10日前上报" with 附件4 实名制汇总表; opens: our lead time.
    Task("summary", N_("Submit the training summary and the real-name table (Annex 4)"), ref(MEASURE, 21),
         due=(12, 10), opens=(11, 10),
         note=N_("Collect the certificates obtained, fill in Annex 4 and write the year's summary; "
                 "due by 10 December.")),
    # 第十六条 "12 月，根据全省工会培训取证情况……下拨剩余 50%的专项资金"
    Task("second_payment", N_("Provincial federation pays the rest of the funds (the remaining 50%)"), ref(MEASURE, 16),
         due=(12, 31), opens=(12, 1), kind="expect",
         note=N_("Paid in December according to the certificates obtained.")),
    # 第二十二条 "各州（市）总工会要于每年2月前统计上年度技能培训就业率" (附件6); opens: our lead time.
    Task("employment_stats", N_("Report last year's employment rate (Annex 6)"), ref(MEASURE, 22),
         due=(1, 31), opens=(1, 1),
         note=N_("All training except for employed workers; due before February, i.e. by 31 January.")),
    # Event-driven tasks: no fixed date in the text.
    # 第十三条 "根据全省工会年度技能培训计划，上报技能培训实施方案……申报助力脱贫攻坚专项培训的，需同时上报培训项目预算"
    Task("application", N_("Apply for projects according to the annual provincial plan"), ref(MEASURE, 13),
         note=N_("Implementation plan (Annex 1) and project list (Annex 2); poverty-alleviation projects also "
                 "submit a budget.")),
    # 第十六条 "项目启动后……按 50%的比例下拨专项资金"
    Task("first_payment", N_("Provincial federation pays the first half of the funds (50%) when the project starts"),
         ref(MEASURE, 16), kind="expect"),
    # 第二十二条 "按照不低于年度培训班次30%的比例进行随机抽查"
    Task("spot_checks", N_("Spot-check at random at least 30 percent of the year's classes"), ref(MEASURE, 22),
         note=N_("On-site checks, phone calls to trainees or questionnaires.")),
)
TASKS_BY_KEY = {t.key: t for t in TASKS}


@dataclass(frozen=True)
class CalendarItem:
    """One dated occurrence of a task, seen from ``today``: negative ``days_left`` means late."""

    task: Task
    opens: date
    due: date
    days_left: int

    @property
    def key(self) -> str:
        return self.task.key

    @property
    def id(self) -> str:
        return f"{self.task.key}@{self.due.isoformat()}"

    @property
    def ref(self) -> ArticleRef:
        return self.task.ref


def _occurrence(task: Task, due_year: int, today: date) -> CalendarItem:
    assert task.due and task.opens
    due = date(due_year, *task.due)
    opens = date(due_year if task.opens <= task.due else due_year - 1, *task.opens)
    return CalendarItem(task, opens, due, (due - today).days)


def _next(task: Task, today: date) -> CalendarItem:
    """The occurrence due today or later."""
    assert task.due
    year = today.year if date(today.year, *task.due) >= today else today.year + 1
    return _occurrence(task, year, today)


def _previous(task: Task, today: date) -> CalendarItem:
    """The latest occurrence already past its due date."""
    assert task.due
    year = today.year if date(today.year, *task.due) < today else today.year - 1
    return _occurrence(task, year, today)


def dated_tasks() -> tuple[Task, ...]:
    return tuple(t for t in TASKS if t.due)


def undated_tasks() -> tuple[Task, ...]:
    return tuple(t for t in TASKS if not t.due)


def coming_items(today: date) -> list[CalendarItem]:
    """Deadlines within :data:`AHEAD_DAYS` not yet due now or soon (:func:`due_items`): the next ones to plan for,
    nearest first. Not what the province does (``expect``)."""
    now = {i.key for i in due_items(today)}
    out = [item for task in dated_tasks() if task.kind != "expect"
           and (item := _next(task, today)).key not in now and item.days_left <= AHEAD_DAYS]
    return sorted(out, key=lambda i: (i.due, i.key))


def due_items(today: date) -> list[CalendarItem]:
    """What is due now (window open) or soon (within :data:`SOON_DAYS`), nearest deadline first."""
    out = []
    for task in dated_tasks():
        item = _next(task, today)
        if item.opens <= today or item.days_left <= SOON_DAYS:
            out.append(item)
    return sorted(out, key=lambda i: (i.due, i.key))


def overdue(today: date, done: set[str]) -> list[CalendarItem]:
    """Deadlines of the current cycle that have passed without being marked done ("am I late?").

    A missed occurrence counts for :data:`LATE_DAYS` days, and not once the next one opens. Tasks where the province acts (``expect``) are
    never the asker's lateness and are left out.
    """
    out = []
    for task in dated_tasks():
        if task.kind == "expect":
            continue
        item = _previous(task, today)
        fresh = -item.days_left <= LATE_DAYS and today < _next(task, today).opens
        if fresh and item.key not in done and item.id not in done:
            out.append(item)
    return sorted(out, key=lambda i: (i.due, i.key))


def upcoming_reminders(today: date, horizon_days: int) -> list[tuple[date, CalendarItem]]:
    """Reminder dates from ``today`` to ``today + horizon_days`` (both included), in date order.

    A task is reminded on its opening day and :data:`REMINDER_OFFSETS` days before its deadline (the
    province's ``expect`` tasks only on their opening day). ``days_left`` is counted from the reminder date.
    """
    last = today + timedelta(days=horizon_days)
    out: list[tuple[date, CalendarItem]] = []
    for task in dated_tasks():
        for year in range(today.year, last.year + 2):
            base = _occurrence(task, year, today)
            when = {base.opens}
            if task.kind != "expect":
                when |= {base.due - timedelta(days=k) for k in REMINDER_OFFSETS}
            for day in when:
                if today <= day <= last and day >= base.opens:
                    out.append((day, CalendarItem(task, base.opens, base.due, (base.due - day).days)))
    return sorted(out, key=lambda pair: (pair[0], pair[1].due, pair[1].key))
