"""Yunnan's sixteen prefecture-level divisions (州、市) and how their federations of trade unions are named."""

from __future__ import annotations

PREFECTURES: tuple[str, ...] = (
    "昆明市", "曲靖市", "玉溪市", "保山市", "昭通市", "丽江市", "普洱市", "临沧市",
    "楚雄彝族自治州", "红河哈尼族彝族自治州", "文山壮族苗族自治州", "西双版纳傣族自治州",
    "大理白族自治州", "德宏傣族景颇族自治州", "怒江傈僳族自治州", "迪庆藏族自治州",
)
# Short forms people type: 楚雄州, 红河州, 西双版纳, 大理州...
SHORT: dict[str, str] = {p.replace("市", "") if p.endswith("市") else p[:2]: p for p in PREFECTURES}
SHORT.update({"西双版纳": "西双版纳傣族自治州", "版纳": "西双版纳傣族自治州"})
PROVINCIAL_UNION = "云南省总工会"


def prefecture_of(text: str) -> str | None:
    """The full prefecture name mentioned in ``text``, or None."""
    for full in PREFECTURES:
        if full in text:
            return full
    for short, full in sorted(SHORT.items(), key=lambda kv: -len(kv[0])):
        if short in text:
            return full
    return None


def union_of(prefecture: str) -> str:
    """'昆明市' -> '昆明市总工会'; '大理白族自治州' -> '大理白族自治州总工会'."""
    return f"{prefecture}总工会"
