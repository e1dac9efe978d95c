"""Questions typed in toneless pinyin ("yunling gongjiang zenme shenbao") turned into characters
("云岭工匠怎么申报") with a lookup built from the measures' own vocabulary and the questions people asked.

A word of the vocabulary is any run of one to four characters of the measures' text, headings and keywords,
the colloquial lexicon and the example questions; it is filed under its toneless pinyin (each character's
two commonest readings). A question converts only when every one of its words splits wholly into such
pinyin, so an English sentence ("I want to learn welding") is left alone.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path

from knowledge import loader
from knowledge.text import toneless_readings

__all__ = ["to_hanzi"]

MAX_WORD = 4  # characters in one vocabulary word
MAX_SYLLABLE = 6  # letters of the longest pinyin syllable ("zhuang", "shuang")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_ASCII_QUESTION = re.compile(r"[a-zA-Z' ,.?!;:-]+")
# Every toneless syllable is an initial (or none) and a final (a superset: some pairs are not Mandarin). A word
# that does not split into them cannot split into the vocabulary's words either (tests/test_global_words.py
# checks every vocabulary key splits), so an English question is told apart before the vocabulary is loaded (0.17 s).
_INITIALS = ("", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "zh", "ch", "sh", "r", "z",
             "c", "s", "y", "w")
_FINALS = ("a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er", "i", "ia", "ie", "iao", "iu",
           "ian", "in", "iang", "ing", "iong", "u", "ua", "uo", "uai", "ui", "uan", "un", "uang", "ueng", "v", "ve",
           "van", "vn", "ue", "io")
SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS)



def _texts() -> list[str]:
    out: list[str] = []
    for m in loader.load_measures().values():
        out.append(m.title if hasattr(m, "title") else "")
        for a in m.articles:
            out.extend([a.heading, a.text, *a.keywords])
    lex = resources.files("knowledge") / "lexicon"
    colloquial = json.loads((lex / "colloquial.json").read_text(encoding="utf-8"))
    for e in colloquial["entries"]:
        out.extend([*e["say"], *e["means"]])
    for words in colloquial["measures"].values():
        out.extend(words)
    examples = json.loads((lex / "examples.json").read_text(encoding="utf-8"))
    out.extend(e["q"] for e in examples["examples"])
    return out


@cache
def _vocabulary() -> dict[str, tuple[str, float]]:
    """Toneless pinyin (no spaces) -> (the commonest characters read so, their log count). Kept in the
    cache between processes (:mod:`knowledge.cache`): building it takes about a second."""
    import importlib.util

    from knowledge.cache import cached

    root = Path(__file__).resolve().parent
    spec = importlib.util.find_spec("pypinyin")  # its readings table, without running the package
    table = [Path(p) / "pinyin_dict.json" for p in (spec.submodule_search_locations or [])] if spec else []
    sources = [p for p in root.rglob("*") if p.suffix in (".py", ".json") and "__pycache__" not in p.parts]
    return cached("vocabulary", [*sources, *(p for p in table if p.exists())], _build_vocabulary)


def _build_vocabulary() -> dict[str, tuple[str, float]]:
    counts: Counter[str] = Counter()
    for text in _texts():
        for run in _HAN.findall(text):
            for n in range(1, MAX_WORD + 1):
                for i in range(len(run) - n + 1):
                    counts[run[i:i + n]] += 1
    best: dict[str, tuple[str, float]] = {}
    for word, count in counts.items():
        if len(word) > 1 and count < 2:
            continue  # a run seen once is as likely noise as a word
        keys = [""]
        for ch in word:
            readings = toneless_readings(ch)[:2]  # the two commonest
            if not readings:
                keys = []
                break
            keys = [k + r for k in keys for r in readings]
        weight = math.log(1 + count)
        for key in keys:
            if key not in best or best[key][1] < weight:
                best[key] = (word, weight)
    return best


def _split(token: str, vocab: dict[str, tuple[str, float]]) -> str | None:
    """The characters of one pinyin word: fewest vocabulary words, then the commonest ones."""
    n = len(token)
    limit = MAX_WORD * MAX_SYLLABLE
    best: list[tuple[int, float, str] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, "")
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(i + 1, min(n, i + limit) + 1):
            hit = vocab.get(token[i:j])
            if hit is None:
                continue
            cand = (here[0] + 1, here[1] - hit[1], here[2] + hit[0])
            known = best[j]
            if known is None or cand[:2] < known[:2]:
                best[j] = cand
    last = best[n]
    return last[2] if last is not None else None


def syllabic(token: str) -> bool:
    """Whether ``token`` splits wholly into :data:`SYLLABLES` (linear: no regex backtracking on long input)."""
    reach = [True] + [False] * len(token)
    for i in range(len(token)):
        if reach[i]:
            for j in range(i + 1, min(len(token), i + MAX_SYLLABLE) + 1):
                if token[i:j] in SYLLABLES:
                    reach[j] = True
    return reach[-1]


def to_hanzi(text: str) -> str | None:
    """The question in characters when it is written wholly in toneless pinyin, else None."""
    if not text or not _ASCII_QUESTION.fullmatch(text.strip()):
        return None
    tokens = re.findall(r"[a-z]+", text.lower().replace("'", ""))
    if sum(map(len, tokens)) < 6 or (len(tokens) < 2 and len(tokens[0]) < 8):
        return None  # "hi", "menu", "a an": too short to tell from English
    if not all(map(syllabic, tokens)):
        return None  # English ("how many craftsmen"): no need to load the vocabulary
    vocab = _vocabulary()
    out: list[str] = []
    for token in tokens:
        chars = _split(token, vocab)
        if chars is None:
            return None
        out.append(chars)
    return "".join(out)
