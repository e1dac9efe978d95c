"""Text helpers shared by knowledge modules: the gettext marker, Chinese normalisation, redaction and
pseudonyms for logs."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import unicodedata
from collections import defaultdict
from functools import cache
from pathlib import Path

from knowledge.cache import cached


def N_(message: str) -> str:
    """Mark a user-facing string for extraction; it is translated where the reader's locale is known."""
    return message


# Where a message's clauses break: the search's second look and the listener's "wants to apply" read clause by clause.
CLAUSE_BREAKS = re.compile(r"[，,；;。！!？?\n]+")


def squash(text: str) -> str:
    """NFKC-normalise and drop all whitespace: how article text is compared with the source."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# What people type between the digits of one number: spaces (also the ideographic one), hyphens and dashes.
_SEP = "[ \t\u3000\\-\u2010-\u2014\uff0d]"
# 18-character resident ID (the last may be X), as typed: any digits (\d: full-width ones too), a separator
# between any two of them ("530102 19900307 325X"), not inside a longer run of digits.
_ID = re.compile(rf"(?<!\d)\d(?:{_SEP}?\d){{16}}{_SEP}?[\dXxＸｘ](?!{_SEP}?\d)")
# Mainland mobile numbers, with or without the country code (+86, 86, 0086, (+86)) and separators.
_DIGIT = re.compile(r"\d")
_PHONE = re.compile(rf"(?<!\d)((?:[(（]?(?:\+|＋|00|００)?[8８][6６][)）]?{_SEP}?)?)([1１]{_SEP}?[3-9３-９](?:{_SEP}?\d){{9}})"
                    rf"(?!{_SEP}?\d)")


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch.upper() for ch in text
                   if ch.isdigit() or ch in "XxＸｘ").replace("Ｘ", "X")


def _mask_id(m: re.Match[str]) -> str:
    v = _ascii_digits(m[0])
    return v[:6] + "********" + v[-4:]


def _mask_phone(m: re.Match[str]) -> str:
    v = _ascii_digits(m[2])
    return m[1] + v[:3] + "****" + v[-4:]


def redact(text: str) -> str:
    """Mask ID numbers and mobile numbers inside free text (logs, ticket transcripts, recent history), in the
    forms people type them: with separators, a country code, full-width digits."""
    if not _DIGIT.search(text):  # both need eleven digits or more; most messages have none (a scan saved)
        return text
    return _PHONE.sub(_mask_phone, _ID.sub(_mask_id, text))


PRIVACY_NOTICE = N_("Privacy: I keep only what the measures' procedures need (your answers in forms, sign-ins, "
                    "tickets); ID and mobile numbers are stored encrypted and only you and the clerks of the "
                    "union handling your matter see them. Type 'export my data' to get a copy, 'delete my "
                    "data' to delete it.")


def pseudonym(channel: str, user_key: str) -> str:
    """A stable, non-reversible tag for logs: never log a platform user id in clear."""
    return hashlib.sha256(f"{channel}:{user_key}".encode()).hexdigest()[:10]


def has_personal_number(text: str) -> bool:
    """True when ``text`` holds an ID or mobile number in clear (what :func:`redact` would mask)."""
    return bool(_ID.search(text) or _PHONE.search(text))

# The office named when the assistant cannot answer (the settings' default, YUNLING_HUMAN_CONTACT): here so
# that `yunling ask` knows it without building the settings model.
HUMAN_CONTACT = "云南省总工会技术创新和职工素质建设工作办公室"
# The same office named in an English reply: what it does, and its Chinese name to find it by.
HUMAN_CONTACT_EN = ("the Technical Innovation and Workforce Quality Office of the Yunnan Federation of Trade Unions "
                    "(云南省总工会技术创新和职工素质建设工作办公室)")


def contact_named(contact: str, lang: str) -> str:
    """The human contact as a reply in ``lang`` names it: the default office in English words in an English reply
    (a configured contact is named as configured)."""
    return HUMAN_CONTACT_EN if lang == "en" and contact == HUMAN_CONTACT else contact


@cache
def _pinyin_table() -> dict[int, str]:
    """pypinyin's single-character table (code point -> "zhǎng,cháng"), read from its JSON file: importing
    ``pypinyin.pinyin_dict`` runs the package's __init__, which loads the phrase dictionary too (0.45 s
    that a typo question paid at start). Kept in the cache between processes."""
    spec = importlib.util.find_spec("pypinyin")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"

    def load() -> dict[int, str]:
        return {int(k): v for k, v in json.loads(path.read_text(encoding="utf-8")).items()}

    return cached("pinyin", [path], load)


@cache
def toneless_readings(char: str) -> tuple[str, ...]:
    """Toneless readings of a character, most common first ("长" -> ("zhang", "chang")); () when unknown.
    Diacritics go, the umlaut too ("绿" -> "lu")."""
    raw = _pinyin_table().get(ord(char), "")
    readings = ["".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c))
                for r in raw.split(",") if r]
    return tuple(dict.fromkeys(readings))


def by_first_char(groups: list[tuple[str, ...]]) -> dict[str, list[tuple[int, str]]]:
    """Each group's phrases (group i) under their first character ("" for an empty phrase)."""
    table: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, phrases in enumerate(groups):
        for phrase in phrases:
            table[phrase[:1]].append((i, phrase))
    return dict(table)


def groups_in(table: dict[str, list[tuple[int, str]]], text: str) -> list[int]:
    """The groups of :func:`by_first_char` with a phrase in ``text``, in their order: ``[i for i, phrases
    in enumerate(groups) if any(p in text for p in phrases)]``, testing only the phrases that start with a
    character of the text."""
    return sorted({i for ch in {*text, ""} for i, phrase in table.get(ch, ()) if phrase in text})


def any_in(table: dict[str, list[tuple[int, str]]], text: str) -> bool:
    """Whether a phrase of :func:`by_first_char`'s table occurs in ``text``: ``any(p in text for p in
    phrases)``, testing only the phrases that start with a character of the text (or are empty)."""
    return any(phrase in text for ch in {*text, ""} for _, phrase in table.get(ch, ()))
