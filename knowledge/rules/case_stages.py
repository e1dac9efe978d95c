"""The selection procedure of each award measure as an ordered list of stages, with the articles that
prescribe them, the 公示 window and the closing outcomes. Pure data and date arithmetic.

Craftsman (《云岭工匠选树管理办法》第三章): 初审 and 复审 (第十一条), expert review (第十二条), public vote
(第十三条), inspection (第十四条), leading-group review (第十五条), 公示 (第十六条), naming (第十七条).
Studio and station (第四章): 初审 and 复审 (第十四条), expert review (第十五条), 公示 (第十六条), naming
(第十七条) -- no public vote, inspection or leading-group stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.models import ArticleRef, ref
from knowledge.text import N_
from knowledge.workdays import add_workdays

PROGRAMMES = ("craftsman", "studio", "station")
PROGRAMME_TITLES = {
    "craftsman": N_("Yunling Craftsman"),
    "studio": N_("Yunnan Workers' Innovation Studio"),
    "station": N_("Yunnan Workers' Technician Workstation"),
}

# 第十六条 (each award measure): "公示时间为5个工作日"; objections "可采取电话或邮件方式提出异议".
PUBLICITY_WORKDAYS = 5
OBJECTION_MEANS = ("电话", "邮件")

OUTCOMES = ("rejected", "withdrawn", "disqualified")
OUTCOME_TITLES = {
    "rejected": N_("Not accepted"),
    "withdrawn": N_("Withdrawn"),
    "disqualified": N_("Disqualified after an upheld objection"),
}


@dataclass(frozen=True)
class Stage:
    key: str
    title: str  # N_-marked
    explanation: str  # N_-marked: what happens at this stage
    refs: tuple[ArticleRef, ...]


_TITLES = {
    "submitted": N_("Application submitted"),
    "preliminary": N_("Preliminary review (初审)"),
    "review": N_("Qualification re-review (复审)"),
    "expert_review": N_("Expert review"),
    "public_vote": N_("Public vote"),
    "inspection": N_("Inspection"),
    "leading_group": N_("Leading-group review"),
    "publicity": N_("Public notice (公示)"),
    "named": N_("Named"),
}
_EXPLAIN = {
    "submitted": N_("The application has been received by the recommending union."),
    "preliminary": N_("The recommending prefecture union or provincial industry, system or company union has "
                      "experts check the application."),
    "review": N_("The office of the leading group re-examines the qualifications of the recommended "
                 "applications."),
    "expert_review": N_("The expert review committee scores the applications by name, first in specialist "
                        "groups and then in a plenary group."),
    "public_vote": N_("The basic information and brief deeds of the formal nominees are published on provincial "
                      "websites for a public vote."),
    "inspection": N_("The office of the leading group inspects the nominees and, with the public vote, proposes "
                     "the list of candidates to be named."),
    "leading_group": N_("The leading group reviews the candidates and ranks those proposed to be named."),
    "publicity": N_("The candidates proposed to be named are announced to the public for 5 working days; "
                    "anyone may object by phone or e-mail."),
    "named": N_("The chairpersons' meeting of the Yunnan Federation of Trade Unions has approved the naming."),
}


def _stage(key: str, *refs: ArticleRef) -> Stage:
    return Stage(key=key, title=_TITLES[key], explanation=_EXPLAIN[key], refs=refs)


_PROCEDURES: dict[str, tuple[Stage, ...]] = {
    "craftsman": (
        _stage("submitted", ref("craftsman", 9)),
        _stage("preliminary", ref("craftsman", 11, 2)),
        _stage("review", ref("craftsman", 11, 3)),
        _stage("expert_review", ref("craftsman", 12)),
        _stage("public_vote", ref("craftsman", 13)),
        _stage("inspection", ref("craftsman", 14)),
        _stage("leading_group", ref("craftsman", 15)),
        _stage("publicity", ref("craftsman", 16, 1), ref("craftsman", 16, 2)),
        _stage("named", ref("craftsman", 17)),
    ),
    **{
        p: (
            _stage("submitted", ref(p, 13)),
            _stage("preliminary", ref(p, 14, 2)),
            _stage("review", ref(p, 14, 3)),
            _stage("expert_review", ref(p, 15)),
            _stage("publicity", ref(p, 16, 1), ref(p, 16, 2)),
            _stage("named", ref(p, 17)),
        )
        for p in ("studio", "station")
    },
}

# Who may object and how, and what an upheld objection does: 第十六条 of each measure.
OBJECTION_REF = {p: ref(p, 16, 2) for p in PROGRAMMES}


def stages(programme: str) -> list[Stage]:
    """The stages of ``programme`` in procedure order. Raises KeyError for an unknown programme."""
    return list(_PROCEDURES[programme])


def stage(programme: str, key: str) -> Stage:
    for s in _PROCEDURES[programme]:
        if s.key == key:
            return s
    raise KeyError(f"{programme} has no stage {key!r}")


def next_stage(programme: str, key: str) -> Stage | None:
    """The stage after ``key``, or None after the last (named)."""
    keys = [s.key for s in _PROCEDURES[programme]]
    i = keys.index(key)
    return _PROCEDURES[programme][i + 1] if i + 1 < len(keys) else None


def is_forward_move(programme: str, current: str, target: str) -> bool:
    """Cases move one stage at a time in procedure order."""
    nxt = next_stage(programme, current)
    return nxt is not None and nxt.key == target


def outcome_refs(programme: str, outcome: str) -> tuple[ArticleRef, ...]:
    """An upheld objection during 公示 cancels the candidacy (第十六条); other closings cite no article."""
    return (OBJECTION_REF[programme],) if outcome == "disqualified" else ()


def publicity_end(start: date) -> date:
    """Last day of the 公示 window opening on ``start``: 5 working days (第十六条), holidays skipped."""
    return add_workdays(start, PUBLICITY_WORKDAYS)
