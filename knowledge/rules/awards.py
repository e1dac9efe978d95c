"""Shared values of the award rules (云岭工匠, 职工创新工作室, 职工技师工作站).

A rule reads a *profile* -- a mapping of fact keys to answers, a missing key meaning "not answered" --
and returns a :class:`Verdict`: the outcome, the reasons (each an ``N_``-marked English message with its
parameters and the article it rests on), the priority honours found, and the questions still to ask.
Conversations ask ``verdict.unknown[0]`` until it is empty, so they ask only what changes the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from knowledge.models import ArticleRef
from knowledge.text import N_

Profile = Mapping[str, object]

Outcome = Literal["eligible", "not_eligible", "direct_recognition", "needs_review", "conditional", "unknown"]
ELIGIBLE: Outcome = "eligible"
NOT_ELIGIBLE: Outcome = "not_eligible"
DIRECT: Outcome = "direct_recognition"
NEEDS_REVIEW: Outcome = "needs_review"
UNKNOWN: Outcome = "unknown"
# Possible only if facts the person was not sure of (or an investigation) turn out well; the reasons say what
# to check and with whom.
CONDITIONAL: Outcome = "conditional"

UNSURE = "unsure"  # the answer "not sure" to any choice question
OTHER = "other"  # a free-text answer kept as is (``<key>_text``) where the measure's list is open ("等")

QuestionKind = Literal["choice", "number", "place", "text", "date"]


@dataclass(frozen=True)
class Reason:
    """One ground of a verdict. ``decisive`` reasons decide the outcome; the others are notes."""

    message: str  # N_-marked English, str.format placeholders filled from ``params``
    ref: ArticleRef
    params: Mapping[str, object] = field(default_factory=dict)
    decisive: bool = True


@dataclass(frozen=True)
class Option:
    value: str
    label: str  # N_-marked
    synonyms: tuple[str, ...] = ()  # words people type for it (Chinese and English), matched in free text


@dataclass(frozen=True)
class Question:
    """A question a conversation may ask. ``help`` explains it in plain words, with examples."""

    key: str
    text: str  # N_-marked
    ref: ArticleRef
    kind: QuestionKind = "choice"
    options: tuple[Option, ...] = ()
    help: str = ""  # N_-marked
    minimum: int | None = None  # for numbers
    maximum: int | None = None
    level: Literal["prefecture", "county"] = "county"  # for places
    whom: str = ""  # N_-marked: with whom to check the fact when the person is not sure
    open_list: bool = False  # the measure's list ends in "等": an answer off the list is kept as OTHER
    unit: Literal["day", "month"] | None = None  # a number that is a span of time: "一年到头" is 12 months
    # The bound a rule puts on a number, ("least" or "most", n): a vague answer wholly on one side of it ("8个月左右"
    # where 6 is the least) decides as well as an exact one; one that straddles it is asked for exactly.
    bound: tuple[Literal["least", "most"], int] | None = None


@dataclass(frozen=True)
class Fact:
    """A rule stated for people, the article it rests on, and the source words that prove it: found in the
    article's text, or in the notes of annex ``annex`` when the words are the annex's 填报要求."""

    key: str
    text: str  # N_-marked
    ref: ArticleRef
    params: Mapping[str, object] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    annex: int | None = None


YES_NO = (Option("yes", "Yes"), Option("no", "No"))
UNSURE_OPTION = Option(UNSURE, N_("Not sure"), ("不确定", "不知道", "不清楚", "说不准", "不好说", "不太清楚", "不晓得",
                                               "没把握", "不一定", "不是很清楚", "不大清楚", "不是很确定", "不太确定",
                                               "记不清", "记不得", "好像", "也许", "not sure", "unsure", "don't know",
                                               "dont know", "no idea", "maybe", "i think so", "probably"))
YES_NO_UNSURE = (*YES_NO, UNSURE_OPTION)


@dataclass(frozen=True)
class Verdict:
    programme: str  # craftsman | studio | station
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    priority: tuple[str, ...] = ()  # keys of 第七条 honours found (craftsman)
    unknown: tuple[str, ...] = ()  # question keys still to ask, in asking order

    @property
    def certain(self) -> bool:
        return not self.unknown

    @property
    def refs(self) -> tuple[ArticleRef, ...]:
        """The articles the verdict rests on, decisive ones first, without repeats."""
        ordered = [r.ref for r in self.reasons if r.decisive] + [r.ref for r in self.reasons if not r.decisive]
        out: list[ArticleRef] = []
        for r in ordered:
            if r not in out:
                out.append(r)
        return tuple(out)

    @property
    def decisive(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.decisive)


def unsure(profile: Profile, key: str) -> bool:
    return profile.get(key) == UNSURE


def unsure_reason(question: Question) -> Reason:
    """What a "not sure" answer leaves open: the fact to check, with whom, and the article it rests on."""
    return Reason(N_("Not confirmed: {question} Check it with {whom} before you apply."), question.ref,
                  {"question": question.text, "whom": question.whom or WHOM_UNION})


WHOM_UNION = N_("your unit's trade union")
WHOM_HR = N_("your unit's personnel (HR) office")
WHOM_RECOMMENDER = N_("the union that will recommend you")


def truth(profile: Profile, key: str) -> bool | None:
    """A yes/no answer as a bool; None when not answered or not sure. Accepts bools and "yes"/"no"."""
    value = profile.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value == UNSURE:
            return None
        return value.strip().lower() in ("yes", "true", "1", "是")
    return bool(value)


def number(profile: Profile, key: str) -> int | None:
    value = profile.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None
