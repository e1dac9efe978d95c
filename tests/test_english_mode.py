"""Issue 18, item 4: English mode shows English — the form review, "my information", the sign-in sheet —
and answers typed in English reach the Chinese 申报表 mapped (choices) or flagged for the clerk (free text)."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from tests.test_drafts import CRAFTSMAN, answer_until


def _to_review(p, **overrides: str) -> None:  # type: ignore[no-untyped-def]
    p.say("/draft")
    p.say("1")
    answer_until(p, {**CRAFTSMAN, **overrides})
    assert "请核对您填写的内容" in p.last.text


def test_review_in_english_has_english_labels_values_and_colons(person) -> None:
    p = person("eve")
    _to_review(p, **{"家庭住址": "No. 1 Qingnian Road, Wuhua District"})
    p.say("/lang en")
    p.say("/draft")
    p.say("1")
    review = p.last.text
    assert "Sex: Male (男)" in review, review
    assert "：" not in review.split("\n", 1)[1], review
    assert "Home address" in review and "typed in English" in review


def test_english_choice_words_are_stored_as_the_printed_chinese_option(person) -> None:
    p = person("fay", locale="en")
    p.say("/draft")
    p.say("1")
    p.say("Self-nomination")
    p.say("Li Hua")
    p.say("female")
    p.say("/lang zh")
    p.say("/draft")
    p.say("1")
    p.say("返回")
    assert "当前填写：女" in p.text, p.text


def test_clerk_export_flags_answers_typed_in_english(person) -> None:
    p = person("gus")
    _to_review(p, **{"家庭住址": "No. 1 Qingnian Road, Wuhua District"})
    p.say("1")  # confirm
    clerk = person("kmclerk", clerk="昆明市总工会")
    clerk.say("导出申报表")
    (bundle,) = clerk.last.attachments
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as zf:
        (sheet,) = [n for n in zf.namelist() if n.endswith(".xlsx")]
        rows = list(openpyxl.load_workbook(io.BytesIO(zf.read(sheet))).active.iter_rows(values_only=True))
    assert "英文" in str(rows[0][-1]) and "家庭住址" in str(rows[1][-1])


def test_my_information_names_platforms_in_the_persons_language(person) -> None:
    p = person("hal", locale="en")
    p.say("/me")
    assert "Linked platforms: Local console" in p.text
    q = person("ivy")
    q.say("我的信息")
    assert "本地控制台" in q.text and "console" not in q.text


def test_signin_sheet_names_the_platform_in_chinese(person, engine, clock) -> None:
    from openpyxl import load_workbook

    from tests.test_signin import ALICE, UNIT, code_now, setup_class, sign

    code, sid = setup_class(engine)
    alice = person("alice", locale="en")
    clock.advance(minutes=2)
    sign(alice, code, code_now(engine, sid, clock), ALICE[-6:])
    clerk = person("teacher", clerk=UNIT, locale="en")
    clerk.say("/classes")
    clerk.say(code)
    clerk.say(choice="x:signin")
    clerk.say("1")
    rows = list(load_workbook(io.BytesIO(clerk.replies[0].attachments[0].data)).active.iter_rows(values_only=True))
    assert rows[3][1] == "爱丽丝" and rows[3][6] == "本地控制台"
