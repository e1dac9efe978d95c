"""Where a message leads: which check fits it, and whether the check opens at once or is offered.

A message that describes someone in particular (the writer, or a person, team or class they speak for) and
states a fact the check uses **opens** the check with those facts filled. A plain question about the rules
that names a programme ("请问云岭工匠怎么申报？") is answered by the FAQ, and the reply **offers** the fitting
check as a tappable choice ("想看看您适合哪种渠道？"). :func:`route` reports the check either way: what the
person is led to, which is what ``bench/selfdesc.py`` measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.facts.model import Facts
from knowledge.facts.numbers import normalize
from knowledge.facts.profile import profile_for

_ASKS = re.compile(r"能不能|能否|可以|可不可以|能评|能报|能申报|能参加|能当|能拿|符合|够不够|有没有资格|行不行|行吗|"
                   r"吗|么|\?|？|怎么|如何|哪里|哪儿|多少|流程|程序|步骤|手续|can i|could i|am i|eligible|qualify|may i|how|"
                   r"where|what|which|do i|does|is it")
_FIRST_PERSON = re.compile(r"我|本人|咱|俺|\bi\b|\bi'm\b|\bmy\b|\bwe\b|\bour\b|\bme\b")
# Someone in particular: the writer, or a person, team or class they speak for ("帮我表弟问问", "he's 63").
_SOMEONE = re.compile(_FIRST_PERSON.pattern + r"|他|她|同事|师傅|徒弟|老[王李张刘陈杨赵黄周吴]|领衔人|站长|团队|"
                      r"\b(?:he|she|his|her|they|their)\b|colleague|father|mother|friend")
# A rule asked about people in general: "老板拖欠工资的能评吗", "什么人可以参加", "if someone ...".
_GENERIC = re.compile(r"的人|的话|如果|假如|要是|有人|什么人|哪些人|的(?:能|可以|还能|也能|可不可以|算不算)|"
                      r"\bsomeone\b|\banyone\b|whoever|people who|\bif (?:a|an|someone|you)\b")
# How and where to apply (第九条 and the procedure): the channel check helps most.
_CHANNEL = re.compile(r"怎么报|怎么申报|如何申报|向哪|找哪|在哪|哪里报|哪个工会|报给|交给|交到|渠道|途径|举荐|自荐|推荐别人|"
                      r"推荐(?:一个|个)?(?:徒弟|同事|他|她)|材料|附件|什么时候[^，,。？?]{0,6}(?:申报|报)|(?:网上|线上)[^，,。]{0,4}(?:报|提交|填)|入口|"
                      r"where (?:do|can|should) i|how (?:do|can|should) i apply|how to apply|apply online|which union|"
                      r"file with|hand in|refer|recommend (?:a|an|my|our|someone)\b")
# What a class is paid: the subsidy check; a trainee asking to join ("能不能去报名") is asking about eligibility.
_SUBSIDY = re.compile(r"补贴|补助|多少钱|能拿多少|拿多少|给多少|补多少|比例|学费|费用|经费|差旅费|鉴定费|按什么标准补|补\s*\d{1,3}%|分担|"
                      r"subsid|allowance|how much|share|cost|fee")
_JOINING = re.compile(r"我能不能去|能不能去报名|我可以去|我能去|can i join|may i join")
_NUMBERS = ("age", "years_in_trade", "team_size", "lead_age", "named_years", "referrer_count", "trainees", "days")


@dataclass(frozen=True)
class Lead:
    """The check a message leads to; ``opens``: the check opens with the facts (a self-description),
    else the FAQ answers and offers the check (a plain question)."""

    check: str
    opens: bool


def lead(text: str, facts: Facts) -> Lead | None:
    """Where ``text`` leads, or None when it names no programme and states nothing a check uses."""
    t = normalize(text)
    check = _fitting_check(t, facts)
    if check is None:
        return None
    return Lead(check, _describes_someone(t, facts) and _useful(check, facts))


def route(text: str, facts: Facts) -> str | None:
    """The check ``text`` leads to (opened or offered), or None for a question the FAQ alone answers."""
    found = lead(text, facts)
    return found.check if found is not None else None


def _programme(t: str, facts: Facts) -> str | None:
    if facts.programme is not None:
        return facts.programme
    if facts.trainees or facts.days or (facts.trainee_kind and re.search(r"培训|学|train", t)):
        return "training"
    if facts.contest or facts.honours or facts.skill_grade or facts.referrer_count or facts.route:
        return "craftsman"
    return None


def _fitting_check(t: str, facts: Facts) -> str | None:
    programme = _programme(t, facts)
    if programme == "craftsman":
        channel = facts.route or facts.referrer_count is not None or _CHANNEL.search(t)
        return "craftsman_channel" if channel else "craftsman_eligibility"
    if programme in ("studio", "station"):
        return f"{programme}_eligibility"
    if programme == "training":
        subsidy = (_SUBSIDY.search(t) and not _JOINING.search(t)) or facts.days is not None
        return "training_subsidy" if subsidy else "training_eligibility"
    return None


def _describes_someone(t: str, facts: Facts) -> bool:
    """The message asks about someone's own case and states a fact about them."""
    if facts.personal == 0 or (not _ASKS.search(t) and facts.personal < 2):
        return False
    numbers = [k for k in _NUMBERS if getattr(facts, k) is not None] or facts.problems
    # "老板拖欠工资的能评吗" asks about someone in general: the FAQ answers it
    return not (_GENERIC.search(t) and not _SOMEONE.search(t) and not numbers)


def _useful(check: str, facts: Facts) -> bool:
    """A single fact the check never asks about ("我都五十多岁了还能报吗": age does not limit) is better
    answered by the FAQ's article than by a questionnaire."""
    return facts.personal >= 2 or bool(profile_for(check, facts)) or bool(facts.problems)
