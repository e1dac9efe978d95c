"""The place finders of knowledge/facts (every free-text message reads them) look up only the names whose
first character occurs in the text, and the pinyin finder tries its patterns only when one of them
matches at all; what they find is what the scans over every name found (kept here as the reference), on
every question of tests/data and on texts built to hit overlapping names."""

from __future__ import annotations

import json
import re
from pathlib import Path

from knowledge.facts import places as fp
from knowledge.places import _COUNTY_KEYS, _PREFECTURE_KEYS, DIVISIONS, Place, _roman_keys, find_roman_places

DATA = Path(__file__).resolve().parent / "data"


class _Reference(fp._Finder):
    """The finder as it was: every county key tried against the text."""

    def full_counties(self) -> None:
        for key, pref, county in _COUNTY_KEYS:
            if key != county or key not in self.text:
                continue
            for m in re.finditer(re.escape(key), self.text):
                if self.free(m.start(), m.end()):
                    self.add(m.start(), m.end(), Place(pref, county))

    def prefecture(self, start: int, end: int, pref: str) -> None:
        self.taken |= set(range(start, end))
        if any(s == end and p.prefecture == pref for s, _e, p in self.found):
            return
        place = Place(pref)
        for ckey, cpref, county in _COUNTY_KEYS:
            if cpref == pref and self.text.startswith(ckey, end):
                place = Place(pref, county)
                self.taken |= set(range(end, end + len(ckey)))
                break
        self.found.append((start, end, place))

    def short_counties(self) -> None:
        text = self.text
        for key, pref, county in _COUNTY_KEYS:
            if key == county or len(key) < 2 or key not in text:
                continue
            for m in re.finditer(re.escape(key), text):
                if self.free(m.start(), m.end()) and (
                        re.match(r"(?:县|区|市|的|人|工作|上班|户口|$|[，,。\s])", text[m.end():])
                        or re.search(r"(?:在|到|去|住|从|来自)$", text[:m.start()])):
                    self.add(m.start(), m.end(), Place(pref, county))


def _reference_roman(text: str) -> list[tuple[int, int, Place]]:
    found: list[tuple[int, int, Place]] = []
    taken: set[int] = set()
    for rx, pref, county in _roman_keys():
        for m in rx.finditer(text):
            if not taken & set(range(m.start(), m.end())):
                found.append((m.start(), m.end(), Place(pref, county)))
                taken |= set(range(m.start(), m.end()))
    return sorted(found, key=lambda f: f[0])


def _found(finder: fp._Finder) -> list[tuple[int, int, Place]]:
    finder.full_counties()
    finder.prefectures()
    finder.short_counties()
    return finder.found


def _texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.extend(v for k, v in row.items() if isinstance(v, str) and k in ("question", "text", "q"))
    # Every county by its full and short name, after its prefecture, side by side, and in pinyin.
    for pref, counties in DIVISIONS.items():
        short = pref[:2]
        texts.append("我在" + "、".join(counties) + "工作，" + short + "".join(c[:2] for c in counties) + "人")
        texts.append(short + "".join(counties[:3]) + "上班")
    texts += ["I work in Kunming, Qujing and Menghai; from Shangri-la, Pu'er and Dali city", "home is in honghe"]
    return texts


def test_the_indexed_finders_find_what_the_scans_found() -> None:
    texts = _texts()
    assert len(texts) > 1000
    for text in texts:
        assert _found(fp._Finder(text)) == _found(_Reference(text)), text
        assert find_roman_places(text) == _reference_roman(text), text
    assert _PREFECTURE_KEYS  # the prefectures' own scan is short and kept as it was
