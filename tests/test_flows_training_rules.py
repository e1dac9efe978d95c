"""Transcripts of the training-rules conversations: subsidy calculator, calendar, who can join."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.flows.training_rules import parse_number
from handlers.i18n import translator
from handlers.training_text import step_text, violation_text
from knowledge.rules import training as tr

TZ = ZoneInfo("Asia/Shanghai")


def articles(reply) -> list[int]:  # type: ignore[no-untyped-def]
    return [c.article for c in reply.citations]


def test_subsidy_upgrade_in_chinese(person) -> None:  # type: ignore[no-untyped-def]
    alice = person("alice")
    alice.say("补贴怎么算")
    assert alice.choice_values() == ["upgrade", "poverty"]
    assert "职工（农民工）技能提升培训" in alice.text
    alice.say("1")
    assert "标准目录" in alice.text
    alice.say("１，２００元")  # full-width digits and a unit are fine
    assert "多少人" in alice.text
    alice.say("40人")
    text = alice.last.text
    assert "48,000.00" in text and "33,600.00" in text and "14,400.00" in text
    assert "70%" in text and "30%" in text
    assert articles(alice.last) == [9] and "第九条" in alice.last.citations[0].label
    assert "70%" in alice.last.citations[0].quote


def test_subsidy_poverty_with_re_asks(person) -> None:  # type: ignore[no-untyped-def]
    bob = person("bob")
    bob.say("/subsidy")
    bob.say("助力脱贫攻坚专项技能培训")
    assert "多少天" in bob.text
    bob.say("一个月左右")
    assert "整数" in bob.text  # no number of days: asked again
    bob.say("一个月")  # a month is not 1 day, nor a number of days the calculator may guess
    assert "具体是多少天" in bob.text and "多少人" not in bob.text
    bob.say("两周")
    assert "具体是多少天" in bob.text
    bob.say("三十一天")  # in words, with its unit
    assert "整数" not in bob.text and "多少人" in bob.text
    bob.say("不对 是40天")  # the days corrected where the trainees are asked: no 40 trainees
    assert "培训天数改为 40 天" in bob.text and "多少人" in bob.text and "学费" not in bob.text
    bob.say("0")
    assert "不小于1" in bob.text
    bob.say("20")
    assert "学费" in bob.text
    bob.say("-5")
    assert "不能为负数" in bob.text
    bob.say("50000")
    assert "鉴定费" in bob.text
    bob.say("150")
    text = bob.last.text
    assert "3600元/人" in text and "72,000.00" in text and "3,000.00" in text and "125,000.00" in text
    assert "2400" in text  # the jump at 30 days is explained
    assert "基本建设" in text  # what tuition may not include
    assert articles(bob.last) == [10]  # paragraphs 2, 3, 4, 1 of Art. 10 on one line
    assert all(w in bob.last.citations[0].quote for w in ("学员生活", "培训学费", "技能鉴定"))


def test_days_beside_the_head_count_are_both_taken(person) -> None:  # type: ignore[no-untyped-def]
    dan = person("dan")
    dan.say("/subsidy")
    dan.say("助力脱贫攻坚专项技能培训")
    dan.say("20")
    dan.say("30人 25天")
    dan.say("0")
    dan.say("不对 是20天")  # at the appraisal fee: the days corrected, the fee asked again
    assert "培训天数改为 20 天" in dan.text and "鉴定费" in dan.text
    dan.say("0")
    assert "学员30人" in dan.text and "培训20天" in dan.text
    eve = person("eve")  # the days and the head count at the days step
    eve.say("/subsidy")
    eve.say("助力脱贫攻坚专项技能培训")
    eve.say("30人 25天")
    assert "学费" in eve.text and "多少人" not in eve.text
    fay = person("fay")  # the upgrade project counts no days: said, and the head count asked again
    fay.say("/subsidy")
    fay.say("职工（农民工）技能提升培训")
    fay.say("1800")
    fay.say("不对 是40天")
    assert "与培训天数无关" in fay.text and "多少人" in fay.text


def test_subsidy_in_english_short_poverty_class(person) -> None:  # type: ignore[no-untyped-def]
    carol = person("carol", locale="en")
    carol.say("/subsidy")
    assert "Which training project" in carol.text
    carol.say("2")
    carol.say("14")
    carol.say("10")
    carol.say("0")
    carol.say("0")
    text = carol.last.text
    assert "80 yuan × 14 days = 1,120.00 yuan per trainee" in text
    assert "Total subsidy: 0.00 + 11,200.00 + 0.00 = 11,200.00 yuan." in text
    assert "at least 15 days" in text
    assert 7 in articles(carol.last)
    assert all(c.gist for c in carol.last.citations) and "Art. 10" in carol.last.citations[0].label


def test_calendar_on_5_december(person, clock) -> None:  # type: ignore[no-untyped-def]
    clock.now = datetime(2026, 12, 5, 10, 0, tzinfo=TZ)
    dan = person("dan")
    dan.say("培训日历")
    text = dan.last.text
    assert "2026-12-05" in text
    assert "制定下一年度技能培训计划并报省总工会 — 今天截止（2026-12-05）" in text
    assert "上报技能培训工作总结和实名制汇总表（附件4） — 2026-12-10截止，还有5天" in text
    assert "如尚未完成，则已逾期" in text and "已于2026-11-30截止，逾期5天" in text
    assert "按不低于年度培训班次30%的比例随机抽查" in text
    assert "省总工会下拨剩余50%的专项资金 — 预计2026-12-31前" in text
    assert {11, 21, 16, 13, 22} <= set(articles(dan.last))
    # Late is the November survey alone: the plan it leads to is due today, not overdue (a blind trial's clerk read
    # "制定下一年度技能培训计划" under both headings)
    late = text.split("如尚未完成，则已逾期")[1].split("接下来")[0]
    assert "摸底调查" in late and "计划" not in late, late


def test_calendar_in_english_late_employment_statistics(person, clock) -> None:  # type: ignore[no-untyped-def]
    clock.now = datetime(2027, 2, 1, 9, 0, tzinfo=TZ)
    eve = person("eve", locale="en")
    eve.say("what is due")
    text = eve.last.text
    assert "Nothing is due in the next 14 days." in text
    assert "Report last year's employment rate (Annex 6) — was due 2027-01-31, 1 days ago" in text
    assert 22 in articles(eve.last)


def test_who_can_join_training(person) -> None:  # type: ignore[no-untyped-def]
    fay = person("fay")
    fay.say("谁能参加培训")
    assert fay.choice_values() == ["upgrade", "poverty", "both"]
    fay.say("不确定，两类都看看")
    text = fay.last.text
    assert "职工（农民工）技能提升培训项目的培训对象为：在岗职工、农民工、城镇失业人员和转岗职工。" in text
    assert "贫困劳动力、助力脱贫攻坚专项技能培训项目农民工" in text
    assert "不少于15天" in text and "不低于60%" in text
    assert articles(fay.last) == [6, 7]


def test_who_can_join_in_english(person) -> None:  # type: ignore[no-untyped-def]
    gus = person("gus", locale="en")
    gus.say("who can join training")
    gus.say("1")
    assert "Skills upgrading for workers (incl. migrant workers) is for: employed workers, migrant workers, " \
           "unemployed urban residents and workers changing jobs." in gus.last.text


def test_violation_text_in_both_languages() -> None:
    from datetime import date
    v = tr.check_class(tr.POVERTY, {"employed": 2, "poor": 5}, date(2026, 3, 1), date(2026, 3, 20))[0]
    zh = violation_text(translator("zh"), v)
    assert zh == ("在岗职工不属于助力脱贫攻坚专项技能培训项目的培训对象（该项目培训对象为：贫困劳动力、"
                  "助力脱贫攻坚专项技能培训项目农民工）。")
    en = violation_text(translator("en"), v)
    assert en.startswith("employed workers cannot be trained in a Poverty-alleviation special skills training")
    short = tr.check_class(tr.POVERTY, {"poor": 5}, date(2026, 3, 1), date(2026, 3, 14))[0]
    assert "共14天" in violation_text(translator("zh"), short)
    assert step_text(translator("zh"), "{x}", {"x": ("employed workers", "migrant workers")}) == "在岗职工、农民工"


def test_parse_number() -> None:
    assert parse_number("1,200元") == 1200 and parse_number("¥1200.50") == parse_number("1200.5")
    assert parse_number("３０天") == 30 and parse_number("-3") == -3
    assert parse_number("三十") == 30 and parse_number("一千二") == 1200 and parse_number("两千五百块") == 2500
    assert parse_number("千") is None and parse_number("") is None and parse_number("1e9") is None


@pytest.mark.parametrize(("typed", "locale", "standard"), [
    ("i dont know, maybe 1500?", "en", "1,500"), ("大概1500吧", None, "1,500.00"), ("应该是1200元？", None, "1,200.00"),
    ("i think it's 1200.50", "en", "1,200.50")])
def test_a_standard_said_as_a_guess_is_the_amount_not_a_question(person, typed: str, locale: str | None,  # type: ignore[no-untyped-def]
                                                                 standard: str) -> None:
    """A blind trial's clerk typed "i dont know, maybe 1500?" at the standard: it was searched as a question
    (第十五条 quoted) and the step asked again."""
    p = person(f"guess-{typed}", locale=locale)
    p.say("/subsidy")
    p.say("1")
    p.say(typed)
    assert "第十五条" not in p.text and "Art. 15" not in p.text, p.text
    p.say("30")
    assert standard in p.last.text, p.last.text


def test_a_guess_with_two_amounts_or_a_question_is_no_amount() -> None:
    assert parse_number("1500 or 2000?") is None and parse_number("1000到1500") is None
    assert parse_number("what is the standard?") is None and parse_number("第10条说的是多少？") is None


def test_a_head_count_typed_a_step_early_is_kept_not_read_as_days_or_yuan(person) -> None:  # type: ignore[no-untyped-def]
    """"20人" where the days are asked is the number of trainees (kept; the days asked again), never 20 days;
    "45 trainees" where the upgrade standard in yuan is asked is no amount of 45 yuan."""
    dan = person("dan")
    dan.say("/subsidy")
    dan.say("2")
    dan.say("20人")
    assert "20" in dan.text and "培训共多少天" in dan.text
    dan.say("15")
    dan.say("0")
    dan.say("0")
    assert "学员20人" in dan.last.text and "80元 × 15天" in dan.last.text, dan.last.text
    eve = person("eve", locale="en")
    eve.say("/subsidy")
    eve.say("1")
    eve.say("10 days")  # no amount of yuan either
    assert "does not depend on the number of days" in eve.text
    eve.say("45 trainees")
    assert "Noted, trainees: 45" in eve.text and "subsidy standard per trainee" in eve.text
    eve.say("1000")
    assert "45,000.00" in eve.last.text, eve.last.text  # 45 × 1 000, not 45 yuan × 45


@pytest.mark.parametrize("typed", ["时间节点", "培训有哪些截止日期", "专项资金有啥子截止日期"])
def test_the_calendar_asked_for_in_the_words_of_the_menu_and_of_people(person, clock, typed: str) -> None:  # type: ignore[no-untyped-def]
    # The training submenu says "签到、我的课程、补贴、时间节点"; "时间节点" typed once got "did you mean" three articles.
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
    fay = person("fay")
    fay.say(typed)
    shown = "制定下一年度技能培训计划并报省总工会" in fay.text
    if not shown:  # offered beside the answer: one tap shows it
        assert "flow:training_calendar" in fay.choice_values(), fay.text
        fay.say(str(fay.choice_values().index("flow:training_calendar") + 1))
    assert "制定下一年度技能培训计划并报省总工会" in fay.text, fay.text
