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
