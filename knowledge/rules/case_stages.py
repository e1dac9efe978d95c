"""What the case tracker needs on top of the award procedure (:mod:`knowledge.rules.procedure`, the single
source of the stages, their texts and articles, and of the 公示 dates): the order of moves, the closing
outcomes and the articles each cites, and the objection paragraph of 第十六条.

Craftsman (《云岭工匠选树管理办法》第三章): 初审 and 复审 (第十一条), expert review (第十二条), public vote
(第十三条), inspection (第十四条), leading-group review (第十五条), 公示 (第十六条), naming (第十七条).
Studio and station (第四章): 初审 and 复审 (第十四条), expert review (第十五条), 公示 (第十六条), naming
(第十七条) -- no public vote, inspection or leading-group stage.
"""

from __future__ import annotations

from knowledge.models import ArticleRef, ref
from knowledge.rules import procedure
from knowledge.rules.procedure import PUBLICITY_WORKDAYS, Stage
from knowledge.text import N_

PROGRAMMES = procedure.PROGRAMMES
__all__ = [
    "EVENT_TITLES",
    "OBJECTION_MEANS",
    "OBJECTION_REF",
    "OUTCOMES",
    "OUTCOME_TITLES",
    "PROGRAMMES",
    "PROGRAMME_TITLES",
    "PUBLICITY_WORKDAYS",
    "RECOMMENDER_STAGES",
    "REVIEW_ARTICLE",
    "Stage",
    "is_forward_move",
    "next_stage",
    "outcome_refs",
    "previous_stage",
    "publicity_end",
    "recommender_may_record",
    "stage",
    "stage_refs",
    "stages",
]
PROGRAMME_TITLES = {
    "craftsman": N_("Yunling Craftsman"),
    "studio": N_("Yunnan Workers' Innovation Studio"),
    "station": N_("Yunnan Workers' Technician Workstation"),
}

# 第十六条 (each award measure): "公示时间为5个工作日" (PUBLICITY_WORKDAYS, from the procedure);
# objections "可采取电话或邮件方式提出异议".
OBJECTION_MEANS = ("电话", "邮件")

# What each event of a case's history records (storage.repo_cases), for the chat's and the web console's history.
EVENT_TITLES = {"create": N_("recorded"), "move": N_("moved"), "publicity": N_("public notice dates set"),
                "close": N_("closed"), "reopen": N_("opened again"), "back": N_("moved back")}

OUTCOMES = ("rejected", "withdrawn", "disqualified")
OUTCOME_TITLES = {
    "rejected": N_("Not accepted"),
    "withdrawn": N_("Withdrawn"),
    "disqualified": N_("Disqualified after an upheld objection"),
}


def stage_refs(programme: str, key: str) -> tuple[ArticleRef, ...]:
    """The article of a stage and, for 公示, the paragraph on objections (第十六条第二款)."""
    st = procedure.stage(programme, key)
    return (st.ref, OBJECTION_REF[programme]) if key == "publicity" else (st.ref,)


# Who may object and how, and what an upheld objection does: 第十六条 of each measure.
OBJECTION_REF = {p: ref(p, 16, 2) for p in PROGRAMMES}


stages = procedure.stages
stage = procedure.stage
publicity_end = procedure.publicity_end


def next_stage(programme: str, key: str) -> Stage | None:
    """The stage after ``key``, or None after the last (named)."""
    order = procedure.stages(programme)
    i = [s.key for s in order].index(key)
    return order[i + 1] if i + 1 < len(order) else None


def previous_stage(programme: str, key: str) -> Stage | None:
    """The stage before ``key``, or None at the first (submitted)."""
    order = procedure.stages(programme)
    i = [s.key for s in order].index(key)
    return order[i - 1] if i > 0 else None


def is_forward_move(programme: str, current: str, target: str) -> bool:
    """Cases move one stage at a time in procedure order."""
    nxt = next_stage(programme, current)
    return nxt is not None and nxt.key == target


# 第十一条 (craftsman) and 第十四条 (studio, station): "谁推荐、谁初审" -- the recommending union (a prefecture federation or
# a provincial industry, system or company union) records the application and its 初审; the 复审 and all after it are
# the leading group's office's, at the provincial federation.
RECOMMENDER_STAGES = ("submitted", "preliminary")
REVIEW_ARTICLE = {"craftsman": 11, "studio": 14, "station": 14}


def recommender_may_record(key: str) -> bool:
    """Whether the recommending union's clerks may record a case at, or into, stage ``key``."""
    return key in RECOMMENDER_STAGES


def outcome_refs(programme: str, outcome: str) -> tuple[ArticleRef, ...]:
    """An upheld objection during 公示 cancels the candidacy (第十六条); other closings cite no article."""
    return (OBJECTION_REF[programme],) if outcome == "disqualified" else ()

