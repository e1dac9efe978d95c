"""Yunnan's 16 prefecture-level divisions and 129 county-level divisions, to recognise a place typed in
free text ("五华区", "昆明五华", "红河州个旧") and to name the trade-union body of that place
("昆明市五华区总工会", "个旧市总工会", "昆明市总工会").

The list is that of the end of 2024; tests/test_places.py checks it against the National Bureau of
Statistics' division codes for that year (tests/data/yunnan_divisions_2024.csv)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from knowledge.text import squash

# Prefecture (official name) -> its counties, districts and county-level cities.
DIVISIONS: dict[str, tuple[str, ...]] = {
    "昆明市": ("五华区", "盘龙区", "官渡区", "西山区", "东川区", "呈贡区", "晋宁区", "富民县", "宜良县",
            "石林彝族自治县", "嵩明县", "禄劝彝族苗族自治县", "寻甸回族彝族自治县", "安宁市"),
    "曲靖市": ("麒麟区", "沾益区", "马龙区", "陆良县", "师宗县", "罗平县", "富源县", "会泽县", "宣威市"),
    "玉溪市": ("红塔区", "江川区", "通海县", "华宁县", "易门县", "峨山彝族自治县", "新平彝族傣族自治县",
            "元江哈尼族彝族傣族自治县", "澄江市"),
    "保山市": ("隆阳区", "施甸县", "龙陵县", "昌宁县", "腾冲市"),
    "昭通市": ("昭阳区", "鲁甸县", "巧家县", "盐津县", "大关县", "永善县", "绥江县", "镇雄县", "彝良县",
            "威信县", "水富市"),
    "丽江市": ("古城区", "玉龙纳西族自治县", "永胜县", "华坪县", "宁蒗彝族自治县"),
    "普洱市": ("思茅区", "宁洱哈尼族彝族自治县", "墨江哈尼族自治县", "景东彝族自治县", "景谷傣族彝族自治县",
            "镇沅彝族哈尼族拉祜族自治县", "江城哈尼族彝族自治县", "孟连傣族拉祜族佤族自治县",
            "澜沧拉祜族自治县", "西盟佤族自治县"),
    "临沧市": ("临翔区", "凤庆县", "云县", "永德县", "镇康县", "双江拉祜族佤族布朗族傣族自治县",
            "耿马傣族佤族自治县", "沧源佤族自治县"),
    "楚雄彝族自治州": ("楚雄市", "禄丰市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县", "永仁县",
                "元谋县", "武定县"),
    "红河哈尼族彝族自治州": ("个旧市", "开远市", "蒙自市", "弥勒市", "屏边苗族自治县", "建水县", "石屏县",
                   "泸西县", "元阳县", "红河县", "金平苗族瑶族傣族自治县", "绿春县", "河口瑶族自治县"),
    "文山壮族苗族自治州": ("文山市", "砚山县", "西畴县", "麻栗坡县", "马关县", "丘北县", "广南县", "富宁县"),
    "西双版纳傣族自治州": ("景洪市", "勐海县", "勐腊县"),
    "大理白族自治州": ("大理市", "漾濞彝族自治县", "祥云县", "宾川县", "弥渡县", "南涧彝族自治县",
                "巍山彝族回族自治县", "永平县", "云龙县", "洱源县", "剑川县", "鹤庆县"),
    "德宏傣族景颇族自治州": ("芒市", "瑞丽市", "梁河县", "盈江县", "陇川县"),
    "怒江傈僳族自治州": ("泸水市", "福贡县", "贡山独龙族怒族自治县", "兰坪白族普米族自治县"),
    "迪庆藏族自治州": ("香格里拉市", "德钦县", "维西傈僳族自治县"),
}

PROVINCIAL_UNION = "云南省总工会"

_ETHNIC = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,3}族)+自治(?:县|州)$")
_SHORT_OVERRIDES = {"西双版纳傣族自治州": "西双版纳"}
_PREFECTURE_ALIASES = {"版纳": "西双版纳傣族自治州"}


@dataclass(frozen=True)
class Place:
    prefecture: str  # official prefecture name
    county: str = ""  # official county-level name, "" for the prefecture itself

    @property
    def name(self) -> str:
        """The place in words: 昆明市五华区, 红河哈尼族彝族自治州个旧市, 昆明市."""
        return self.prefecture + self.county

    @property
    def union(self) -> str:
        """The federation of trade unions of this place, as it is usually called."""
        if not self.county:
            return f"{self.prefecture}总工会"
        if self.county.endswith("区"):  # city districts carry the city's name
            return f"{self.prefecture}{self.county}总工会"
        return f"{self.county}总工会"

    @property
    def prefecture_union(self) -> str:
        return f"{self.prefecture}总工会"


def _short(name: str) -> str:
    """石林彝族自治县 -> 石林; 五华区 -> 五华; 大理白族自治州 -> 大理; 云县 and 芒市 stay whole."""
    if name in _SHORT_OVERRIDES:
        return _SHORT_OVERRIDES[name]
    m = _ETHNIC.match(name)
    base = m.group(1) if m else name[:-1]
    return base if len(base) >= 2 else name


def _prefecture_keys() -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for p in DIVISIONS:
        keys += [(p, p), (_short(p), p)]
        if p.endswith("自治州"):
            keys.append((_short(p) + "州", p))
    keys += list(_PREFECTURE_ALIASES.items())
    return sorted(keys, key=lambda kv: -len(kv[0]))  # longest first


def _county_keys() -> list[tuple[str, str, str]]:
    keys = [(k, p, c) for p, cs in DIVISIONS.items() for c in cs for k in (c, _short(c))]
    return sorted(keys, key=lambda kv: -len(kv[0]))


_PREFECTURE_KEYS = _prefecture_keys()
_COUNTY_KEYS = _county_keys()


def _county(text: str, prefecture: str = "") -> Place | None:
    for key, pref, county in _COUNTY_KEYS:
        if text.startswith(key) and (not prefecture or pref == prefecture):
            return Place(pref, county)
    return None


# Names written in English that pinyin does not give.
_ROMAN_ALIASES = (("shangri-la", "迪庆藏族自治州", "香格里拉市"), ("shangrila", "迪庆藏族自治州", "香格里拉市"),
                  ("banna", "西双版纳傣族自治州", ""))


@cache
def _roman_keys() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    """Prefectures, then counties, by their short names in pinyin ("Qujing", "Menghai", "Pu'er"), as
    patterns; a prefecture comes before the county of the same name (Dali, Honghe, Wenshan). Built on
    first use: pypinyin's phrase table takes a moment to load."""
    from pypinyin import lazy_pinyin

    def pattern(syllables: list[str]) -> str:
        return r"[\s'-]?".join(re.escape(x) for x in syllables)

    keys = [(pattern(lazy_pinyin(_short(p))), p, "") for p in DIVISIONS]
    keys += [(pattern(lazy_pinyin(_short(c))), p, c) for p, cs in DIVISIONS.items() for c in cs]
    keys += [(re.escape(k), p, c) for k, p, c in _ROMAN_ALIASES]
    ordered = sorted(keys, key=lambda k: (-len(k[0].replace("[\\s'-]?", "")), k[2] != ""))
    return tuple((re.compile(r"\b" + k + r"\b", re.I), p, c) for k, p, c in ordered)


@cache
def _any_roman_key() -> re.Pattern[str]:
    """One pattern matching wherever any of :func:`_roman_keys` matches: most English texts name no place,
    and one search then replaces a search per prefecture and county."""
    return re.compile("|".join(f"(?:{rx.pattern})" for rx, _p, _c in _roman_keys()), re.I)


def find_roman_places(text: str) -> list[tuple[int, int, Place]]:
    """Yunnan places written in pinyin in English text, with where each starts and ends."""
    if not re.search(r"[a-z]{2}", text, re.I) or not _any_roman_key().search(text):
        return []
    found: list[tuple[int, int, Place]] = []
    taken: set[int] = set()
    for rx, pref, county in _roman_keys():
        for m in rx.finditer(text):
            if not taken & set(range(m.start(), m.end())):
                found.append((m.start(), m.end(), Place(pref, county)))
                taken |= set(range(m.start(), m.end()))
    return sorted(found, key=lambda f: f[0])


def canonical_unit(unit: str) -> str:
    """A prefecture federation's name as the assistant writes it ("大理州总工会", "大理总工会" -> "大理白族自治州总工会"),
    so that a clerk's unit and the union a worker's place routes a ticket to are one string; any other unit
    (云南省总工会, an industry union, a county's) as given."""
    u = unit.strip()
    if not u.endswith("总工会"):
        return u
    s = squash(u).removeprefix("云南省").removeprefix("云南").removesuffix("总工会")
    for key, official in _PREFECTURE_KEYS:
        if s in (key, official):
            return f"{official}总工会"
    return u


def parse_place(text: str) -> Place | None:
    """The Yunnan place named in ``text``, as precise as it goes (the county when one is named), or None
    when it is not recognisably a place in Yunnan. Pinyin names are read too ("Qujing", "Menghai")."""
    s = squash(text).removeprefix("云南省").removeprefix("云南").removesuffix("总工会").removesuffix("工会")
    if not s:
        return None
    if not re.search(r"[\u4e00-\u9fff]", s):
        roman = find_roman_places(text)
        return roman[0][2] if roman else None
    prefecture, rest = "", s
    for key, official in _PREFECTURE_KEYS:
        if s.startswith(key):
            prefecture, rest = official, s[len(key):]
            break
    if not prefecture:
        return _county(s)
    if not rest:
        return Place(prefecture)
    # "昆明五华" -> the county after the prefecture; "大理市", "红河县" -> a county sharing the short name;
    # "昆明高新区", "大理喜洲镇" (a zone or a town, not a division) -> the prefecture.
    zone = re.fullmatch(r"[\u4e00-\u9fff]{1,6}(?:区|园|镇|乡|街道)", rest)
    return _county(rest, prefecture) or _county(s) or (Place(prefecture) if zone else None)
