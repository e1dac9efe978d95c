"""Mainland resident ID numbers (GB 11643-1999) and mobile numbers: validation and masking."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_id(raw: str) -> str:
    """Strip spaces, full-width digits -> ASCII, lower-case x -> X."""
    table = str.maketrans("０１２３４５６７８９ｘＸx", "0123456789XXX")
    return "".join(raw.split()).translate(table)


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_problem(raw: str, *, today: date | None = None) -> str | None:
    """None when valid; otherwise a reason code: 'length', 'chars', 'birthdate', 'checksum'."""
    value = normalize_id(raw)
    if len(value) != 18:
        return "length"
    if not _ID_RE.match(value):
        return "chars"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birthdate"
    if born.year < 1900 or born > (today or date.today()):
        return "birthdate"
    if check_digit(value[:17]) != value[17]:
        return "checksum"
    return None


def id_age(value: str, today: date) -> int | None:
    """Full years on ``today`` of the holder of a valid ID number (its digits 7-14 are the birth date)."""
    if id_problem(value, today=today) is not None:
        return None
    n = normalize_id(value)
    born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def id_sex(value: str) -> str:
    """'男' or '女' from the 17th digit."""
    return "男" if int(normalize_id(value)[16]) % 2 else "女"


def mask_id(value: str) -> str:
    v = normalize_id(value)
    return v[:4] + "*" * (len(v) - 8) + v[-4:] if len(v) > 8 else "*" * len(v)


def normalize_mobile(raw: str) -> str:
    v = "".join(ch for ch in raw.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if ch.isdigit())
    return v[2:] if v.startswith("86") and len(v) == 13 else v


def is_valid_mobile(raw: str) -> bool:
    return bool(_MOBILE_RE.match(normalize_mobile(raw)))


def mask_mobile(value: str) -> str:
    v = normalize_mobile(value)
    return v[:3] + "****" + v[-4:] if len(v) == 11 else "***"
