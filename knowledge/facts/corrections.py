"""Corrections of facts stated before ("不对，是48岁")."""

from __future__ import annotations

import re
from dataclasses import fields, replace

from knowledge.facts.extract import extract
from knowledge.facts.model import WORKING_AGE_MIN, Facts, Problem
from knowledge.facts.numbers import normalize

_CORRECTION = re.compile(r"^\s*(?:不对|不是|错了|说错了|打错了|写错了|更正|纠正|改一下|应该是|其实是|准确地说|"
                         r"no[,. ]|nope|sorry|correction|actually|i meant|wrong)")


def is_correction(text: str) -> bool:
    """"不对，是48岁", "no, I'm 48": a message that corrects a fact stated before."""
    return bool(_CORRECTION.search(normalize(text))) and extract(text).personal > 0


def corrected(old: Facts, new: Facts) -> Facts:
    """``old`` with the facts ``new`` states replaced (the others kept); problems are re-checked."""
    changes = {f.name: getattr(new, f.name) for f in fields(new)
               if f.name != "problems" and getattr(new, f.name) not in (None, ())}
    if new.said:  # how the numbers were said, the newest first (a number is shown with the words it matches)
        changes["said"] = new.said + old.said
    if old.lead_age is not None and old.age is None and "age" in changes and "lead_age" not in changes:
        # A bare age corrects the one described before: the lead expert ("领头的师傅五十六岁", then "说错了 换个师傅
        # 四十八岁的"), not the writer, whose age was never given.
        changes["lead_age"] = changes.pop("age")
    merged = replace(old, **changes)
    touched = set(changes) | {k for p in new.problems for k in p.keys}
    problems = [p for p in old.problems if not set(p.keys) & touched] + list(new.problems)
    merged = _restored(merged, old.problems, set(changes))
    if merged.age is not None and merged.years_in_trade is not None and \
            merged.years_in_trade > merged.age - WORKING_AGE_MIN:
        problems.append(Problem("contradiction", ("age", "years_in_trade"), (merged.age, merged.years_in_trade)))
        merged = replace(merged, age=None, years_in_trade=None)
    return replace(merged, problems=tuple(problems))


def _restored(merged: Facts, old_problems: tuple[Problem, ...], changed: set[str]) -> Facts:
    """The side of a contradiction left out earlier comes back when only the other side was corrected."""
    for p in old_problems:
        if p.kind != "contradiction":
            continue
        if merged.age is None and merged.years_in_trade is not None and p.keys[0] == "age" and "age" not in changed:
            merged = replace(merged, age=p.values[0])
        if merged.years_in_trade is None and merged.age is not None and "years_in_trade" not in changed:
            merged = replace(merged, years_in_trade=p.values[1])
    return merged


def without_problems(facts: Facts) -> Facts:
    """The facts with the unbelieved numbers dropped for good (the person chose to go on without them)."""
    return replace(facts, problems=())

