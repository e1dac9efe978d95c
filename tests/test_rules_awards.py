"""Tables for the award rules: 云岭工匠 eligibility, channels, studio/station conditions, procedure and dates.
Each row asserts the outcome and the article cited; each regulation number is found in its article's text."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge import loader
from knowledge.models import ArticleRef, ref
from knowledge.places import DIVISIONS, parse_place
from knowledge.rules import award_workshops as ws
from knowledge.rules import channels, eligibility, procedure
from knowledge.rules.awards import Fact, Verdict
from knowledge.text import squash
from tests.test_knowledge_data import SOURCE, needs_source


def text_of(r: ArticleRef) -> str:
    return squash(loader.quote(r.measure, r.article, r.paragraph))


def cited(v: Verdict, r: ArticleRef) -> bool:
    return r in v.refs


# -- 云岭工匠 eligibility ------------------------------------------------------------------------------
OK = {"already_named": "no", "chinese_national": "yes", "unit_in_yunnan": "yes", "exclusion": "none",
      "enterprise_head": "no", "direct_honour": "none", "criterion": "skill", "priority_honour": "none"}
C = "craftsman"


def craftsman(**changes: object) -> Verdict:
    return eligibility.craftsman_eligibility({**OK, **changes})


@pytest.mark.parametrize(("changes", "outcome", "cites"), [
    # 第五条: the three conditions, one is enough
    ({"criterion": "skill"}, "eligible", ref(C, 5, 2)),
    ({"criterion": "leading"}, "eligible", ref(C, 5, 3)),
    ({"criterion": "contribution"}, "eligible", ref(C, 5, 4)),
    ({"criterion": "none"}, "not_eligible", ref(C, 5, 1)),
    ({"criterion": "unsure"}, "needs_review", ref(C, 5, 1)),
    ({"chinese_national": "no"}, "not_eligible", ref(C, 5, 1)),
    ({"unit_in_yunnan": "no"}, "not_eligible", ref(C, 5, 1)),
    # 第五条: no limit on age, sex, education, rank, title, skill level or years of work
    ({"age": 68, "sex": "female", "education": "小学", "rank": "普通工人", "title": "无", "skill_level": "无",
      "years_of_work": 1}, "eligible", ref(C, 5, 1)),
    # 第三条: never named twice
    ({"already_named": "yes"}, "not_eligible", ref(C, 3, 1)),
    # 第八条 (一)–(四), (六)
    ({"exclusion": "violation"}, "not_eligible", ref(C, 8, 2)),
    ({"exclusion": "political"}, "not_eligible", ref(C, 8, 3)),
    ({"exclusion": "discipline"}, "not_eligible", ref(C, 8, 4)),
    ({"exclusion": "credit"}, "not_eligible", ref(C, 8, 5)),
    ({"exclusion": "other"}, "not_eligible", ref(C, 8, 7)),
    # 第八条（五）: the enterprise head, each ground
    ({"enterprise_head": "yes", "head_issue": "accident"}, "not_eligible", ref(C, 8, 6)),
    ({"enterprise_head": "yes", "head_issue": "wages"}, "not_eligible", ref(C, 8, 6)),
    ({"enterprise_head": "yes", "head_issue": "insurance"}, "not_eligible", ref(C, 8, 6)),
    ({"enterprise_head": "yes", "head_issue": "no_union"}, "not_eligible", ref(C, 8, 6)),
    ({"enterprise_head": "yes", "head_issue": "none"}, "eligible", ref(C, 5, 2)),
    # 第六条: direct recognition and the near misses
    ({"direct_honour": "great_craftsman"}, "direct_recognition", ref(C, 6)),
    ({"direct_honour": "quality_craftsman"}, "direct_recognition", ref(C, 6)),
    ({"direct_honour": "worldskills", "worldskills_stage": "final", "worldskills_rank": 1}, "direct_recognition",
     ref(C, 6)),
    ({"direct_honour": "worldskills", "worldskills_stage": "final", "worldskills_rank": 6}, "direct_recognition",
     ref(C, 6)),
    ({"direct_honour": "worldskills", "worldskills_stage": "final", "worldskills_rank": 7}, "eligible", ref(C, 6)),
    ({"direct_honour": "worldskills", "worldskills_stage": "preliminary"}, "eligible", ref(C, 6)),
    ({"direct_honour": "national_contest", "contest_class": "class1", "contest_stage": "final", "contest_rank": 3},
     "direct_recognition", ref(C, 6)),
    ({"direct_honour": "national_contest", "contest_class": "class1", "contest_stage": "final", "contest_rank": 4},
     "eligible", ref(C, 6)),
    ({"direct_honour": "national_contest", "contest_class": "class2"}, "eligible", ref(C, 6)),
    ({"direct_honour": "national_contest", "contest_class": "class1", "contest_stage": "preliminary"}, "eligible",
     ref(C, 6)),
    # the near miss without a condition of 第五条 is refused on 第五条
    ({"direct_honour": "worldskills", "worldskills_stage": "final", "worldskills_rank": 7, "criterion": "none"},
     "not_eligible", ref(C, 5, 1)),
    # exclusions win over direct recognition
    ({"direct_honour": "great_craftsman", "exclusion": "credit"}, "not_eligible", ref(C, 8, 5)),
])
def test_craftsman_eligibility(changes: dict, outcome: str, cites: ArticleRef) -> None:
    v = craftsman(**changes)
    assert v.outcome == outcome
    assert v.certain
    assert cited(v, cites), v.refs


@pytest.mark.parametrize("honour", sorted(eligibility.PRIORITY_HONOURS))
def test_each_priority_honour_is_found_and_cited(honour: str) -> None:
    v = craftsman(priority_honour=honour)
    assert v.outcome == "eligible" and v.priority == (honour,)
    assert cited(v, ref(C, 7))
    # the honour's Chinese name appears in 第七条 (without its quotes)
    chinese = eligibility.PRIORITY_HONOURS[honour].split("(")[1].rstrip(")")
    wanted = {"兴滇人才奖": "兴滇人才奖", "千人计划专项": "千人计划”专项", "万人计划专项": "万人计划”专项",
              "职工职业技能大赛技术状元": "职工职业技能大赛技术状元"}.get(chinese, chinese)
    assert wanted in text_of(ref(C, 7))


def test_several_priority_honours_and_no_honour() -> None:
    v = eligibility.craftsman_eligibility({**OK, "priority_honours": ["china_skill_award", "yunling_skill_master"]})
    assert v.priority == ("china_skill_award", "yunling_skill_master")
    assert craftsman().priority == () and ref(C, 7) not in craftsman().refs


def test_craftsman_asks_only_what_is_needed() -> None:
    first = eligibility.craftsman_eligibility({})
    assert first.outcome == "unknown" and first.unknown[0] == "already_named"
    # one disqualifying answer is enough: nothing else is asked
    v = eligibility.craftsman_eligibility({"unit_in_yunnan": "no"})
    assert v.outcome == "not_eligible" and v.unknown == ()
    # the enterprise-head follow-up only for heads
    assert "head_issue" not in eligibility.craftsman_eligibility({"enterprise_head": "no"}).unknown
    assert "head_issue" in eligibility.craftsman_eligibility({"enterprise_head": "yes"}).unknown
    # direct recognition: the gates are still asked, the three conditions are not
    v = eligibility.craftsman_eligibility({"direct_honour": "great_craftsman"})
    assert "criterion" not in v.unknown and "exclusion" in v.unknown
    # eligible: priority honours are asked last
    v = eligibility.craftsman_eligibility({k: val for k, val in OK.items() if k != "priority_honour"})
    assert v.outcome == "eligible" and v.unknown == ("priority_honour",)


def test_every_question_asked_is_declared_and_cites_a_real_paragraph() -> None:
    for q in eligibility.QUESTIONS.values():
        assert text_of(q.ref)
    for q in (*channels.QUESTIONS.values(), *ws.STUDIO_QUESTIONS.values(), *ws.STATION_QUESTIONS.values()):
        assert text_of(q.ref)


@pytest.mark.parametrize("programme", ["craftsman", "studio", "station", "channel"])
def test_answering_the_first_option_always_ends_with_a_certain_verdict(programme: str) -> None:
    evaluate, questions = {
        "craftsman": (eligibility.craftsman_eligibility, eligibility.QUESTIONS),
        "studio": (lambda p: ws.workshop_eligibility("studio", p), ws.STUDIO_QUESTIONS),
        "station": (lambda p: ws.workshop_eligibility("station", p), ws.STATION_QUESTIONS),
        "channel": (channels.craftsman_channel, channels.QUESTIONS),
    }[programme]
    profile: dict[str, object] = {}
    for _ in range(30):
        v = evaluate(profile)
        if not v.unknown:
            break
        q = questions[v.unknown[0]]
        profile[q.key] = {"number": 10, "place": "昆明市五华区", "text": "云南测试单位"}.get(q.kind) or q.options[0].value
    assert not evaluate(profile).unknown


# -- studio and station, 第十条 -------------------------------------------------------------------------
STUDIO_OK = {"named_level": "prefecture", "named_years": "2plus", "notable_results": "yes", "lead_person": "yes",
             "team_size": 3,
             "team_commended": "yes", "work_system": "yes", "projects_per_year": 1, "recognised_result": "yes",
             "premises_funds": "yes"}
STATION_OK = {"host_in_yunnan": "yes", "named_level": "prefecture", "named_years": "2plus", "notable_results": "yes",
              "unit_conditions": "yes", "lead_award": "yes",
              "lead_grade": "technician", "lead_age": 55, "lead_months": 6, "team_size": 5, "lead_abilities": "yes",
              "lead_conduct": "yes"}


@pytest.mark.parametrize(("changes", "outcome", "para"), [
    ({}, "eligible", 1),
    ({"named_level": "lower"}, "not_eligible", 1),
    ({"named_level": "none"}, "not_eligible", 1),
    ({"named_years": "under2", "outstanding": "yes"}, "eligible", 1),
    ({"named_years": "under2", "outstanding": "no"}, "not_eligible", 1),
    ({"notable_results": "no"}, "not_eligible", 1),  # 第十条: "且创新成效显著"
    ({"lead_person": "no"}, "not_eligible", 2),
    ({"team_size": 2}, "not_eligible", 3),
    ({"team_size": 12}, "eligible", 1),
    ({"team_commended": "no"}, "not_eligible", 3),
    ({"work_system": "no"}, "not_eligible", 4),
    ({"projects_per_year": 0}, "not_eligible", 5),
    ({"projects_per_year": 2}, "eligible", 1),
    ({"recognised_result": "no"}, "not_eligible", 6),
    ({"premises_funds": "no"}, "not_eligible", 7),
])
def test_studio_conditions(changes: dict, outcome: str, para: int) -> None:
    v = ws.workshop_eligibility("studio", {**STUDIO_OK, **changes})
    assert v.outcome == outcome and v.certain
    assert cited(v, ref("studio", 10, para)), v.refs
    if outcome == "eligible":
        assert cited(v, ref("studio", 13, 2)) and cited(v, ref("studio", 4))


@pytest.mark.parametrize(("changes", "outcome", "para"), [
    ({}, "eligible", 1),
    ({"named_level": "lower"}, "not_eligible", 1),
    ({"named_years": "under2", "outstanding": "yes"}, "eligible", 1),
    ({"named_years": "under2", "outstanding": "no"}, "not_eligible", 1),
    ({"notable_results": "no"}, "not_eligible", 1),  # 第十条: "且带徒传技、攻关革新改造成效特别显著"
    ({"unit_conditions": "no"}, "not_eligible", 2),
    ({"lead_award": "no"}, "not_eligible", 3),
    ({"lead_grade": "senior_technician"}, "eligible", 1),
    ({"lead_grade": "below"}, "not_eligible", 3),
    ({"lead_grade": "title_only"}, "not_eligible", 3),
    ({"lead_age": 56}, "not_eligible", 3),
    ({"lead_age": 30}, "eligible", 1),
    ({"lead_months": 5}, "not_eligible", 3),
    ({"lead_months": 12}, "eligible", 1),
    ({"team_size": 4}, "not_eligible", 3),
    ({"lead_abilities": "no"}, "not_eligible", 3),
    ({"lead_conduct": "no"}, "not_eligible", 3),
])
def test_station_conditions(changes: dict, outcome: str, para: int) -> None:
    v = ws.workshop_eligibility("station", {**STATION_OK, **changes})
    assert v.outcome == outcome and v.certain
    assert cited(v, ref("station", 10, para)), v.refs


@pytest.mark.parametrize(("programme", "key"), [(m, q.key) for m, qs in ws.QUESTIONS.items() for q in qs.values()
                                                  if q.kind == "number"])
def test_a_number_questions_bound_is_where_its_rule_turns(programme: str, key: str) -> None:
    """The bound a number question declares (read by the chat for vague answers: "8个月左右") is where the
    rule's verdict changes: the bound passes and one beyond it fails (the rule's own constant, 第十条)."""
    q = ws.QUESTIONS[programme][key]
    assert q.bound is not None, key
    kind, n = q.bound
    ok = STUDIO_OK if programme == "studio" else STATION_OK
    beyond = n + 1 if kind == "most" else n - 1
    assert ws.workshop_eligibility(programme, {**ok, key: n}).outcome == "eligible"
    assert ws.workshop_eligibility(programme, {**ok, key: beyond}).outcome == "not_eligible"


def test_workshop_stops_at_the_first_failure() -> None:
    v = ws.workshop_eligibility("station", {"named_level": "none"})
    assert v.outcome == "not_eligible" and v.unknown == ()
    assert ws.workshop_eligibility("studio", {}).unknown[0] == "named_level"
    assert "outstanding" not in ws.workshop_eligibility("studio", {"named_level": "prefecture",
                                                                  "named_years": "2plus"}).unknown


# -- numbers of the measures, each found in its article ------------------------------------------------
@pytest.mark.parametrize(("value", "where", "words"), [
    (eligibility.MAX_NAMED_PER_YEAR, ref(C, 3, 1), "每年命名人数不超过{}名"),
    (eligibility.WORLDSKILLS_TOP, ref(C, 6), "世界技能大赛决赛前{}名"),
    (eligibility.NATIONAL_CONTEST_TOP, ref(C, 6), "全国职业技能大赛（一类）决赛前{}名"),
    (channels.MIN_REFERRERS, ref(C, 9, 5), "由{}名以上同专业的我省高级技师"),
    (procedure.PUBLICITY_WORKDAYS, ref(C, 16, 1), "公示时间为{}个工作日"),
    (procedure.PUBLICITY_WORKDAYS, ref("studio", 16, 1), "公示时间为{}个工作日"),
    (procedure.PUBLICITY_WORKDAYS, ref("station", 16, 1), "公示时间为{}个工作日"),
    (ws.NAMED_YEARS_MIN, ref("studio", 10, 1), "命名{}年以上"),
    (ws.NAMED_YEARS_MIN, ref("station", 10, 1), "命名{}年以上"),
    (ws.STUDIO_TEAM_MIN, ref("studio", 10, 3), "有{}人以上"),
    (ws.STUDIO_PROJECTS_MIN, ref("studio", 10, 5), "每年至少承担{}~2个"),
    (ws.STATION_AGE_MAX, ref("station", 10, 3), "年龄在{}周岁（含）以下"),
    (ws.STATION_MONTHS_MIN, ref("station", 10, 3), "每年在工作室工作{}个月以上"),
    (ws.STATION_TEAM_MIN, ref("station", 10, 3), "领衔一个{}人以上专家团队"),
    (ws.BATCH_MAX, ref("studio", 4), "每批不超过{}个"),
    (ws.BATCH_MAX, ref("station", 4), "每批不超过{}个"),
])
def test_regulation_numbers_appear_in_the_cited_article(value: int, where: ArticleRef, words: str) -> None:
    assert squash(words.format(value)) in text_of(where)


@pytest.mark.parametrize(("value", "where", "words"), [
    (ws.REVIEW_CYCLE_YEARS, ref("studio", 23, 1), "以三年为一个考核周期"),
    (ws.RECTIFY_MONTHS, ref("studio", 23, 1), "给予半年时间整改"),
    (ws.REVIEW_CYCLE_YEARS, ref("station", 23, 1), "以三年为一个考核周期"),
    (ws.RECTIFY_MONTHS, ref("station", 23, 1), "给予半年时间整改"),
    (ws.NAMED_YEARS_MIN, ref("studio", 4), "每两年命名一批"),
])
def test_numbers_written_in_words(value: int, where: ArticleRef, words: str) -> None:
    spelled = {3: "三年", 6: "半年", 2: "两年"}[value]
    assert spelled in words and squash(words) in text_of(where)


def _all_facts() -> list[Fact]:
    facts: list[Fact] = [*procedure.CRAFTSMAN_FACTS, *procedure.INCENTIVES, *procedure.REVOCATION,
                         procedure.REVOCATION_INTRO]
    for m in ws.PROGRAMMES:
        facts += [*ws.FACTS[m], *ws.MATERIALS[m], ws.REVIEW_CRITERIA[m], *procedure.WORKSHOP_PROCEDURE_FACTS[m]]
    for route in channels.ROUTES:
        plan = channels.craftsman_channel(_CHANNEL_OK[route])
        facts += [*plan.materials, *plan.annexes]
    return facts


# -- channels (第九条) ----------------------------------------------------------------------------------
REFERRAL_OK = {"route": "referral", "referrer_count": 2, "referrers_same_specialty": "yes",
               "referrers_qualified": "yes", "referrers_in_yunnan": "yes", "household_in_yunnan": "yes",
               "household_place": "昆明市五华区"}
_CHANNEL_OK = {
    "union": {"route": "union", "union_level": "prefecture", "unit_prefecture": "曲靖"},
    "association": {"route": "association", "association_name": "云南省有色金属行业协会", "association_place": "盘龙区"},
    "referral": REFERRAL_OK,
    "self": {"route": "self", "self_employed": "no", "unit_has_union": "yes", "unit_name": "云南铜业股份有限公司"},
}


@pytest.mark.parametrize(("profile", "body", "top", "para"), [
    (_CHANNEL_OK["union"], "曲靖市总工会", "曲靖市总工会", 3),
    ({"route": "union", "union_level": "industry", "industry_union": "云南省能源化工产业工会"},
     "云南省能源化工产业工会", "云南省能源化工产业工会", 3),
    (_CHANNEL_OK["association"], "昆明市盘龙区总工会", "昆明市总工会", 4),
    (REFERRAL_OK, "昆明市五华区总工会", "昆明市总工会", 5),
    ({**REFERRAL_OK, "referrer_count": 5, "household_place": "红河州个旧"}, "个旧市总工会",
     "红河哈尼族彝族自治州总工会", 5),
    (_CHANNEL_OK["self"], "云南铜业股份有限公司工会", None, 6),
    ({"route": "self", "self_employed": "no", "unit_has_union": "no", "unit_place": "玉溪市红塔区"},
     "玉溪市红塔区总工会", "玉溪市总工会", 6),
    ({"route": "self", "self_employed": "yes", "premises_place": "大理市"}, "大理市总工会", "大理白族自治州总工会", 6),
])
def test_channel_names_the_body(profile: dict, body: str, top: str | None, para: int) -> None:
    plan = channels.craftsman_channel(profile)
    assert plan.valid is True and plan.unknown == ()
    assert plan.body == body
    assert plan.reasons[0].ref == ref(C, 9, para)
    assert plan.path[0].params["body"] == body
    assert plan.path[-1].params["body"] == channels.PROVINCIAL_OFFICE
    if top:
        assert plan.annexes[0].params["top"] == top
    assert [f.key for f in plan.annexes] == ["annex1", "annex2"]
    assert all(f.ref == ref(C, 10) for f in plan.annexes)


def test_the_referrer_counts_bound_is_where_article_9_turns() -> None:
    """The bound the chat reads a vague count against ("十几个" referrers) is 第九条's "2名以上"."""
    kind, n = channels.QUESTIONS["referrer_count"].bound or ("", 0)
    referral = {**_CHANNEL_OK["referral"]}
    assert kind == "least" and channels.craftsman_channel({**referral, "referrer_count": n}).valid is True
    assert channels.craftsman_channel({**referral, "referrer_count": n - 1}).valid is False


@pytest.mark.parametrize(("changes", "words"), [
    ({"referrer_count": 1}, "at least {n} referrers"),
    ({"referrer_count": 0}, "at least {n} referrers"),
    ({"referrers_same_specialty": "no"}, "same specialty"),
    ({"referrers_qualified": "no"}, "senior technician"),
    ({"referrers_in_yunnan": "no"}, "Yunnan"),
    ({"household_in_yunnan": "no"}, "household"),
])
def test_invalid_referral_is_refused_with_the_reason(changes: dict, words: str) -> None:
    plan = channels.craftsman_channel({**REFERRAL_OK, **changes})
    assert plan.valid is False and plan.body == ""
    assert words in plan.reasons[0].message and plan.reasons[0].ref == ref(C, 9, 5)


def test_referral_is_refused_as_soon_as_one_answer_fails() -> None:
    plan = channels.craftsman_channel({"route": "referral", "referrer_count": 1})
    assert plan.valid is False and plan.unknown == ()


def test_referrers_summary_checks_each_referrer() -> None:
    good = [{"specialty": "焊接", "qualification": "senior_technician", "in_yunnan": True},
            {"specialty": "焊接", "qualification": "deputy_senior", "in_yunnan": True}]
    summary = channels.summarise_referrers(good, "焊接")
    assert channels.craftsman_channel({**REFERRAL_OK, **summary}).valid is True
    bad = [*good[:1], {"specialty": "焊接", "qualification": "technician", "in_yunnan": True}]
    assert channels.summarise_referrers(bad, "焊接")["referrers_qualified"] is False
    other = [*good[:1], {"specialty": "车工", "qualification": "senior", "in_yunnan": True}]
    assert channels.summarise_referrers(other, "焊接")["referrers_same_specialty"] is False
    outside = [*good[:1], {"specialty": "焊接", "qualification": "senior", "in_yunnan": False}]
    assert channels.summarise_referrers(outside, "焊接")["referrers_in_yunnan"] is False


def test_route_specific_materials() -> None:
    keys = {route: {f.key for f in channels.craftsman_channel(p).materials} for route, p in _CHANNEL_OK.items()}
    assert "referral_proof" in keys["referral"] and "referral_proof" not in keys["self"]
    assert "registration" in keys["association"] and "registration" not in keys["union"]
    assert {"indicators", "proofs", "summary", "copies", "binding"} <= keys["union"]


@pytest.mark.parametrize(("text", "name", "union"), [
    ("五华区", "昆明市五华区", "昆明市五华区总工会"),
    ("昆明五华", "昆明市五华区", "昆明市五华区总工会"),
    ("云南省昆明市盘龙区", "昆明市盘龙区", "昆明市盘龙区总工会"),
    ("大理", "大理白族自治州", "大理白族自治州总工会"),
    ("大理市", "大理白族自治州大理市", "大理市总工会"),
    ("红河县", "红河哈尼族彝族自治州红河县", "红河县总工会"),
    ("石林", "昆明市石林彝族自治县", "石林彝族自治县总工会"),
    ("版纳", "西双版纳傣族自治州", "西双版纳傣族自治州总工会"),
    ("芒市", "德宏傣族景颇族自治州芒市", "芒市总工会"),
    ("云县", "临沧市云县", "云县总工会"),
])
def test_yunnan_places(text: str, name: str, union: str) -> None:
    place = parse_place(text)
    assert place is not None and place.name == name and place.union == union


@pytest.mark.parametrize("text", ["北京市朝阳区", "上海", "昆明市abc区", "", "不知道"])
def test_places_outside_yunnan_are_not_recognised(text: str) -> None:
    assert parse_place(text) is None


def test_division_table_is_complete() -> None:
    assert len(DIVISIONS) == 16 and sum(len(v) for v in DIVISIONS.values()) == 129
    for prefecture, counties in DIVISIONS.items():
        assert parse_place(prefecture) == parse_place(prefecture)  # deterministic
        for county in counties:
            place = parse_place(county)
            assert place is not None and (place.prefecture, place.county) == (prefecture, county)


# -- facts: every rule's source words are in the cited article (or annex 填报要求) -----------------------
def _fact_text(fact: Fact) -> str:
    if fact.annex is not None:
        annex = next(a for a in loader.measure(fact.ref.measure).annexes if a.number == fact.annex)
        return squash("".join(annex.notes))
    return text_of(fact.ref)


@pytest.mark.parametrize("fact", _all_facts(), ids=lambda f: f"{f.ref.measure}-{f.ref.article}-{f.key}")
def test_fact_evidence_is_in_the_source(fact: Fact) -> None:
    assert fact.evidence
    source = _fact_text(fact)
    for words in fact.evidence:
        assert squash(words) in source, words


# -- procedure and dates --------------------------------------------------------------------------------
def test_stages_per_programme() -> None:
    assert [s.key for s in procedure.stages("craftsman")] == list(procedure.STAGE_KEYS)
    for m in ("studio", "station"):
        keys = [s.key for s in procedure.stages(m)]
        assert keys == ["submitted", "preliminary", "review", "expert_review", "publicity", "named"]
    with pytest.raises(ValueError):
        procedure.stages("training")


@pytest.mark.parametrize(("programme", "key", "words"), [
    ("craftsman", "preliminary", "谁推荐、谁初审"),
    ("craftsman", "review", "资格复审"),
    ("craftsman", "expert_review", "工艺专长、技能水平、领军作用、业绩贡献"),
    ("craftsman", "public_vote", "公众投票"),
    ("craftsman", "inspection", "审核考察"),
    ("craftsman", "leading_group", "领导小组审议"),
    ("craftsman", "publicity", "5个工作日"),
    ("craftsman", "named", "主席办公会"),
    ("studio", "submitted", "按工会隶属关系"),
    ("studio", "expert_review", "实名打分"),
    ("station", "publicity", "5个工作日"),
    ("station", "named", "主席办公会"),
])
def test_stage_cites_its_article(programme: str, key: str, words: str) -> None:
    assert squash(words) in text_of(procedure.stage(programme, key).ref)


@pytest.mark.parametrize(("start", "end"), [
    (date(2026, 3, 2), date(2026, 3, 6)),  # an ordinary week
    (date(2026, 3, 7), date(2026, 3, 13)),  # opens on a Saturday: counting starts Monday
    (date(2026, 9, 28), date(2026, 10, 9)),  # National Day 2026: 1–7 October off
    (date(2026, 10, 9), date(2026, 10, 14)),  # Saturday 10 October 2026 is an adjusted working day
    (date(2025, 9, 26), date(2025, 10, 9)),  # Sunday 28 September 2025 worked, 1–8 October off
    (date(2026, 2, 12), date(2026, 2, 25)),  # Spring Festival 2026: 14 Feb (Sat) worked, 15–23 Feb off
])
def test_publicity_end_follows_the_statutory_calendar(start: date, end: date) -> None:
    assert procedure.publicity_end(start) == end


# -- issue 15: "not sure", investigations, open lists, the host unit in Yunnan -----------------------------
@pytest.mark.parametrize("key", ["already_named", "chinese_national", "unit_in_yunnan", "enterprise_head"])
def test_craftsman_not_sure_of_a_gate_is_conditional_never_a_flat_yes(key: str) -> None:
    v = craftsman(**{key: "unsure"})
    assert v.outcome == "conditional" and v.certain
    assert cited(v, eligibility.QUESTIONS[key].ref)
    assert any(r.params.get("whom") for r in v.decisive)  # says with whom to check


def test_every_choice_question_offers_not_sure() -> None:
    for questions in (eligibility.QUESTIONS, ws.STUDIO_QUESTIONS, ws.STATION_QUESTIONS):
        for q in questions.values():
            if q.kind == "choice":
                assert "unsure" in [o.value for o in q.options], q.key


def test_under_investigation_is_conditional_on_articles_8_1_and_8_6() -> None:
    assert "investigation" in [o.value for o in eligibility.QUESTIONS["exclusion"].options]
    v = craftsman(exclusion="investigation")
    assert v.outcome == "conditional" and v.certain
    assert cited(v, ref(C, 8, 2)) and cited(v, ref(C, 8, 7))
    # the two paragraphs say what the reason relies on
    assert "严重违纪违法行为" in text_of(ref(C, 8, 2)) and "其他原因不宜作为评选对象" in text_of(ref(C, 8, 7))
    assert craftsman(exclusion="unsure").outcome == "conditional"
    # a certain exclusion still wins
    assert craftsman(exclusion="investigation", chinese_national="no").outcome == "not_eligible"


def test_an_honour_off_the_open_list_of_article_7_may_count() -> None:
    assert eligibility.QUESTIONS["priority_honour"].open_list
    assert text_of(ref(C, 7)).endswith("优先评定。") and "等荣誉称号" in text_of(ref(C, 7))  # the list is open
    v = craftsman(priority_honour="other", priority_honour_text="全国劳动模范")
    assert v.outcome == "eligible" and v.priority == ()
    note = next(r for r in v.reasons if r.ref == ref(C, 7))
    assert note.params["honour"] == "全国劳动模范" and "review committee decides" in note.message


def test_not_sure_of_a_direct_honour_goes_to_the_normal_review() -> None:
    v = craftsman(direct_honour="unsure")
    assert v.outcome == "eligible" and cited(v, ref(C, 6))


@pytest.mark.parametrize("programme", ["studio", "station"])
def test_workshop_not_sure_is_conditional(programme: str) -> None:
    ok = STUDIO_OK if programme == "studio" else STATION_OK
    key = "premises_funds" if programme == "studio" else "lead_conduct"
    v = ws.workshop_eligibility(programme, {**ok, key: "unsure"})
    assert v.outcome == "conditional" and v.certain and cited(v, ref(programme, 10))
    v = ws.workshop_eligibility(programme, {**ok, "named_years": "unsure"})
    assert v.outcome == "conditional" and cited(v, ref(programme, 10, 1))


def test_station_host_must_be_registered_in_yunnan_and_is_asked_first() -> None:
    assert "在云南登记注册" in text_of(ref("station", 2))
    assert ws.workshop_eligibility("station", {}).unknown[0] == "host_in_yunnan"
    v = ws.workshop_eligibility("station", {**STATION_OK, "host_in_yunnan": "no"})
    assert v.outcome == "not_eligible" and cited(v, ref("station", 2))
    assert ws.workshop_eligibility("station", {"host_in_yunnan": "no"}).certain  # ends the check at once
    # studio 第二条 sets no such condition, so the studio check does not ask it
    assert "云南登记注册" not in text_of(ref("studio", 2)) and "host_in_yunnan" not in ws.STUDIO_QUESTIONS


def test_article_10s_lead_in_asks_for_results_and_the_check_asks_it() -> None:
    """第十条's lead-in: a studio "且创新成效显著", a station "且带徒传技、攻关革新改造成效特别显著"; 第十条（二） lists the
    lead expert's abilities one after another (each required)."""
    assert "创新成效显著" in text_of(ref("studio", 10, 1))
    assert "带徒传技、攻关革新改造成效特别显著" in text_of(ref("station", 10, 1))
    assert "能够通过专家团队解决生产中的技术难题" in text_of(ref("station", 10, 2))
    for programme, ok in (("studio", STUDIO_OK), ("station", STATION_OK)):
        assert "notable_results" in ws.workshop_eligibility(
            programme, {k: v for k, v in ok.items() if k != "notable_results"}).unknown


@needs_source
def test_the_criteria_help_gives_no_example_the_measures_do_not() -> None:
    """第五条 names its three criteria in words and sets no figure for them: the help quotes no invented example
    ("a technician whose improvement cut waste by 20%" read as a threshold), and says the form asks for one."""
    from handlers.i18n import translator

    help_zh = translator("zh")(eligibility.QUESTIONS["criterion"].help)
    source = SOURCE.read_text(encoding="utf-8")
    assert "例如" not in help_zh and "Example" not in eligibility.QUESTIONS["criterion"].help
    for name in ("技艺精湛高超", "领军作用突出", "贡献卓越显著"):
        assert name in help_zh and f"{name}。" in source
    assert "三项指标至少选填一项" in source and "至少选填一项" in help_zh
