"""Facts a person states about themselves in free text, and which check such a message should open.

    extract("我45岁，高级技师，干了22年电工，拿过省技能大赛一等奖，能评云岭工匠吗？")
    -> Facts(age=45, skill_grade="高级技师", years_in_trade=22,
             contest=Contest(level="provincial", rank=1), programme="craftsman", ...)
    route(text, facts) -> "craftsman_eligibility"

Pure and fast: regular expressions over the text, no database, no segmenter. Chinese and English; numbers
in Arabic, full-width or Chinese numerals (四十五, 二十来年 -> 20, 三十出头 -> 30). ID and mobile numbers are
masked before anything is read, so they are never extracted or kept.

Numbers that cannot be true (age 200, -3 years) and facts that contradict each other (30 years old with 40
years in the trade) are not believed: they are left out of the facts and reported in ``problems``.
A correction ("不对，是48岁") is recognised by :func:`is_correction`; :func:`corrected` replaces the facts it
states and keeps the others.

The package: ``model`` (Facts, Contest, Problem), ``numbers`` (numerals and the numbers stated),
``traits`` (grade, title, honours, contest, exclusions), ``places`` (household, work place, unit's
registration), ``extract`` (the sections put together), ``routing`` (which check to open or offer),
``corrections`` and ``profile`` (the answers the facts give to each check's questions).
"""

from __future__ import annotations

from knowledge.facts.corrections import corrected, is_correction, without_problems
from knowledge.facts.extract import extract
from knowledge.facts.model import (
    AGE_RANGE,
    CHECKS,
    CLASS_RANGES,
    DIRECT_KEYS,
    EXCLUSIONS,
    HONOURS,
    PRIORITY_KEYS,
    SKILL_GRADES,
    TITLE_LEVELS,
    WORKING_AGE_MIN,
    YEARS_MAX,
    Contest,
    Facts,
    Problem,
)
from knowledge.facts.numbers import cn_number, normalize
from knowledge.facts.profile import profile_for
from knowledge.facts.routing import Lead, asks_in_general, for_someone_else, lead, route

__all__ = [
    "AGE_RANGE",
    "CHECKS",
    "CLASS_RANGES",
    "DIRECT_KEYS",
    "EXCLUSIONS",
    "HONOURS",
    "PRIORITY_KEYS",
    "SKILL_GRADES",
    "TITLE_LEVELS",
    "WORKING_AGE_MIN",
    "YEARS_MAX",
    "Contest",
    "Facts",
    "Lead",
    "Problem",
    "asks_in_general",
    "cn_number",
    "corrected",
    "extract",
    "for_someone_else",
    "is_correction",
    "lead",
    "normalize",
    "profile_for",
    "route",
    "without_problems",
]
