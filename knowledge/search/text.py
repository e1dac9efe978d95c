"""Text of questions and of the measures: folding, normalising, tokens, and the lexicon's data files."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from functools import cache
from importlib import resources
from types import ModuleType

MAX_QUERY = 300  # characters of a question that are searched

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")  # a run of what _CJK matches
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z]+(?:-[a-z]+)?|\d+")
_LATIN = re.compile(r"[a-z]+(?:-[a-z]+)?")
# Particles and pronouns of everyday questions: right as typed, never taken for a typo.
_FUNCTION_CHARS = frozenset("的了是在和与要会能都还就吗呢吧啊呀不没我你他她它们这那个些什么哪谁怎为把给让从对向到得"
                            "地着过又再很太更最已可以也被有啥咋几多少")


# Yunnan (Southwestern Mandarin) question words as the measures' Mandarin has them: "咋个报" asks "怎么报", "哪样"
# is "什么", "好多钱" is "多少钱", "莫得/没得" is "没有", and a yes/no question ends in "不" ("能评不": "能评吗").
# Also "啥子" is "什么", "哪阵子" is "什么时候", "哪点" is "哪里", and "好多" asked ("补贴好多", "要好多人") is "多少"
# (not "好多人都说", a lot of people).
_DIALECT = re.compile(r"咋个|咋样|咋|哪样|好多钱|莫得|没得|啥子|哪阵子|哪阵|哪点|"
                      r"(?<=[要有给补发拿是])好多|好多(?=[\s?？。!！啊嘛呢噻哦]*$)|"
                      r"(?<=[\u4e00-\u9fff])不(?=[\s?？。!！]*$)")
_MANDARIN = {"咋个": "怎么", "咋样": "怎样", "咋": "怎么", "哪样": "什么", "好多钱": "多少钱", "莫得": "没有",
             "没得": "没有", "啥子": "什么", "哪阵子": "什么时候", "哪阵": "什么时候", "哪点": "哪里", "好多": "多少",
             "不": "吗"}


def mandarin(text: str) -> str:
    """``text`` with the Yunnan question words of :data:`_DIALECT` in Mandarin (unchanged when it has none)."""
    return _DIALECT.sub(lambda m: _MANDARIN[m.group()], text) if _DIALECT.search(text) else text


def fold(text: str) -> str:
    """NFKC, lower case, control and format characters dropped, whitespace squeezed."""
    text = unicodedata.normalize("NFKC", text or "")
    # str.isprintable() is False exactly when a character is of category C* or Z* other than the ASCII space
    # (which becomes a space anyway): a printable text has nothing to replace, and skips the loop.
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(text.split()).lower()


def folded_query(text: str) -> tuple[str, bool]:
    """A question folded once: its :func:`fold` cut to MAX_QUERY characters, and whether it was longer.
    Cut before folding too: a 10 000-character message costs no more than a short one."""
    folded = fold((text or "")[: MAX_QUERY * 2])
    return folded[:MAX_QUERY], len(folded) > MAX_QUERY


def normalize(text: str, chars: frozenset[str] | None = None) -> str:
    """:func:`fold`, cut to MAX_QUERY characters, traditional -> simplified (only when the text has
    characters outside ``chars``, by default the index's)."""
    return simplified(folded_query(text)[0], chars)


def simplified(text: str, chars: frozenset[str] | None = None) -> str:
    """Folded ``text`` traditional -> simplified, only when it has characters outside ``chars`` (by default
    the index's)."""
    if chars is None:
        from knowledge.search.indexing import index

        chars = index().chars
    if any(_CJK.match(c) for c in set(text).difference(chars)):
        # Loading its tables takes ~0.15 s: only for characters the measures do not use. And only a text with
        # a traditional character: zhconv's pass (~20 us) changes nothing else worth changing in one written
        # in simplified characters (in the 49 000 questions of tests/data it changed four, each for the worse:
        # 那么 -> 那幺, 软著 -> 软着).
        return traditional_simplified(text)
    return text


def traditional_simplified(text: str) -> str:
    """``text`` traditional -> simplified, only when it has a character zhconv turns into another (for matching
    patterns written in simplified characters; :func:`simplified` also converts the phrases zhconv converts)."""
    return text if _traditional().isdisjoint(text) else _zhconv().convert(text, "zh-cn")


@cache
def _traditional() -> frozenset[str]:
    """The characters zhconv's zh-cn table turns into others (some 4 700)."""
    _zhconv()
    from zhconv import zhconv as tables

    return frozenset(k for k, v in tables.getdict("zh-cn").items() if len(k) == 1 and k != v)


def _zhconv() -> ModuleType:
    """zhconv, imported without pkg_resources: zhconv tries it first to find its table, and importing it
    costs ~0.2 s of a cold start; without it zhconv opens the same file beside its module."""
    if (loaded := sys.modules.get("zhconv")) is not None:
        return loaded
    hide = "pkg_resources" not in sys.modules
    if hide:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # (an import of it raises ImportError)
    try:
        import zhconv
    finally:
        if hide:
            del sys.modules["pkg_resources"]
    return zhconv


def detect_language(text: str) -> str:
    cjk = sum(map(len, _CJK_RUN.findall(text)))  # the characters _CJK finds, counted by runs
    latin = sum(len(w) for w in _LATIN.findall(text.lower()))
    return "en" if latin >= 2 and latin > 2 * cjk else "zh"


def bigrams(text: str) -> list[str]:
    """Character bigrams of each run of Chinese (a lone character counts as itself), Latin words, numbers."""
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if _CJK.match(tok):
            out.extend([tok] if len(tok) == 1 else [tok[i:i + 2] for i in range(len(tok) - 1)])
        else:
            out.append(tok)
    return out


def _lexicon(name: str) -> dict:
    path = resources.files("knowledge") / "lexicon" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word



def _strip(text: str, fillers: list[str]) -> str:
    for f in fillers:
        text = text.replace(f, " ")
    return text

