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

Profile = Mapping[str, object]

Outcome = Literal["eligible", "not_eligible", "direct_recognition", "needs_review", "unknown"]
ELIGIBLE: Outcome = "eligible"
NOT_ELIGIBLE: Outcome = "not_eligible"
DIRECT: Outcome = "direct_recognition"
NEEDS_REVIEW: Outcome = "needs_review"
UNKNOWN: Outcome = "unknown"

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


def truth(profile: Profile, key: str) -> bool | None:
    """A yes/no answer as a bool; None when not answered. Accepts bools and "yes"/"no"."""
    value = profile.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
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
