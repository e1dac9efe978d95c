"""Redaction of ID and mobile numbers in the forms people actually type them (property-based), and the
places that keep free text -- tickets, ticket messages, the recent history of a conversation -- storing
them only masked."""

from __future__ import annotations

import logging

from conftest import columns_holding, digits_of
from hypothesis import given
from hypothesis import strategies as st

from bot.logs import RedactingFilter
from knowledge.idcard import check_digit
from knowledge.text import redact

FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
SEPARATORS = st.sampled_from([" ", "-", "\u3000", "–", "  "[:1]])
# Text around a number: anything but digits, letters glued on the number's ends are allowed too.
AROUND = st.text(st.characters(exclude_categories=["Nd", "No", "Cs"]), max_size=20)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["530102", "530302", "532901", "110101"]))
    born = f"{draw(st.integers(1950, 2008))}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"
    seq = f"{draw(st.integers(0, 999)):03d}"
    return area + born + seq + check_digit(area + born + seq)


@st.composite
def typed_id(draw: st.DrawFn) -> tuple[str, str]:
    """(the number, as typed): in groups 6-8-4, 6-4-4-4, 4-4-4-4-2 or none, with a separator, maybe in
    full-width digits, the check letter in either case."""
    number = draw(id_numbers())
    groups = draw(st.sampled_from([(18,), (6, 8, 4), (6, 4, 4, 4), (4, 4, 4, 4, 2), (3, 3, 4, 4, 4)]))
    sep = draw(SEPARATORS)
    parts, i = [], 0
    for g in groups:
        parts.append(number[i:i + g])
        i += g
    typed = sep.join(parts)
    if draw(st.booleans()):
        typed = typed.lower()
    if draw(st.booleans()):
        typed = typed.translate(FULL_WIDTH)
    return number, typed


@st.composite
def typed_phone(draw: st.DrawFn) -> tuple[str, str]:
    number = draw(st.sampled_from("3456789")).join(["1", ""]) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    sep = draw(SEPARATORS)
    layout = draw(st.sampled_from(["11", "3-4-4", "3-8"]))
    body = {"11": number, "3-4-4": sep.join([number[:3], number[3:7], number[7:]]),
            "3-8": sep.join([number[:3], number[3:]])}[layout]
    prefix = draw(st.sampled_from(["", "+86", "86", "+86 ", "86-", "(+86)", "（+86）", "0086", "0086 ", "+86-"]))
    typed = prefix + body
    if draw(st.booleans()):
        typed = typed.translate(FULL_WIDTH)
    return number, typed


def _exposed(number: str, text: str) -> bool:
    return number.upper() in digits_of(text).upper()


@given(before=AROUND, after=AROUND, pair=typed_id())
def test_id_numbers_are_masked_however_they_are_typed(before: str, after: str, pair: tuple[str, str]) -> None:
    number, typed = pair
    clean = redact(f"{before}{typed}{after}")
    assert not _exposed(number, clean), (typed, clean)
    assert not _exposed(number[6:14], clean), (typed, clean)  # the date of birth goes too


@given(before=AROUND, after=AROUND, pair=typed_phone())
def test_mobile_numbers_are_masked_however_they_are_typed(before: str, after: str, pair: tuple[str, str]) -> None:
    number, typed = pair
    clean = redact(f"{before}{typed}{after}")
    assert not _exposed(number, clean), (typed, clean)
    assert typed not in clean and number[-4:] in digits_of(clean)  # masked, not dropped


@given(ids=st.lists(typed_id(), min_size=1, max_size=3), phones=st.lists(typed_phone(), min_size=1, max_size=3),
       glue=st.sampled_from(["，", "; ", " 和 ", "\n"]))
def test_several_numbers_in_one_message(ids, phones, glue: str) -> None:  # type: ignore[no-untyped-def]
    text = glue.join(t for _n, t in [*ids, *phones])
    clean = redact(text)
    for number, _typed in [*ids, *phones]:
        assert not _exposed(number, clean), (text, clean)


def test_what_is_kept_and_what_is_left_alone() -> None:
    assert redact("身份证 530102 19900307 325X，电话 +86 139 1234 5678") == \
        "身份证 530102********325X，电话 +86 139****5678"
    assert redact("8613912345678") == "86139****5678"
    assert redact("１３９１２３４５６７８") == "139****5678"
    # Not personal: dates, amounts, article numbers, codes, longer digit runs.
    for text in ("2026-03-02 09:00", "补贴 1000 元，第十九条", "KM2603_AB12CD", "订单 12345678901234567890",
                 "第 1 期 30 人 20 天", "MsgId 6054768590064713728"):
        assert redact(text) == text


def test_the_log_filter_masks_new_formats() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "asked about %s and %s", ("530102-19900307-325x",
                               "+86 139-1234-5678"), None)
    RedactingFilter().filter(record)
    assert not _exposed("13912345678", record.getMessage()) and "19900307" not in record.getMessage()


def test_tickets_and_recent_history_store_numbers_only_masked(person, engine) -> None:
    wang = person("wang")
    wang.say("我的身份证 530102 19900307 325X 电话 +86 139 1234 5678，怎么申报")
    wang.say("人工")
    wang.say("我电话是 8613912345678，身份证 530102-19900307-325X，请联系我")
    wang.say("１３９ １２３４ ５６７８")
    assert columns_holding(engine, "53010219900307325X", "13912345678", "19900307") == []
