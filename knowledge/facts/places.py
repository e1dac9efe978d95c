"""Where the person is: Yunnan places named in the text (household or work), and whether the unit is
registered in Yunnan."""

from __future__ import annotations

import re
from functools import cache

from knowledge.facts.numbers import normalize
from knowledge.places import _COUNTY_KEYS, _PREFECTURE_KEYS, Place, find_roman_places, parse_place
from knowledge.text import by_first_char, groups_in

_OTHER_PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
                    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川",
                    "贵州", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾", "深圳", "成都",
                    "外省", "省外")
_OTHER_PROV_EN = ("guizhou", "sichuan", "guangdong", "shenzhen", "beijing", "shanghai", "another province",
                  "outside yunnan", "chongqing", "guangxi", "chengdu", "guiyang", "guangzhou", "nanning", "hangzhou",
                  "jiangsu", "zhejiang", "hunan", "hubei", "wuhan", "changsha", "tibet", "lhasa")


@cache
def _county_keys_by_first() -> dict[str, list[tuple[int, str]]]:
    """Each county key under its first character: a text tries only the keys starting with one of its
    characters (a few, instead of every county's two names)."""
    return by_first_char([(key,) for key, _pref, _county in _COUNTY_KEYS])


class _Finder:
    """Places found in one text, and the characters they take (a later pass never reads them again)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[tuple[int, int, Place]] = []
        self.taken: set[int] = set()
        self.county_keys = [_COUNTY_KEYS[i] for i in groups_in(_county_keys_by_first(), text)]

    def free(self, start: int, end: int) -> bool:
        return not self.taken & set(range(start, end))

    def add(self, start: int, end: int, place: Place) -> None:
        self.found.append((start, end, place))
        self.taken |= set(range(start, end))

    def full_counties(self) -> None:
        for key, pref, county in self.county_keys:
            if key != county:
                continue
            for m in re.finditer(re.escape(key), self.text):
                if self.free(m.start(), m.end()):
                    self.add(m.start(), m.end(), Place(pref, county))

    def prefectures(self) -> None:
        for key, pref in _PREFECTURE_KEYS:
            if key not in self.text:
                continue
            for m in re.finditer(re.escape(key), self.text):
                if self.free(m.start(), m.end()):
                    self.prefecture(m.start(), m.end(), pref)

    def prefecture(self, start: int, end: int, pref: str) -> None:
        self.taken |= set(range(start, end))
        if any(s == end and p.prefecture == pref for s, _e, p in self.found):
            return  # "昆明市五华区": the county, found already
        place = Place(pref)
        for ckey, cpref, county in self.county_keys:  # "昆明五华"
            if cpref == pref and self.text.startswith(ckey, end):
                place = Place(pref, county)
                self.taken |= set(range(end, end + len(ckey)))
                break
        self.found.append((start, end, place))

    def short_counties(self) -> None:
        # A bare short name must be followed by a place-ish word or stand alone, to avoid "华宁" and the like
        # inside other words.
        text = self.text
        for key, pref, county in self.county_keys:
            if key == county or len(key) < 2:
                continue
            for m in re.finditer(re.escape(key), text):
                if self.free(m.start(), m.end()) and (
                        re.match(r"(?:县|区|市|的|人|工作|上班|户口|$|[，,。\s])", text[m.end():])
                        or re.search(r"(?:在|到|去|住|从|来自)$", text[:m.start()])):
                    self.add(m.start(), m.end(), Place(pref, county))


def _find_places(text: str) -> list[tuple[int, Place]]:
    """Yunnan places named anywhere in ``text``, with where they start: full county names first (大理市 is
    the city, not the prefecture), then prefectures (with a county right after them: 昆明五华), then short
    county names followed by a place-ish word."""
    finder = _Finder(text)
    finder.full_counties()
    finder.prefectures()
    finder.short_counties()
    found = finder.found + [f for f in find_roman_places(text) if finder.free(f[0], f[1])]
    return [(s, p) for s, _e, p in sorted(found, key=lambda t: t[0])]


def read_place(text: str) -> Place | None:
    """The Yunnan place an answer names: the place itself ("曲靖市麒麟区", "Qujing") or a sentence round it
    ("我户口在曲靖市麒麟区", "I work in Menghai"), as precise as it goes; None when it names none, or two that
    are not one within the other ("昆明或者大理")."""
    place = parse_place(text)
    if place is not None:
        return place
    found = {p for _s, p in _find_places(normalize(text))}
    prefectures = {p.prefecture for p in found}
    counties = {p.county for p in found if p.county}
    if len(prefectures) != 1 or len(counties) > 1:
        return None
    return Place(prefectures.pop(), counties.pop() if counties else "")


def _union_named(text: str, start: int) -> bool:
    """"被玉溪市总工会命名", "是曲靖市总工会命名的", "报昆明市总", "红河州总工会命名三年了", "named by the Dali
    prefecture union", "named by Yuxi Municipal Federation of Trade Unions": a union acting or addressed, not
    where one works."""
    union = re.match(r"[^，,。]{0,6}?(?:总工会|总(?![经裁])|工会)|[a-z .'-]{0,30}?\b(?:federation|trade union|union)\b",
                     text[start:start + 40])
    if not union:
        return False
    acting = re.match(r"[^，,。]{0,4}?(?:命名|推荐|审核|认定|挂牌|管)", text[start + union.end():start + union.end() + 12])
    return bool(acting or re.search(r"(?:被|由|报|向|找|交给|交到|是|归|by|to|from)\s*(?:the\s*)?$",
                                    text[max(0, start - 6):start]))


_HOME_BEFORE = (r"户口|户籍|老家|籍贯|(?<![一这那每])家(?:在|住)|住在|household|hukou|\bfrom\s*$|\bliv(?:e|es|ing) (?:at|in)\b|"
                r"\bhome is\b")


def _household(text: str, start: int) -> bool:
    """The place at ``start`` is where the person's household is (户口, 老家, "我是会泽人", "my hukou is in")."""
    before = re.split(r"[，,。；;!?！？]", text[max(0, start - 8):start])[-1]
    before_en = re.split(r"[，,。；;!?！？]", text[max(0, start - 40):start])[-1]
    after = text[start:start + 16]
    own = re.search(r"(?:我|他|她)是[^，,。]{0,5}$", before) and re.search(
        r"^[^，,。]{0,8}?(?:的(?!公司|单位|企业|厂)|人)", after) and not re.match(
        r"[^，,。]{0,8}?(?:工会|公司|单位|企业|厂|学校|医院|矿|店|站|场|局|所|院)", after)
    village = re.search(r"村", before)
    return bool(re.search(_HOME_BEFORE, before) or re.search(r"(?:hukou|household|home|liv(?:e|es|ing))\b[^,.]{0,30}$",
                                                             before_en)
                or own or village or re.search(r"^[^，,。]{0,10}(?:户口|户籍|人)(?![员])", after))


def _places(text: str) -> tuple[str | None, str | None]:
    household = work = None
    seen: list[tuple[int, Place, bool]] = []
    for start, place in _find_places(text):
        if _union_named(text, start):
            continue
        home = _household(text, start)
        # "Binchuan County, Dali", "宾川县，大理的": the county's own prefecture, not another place; but "我在昆明五华区
        # 上班，户口在昆明" names the household's
        if not place.county and any(p.county and p.prefecture == place.prefecture and start - s < 30
                                    and (h == home or re.fullmatch(r"[^，,。；;]*?[\s，,、]*", text[s:start]))
                                    for s, p, h in seen):
            continue
        seen.append((start, place, home))
        if home:
            household = _finer(household, place)
        else:
            work = _finer(work, place)
    return household, work


def _finer(known: str | None, place: Place) -> str:
    """The first place said, or a county of it said later ("我是昭通人，户口在昭通市镇雄县": 镇雄县)."""
    if known is None or (place.county and known == place.prefecture and place.name != known):
        return place.name
    return known


_PROVINCES = "|".join(_OTHER_PROVINCES)
# Compiled once: built from the lists on every message, they cost more than the search they make.
_ELSEWHERE = re.compile(r"(?:单位|公司|企业|厂|工作|上班|注册|登记)[^，,。]{0,8}(?:在|于)(?:" + _PROVINCES + r")|(?:"
                        + _PROVINCES + r")的?(?:单位|公司|企业|厂)|(?:在|于)(?:" + _PROVINCES + r")(?:注册|登记|工作|上班)")
# One pattern for the English names (a match of any one of them is a match of the alternation).
_ELSEWHERE_EN = re.compile(r"\b(?:company|employer|unit|firm|registered|works?|working)\b[^.,]{0,30}(?:"
                           + "|".join(_OTHER_PROV_EN) + ")")
_REGISTERED_ELSEWHERE = re.compile(r"(?:" + _PROVINCES + r")[^，,。]{0,4}(?:注册|登记)|(?:在|于)(?:" + _PROVINCES
                                   + r")[^，,。]{0,8}(?:单位|公司|企业|厂|工地|矿)")


def _unit_in_yunnan(text: str, work_place: str | None) -> bool | None:
    if _ELSEWHERE.search(text) or _ELSEWHERE_EN.search(text) or _REGISTERED_ELSEWHERE.search(text):
        return False
    if re.search(r"(?:单位|公司|企业|厂)[^，,。]{0,8}(?:在云南|云南注册|云南登记)|在云南(?:注册|登记|工作|上班)|"
                 r"(?:registered|based|work) in yunnan", text):
        return True
    if work_place and re.search(r"(?:单位|公司|企业|厂)[^，,。]{0,8}(?:注册|登记)(?!在外)|在[^，,。]{1,10}(?:注册|登记)|"
                                r"registered in", text) and \
            not re.search(r"(?:注册|登记)在外|registered (?:outside|elsewhere)", text):
        return True  # "单位在昆明注册的": a Yunnan place where the unit is registered
    return None


