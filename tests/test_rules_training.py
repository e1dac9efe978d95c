"""Training-fund rules, subsidy calculator and yearly calendar: table tests with the boundaries, and every
regulation number checked against the text of the article it is cited to."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from knowledge import loader
from knowledge import training_calendar as cal
from knowledge.models import ArticleRef
from knowledge.rules import subsidy as sub
from knowledge.rules import training as tr
from knowledge.text import squash

D = Decimal


def text_of(r: ArticleRef) -> str:
    return squash(loader.quote(r.measure, r.article, r.paragraph))


# ------------------------------------------------------------------------------------ facts vs the source

FACTS = [
    # (fact as it must appear in the article, reference the code cites, the value the code uses)
    ("70%", sub.REF_UPGRADE_SPLIT, sub.PROVINCE_RATE * 100),
    ("不低于培训补助标准30%", sub.REF_UPGRADE_SPLIT, sub.LOCAL_MIN_RATE * 100),
    ("80元/人/天", sub.REF_LIVING, sub.DAILY_ALLOWANCE),
    ("3600元/人", sub.REF_LIVING, sub.LUMP_SUM_ALLOWANCE),
    ("小于等于30天", sub.REF_LIVING, sub.DAILY_ALLOWANCE_MAX_DAYS),
    ("超过30天", sub.REF_LIVING, sub.DAILY_ALLOWANCE_MAX_DAYS),
    ("不少于15天", tr.REF_DAYS_AND_EMPLOYMENT, tr.POVERTY_MIN_DAYS),
    ("就业率不低于60%", tr.REF_DAYS_AND_EMPLOYMENT, tr.POVERTY_MIN_EMPLOYMENT_PERCENT),
    ("每年11月", cal.TASKS_BY_KEY["survey"].ref, cal.TASKS_BY_KEY["survey"].opens[0]),
    ("12月5日前", cal.TASKS_BY_KEY["plan"].ref, cal.TASKS_BY_KEY["plan"].due[1]),
    ("12月10日前", cal.TASKS_BY_KEY["summary"].ref, cal.TASKS_BY_KEY["summary"].due[1]),
    # 第二十一条 names the real-name table by title; that title is 附件4's (checked below).
    ("实名制汇总表", cal.TASKS_BY_KEY["summary"].ref, None),
    ("按50%的比例下拨", cal.TASKS_BY_KEY["first_payment"].ref, 50),
    ("12月，", cal.TASKS_BY_KEY["second_payment"].ref, cal.TASKS_BY_KEY["second_payment"].due[0]),
    ("剩余50%", cal.TASKS_BY_KEY["second_payment"].ref, 50),
    ("每年2月前", cal.TASKS_BY_KEY["employment_stats"].ref, cal.TASKS_BY_KEY["employment_stats"].due[0] + 1),
    ("附件6", cal.TASKS_BY_KEY["employment_stats"].ref, 6),
    ("不低于年度培训班次30%", cal.TASKS_BY_KEY["spot_checks"].ref, 30),
    ("上报技能培训实施方案", cal.TASKS_BY_KEY["application"].ref, None),
]


@pytest.mark.parametrize(("fact", "where", "value"), FACTS, ids=[f[0] for f in FACTS])
def test_every_number_appears_in_the_cited_article(fact: str, where: ArticleRef, value: object) -> None:
    assert squash(fact) in text_of(where)
    if value is not None:  # the number the code uses is the one in the quoted fact
        assert str(int(value)) in fact


def test_real_name_table_is_annex_4() -> None:
    annex4 = next(a for a in loader.measure("training").annexes if a.number == 4)
    assert "实名制汇总表" in annex4.title
    assert "(Annex 4)" in cal.TASKS_BY_KEY["summary"].title


def test_trainee_categories_follow_article_6_and_annex_3() -> None:
    upgrade, poverty = text_of(tr.REF_UPGRADE_TRAINEES), text_of(tr.REF_POVERTY_TRAINEES)
    assert "技能提升" in upgrade and "脱贫攻坚" in poverty
    for key in tr.ALLOWED_CATEGORIES[tr.UPGRADE]:
        assert tr.CATEGORIES[key] in upgrade
    assert "贫困劳动力" in poverty and "农民工" in poverty
    annex3 = next(a for a in loader.measure("training").annexes if a.number == 3)
    rows = [f.label for f in annex3.fields if f.group == "培训对象"]
    assert rows == list(tr.CATEGORIES.values())  # the five rows of 附件3, in printed order
    for key, name in tr.PROJECTS.items():
        assert squash(name) in text_of(tr.REF_PROJECTS), key


def test_tuition_exclusions_are_those_of_article_10() -> None:
    tuition = text_of(sub.REF_TUITION)
    for word in ("基本建设", "教学设备购置", "项目工作经费", "不得纳入学费范围"):
        assert word in tuition
    assert "技能鉴定费" in text_of(sub.REF_APPRAISAL) and "人力资源和社会保障部门" in text_of(sub.REF_APPRAISAL)
    assert len(sub.TUITION_EXCLUDES) == 3


# ------------------------------------------------------------------------------------ class checks

START = date(2026, 3, 1)


@pytest.mark.parametrize(("days", "ok"), [(14, False), (15, True), (16, True), (1, False)])
def test_poverty_class_length_boundary(days: int, ok: bool) -> None:
    end = START + timedelta(days=days - 1)  # 1-15 March is 15 days, both ends included
    codes = [v.code for v in tr.check_class(tr.POVERTY, {"poor": 20}, START, end)]
    assert ("poverty_too_short" not in codes) is ok
    if not ok:
        v = next(v for v in tr.check_class(tr.POVERTY, {"poor": 20}, START, end) if v.code == "poverty_too_short")
        assert v.params["days"] == days and v.params["min_days"] == 15
        assert v.ref.article == 7
        assert v.soft  # 原则上: the approving union may allow the exception, so it only warns


def test_class_days_counts_both_ends() -> None:
    assert tr.class_days(date(2026, 3, 1), date(2026, 3, 15)) == 15
    assert tr.class_days(date(2026, 3, 1), date(2026, 3, 1)) == 1


def test_upgrade_class_has_no_minimum_of_its_own() -> None:
    assert tr.check_class(tr.UPGRADE, {"employed": 5}, START, START) == []


@pytest.mark.parametrize("project", sorted(tr.PROJECTS))
@pytest.mark.parametrize("category", sorted(tr.CATEGORIES))
def test_each_category_allowed_or_refused_per_project(project: str, category: str) -> None:
    expected = {
        ("upgrade", "employed"): True, ("upgrade", "migrant"): True, ("upgrade", "unemployed"): True,
        ("upgrade", "poor"): False, ("upgrade", "poverty_migrant"): False,
        ("poverty", "employed"): False, ("poverty", "migrant"): False, ("poverty", "unemployed"): False,
        ("poverty", "poor"): True, ("poverty", "poverty_migrant"): True,
    }[(project, category)]
    violations = tr.check_class(project, {category: 3}, START, START + timedelta(days=20))
    assert (violations == []) is expected
    assert (category in tr.ALLOWED_CATEGORIES[project]) is expected
    if not expected:
        (v,) = violations
        assert v.code == "category_not_allowed" and v.params["category_key"] == category
        assert v.ref.article == 6 and v.ref.paragraph == (2 if project == "upgrade" else 3)


def test_zero_count_of_a_refused_category_is_fine() -> None:
    assert tr.check_class(tr.POVERTY, {"poor": 10, "employed": 0}, START, START + timedelta(days=14)) == []


@pytest.mark.parametrize(("categories", "start", "end", "codes"), [
    ({}, START, START + timedelta(days=20), ["no_trainees"]),
    ({"poor": 0}, START, START + timedelta(days=20), ["no_trainees"]),
    ({"poor": 5}, START, START - timedelta(days=1), ["end_before_start"]),
    ({"poor": -1, "poverty_migrant": 3}, START, START + timedelta(days=20), ["negative_count"]),
    ({"robots": 3, "poor": 1}, START, START + timedelta(days=20), ["unknown_category"]),
    ({"employed": 3}, START, START + timedelta(days=3), ["category_not_allowed", "poverty_too_short"]),
])
def test_other_class_violations(categories: dict[str, int], start: date, end: date, codes: list[str]) -> None:
    violations = tr.check_class(tr.POVERTY, categories, start, end)
    assert [v.code for v in violations] == codes
    # Only the "in principle" length is soft; every other rule refuses the class.
    assert all(v.soft == (v.code == "poverty_too_short") for v in violations)


def test_violation_messages_format_with_their_params() -> None:
    for v in tr.check_class(tr.POVERTY, {"employed": 3}, START, START + timedelta(days=3)):
        text = v.message.format(**v.params)
        assert "{" not in text and text


def test_unknown_project_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        tr.check_class("other", {"poor": 1}, START, START)


@pytest.mark.parametrize(("employed", "total", "ok"), [
    (60, 100, True), (59, 100, False), (61, 100, True), (3, 5, True), (2, 5, False), (0, 1, False), (1, 1, True),
    (179, 299, False),  # 59.87 %: rounding must not push it over
    (180, 300, True),
])
def test_employment_rate_exactly_60_percent_passes(employed: int, total: int, ok: bool) -> None:
    v = tr.employment_rate_check(tr.POVERTY, employed, total)
    assert (v is None) is ok
    if v:
        assert v.code == "employment_rate_low" and v.ref.article == 7 and v.params["min_percent"] == 60


def test_employment_rate_other_cases() -> None:
    assert tr.employment_rate_check(tr.UPGRADE, 0, 10) is None
    assert tr.employment_rate_check(tr.POVERTY, 0, 0).code == "no_trainees"
    assert tr.employment_rate_check(tr.POVERTY, 179, 299).params["percent"] == "59.9"
    with pytest.raises(ValueError):
        tr.employment_rate_check(tr.POVERTY, 6, 5)


# ------------------------------------------------------------------------------------ subsidy


@pytest.mark.parametrize(("standard", "trainees", "province", "local"), [
    (D("1000"), 1, D("700.00"), D("300.00")),
    (D("1234.57"), 1, D("864.19"), D("370.38")),  # 864.199 rounded down; local takes the fen
    (D("0.01"), 1, D("0.00"), D("0.01")),
    (D("0.03"), 1, D("0.02"), D("0.01")),
    (D("1500"), 40, D("42000.00"), D("18000.00")),
    (D("333.33"), 3, D("699.99"), D("300.00")),
    (D("0"), 5, D("0.00"), D("0.00")),
])
def test_upgrade_split_70_30_rounded_to_the_fen(standard: Decimal, trainees: int, province: Decimal,
                                                local: Decimal) -> None:
    b = sub.upgrade(standard, trainees)
    f = b.figures
    assert (f["province_share"], f["min_local_share"]) == (province, local)
    assert f["province_share"] + f["min_local_share"] == f["standard_total"] == f["total"]
    assert f["province_share"] <= f["standard_total"] * D("0.70")  # never above 70 %
    assert f["min_local_share"] >= f["standard_total"] * D("0.30")  # never below 30 %
    assert b.articles == (sub.REF_UPGRADE_SPLIT,)


@pytest.mark.parametrize(("days", "per_person"), [
    (1, D("80")), (15, D("1200")), (29, D("2320")), (30, D("2400")), (31, D("3600")), (45, D("3600")),
    (120, D("3600")),
])
def test_living_allowance_jumps_after_30_days(days: int, per_person: Decimal) -> None:
    assert sub.living_allowance_per_person(days) == per_person


def test_poverty_breakdown_figures_and_steps() -> None:
    b = sub.poverty(30, 20, tuition=D("50000"), appraisal_fee=D("150.5"))
    f = b.figures
    assert f["living_allowance_per_person"] == D("2400.00") and f["living_allowance_total"] == D("48000.00")
    assert f["tuition"] == D("50000.00") and f["appraisal_total"] == D("3010.00")
    assert f["total"] == D("101010.00")
    assert [s.ref.paragraph for s in b.steps] == [2, 3, 3, 4, 1]
    assert all(s.ref.article == 10 for s in b.steps)
    assert any("2400" in n.message and "3600" in n.message for n in b.notes)  # the jump is shown
    b31 = sub.poverty(31, 20)
    assert b31.figures["living_allowance_total"] == D("72000.00") and b31.figures["total"] == D("72000.00")
    assert "lump sum" in b31.steps[1].message


def test_short_poverty_class_gets_a_note_citing_article_7() -> None:
    assert tr.REF_DAYS_AND_EMPLOYMENT in sub.poverty(14, 5).refs
    assert tr.REF_DAYS_AND_EMPLOYMENT not in sub.poverty(15, 5).refs


def test_steps_format_with_their_params() -> None:
    for b in (sub.upgrade(D("999.99"), 7), sub.poverty(3, 2, D("10"), D("1"))):
        for s in b.steps + b.notes:
            assert "{" not in s.message.format(**s.params)


@pytest.mark.parametrize("call", [
    lambda: sub.upgrade(D("-1"), 1), lambda: sub.upgrade(D("1"), 0), lambda: sub.poverty(0, 1),
    lambda: sub.poverty(5, 1, tuition=D("-1")), lambda: sub.poverty(5, 1, appraisal_fee=D("-0.01")),
    lambda: sub.calculate("upgrade", 1), lambda: sub.calculate("poverty", 1), lambda: sub.calculate("x", 1),
])
def test_subsidy_rejects_bad_input(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()


# ------------------------------------------------------------------------------------ calendar


def keys(items: list[cal.CalendarItem]) -> dict[str, int]:
    return {i.key: i.days_left for i in items}


@pytest.mark.parametrize(("today", "due", "late"), [
    (date(2026, 11, 1), {"survey": 29, "plan": 34}, {}),
    (date(2026, 12, 4), {"plan": 1, "summary": 6, "second_payment": 27}, {"survey": -4}),
    (date(2026, 12, 5), {"plan": 0, "summary": 5, "second_payment": 26}, {"survey": -5}),
    (date(2026, 12, 6), {"summary": 4, "second_payment": 25}, {"survey": -6, "plan": -1}),
    (date(2026, 12, 10), {"summary": 0, "second_payment": 21}, {"survey": -10, "plan": -5}),
    (date(2026, 12, 11), {"second_payment": 20}, {"survey": -11, "plan": -6, "summary": -1}),
    (date(2027, 1, 31), {"employment_stats": 0}, {}),
    (date(2027, 2, 1), {}, {"employment_stats": -1}),
    (date(2026, 6, 15), {}, {}),
])
def test_calendar_due_and_late(today: date, due: dict[str, int], late: dict[str, int]) -> None:
    assert keys(cal.due_items(today)) == due
    assert keys(cal.overdue(today, set())) == late


@pytest.mark.parametrize(("today", "coming"), [
    (date(2026, 12, 2), {"employment_stats": 60}),  # 第二十二条's 附件6, by 31 January: seen in December
    (date(2026, 12, 31), {"employment_stats": 31}),
    (date(2027, 1, 5), {}),  # its window is open: due now
    (date(2026, 10, 1), {"survey": 60}),  # the survey's window (November) and the plan's deadline ahead
    (date(2026, 6, 15), {}),
])
def test_the_calendar_names_the_next_deadlines_before_they_open(today: date, coming: dict[str, int]) -> None:
    assert keys(cal.coming_items(today)) == coming
    assert not set(coming) & set(keys(cal.due_items(today)))


def test_the_calendar_reply_in_december_names_the_employment_statistics(person) -> None:  # type: ignore[no-untyped-def]
    """A trial's clerk asked in December what was due: 附件6 (31 January, 第二十二条) was not said."""
    clerk = person("cal-dec")
    clerk.clock.now = clerk.clock.now.replace(year=2026, month=12, day=2, hour=10)
    clerk.say("培训时间节点")
    assert "接下来" in clerk.text and "附件6" in clerk.text and "2027-01-31" in clerk.text, clerk.text
    assert any(c.article == 22 for r in clerk.replies for c in r.citations)


def test_done_tasks_are_not_late() -> None:
    today = date(2026, 12, 11)
    assert keys(cal.overdue(today, {"plan", "survey@2026-11-30"})) == {"summary": -1}
    assert cal.overdue(today, {"summary@2025-12-10", "plan", "survey"})[0].id == "summary@2026-12-10"


def test_missed_deadline_stops_nagging_after_a_month() -> None:
    assert keys(cal.overdue(date(2027, 1, 10), set())) == {"summary": -31}
    assert keys(cal.overdue(date(2027, 1, 11), set())) == {}


def test_employment_statistics_belong_to_the_year_before() -> None:
    (item,) = cal.due_items(date(2027, 1, 20))
    assert item.key == "employment_stats" and item.due == date(2027, 1, 31) and item.opens == date(2027, 1, 1)


def test_upcoming_reminders() -> None:
    got = [(d, i.id, i.days_left) for d, i in cal.upcoming_reminders(date(2026, 11, 25), 15)]
    assert got == [
        (date(2026, 11, 28), "plan@2026-12-05", 7),
        (date(2026, 11, 29), "survey@2026-11-30", 1),
        (date(2026, 11, 30), "survey@2026-11-30", 0),
        (date(2026, 12, 1), "second_payment@2026-12-31", 30),
        (date(2026, 12, 3), "summary@2026-12-10", 7),
        (date(2026, 12, 4), "plan@2026-12-05", 1),
        (date(2026, 12, 5), "plan@2026-12-05", 0),
        (date(2026, 12, 9), "summary@2026-12-10", 1),
        (date(2026, 12, 10), "summary@2026-12-10", 0),
    ]
    across = [i.id for _d, i in cal.upcoming_reminders(date(2026, 12, 20), 45)]
    assert across == ["employment_stats@2027-01-31"] * 4
    assert cal.upcoming_reminders(date(2026, 6, 1), 30) == []


def test_every_task_cites_an_article_of_the_training_measure() -> None:
    for t in cal.TASKS:
        assert t.ref.measure == "training" and loader.article("training", t.ref.article).text
    assert {t.key for t in cal.undated_tasks()} == {"application", "first_payment", "spot_checks"}
