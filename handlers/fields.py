"""Parsing a typed answer to one form field, shared by every form: one set of words (skip, back, save,
yes, no), one phone rule, one date parser. A parser returns the value to store or raises
:class:`Invalid` with a message saying what is wrong, in the person's language.

    KINDS["mobile"](text, _, today)  # -> "13912345678" or Invalid
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

from handlers import dates
from handlers.choices import normalize
from handlers.errors import Invalid
from handlers.i18n import N_, Translate
from knowledge.facts.numbers import typed_number, typed_span
from knowledge.idcard import id_problem, is_valid_mobile, normalize_id, normalize_mobile
from knowledge.search.text import mandarin

# -- the words of every form ------------------------------------------------------------------------------
SKIP = frozenset(normalize(w) for w in ("跳过", "skip", "/skip", "略过", "不填"))
BACK = frozenset(normalize(w) for w in ("返回", "back", "/back", "上一步", "上一题", "返回上一题", "改上一题",
                                         "修改上一题"))
SAVE = frozenset(normalize(w) for w in ("保存", "save", "/save", "保存退出", "稍后再填", "以后再填"))
# "我刚才选错了", "上一题点错了": the previous answer to change, said in a short sentence.
_BACK_SAID = re.compile(r"(?:选|点|按|答|填|打)错了?|上一题错了|wrong (?:answer|option|choice|button)|pressed the wrong")
BACK_SAID_MAX = 12

# "改3", "修改第3项", "correct 3": one answer of a review to change, by its number.
_CORRECT = re.compile(r"^(?:修改|改|更正|correct|edit|fix|change)\s*第?\s*(\d{1,2})\s*[项个条]?$", re.I)


def correction_number(text: str) -> int | None:
    """The number of the answer a review's "改3" / "correct 3" names, or None."""
    m = _CORRECT.match(normalize(text))
    return int(m.group(1)) if m else None


# Keep the answer already given (a field reached again by "back" or from the review shows it).
KEEP = frozenset(normalize(w) for w in ("不变", "不改", "不用改", "不修改", "不用修改", "保持", "保持不变", "没变", "照旧", "原样",
                                         "维持原样", "就这样", "keep", "keep it", "unchanged", "no change", "leave it"))
# With the Southwestern Mandarin of Yunnan: 对头 (right), 是嘞 (yes), 没得 (there is none), 莫得, 不得 (no).
YES = ("是", "是的", "对", "对的", "有", "有的", "嗯", "没错", "当然", "对头", "是嘞", "yes", "y", "yeah", "yep", "sure")
NO = ("否", "不是", "没有", "无", "不", "没", "不对", "没得", "莫得", "没得过", "no", "n", "nope", "none")


# A question, not a short value (a name, a post, an address): a question mark, a question word or particle.
_QUESTION = re.compile(r"[吗呢？?]|几[份个次天年]|多少|怎么|怎样|如何|什么|啥|哪里|哪些|哪个|是否|要不要|需不需要|能不能|可不可以|"
                       r"是不是|有没有|会不会|算不算|行不行|多久|多长时间|多长|(?:有|能|会|行|算|要|可以)[^，,。；;\s]{0,8}不$|"
                       r"^(?:how|what|when|where|who|which|why|can|could|do|does|is|are|will|should)\b", re.I)


# Said when a question was typed where a step wanted its answer and the measures do not answer it (the router
# answers the ones they do, and asks the step again).
NOT_AN_ANSWER = N_("That reads as a question, so I have not taken it as your answer here, and I found no answer to "
                   "it in the measures ('human' reaches a person). Please answer the question below.")
# ... and where the measures may answer it but the search is unsure which article does, or ranks another programme's
# first in a programme's check: no "not in the measures", which would be untrue.
UNSURE_ASIDE = N_("That reads as a question, so I have not taken it as your answer here. I am not sure which "
                  "provision answers it: ask it again in other words once this is done, or type 'human' to reach "
                  "a person. Please answer the question below.")


# An ID card, bank card or mobile number typed where a question asks for something else (the 民族 of a form, an
# address): refused, so that it is neither stored in a column that is not encrypted nor printed on the form.
_PERSONAL_NUMBER = re.compile(r"(?<!\d)(?:\d{15,19}|\d{17}[xX])(?![\dxX])|(?<!\d)1[3-9]\d{9}(?!\d)")
PERSONAL_ELSEWHERE = N_("That looks like an ID card, bank card or mobile number, which this question does not ask "
                        "for; it has not been kept. The ID and mobile numbers have their own questions, where they "
                        "are stored encrypted. Please answer the question below.")


def has_personal_number(text: str) -> bool:
    """``text`` holds what looks like an ID card, bank card or mobile number (spaces and dashes inside it ignored)."""
    return _PERSONAL_NUMBER.search(re.sub(r"(?<=\d)[\s-](?=\d)", "", text)) is not None


# What cannot stand on a printed form in place of the answer: "同上", "same as above", "不知道".
_NO_VALUE = re.compile(r"^(?:同上|同前|同上面|和上面一样|跟上面一样|一样|同左|同右|ditto|same|same as (?:above|before)|"
                       r"不知道|不清楚|不晓得|不记得|没想好|don'?t know|not sure|no idea)(?:\W|$)", re.I)
NO_VALUE = N_("Please type the answer itself: the form is printed as it is typed, and 'same as above' or 'I do "
              "not know' cannot stand on it ('human' reaches a person if you need help with it).")


def is_no_value(text: str) -> bool:
    """``text`` stands for no answer on a printed form ("同上", "same", "不知道 我们单位有工会")."""
    return _NO_VALUE.search(text.strip()) is not None


def reads_as_question(text: str) -> bool:
    """``text`` asks something ("申报表要交几份", "what is a post?"): no answer to a field of a name, a post or an
    address."""
    return _QUESTION.search(mandarin(text.strip())) is not None  # ("领衔人退休了工作室咋个办", "省里给好多钱")


def word_of(text: str) -> str | None:
    """"skip", "back", "save" or "keep" when ``text`` is one of the form words; None otherwise."""
    key = normalize(text)
    found = next((word for word, said in (("skip", SKIP), ("back", BACK), ("save", SAVE), ("keep", KEEP))
                  if key in said), None)
    short = len(key) <= BACK_SAID_MAX * (3 if key.isascii() else 1)
    return found or ("back" if short and _BACK_SAID.search(key) else None)


# -- the rules ------------------------------------------------------------------------------------------
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^[0-9()\-+ ]{7,20}$")
_MONTH = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?$")
ID_PROBLEMS = {
    "length": N_("An ID card number has 18 characters; please check that none is missing or extra."),
    "chars": N_("An ID card number is 17 digits followed by a digit or X; please check for other characters."),
    "birthdate": N_("The birth date inside this ID card number (characters 7 to 14) is not a real date; "
                    "please check it."),
    "checksum": N_("The last character of this ID card number does not match the others (GB 11643 check "
                   "digit); please check for a mistyped digit."),
}


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def is_phone(text: str) -> bool:
    """A telephone number with its area code, or a mainland mobile number."""
    value = nfkc(text)
    return is_valid_mobile(value) or (bool(_PHONE.match(value)) and sum(ch.isdigit() for ch in value) >= 7)


def parse_id(text: str, _: Translate, today: date) -> str:
    problem = id_problem(text, today=today)
    if problem:
        raise Invalid(_(ID_PROBLEMS[problem]))
    return normalize_id(text)


def parse_mobile(text: str, _: Translate, today: date) -> str:
    if not is_valid_mobile(text):
        raise Invalid(_("That is not a mainland mobile number: 11 digits starting with 1 (e.g. 13912345678)."))
    return normalize_mobile(text)


def parse_email(text: str, _: Translate, today: date) -> str:
    value = nfkc(text)
    if not _EMAIL.match(value) or len(value) > 100:
        raise Invalid(_("That does not look like an e-mail address (name@example.com)."))
    return value


def parse_postcode(text: str, _: Translate, today: date) -> str:
    value = nfkc(text)
    if not re.fullmatch(r"\d{6}", value):
        raise Invalid(_("A postcode has exactly 6 digits (e.g. 650000)."))
    return value


# Asked when a span is typed in a unit that does not convert exactly into the one asked.
_SPAN_ASK = {
    "day": N_("How many days exactly? Please type the number of training days, for example 30: a month or a "
              "week of training can be a different number of days."),
    "month": N_("How many months is that? Please type the number of months, for example 8."),
}


def parse_span(text: str, unit: str, _: Translate) -> int | None:
    """A span of time typed in answer to "how many ``unit``s" ("day" or "month"; see typed_span: "一年到头" is 12
    months); None when the text says none, for the caller to read a bare number; Invalid when it names only
    another unit ("一个月" asked in days)."""
    value, said = typed_span(text, unit)
    if said is not None:
        raise Invalid(_(_SPAN_ASK[unit]))
    return value


def parse_phone(text: str, _: Translate, today: date) -> str:
    if not is_phone(text):
        raise Invalid(_("Please type a telephone number with its area code, e.g. 0871-12345678."))
    return nfkc(text)


def parse_int(text: str, _: Translate, today: date) -> int:
    value = typed_number(text)  # "12", "12年", "十二项"
    if value is None or not 0 <= value <= 999:
        raise Invalid(_("Please type a whole number, e.g. 12."))
    return value


def parse_past_date(text: str, _: Translate, today: date) -> str:
    """A day or a month since 1949, as printed on a form: 2018年5月20日 or 2018年5月."""
    bad = Invalid(_("Please type a date such as 2018-05-20 or 2018年5月."))
    day = dates.parse_day(text)
    if day is not None:
        year, month, shown = day.year, day.month, f"{day.year}年{day.month}月{day.day}日"
    elif (m := _MONTH.match(nfkc(text))) is not None and 1 <= int(m[2]) <= 12:
        year, month, shown = int(m[1]), int(m[2]), f"{int(m[1])}年{int(m[2])}月"
        day = date(year, month, 1)
    else:
        raise bad
    if year < 1949 or day > today:
        raise Invalid(_("That date is in the future or too far back; please check it."))
    return shown


Parser = Callable[[str, Translate, date], object]
KINDS: dict[str, Parser] = {
    "id": parse_id, "mobile": parse_mobile, "email": parse_email, "postcode": parse_postcode,
    "phone": parse_phone, "int": parse_int, "date": parse_past_date,
}
