"""Which check a message should open or offer, from its words and the facts it states."""

from __future__ import annotations

import re

from knowledge.facts.model import Facts
from knowledge.facts.numbers import normalize
from knowledge.facts.profile import profile_for

_ASKS = re.compile(r"能不能|能否|可以|可不可以|能评|能报|能申报|能参加|能当|能拿|符合|够不够|有没有资格|行不行|行吗|"
                   r"吗|么|\?|？|怎么|如何|哪里|哪儿|多少|流程|程序|步骤|手续|can i|could i|am i|eligible|qualify|may i|how|"
                   r"where|"
                   r"what|which|do i|does|is it")
_FIRST_PERSON = re.compile(r"我|本人|咱|俺|\bi\b|\bi'm\b|\bmy\b|\bwe\b|\bour\b|\bme\b")
# Someone in particular: the writer, or a person, team or class they speak for ("帮我表弟问问", "he's 63").
_SOMEONE = re.compile(_FIRST_PERSON.pattern + r"|他|她|同事|师傅|徒弟|老[王李张刘陈杨赵黄周吴]|领衔人|站长|团队|"
                      r"\b(?:he|she|his|her|they|their)\b|colleague|father|mother|friend")
# A rule asked about people in general: "老板拖欠工资的能评吗", "什么人可以参加", "if someone ...".
_GENERIC = re.compile(r"的人|的话|如果|假如|要是|有人|什么人|哪些人|的(?:能|可以|还能|也能|可不可以|算不算)|"
                      r"\bsomeone\b|\banyone\b|whoever|people who|\bif (?:a|an|someone|you)\b")
_CHANNEL = re.compile(r"怎么报|怎么申报|如何申报|向哪|找哪|在哪|哪里报|哪个工会|报给|交给|渠道|途径|举荐|自荐|"
                      r"where (?:do|can|should) i|how (?:do|can|should) i apply|which union|file with|refer")
_SUBSIDY = re.compile(r"补贴|补助|多少钱|能拿多少|拿多少|给多少|subsid|allowance|how much")


def route(text: str, facts: Facts) -> str | None:
    """The check a self-description should open, or None when ``text`` is a plain question for the FAQ."""
    t = normalize(text)
    if not _ASKS.search(t) and facts.personal < 2:
        return None
    if facts.personal == 0:
        return None
    numbers = [k for k in ("age", "years_in_trade", "team_size", "lead_age", "named_years", "referrer_count",
                           "trainees", "days") if getattr(facts, k) is not None] or facts.problems
    if _GENERIC.search(t) and not _SOMEONE.search(t) and not numbers:
        return None  # "老板拖欠工资的能评吗" asks about someone in general: the FAQ answers it
    programme = facts.programme
    if programme is None:
        if facts.trainees or facts.days or (facts.trainee_kind and re.search(r"培训|学|train", t)):
            programme = "training"
        elif facts.contest or facts.honours or facts.skill_grade or facts.referrer_count or facts.route:
            programme = "craftsman"
        else:
            return None
    if programme == "craftsman":
        channel = facts.route or facts.referrer_count is not None or _CHANNEL.search(t)
        check = "craftsman_channel" if channel else "craftsman_eligibility"
        return check if _useful(check, facts) else None
    if programme in ("studio", "station"):
        check = f"{programme}_eligibility"
    elif _SUBSIDY.search(t) or facts.days is not None:
        check = "training_subsidy"
    else:
        check = "training_eligibility"
    return check if _useful(check, facts) else None


def _useful(check: str, facts: Facts) -> bool:
    """A single fact the check never asks about ("我都五十多岁了还能报吗": age does not limit) is better
    answered by the FAQ's article than by a questionnaire."""
    return facts.personal >= 2 or bool(profile_for(check, facts)) or bool(facts.problems)

