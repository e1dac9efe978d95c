"""Issue 18, item 5: no contradictions — /status does not warn against sending the numbers the form just
collected, and the form takes over what the checks just established."""

from __future__ import annotations

from tests.test_drafts import question


def test_status_says_where_id_numbers_are_kept(person) -> None:
    p = person("st")
    p.say("/status")
    assert "不要在聊天中发送" not in p.text and "never send your ID" not in p.text
    assert "加密" in p.text
    en = person("sten", locale="en")
    en.say("/status")
    assert "stored encrypted" in en.text and "never send" not in en.text


def test_form_takes_over_the_way_of_application_from_the_channel_check(person) -> None:
    p = person("carry")
    for line in ("申报渠道", "4"):  # 个人自荐
        p.say(line)
    for _turn in range(12):  # answer the self-nomination questions until the public-notice question
        if "公示" in p.last.text and any(c.value == "unknown" for c in p.last.choices):
            break
        text = p.last.text
        p.say("昆明市五华区" if "县" in text or "区" in text else "1")
    p.say("1")  # not announced yet
    fill = next(c.value for c in p.last.choices if "draft" in c.value)
    p.say(choice=fill)
    assert "个人自荐" in p.text, p.text
    assert question(p) != "申报方式"


def test_tapped_did_you_mean_is_answered_in_the_persons_language(person) -> None:
    p = person("dym")
    p.say("§studio:10")
    assert "A provincial studio" not in p.text and "创新工作室" in p.text


def test_form_takes_over_the_criterion_after_the_verdicts_details(person) -> None:
    """"详细" at the craftsman verdict shows every condition, and the form picked there still takes over the
    criterion the check established (the details no longer end the check's conversation)."""
    from tests.test_flows_awards import GATES, answer_all, pick

    p = person("carry-details")
    p.say("我能评云岭工匠吗")
    answer_all(p, *GATES, "none", "leading", "xingdian_talent")
    pick(p, "details")
    assert "已核对的全部条件" in p.text and "flow:craftsman_draft" in p.choice_values(), p.text
    pick(p, "flow:craftsman_draft")
    assert "已沿用您刚才检查中的回答" in p.text and "领军作用突出" in p.text, p.text
