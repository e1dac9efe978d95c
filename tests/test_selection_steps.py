"""How an award is selected, asked as a whole ("云岭工匠是怎么评选的", "whole selection process step by step"), is
answered by the procedure's stages, each with its article -- no one article says it (a trial's clerk got the
craftsman's 第十八条, on supervising the selection, and the search ranks the rewards of 第二十一条 first for "how
does a yunling craftsman get selected?")."""

from __future__ import annotations

import pytest

from knowledge.loader import article
from knowledge.rules import procedure


def _cited(p) -> set[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return {(c.measure, c.article) for c in p.last.citations}


@pytest.mark.parametrize(("said", "programme", "locale"), [
    (("云岭工匠是怎么评选的",), "craftsman", "zh"),
    (("how does a yunling craftsman get selected?",), "craftsman", "en"),
    (("创新工作室的评审流程",), "studio", "zh"),
    (("技师工作站怎么评选",), "station", "zh"),
    # naming none, after a question of one programme
    (("what do yunling craftsmen get?", "whole selection process step by step"), "craftsman", "en"),
    (("技师工作站要几个人", "评审程序是怎样的"), "station", "zh"),
])
def test_the_selection_is_told_stage_by_stage_with_its_articles(person, said: tuple[str, ...], programme: str,  # type: ignore[no-untyped-def]
                                                                locale: str) -> None:
    p = person(f"sel-{programme}-{said[-1]}", locale=locale)
    for text in said:
        p.say(text)
    stages = procedure.stages(programme)
    assert {(s.ref.measure, s.ref.article) for s in stages} <= _cited(p), p.text
    assert len([line for line in p.last.text.splitlines() if line[:1] == "•" or line[:1].isdigit()]) == len(stages)
    assert f"flow:{programme if programme != 'craftsman' else 'craftsman_channel'}" in p.choice_values()
    # the stages are the articles': 第十二条 scores by name, 第十六条 runs the 公示 5 working days
    assert "实名打分" in article(programme, 15 if programme != "craftsman" else 12).text
    assert f"公示时间为{procedure.PUBLICITY_WORKDAYS}个工作日" in article(programme, 16).text.replace(" ", "")


@pytest.mark.parametrize("text", [
    "云岭工匠申报流程",  # how to apply: the channel (第九条), not the selection
    "which honours give priority in the selection?",  # one article: 第七条
    "培训班的审批流程",  # the training fund has no award stages
])
def test_other_questions_of_a_procedure_are_searched(person, text: str) -> None:  # type: ignore[no-untyped-def]
    p = person(f"not-sel-{text}")
    p.say(text)
    assert "评选步骤" not in p.text and "step by step" not in p.text, p.text
