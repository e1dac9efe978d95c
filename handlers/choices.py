"""Choices: resolve a typed answer to one of the offered choices (tapped value, number in ASCII, full-width
or 一二三, exact label, or a fuzzy match of the label with rapidfuzz), and the one codec of choice values
(:func:`decode` / :func:`encode`) that the dispatcher and the adapters share."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from handlers.types import Choice
from knowledge.search.text import mandarin

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ORDINAL = re.compile(r"^(?:第|no\.?|#|option\s*)?\s*(\d{1,2}|[一二两三四五六七八九十])\s*(?:个|项|条|号|\.|、|\)|）)?$", re.I)
FUZZY_CUTOFF = 80
# A typed answer this much longer than every label (and longer than SENTENCE_MIN characters) is matched exactly
# or by number only.
SENTENCE_RATIO, SENTENCE_MIN = 1.5, 24


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), collapse whitespace, lower-case."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


# A word that works everywhere, wrapped in the words people put round it ("please show my tickets",
# "我要转人工", "帮我取消一下吧"): stripped before the word is looked up (a short message only).
_POLITE_HEAD = re.compile(
    r"^(?:(?:please|pls|plz|can you|could you|can i|i want to|i'd like to|i would like to|i want|i need|let me|"
    r"show me|show|open|go to|go back to|back to|take me to|the)(?:\s+|$)"
    r"|(?:请|麻烦你|麻烦|帮我|给我|我要|我想要|我想|想|打开|查看|看看|看一下|回到|返回|进入)\s*)")
# A greeting or "I'm new" before a global word ("hi, im new here. what can you do?", "你好，我是新来的，你能干啥"):
# routing.command_of reads the word without it. (Not flow words: "你好，我想申报云岭工匠" is a question answered.)
GREETING_HEAD = re.compile(r"^(?:(?:hi|hello|hey|hi there|hello there|i'?m new here|i am new here|i'?m new|i am new)"
                            r"[\s,.!]+|(?:你好|您好|嗨|哈喽|我是新来的|我刚来|我新来的|第一次用)[\s,.!。！]*)+")
_POLITE_TAIL = re.compile(r"(?:\s+(?:please|pls|thanks|thank you)|吧|一下|呗|谢谢|了|嘛|噻|哦|喽|咯)?[\s。.!！?？~～]*$")
POLITE_MAX = 32  # characters: a longer message is a sentence, not a word


def word_forms(text: str) -> tuple[str, ...]:
    """The keys under which ``text`` may be a word (global, flow or submenu): as typed (normalised), then
    without the polite words round it."""
    key = normalize(text)
    if len(key) > POLITE_MAX:
        return (key,)
    # Kept for the next rule that asks (about ten per message), but not a message with an ID or phone number in it.
    return _forms(key) if _NUMBER_RUN.search(key) else _kept_forms(key)


_NUMBER_RUN = re.compile(r"\d{6}")


# "我的证书呢", "我的工单呢": one's own thing asked for with 呢 is the word. (Not any word's 呢: "技师工作站呢" asks
# the previous question of that programme.)
_MINE_WHERE = re.compile(r"^(我的.{1,8}?)呢[\s。.!！?？~～]*$")


def _forms(key: str) -> tuple[str, ...]:
    bare = _MINE_WHERE.sub(r"\1", key)
    for _ in range(3):  # "please can you show me the menu"
        bare = _POLITE_HEAD.sub("", _POLITE_TAIL.sub("", bare), count=1)
    forms = (key, bare) if bare and bare != key else (key,)
    # Said in Yunnan speech ("补贴咋个算", "补贴咋个算嘛"): the word as the Mandarin it stands for.
    said = [m for f in forms if (m := mandarin(f)) != f]
    return forms + tuple(m for m in dict.fromkeys(_POLITE_TAIL.sub("", m) for m in said) if m and m not in forms)


_kept_forms = lru_cache(maxsize=2048)(_forms)


def number_of(text: str) -> int | None:
    m = _ORDINAL.match(normalize(text))
    if not m:
        return None
    token = m.group(1)
    return int(token) if token.isdigit() else _CN_DIGITS[token]


def is_sentence(text: str, choices: Sequence[Choice]) -> bool:
    """Whether ``text`` is much longer than every option's label: something said, not an option mistyped."""
    return bool(choices) and _longer_than(normalize(text), [normalize(c.label) for c in choices])


def _longer_than(wanted: str, labels: Sequence[str]) -> bool:
    return len(wanted) > max(SENTENCE_MIN, SENTENCE_RATIO * max(map(len, labels)))


def resolve(text: str, choices: Sequence[Choice], tapped: str | None = None, *, fuzzy: bool = True) -> Choice | None:
    """The chosen option, or None when the answer matches none of them (``fuzzy=False``: no fuzzy match)."""
    if not choices:
        return None
    if tapped is not None:
        for c in choices:
            if c.value == tapped:
                return c
    if not text.strip():
        return None
    n = number_of(text)
    if n is not None:
        return choices[n - 1] if 1 <= n <= len(choices) else None
    wanted = normalize(text)
    for c in choices:
        if wanted in (normalize(c.label), normalize(c.value)):
            return c
    if not fuzzy:
        return None
    labels = [normalize(c.label) for c in choices]
    if _longer_than(wanted, labels):
        # A sentence, not a label mistyped: WRatio gives a long text sharing one word with a label ("and") 85.
        return None
    best = process.extractOne(wanted, labels, scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF)
    if best is None:
        return None
    # Refuse ties: an answer equally close to two options is ambiguous.
    scores = sorted((fuzz.WRatio(wanted, lab) for lab in labels), reverse=True)
    if len(scores) > 1 and scores[0] - scores[1] < 3:
        return None
    return choices[best[2]]


# -- the codec of choice values -------------------------------------------------------------------------
# A choice's value says what tapping it does: ``flow:NAME`` opens a flow, ``menu:KEY`` a submenu,
# ``cmd:WORD`` runs a global word (menu, cancel, help, start), ``ask:TEXT`` asks TEXT as a question;
# anything else is an option of the current step. Adapters and the dispatcher decode values here only.


@dataclass(frozen=True)
class OpenFlow:
    name: str


@dataclass(frozen=True)
class OpenMenu:
    key: str


@dataclass(frozen=True)
class Command:
    word: str


@dataclass(frozen=True)
class Ask:
    text: str


@dataclass(frozen=True)
class Option:
    value: str


Picked = OpenFlow | OpenMenu | Command | Ask | Option
_KINDS: dict[str, Callable[[str], Picked]] = {"flow": OpenFlow, "menu": OpenMenu, "cmd": Command, "ask": Ask}
_PREFIX: dict[type, str] = {OpenFlow: "flow", OpenMenu: "menu", Command: "cmd", Ask: "ask"}


def decode(value: str) -> Picked:
    """What a choice value means (an empty argument is a plain option: "flow:" opens nothing)."""
    head, sep, rest = value.partition(":")
    make = _KINDS.get(head) if sep and rest else None
    return make(rest) if make is not None else Option(value)


def encode(picked: Picked) -> str:
    """The value of a choice that does ``picked`` (``decode(encode(p)) == p``)."""
    arg = next(iter(dataclasses.astuple(picked)))
    prefix = _PREFIX.get(type(picked))
    return f"{prefix}:{arg}" if prefix else str(arg)


def is_menu_value(value: str | None, kinds: tuple[type, ...] = (Command, OpenFlow, Ask)) -> bool:
    """True when ``value`` is a routed value of one of ``kinds`` (a platform menu's key the dispatcher takes)."""
    return bool(value) and isinstance(decode(value or ""), kinds)


# -- words every adapter shares -------------------------------------------------------------------
# The words that ask for a person: the hand-off flow's entry words, and what WeChat hands over to the
# account's customer-service seats when YUNLING_WECHAT_TRANSFER_TO_KF is on. One definition for both.
HANDOFF_WORDS: tuple[str, ...] = ("人工", "转人工", "人工服务", "找人工", "human", "/human", "talk to a person")
_HANDOFF_KEYS = frozenset(normalize(word) for word in HANDOFF_WORDS)


def is_handoff(text: str) -> bool:
    """True when ``text`` (as typed, or wrapped in polite words: "我要转人工") is one of :data:`HANDOFF_WORDS`."""
    return any(key in _HANDOFF_KEYS for key in word_forms(text))
