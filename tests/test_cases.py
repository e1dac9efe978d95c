"""Case tracker: the procedure against the source text, clerk and applicant transcripts, notifications in
the applicant's language, the 公示 window over a holiday, closing with a reason, and authorisation."""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.cli import main as cli
from handlers.i18n import translator
from knowledge import loader
from knowledge.places import DIVISIONS
from knowledge.rules import case_stages as cs
from knowledge.text import squash
from storage import repo_cases as rc
from storage.db import session_scope
from storage.models import AuditEvent, OutboxMessage
from storage.models_cases import Case, CaseEvent

ZH = translator("zh")
SOURCE = Path("/work/shared/source/yunnan-union-measures-2020.txt")
KM = "昆明市总工会"
# What each stage's article must say (the stage's name as the measure words it).
STAGE_WORDS = {"submitted": "申报", "preliminary": "初审", "review": "复审", "expert_review": "专家评审",
               "public_vote": "公众投票", "inspection": "审核考察", "leading_group": "领导小组审议",
               "publicity": "社会公示", "named": "审定命名"}


# -- the procedure against the text ------------------------------------------------------------------
@pytest.mark.parametrize("programme", cs.PROGRAMMES)
def test_each_stage_cites_the_article_that_prescribes_it(programme: str) -> None:
    for st in cs.stages(programme):
        for r in cs.stage_refs(programme, st.key):
            assert r.measure == programme
        assert STAGE_WORDS[st.key] in loader.article(programme, st.ref.article).text, (programme, st.key, st.ref)


def test_public_vote_inspection_and_leading_group_only_for_craftsman() -> None:
    assert [s.key for s in cs.stages("craftsman")] == list(STAGE_WORDS)
    for p in ("studio", "station"):
        assert [s.key for s in cs.stages(p)] == ["submitted", "preliminary", "review", "expert_review", "publicity",
                                                 "named"]
        chapter = "".join(loader.article(p, n).text for n in range(13, 18))
        assert "公众投票" not in chapter and "领导小组审议" not in chapter


@pytest.mark.parametrize("programme", cs.PROGRAMMES)
def test_who_records_which_stage_is_in_the_review_article(programme: str) -> None:
    """The recommending union does the 初审 ("谁推荐、谁初审" in the craftsman measure); the 复审 is the leading group's
    office's, and it is the first stage a recommending union's clerk may not record."""
    art = squash(loader.article(programme, cs.REVIEW_ARTICLE[programme]).text)
    assert "初审" in art and "领导小组办公室" in art and "复审" in art
    assert art.index("初审") < art.index("复审")
    if programme == "craftsman":
        assert "谁推荐、谁初审" in art
    keys = [st.key for st in cs.stages(programme)]
    assert [k for k in keys if cs.recommender_may_record(k)] == ["submitted", "preliminary"]
    assert cs.stage(programme, "review").ref.article == cs.REVIEW_ARTICLE[programme]


@pytest.mark.parametrize("programme", cs.PROGRAMMES)
def test_publicity_facts_are_in_article_16(programme: str) -> None:
    art = squash(loader.article(programme, 16).text)
    assert f"公示时间为{cs.PUBLICITY_WORKDAYS}个工作日" in art
    objection = squash(loader.quote(programme, 16, cs.OBJECTION_REF[programme].paragraph))
    assert "可采取" + "或".join(cs.OBJECTION_MEANS) + "方式提出异议" in objection
    assert "取消该公示对象评选资格" in objection
    # and the same sentences stand in the official source file
    assert f"公示时间为{cs.PUBLICITY_WORKDAYS}个工作日" in squash(SOURCE.read_text(encoding="utf-8"))


def test_publicity_window_skips_the_national_day_holiday() -> None:
    # 29-30 Sep, then 1-7 Oct off, 8-10 Oct (the 10th a Saturday made a working day): 5 working days.
    assert cs.publicity_end(date(2026, 9, 29)) == date(2026, 10, 10)
    assert cs.publicity_end(date(2026, 3, 2)) == date(2026, 3, 6)


# -- transcripts ---------------------------------------------------------------------------------------
def _code(applicant) -> str:  # type: ignore[no-untyped-def]
    applicant.say("/status")
    m = re.search(r"\b([A-Z2-9]{4})-([A-Z2-9]{4})\b", applicant.text)
    assert m, applicant.text
    return m[0]


def _open_case(clerk, applicant, programme: str = "craftsman", title: str = "张三") -> int:  # type: ignore[no-untyped-def]
    code = _code(applicant)
    clerk.say("/cases")
    clerk.say(choice="new")
    clerk.say(code.lower())  # typed loosely: case and dash do not matter
    clerk.say(choice=programme)
    clerk.say(title)
    m = re.search(r"#(\d+)", clerk.text)
    assert m, clerk.text
    return int(m[1])


def _at_case(clerk, case_id: int) -> None:  # type: ignore[no-untyped-def]
    """The case desk open at one case's actions."""
    clerk.say("/cases")
    clerk.say(choice="act")
    clerk.say(str(case_id))


def _act(clerk, case_id: int, action: str) -> None:  # type: ignore[no-untyped-def]
    _at_case(clerk, case_id)
    assert action in clerk.choice_values(), (action, clerk.choice_values())
    clerk.say(choice=action)
    if action.startswith("move:") and action != "move:publicity":  # asked first: the applicant is told at once
        assert "立即通知申报人" in clerk.text or "notified at once" in clerk.text, clerk.text
        clerk.say(choice="yes")


# The craftsman's stages between the filing and the 公示 (第十一条 to 第十五条).
BEFORE_PUBLICITY = ("preliminary", "review", "expert_review", "public_vote", "inspection", "leading_group")


PROV = "云南省总工会"


def _provincial(person, clerk, name: str = "pat"):  # type: ignore[no-untyped-def]
    """A clerk of the provincial federation, in ``clerk``'s language: the re-check and every stage after it are
    recorded by its leading group's office (第十一条, 第十四条), not by the recommending union."""
    return person(name + (clerk.locale or ""), clerk=PROV, locale=clerk.locale)


def _to_publicity(clerk, case_id: int) -> None:  # type: ignore[no-untyped-def]
    """A craftsman case moved stage by stage up to the 公示, whose first day is asked next."""
    for key in BEFORE_PUBLICITY:
        _act(clerk, case_id, f"move:{key}")
    _act(clerk, case_id, "move:publicity")


def _notes(engine: Engine, person_name: str | None = None) -> list[dict]:
    with session_scope(engine) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "status").order_by(OutboxMessage.id)).all()
        return [json.loads(r.body) | {"dedupe": r.dedupe_key} for r in rows]


def test_craftsman_case_through_every_stage_with_english_notifications(person, engine: Engine) -> None:
    alice = person("alice", locale="en")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, alice)
    _act(bob, case_id, "move:preliminary")  # the recommending union's own stage
    assert "已办理" in bob.text and "已通知申报人" in bob.text
    _at_case(bob, case_id)  # the re-check is not offered to it
    assert not any(v.startswith("move:") for v in bob.choice_values()) and "省总工会领导小组办公室" in bob.text
    bob = _provincial(person, bob)
    for key in BEFORE_PUBLICITY[1:]:
        _act(bob, case_id, f"move:{key}")
        assert "已办理" in bob.text and "已通知申报人" in bob.text
    _act(bob, case_id, "move:publicity")
    bob.say("2026-09-29")
    assert "2026年10月10日" in bob.text  # the clerk reads Chinese; end over the National Day holiday
    bob.clock.now = datetime(2026, 10, 10, 17, tzinfo=bob.clock.now.tzinfo)
    _at_case(bob, case_id)
    bob.say(choice="move:named")
    bob.say(choice="yes")  # the notice's last day: the decision comes after it (第十六条, 第十七条)
    assert "公示至 2026-10-10 结束" in bob.text, bob.text
    bob.clock.advance(days=1)
    _act(bob, case_id, "move:named")
    notes = _notes(engine)
    assert [n["dedupe"] for n in notes] == [f"case-event:{i}" for i in range(1, 10)]  # create + 8 moves
    assert notes[0]["text"].startswith("A case has been opened for your application by 昆明市总工会")
    assert all(n["text"].startswith("Your application has moved") for n in notes[1:])
    assert "Preliminary review" in notes[1]["text"] and "Next: the eligibility re-check" in notes[1]["text"]
    publicity = notes[7]["text"]
    assert "29 Sep 2026" in publicity and "10 Oct 2026" in publicity and "phone or e-mail" in publicity
    cited = {(c[0], c[1]) for c in notes[7]["citations"]}
    assert ("craftsman", 16) in cited
    assert notes[4]["citations"][0][1] == 13  # public vote cites 第十三条
    assert "last stage" in notes[8]["text"]
    # The applicant's own view: current stage, explanation and its article.
    alice.say("/status")
    assert "Current stage: Named." in alice.text and "last stage" in alice.text
    assert any(c.article == 17 and c.measure == "craftsman" for r in alice.replies for c in r.citations)
    # Event history and audit trail of every change.
    with session_scope(engine) as s:
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
        assert [(e.from_stage, e.to_stage) for e in events][:3] == [("", "submitted"), ("submitted", "preliminary"),
                                                                     ("preliminary", "review")]
        assert all(e.actor_person_id for e in events)
        audits = s.exec(select(AuditEvent).where(AuditEvent.subject == f"case:{case_id}")).all()
        assert len(audits) == len(events) == 9
        case = s.get(Case, case_id)
        assert (case.publicity_start, case.publicity_end) == (date(2026, 9, 29), date(2026, 10, 10))


def test_studio_skips_public_vote_and_notifies_in_chinese(person, engine: Engine) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang, "studio", "王师傅创新工作室")
    _act(bob, case_id, "move:preliminary")
    bob = _provincial(person, bob)
    for key in ("review", "expert_review"):
        _act(bob, case_id, f"move:{key}")
    _act(bob, case_id, "history")
    assert "资格复审 → 专家评审" in bob.text  # the stages by their titles
    _at_case(bob, case_id)
    assert "move:publicity" in bob.choice_values() and "move:public_vote" not in bob.choice_values()
    last = _notes(engine)[-1]["text"]
    assert "专家评审" in last and "公示" in last  # what comes next, in the applicant's language


def test_reject_needs_a_reason_and_closes_the_case(person, engine: Engine) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    _act(bob, case_id, "rejected")
    bob.say("x")  # too short: asked again
    assert ZH("Please give a reason; the applicant will see it.") in bob.text
    bob.say("申报材料不全，未按附件2填写")
    note = _notes(engine)[-1]["text"]
    assert "申报材料不全" in note
    wang.say("/status")
    assert "申报材料不全" in wang.text and f"请向受理您申报的{KM}咨询" in wang.text
    _at_case(bob, case_id)
    assert not any(v.startswith("move:") for v in bob.choice_values())  # closed: no more moves
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        assert (case.outcome, case.outcome_reason) == ("rejected", "申报材料不全，未按附件2填写")


def test_a_case_closed_by_mistake_is_opened_again_with_a_reason_and_the_applicant_told(person, engine: Engine) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    _act(bob, case_id, "move:preliminary")
    _act(bob, case_id, "rejected")
    bob.say("申报材料不全")
    bob.say("/cases")
    bob.say(choice="act")
    assert f"#{case_id}" in bob.text and "已办结" in bob.text, bob.text  # closed cases are listed by number
    bob.say(str(case_id))
    assert "reopen" in bob.choice_values() and not any(v.startswith("move:") for v in bob.choice_values())
    bob.say(choice="reopen")
    assert "为什么重新开启" in bob.text
    bob.say("误点了不予受理，材料已补齐")
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        assert (case.outcome, case.outcome_reason, case.stage) == ("", "", "preliminary")
    assert "重新开启" in _notes(engine)[-1]["text"] and "材料已补齐" in _notes(engine)[-1]["text"]
    wang.say("/status")
    assert "初审" in wang.text and "未通过" not in wang.text, wang.text
    bob = _provincial(person, bob)
    _act(bob, case_id, "move:review")  # it moves on from where it was
    _act(bob, case_id, "history")
    assert "重新开启 · 未通过 → 初审 · 误点了不予受理" in bob.text, bob.text
    from handlers.services.cases import CaseRuleError, reopen_case

    with session_scope(engine) as s, pytest.raises(CaseRuleError):
        reopen_case(session=s, case=s.get(Case, case_id), reason="x", actor_id=None, now=bob.clock.now)


def test_a_move_made_by_mistake_is_taken_back_with_a_reason_and_the_applicant_told(person, engine: Engine) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    _act(bob, case_id, "move:preliminary")
    km, bob = bob, _provincial(person, bob)
    _act(bob, case_id, "move:review")
    _at_case(bob, case_id)
    assert "back" in bob.choice_values() and "退回：初审（误推进）" in bob.text, bob.text
    bob.say(choice="back")
    assert "为什么退回" in bob.text
    bob.say("点错了，材料还在初审")
    with session_scope(engine) as s:
        assert s.get(Case, case_id).stage == "preliminary"
    note = _notes(engine)[-1]["text"]
    assert "退回上一阶段" in note and "点错了" in note and "初审" in note, note
    _act(bob, case_id, "history")
    assert "退回 · 资格复审 → 初审 · 点错了" in bob.text, bob.text
    bob = km
    first = _open_case(bob, person("li"))  # at its first stage: nothing to go back to
    _at_case(bob, first)
    assert "back" not in bob.choice_values()


def test_disqualification_only_during_publicity(person, engine: Engine) -> None:
    from handlers.services.cases import CaseRuleError, close_case

    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        with pytest.raises(CaseRuleError):
            close_case(session=s, case=case, outcome="disqualified", reason="异议属实", actor_id=None,
                       now=bob.clock.now)


def test_a_move_is_confirmed_before_the_applicant_is_told_and_the_history_is_readable(engine: Engine, person) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    before = len(_notes(engine, "wang"))
    _at_case(bob, case_id)
    bob.say(choice="move:preliminary")
    assert "初审" in bob.text and len(_notes(engine, "wang")) == before  # nothing moved, nobody told yet
    bob.say(choice="no")
    assert "没有做任何改动" in bob.text and len(_notes(engine, "wang")) == before
    _act(bob, case_id, "move:preliminary")
    assert len(_notes(engine, "wang")) == before + 1
    _act(bob, case_id, "history")
    assert "登记" in bob.text and "推进" in bob.text and "→ 初审" in bob.text and "submitted" not in bob.text


def test_back_at_the_reason_closes_nothing(engine: Engine, person) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    _act(bob, case_id, "withdrawn")
    bob.say("返回")
    assert "请选择操作" in bob.text or "What do you want to do" in bob.text or "要做什么" in bob.text, bob.text
    with session_scope(engine) as s:
        assert s.get(Case, case_id).outcome in ("", None)


def test_stale_change_is_refused(engine: Engine, person) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    with session_scope(engine) as s:
        stale = s.get(Case, case_id)
        s.expunge(stale)
    _act(bob, case_id, "move:preliminary")
    with session_scope(engine) as s, pytest.raises(rc.CaseConflict):
        stale = s.merge(stale, load=False)
        rc.record_move(session=s, case=stale, to_stage="preliminary", actor_person_id=None, reason="",
                       now=bob.clock.now)


# -- link codes and authorisation --------------------------------------------------------------------
def test_link_code_works_once_and_wrong_codes_are_refused(person, engine: Engine) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    code = _code(wang)
    _open_case(bob, wang)  # uses a fresh code: the first one is still the active one
    bob.say("/cases")
    bob.say(choice="new")
    bob.say(code)
    invalid = ZH("This code is not valid (mistyped, used or expired). Ask the applicant to type /status for a "
                 "fresh one.")
    assert invalid in bob.text
    bob.say("ZZZZ-ZZZZ")
    assert invalid in bob.text
    bob.clock.advance(days=8)
    new = _code(wang)
    assert new != code


def test_clerk_of_another_unit_sees_and_changes_nothing(person, engine: Engine, caplog) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    carol = person("carol", clerk="曲靖市总工会")
    carol.say("/cases")
    carol.say(choice="list")
    assert "张三" not in carol.text
    carol.say("/cases")
    carol.say(choice="act")
    with caplog.at_level(logging.WARNING):
        carol.say(str(case_id))
    assert f"#{case_id}" in carol.text and "move:preliminary" not in carol.choice_values()
    assert any("outside their unit" in r.getMessage() for r in caplog.records)
    with session_scope(engine) as s:
        assert s.get(Case, case_id).stage == "submitted"


def test_the_provincial_federation_sees_and_moves_every_units_cases_in_chat(person, engine: Engine) -> None:
    """As in the web console: the provincial federation's clerks list and act on the prefectures' cases (the
    unit shown on each line); a prefecture's clerk still sees only their own."""
    wang, li = person("wang"), person("li")
    bob, carol = person("bob", clerk=KM, locale="en"), person("carol", clerk="曲靖市总工会", locale="en")
    km_case, qj_case = _open_case(bob, wang, title="张三"), _open_case(carol, li, title="李四")
    prov = person("pat", clerk="云南省总工会", locale="en")
    prov.say("/cases")
    prov.say(choice="list")
    assert f"#{km_case} 张三" in prov.text and f"#{qj_case} 李四" in prov.text
    assert f"· {KM}" in prov.text and "· 曲靖市总工会" in prov.text
    _act(prov, qj_case, "move:preliminary")
    assert "notified" in prov.text
    with session_scope(engine) as s:
        assert s.get(Case, qj_case).stage == "preliminary"  # type: ignore[union-attr]
    bob.say("/cases")
    bob.say(choice="list")
    assert "李四" not in bob.text and "· " + KM not in bob.text  # one unit: no unit on the lines


def test_a_worker_is_refused_politely_and_it_is_logged(person, caplog) -> None:
    worker = person("worker")
    with caplog.at_level(logging.WARNING):
        worker.say("/cases")
    assert ZH("Sorry, this function is only for authorised union clerks. If you are one, ask your union to add "
              "you.") in worker.text
    assert any("refused flow cases" in r.getMessage() for r in caplog.records)


def test_applicant_sees_only_their_own_cases(person) -> None:
    wang, li = person("wang"), person("li")
    bob = person("bob", clerk=KM)
    _open_case(bob, wang, title="王五")
    _open_case(bob, li, title="李四")
    wang.say("/status")
    assert "王五" in wang.text and "李四" not in wang.text


@pytest.mark.parametrize("asked", ["我报的那个工匠咋个样了", "我的申请到哪一步了", "查一下我的申报", "status?",
                                   "Where is my application?", "what is the status of my application",
                                   "how's my application going", "any news on my application?", "我的申报有消息没得",
                                   "我那个工匠评上没有", "what stage is my application at"])
def test_ones_application_asked_for_in_ones_own_words_shows_it(person, asked) -> None:
    """However the applicant asks for their application's progress, they see it, in the middle of a check too
    (and the check goes on after); once registered, the link code is one line, not the first-time explanation."""
    wang = person("wang")
    bob = person("bob", clerk=KM)
    _open_case(bob, wang, title="王五")
    wang.say("云岭工匠")  # a check started
    wang.say(asked)
    assert "王五" in wang.text and ("当前阶段：提交申报" in wang.text or "Submitted" in wang.text), wang.text
    assert "只需要这个关联码" not in wang.text and "the code is all they need" not in wang.text
    assert "已被命名" in wang.text or "named" in wang.text  # the check's question again


def test_subscribe_and_unsubscribe(person, engine: Engine) -> None:
    wang = person("wang")
    wang.say("订阅提醒")
    wang.say(choice="craftsman")
    assert ZH("Subscribed: you will receive reminders for {programme}. Type 退订 or /unsubscribe to stop.",
              programme="云岭工匠") in wang.text
    # No area yet: asked once, so the prefecture's own broadcasts reach the subscriber.
    assert "skip" in wang.choice_values()
    wang.say("不知道在哪")
    assert ZH("I do not recognise that as a prefecture of Yunnan. Examples: {examples}.",
              examples="、".join(list(DIVISIONS)[:6])) in wang.text
    wang.say("大理州宾川")
    assert ZH("Saved: you work in {area}. Reminders from {union} will reach you.", area="大理白族自治州",
              union="大理白族自治州总工会") in wang.text
    with session_scope(engine) as s:
        assert len(rc.segment_recipients(session=s, unit="大理白族自治州总工会", spec={
            "kind": "subscribers", "programme": "craftsman", "prefecture": "大理白族自治州"})) == 1
    wang.say("/subscribe")
    wang.say(choice="craftsman")
    assert ZH("You were already subscribed to {programme}.", programme="云岭工匠") in wang.text
    assert wang.choice_values() == []  # the area is known: not asked again
    wang.say("我的信息")
    assert ZH("Area: {area} (type 'my area' to change it)", area="大理白族自治州") in wang.text
    wang.say("/subscribe")
    wang.say(choice="training")
    wang.say("我订阅了哪些")  # named in the person's language, not by their keys
    assert ZH("Reminder subscriptions: {subs}", subs="云岭工匠、技能培训") in wang.text
    wang.say("退订")  # two: which one
    assert {"craftsman", "training"} <= set(wang.choice_values())
    wang.say(choice="craftsman")
    wang.say("退订")  # one left: nothing to choose
    assert ZH("Unsubscribed from {programme}.", programme="技能培训") in wang.text
    wang.say("/unsubscribe")
    assert ZH("You have no reminder subscriptions.") in wang.text
    for key in ("craftsman", "studio"):
        wang.say("/subscribe")
        wang.say(choice=key)
    wang.say("全部退订")  # all of them at once
    assert ZH("Unsubscribed from {programme}.", programme="云岭工匠、云南省职工创新工作室") in wang.text


def test_the_area_can_be_skipped_and_set_later(person) -> None:
    li = person("li")
    li.say("我的信息")
    assert ZH("Area: not set (type 'my area' to set it, so your local union's reminders reach you)") in li.text
    li.say("订阅提醒")
    li.say(choice="training")
    li.say("跳过")
    assert ZH("All right. You can set it any time by typing 'my area'.") in li.text
    li.say("我的地区")
    li.say("昆明五华")
    assert ZH("Saved: you work in {area}. Reminders from {union} will reach you.", area="昆明市",
              union="昆明市总工会") in li.text
    li.say("我的地区")
    li.say("我现在在大理上班")  # in a sentence
    assert ZH("Saved: you work in {area}. Reminders from {union} will reach you.", area="大理白族自治州",
              union="大理白族自治州总工会") in li.text


# -- command line ------------------------------------------------------------------------------------
def test_cli_create_move_list_show(person, engine: Engine, db_url: str, capsys) -> None:
    from datetime import UTC, datetime, timedelta

    from storage import repositories as repo

    wang = person("wang")
    wang.say("/status")
    with session_scope(engine) as s:  # the command line runs on the real clock, not the transcript's
        ident = repo.find_identity(session=s, channel="console", user_key="wang")
        code = rc.issue_link_code(session=s, person_id=ident.person_id, now=datetime.now(UTC) + timedelta(days=400),
                                  ttl=timedelta(days=7)).code
    db = ["--db", db_url]
    assert cli(["case", "create", "--unit", KM, "--programme", "station", "--title", "李四技师工作站",
                "--code", code, *db]) == 0
    case_id = int(re.search(r"#(\d+)", capsys.readouterr().out)[1])
    assert cli(["case", "move", str(case_id), "review", "--unit", KM, *db]) == 1  # skipping 初审
    assert "one stage at a time" in capsys.readouterr().out
    assert cli(["case", "move", str(case_id), "preliminary", "--unit", "曲靖市总工会", *db]) == 1
    assert "no case" in capsys.readouterr().out
    assert cli(["case", "move", str(case_id), "preliminary", "--unit", KM, "--reason", "材料齐全", *db]) == 0
    assert cli(["case", "move", str(case_id), "withdrawn", "--unit", KM, *db]) == 1  # a reason is required
    capsys.readouterr()
    assert cli(["case", "list", "--unit", KM, *db]) == 0
    assert "preliminary" in capsys.readouterr().out
    assert cli(["case", "show", str(case_id), *db]) == 0
    out = capsys.readouterr().out
    assert "材料齐全" in out and "submitted -> preliminary" in out
    assert len(_notes(engine)) == 2
    assert cli(["case", "move", str(case_id), "reopen", "--unit", KM, "--reason", "误办结", *db]) == 1  # open
    assert "is open" in capsys.readouterr().out
    assert cli(["case", "move", str(case_id), "back", "--unit", KM, "--reason", "误推进", *db]) == 0
    assert "submitted" in capsys.readouterr().out.splitlines()[-1]
    assert cli(["case", "move", str(case_id), "preliminary", "--unit", KM, *db]) == 0
    assert cli(["case", "move", str(case_id), "withdrawn", "--unit", KM, "--reason", "本人撤回", *db]) == 0
    assert cli(["case", "move", str(case_id), "reopen", "--unit", KM, "--reason", "撤回有误", *db]) == 0
    assert "preliminary" in capsys.readouterr().out.splitlines()[-1]
    assert len(_notes(engine)) == 6
    # filed on paper: a claim code printed, nobody notified until it is claimed
    assert cli(["case", "create", "--unit", KM, "--programme", "craftsman", "--title", "王五", "--paper", *db]) == 0
    assert re.search(r"claim code for the applicant: [A-Z2-9]{4}-[A-Z2-9]{4}", capsys.readouterr().out)
    assert len(_notes(engine)) == 6


def test_a_notice_in_a_year_without_a_holiday_calendar_has_no_made_up_end(person, engine: Engine, db_url: str,
                                                                          capsys) -> None:
    """The installed holiday calendar stops at 2026: a 公示 in January 2027 is recorded with its start, its
    end said to be known once that year's calendar is published (no date made up, no crash), and the case
    does not move on while that end is unknown: nobody can tell the notice has ended."""
    from datetime import timedelta

    import chinese_calendar

    with pytest.raises(NotImplementedError):  # the premise: no 2027 data installed
        chinese_calendar.is_workday(date(2027, 1, 4))
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    bob = _provincial(person, bob)  # from the re-check on
    _to_publicity(bob, case_id)
    bob.say("2027年1月4日")
    assert "2027年法定节假日安排公布后即可确定截止日" in bob.text, bob.text
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        assert (case.publicity_start, case.publicity_end) == (date(2027, 1, 4), None)
    for now in (datetime(2027, 1, 8, 12), datetime(2027, 1, 11, 12)):  # the fifth weekday, and after it
        bob.clock.now = now.replace(tzinfo=bob.clock.now.tzinfo)
        _at_case(bob, case_id)
        assert "move:named" not in bob.choice_values() and "截止日尚不能确定" in bob.text, bob.text
    with session_scope(engine) as s:
        assert s.get(Case, case_id).stage == "publicity"
    # The command line: no traceback for a date past the calendar.
    other = _open_case(person("bob2", clerk=KM), person("li"))
    for key in BEFORE_PUBLICITY:
        assert cli(["case", "move", str(other), key, "--unit", KM, "--db", db_url]) == 0
    assert cli(["case", "move", str(other), "publicity", "--unit", KM, "--publicity-start", "2027-03-01",
                "--db", db_url]) == 0
    assert "2027-03-01" in capsys.readouterr().out
    assert timedelta(days=1)  # (imported for the reader: weekdays only)


def test_a_notice_that_runs_into_the_next_year_names_that_years_calendar(person, engine: Engine) -> None:
    """A 公示 from Monday 2026-12-28 has four working days in 2026: its end waits for 2027's holiday calendar,
    and that is the year named (to the clerk and in the applicant's status), not 2026's, which is published."""
    from knowledge.workdays import missing_year

    assert missing_year(date(2026, 12, 28), 5) == 2027 and missing_year(date(2026, 12, 1), 5) is None
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    bob = _provincial(person, bob)  # from the re-check on
    _to_publicity(bob, case_id)
    bob.say("2026-12-28")
    assert "2027年法定节假日安排公布后" in bob.text and "2026年法定" not in bob.text, bob.text
    wang.say("/status")
    assert "2027年法定节假日安排公布后" in wang.text, wang.text


@pytest.mark.parametrize("typed", ["3月9号", "Mar 9", "9 March 2026"])
def test_the_notice_start_is_read_as_people_say_it(person, engine: Engine, typed: str) -> None:
    bob = person(f"bob{typed}", clerk=KM)
    case_id = _open_case(bob, person(f"wang{typed}"))
    bob = _provincial(person, bob)  # from the re-check on
    _to_publicity(bob, case_id)
    bob.say(typed)
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        assert (case.publicity_start, case.publicity_end) == (date(2026, 3, 9), date(2026, 3, 13)), bob.text


def test_fixed_holidays_are_no_working_days_in_a_year_without_a_calendar() -> None:
    """元旦, 劳动节 and 国庆节 fall on fixed dates by law (全国年节及纪念日放假办法 第二条), whatever the year's
    schedule: never working days, also in 2027, whose schedule is not installed; other days stay unknown."""
    from knowledge.workdays import CalendarUnknown, add_workdays, is_workday

    for day in (date(2027, 1, 1), date(2027, 5, 1), date(2027, 5, 2), date(2027, 10, 1), date(2027, 10, 3)):
        assert is_workday(day) is False, day
    with pytest.raises(CalendarUnknown):
        is_workday(date(2027, 1, 4))
    with pytest.raises(CalendarUnknown) as unknown:  # 28-31 Dec count, 1 Jan does not: 2027's schedule needed
        add_workdays(date(2026, 12, 28), cs.PUBLICITY_WORKDAYS)
    assert unknown.value.year == 2027
    assert is_workday(date(2026, 5, 2)) is False and is_workday(date(2012, 5, 2)) is True  # the installed years


@pytest.mark.parametrize(("locale", "unknown"), [("zh", "截止日尚不能确定：2027年法定节假日安排尚未公布"),
                                              ("en", "is not known yet: the official holiday calendar of 2027")])
def test_the_end_of_a_notice_over_new_year_is_said_to_be_unknown_not_made_up(person, engine: Engine, locale: str,
                                                                             unknown: str) -> None:
    """A 公示 from Monday 2026-12-28 ends on a day 2027's holiday calendar decides: asked to move on, on 30
    December or on 5 January, the refusal says the end is not known yet and why, and names no end (1 January,
    元旦, is no fifth working day)."""
    from handlers.services.cases import CaseRuleError, advance_case
    from storage import repositories as repo

    wang = person("wang")
    with session_scope(engine) as s:
        _identity, applicant = repo.get_or_create_identity(session=s, channel="console", user_key="wang")
        pid = applicant.id
        case, _event = rc.create_case(session=s, programme="craftsman", person_id=pid, title="张三", unit=KM,
                                      actor_person_id=None, now=wang.clock.now, first_stage="leading_group")
        advance_case(session=s, case=case, to_stage="publicity", actor_id=None, reason="", now=wang.clock.now,
                     publicity_start=date(2026, 12, 28))
        assert case.publicity_end is None
        for today in (date(2026, 12, 30), date(2027, 1, 5)):
            with pytest.raises(CaseRuleError) as refused:
                advance_case(session=s, case=case, to_stage="named", actor_id=None, reason="",
                             now=datetime(today.year, today.month, today.day, 10, tzinfo=wang.clock.now.tzinfo))
            said = refused.value.text(translator(locale))
            assert unknown in said and "2027-01-01" not in said and ("第十六条" in said or "articles 16" in said), said


@pytest.mark.parametrize(("locale", "unknown"), [("zh", "截止日尚不能确定"), ("en", "is not known yet")])
def test_a_notice_over_new_year_is_no_case_to_move_while_its_end_is_unknown(person, engine: Engine, locale: str,
                                                                            unknown: str) -> None:
    """A 公示 from Monday 2026-12-28 ends on a day 2027's holiday calendar decides: on 30 December, and on
    5 January, the move on is not offered, the screen says the end is not known yet and why, no end is made up
    (1 January is 元旦, never the fifth working day), and the clerk still has the case's options."""
    bob = person(f"bob{locale}", clerk=KM, locale=locale)
    case_id = _open_case(bob, person(f"wang{locale}", locale=locale))
    bob = _provincial(person, bob)  # from the re-check on
    bob.clock.now = datetime(2026, 12, 2, 10, tzinfo=bob.clock.now.tzinfo)
    _to_publicity(bob, case_id)
    bob.say("12月28号")
    for now in (datetime(2026, 12, 30, 10), datetime(2027, 1, 5, 10)):
        bob.clock.now = now.replace(tzinfo=bob.clock.now.tzinfo)
        _at_case(bob, case_id)
        assert "move:named" not in bob.choice_values(), bob.choice_values()
        assert unknown in bob.text and "2027" in bob.text and "2027-01-01" not in bob.text, bob.text
        assert {"dates", "disqualified", "history"} <= set(bob.choice_values())
    with session_scope(engine) as s:
        assert s.get(Case, case_id).stage == "publicity"


def test_a_move_during_the_notice_is_refused_before_it_is_confirmed(person, engine: Engine) -> None:
    """The next stage is offered only once the 公示 has ended; chosen from a screen shown earlier (the notice
    still running), it is refused at once, not after a confirmation, and the case's options follow."""
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, person("wang"))
    bob = _provincial(person, bob)  # from the re-check on
    _to_publicity(bob, case_id)
    bob.say("2026-03-02")  # to 2026-03-06
    _at_case(bob, case_id)
    assert "move:named" not in bob.choice_values() and "公示至 2026-03-06 结束" in bob.text, bob.text
    bob.clock.now = datetime(2026, 3, 9, 10, tzinfo=bob.clock.now.tzinfo)
    _at_case(bob, case_id)
    assert "move:named" in bob.choice_values()
    bob.clock.now = datetime(2026, 3, 6, 10, tzinfo=bob.clock.now.tzinfo)  # the screen was shown, the day is not over
    bob.say(choice="move:named")
    assert "公示至 2026-03-06 结束" in bob.text and "立即通知申报人" not in bob.text, bob.text
    assert "history" in bob.choice_values()
    bob.say(choice="history")
    with session_scope(engine) as s:
        assert s.get(Case, case_id).stage == "publicity"


def test_a_refused_change_gives_the_options_again(person, engine: Engine) -> None:
    """No dead end: "no" at the confirmation, and a change refused by the rules, are followed by the case's
    options."""
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, person("wang"))
    _at_case(bob, case_id)
    bob.say(choice="move:preliminary")
    bob.say(choice="no")
    assert "没有做任何改动" in bob.text and "move:preliminary" in bob.choice_values(), bob.text
    with session_scope(engine) as s:  # someone else closed it meanwhile
        rc.record_close(session=s, case=s.get(Case, case_id), outcome="withdrawn", reason="本人撤回",
                        actor_person_id=None, now=bob.clock.now)
    bob.say(choice="move:preliminary")
    bob.say(choice="yes")
    assert "该申报已办结" in bob.text, bob.text
    assert "reopen" in bob.choice_values(), bob.choice_values()


def test_the_command_line_names_a_prefecture_union_as_the_chat_does(person, db_url: str, capsys) -> None:
    """A case the chat keeps under 大理白族自治州总工会 is listed and moved by `--unit 大理州总工会`: one ledger per
    union, whichever short name a clerk types."""
    wang = person("wang")
    clerk = person("li", clerk="大理州总工会")
    case_id = _open_case(clerk, wang, title="赵六")
    capsys.readouterr()
    assert cli(["case", "list", "--unit", "大理州总工会", "--db", db_url]) == 0
    assert "赵六" in capsys.readouterr().out
    assert cli(["case", "move", str(case_id), "preliminary", "--unit", "大理州总工会", "--db", db_url]) == 0
    assert cli(["case", "list", "--unit", "昆明市总工会", "--db", db_url]) == 0
    assert "赵六" not in capsys.readouterr().out


@pytest.mark.parametrize(("programme", "article"), [("craftsman", "第十一条"), ("studio", "第十四条")])
def test_a_recommending_union_records_its_own_stages_only(person, engine: Engine, programme: str,
                                                          article: str) -> None:
    """A trial's 昆明市 clerk moved a case alone through the re-check, expert review, vote and leading group: the
    provincial federation's stages. Refused in the service (chat, web console), not offered in the chat; the
    provincial federation's clerks and the server's operator (the command line) record them."""
    from handlers.services.cases import CaseRuleError, advance_case, change_case

    bob = person(f"bob-{programme}", clerk=KM)
    case_id = _open_case(bob, person(f"wang-{programme}"), programme, "王师傅")
    _act(bob, case_id, "move:preliminary")
    _at_case(bob, case_id)
    assert "move:review" not in bob.choice_values() and article in bob.text, bob.text
    # What passing its preliminary review asks of the union: the papers sent up, not a move recorded here.
    assert "报送省总工会" in bob.text and "rejected" in bob.choice_values()
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        with pytest.raises(CaseRuleError) as refused:
            advance_case(session=s, case=case, to_stage="review", actor_id=None, reason="", now=bob.clock.now,
                         by_unit=KM)
        assert article in refused.value.text(translator("zh")) and KM in refused.value.text(translator("zh"))
        advance_case(session=s, case=case, to_stage="review", actor_id=None, reason="", now=bob.clock.now,
                     by_unit=PROV)
        for change in ("back", "rejected"):  # nor taken back or closed at the federation's stages
            with pytest.raises(CaseRuleError):
                change_case(session=s, case=case, change=change, reason="点错了", actor_id=None,
                            now=bob.clock.now, by_unit=KM)
        advance_case(session=s, case=case, to_stage="expert_review", actor_id=None, reason="",
                     now=bob.clock.now)  # the operator
    _at_case(bob, case_id)  # followed, not changed
    assert bob.choice_values() == ["history"] and article in bob.text, bob.choice_values()
    bob.say(choice="history")
    assert "专家评审" in bob.text


def test_the_console_refuses_a_recommending_union_the_federations_stages(engine: Engine, person) -> None:
    from handlers.services import console_actions as act
    from handlers.services.console_auth import Clerk

    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, person("wang"))
    _act(bob, case_id, "move:preliminary")
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        clerk = Clerk(person_id=case.person_id, unit=KM, name="bob", locale="zh", session_id=0, csrf="")
        with pytest.raises(act.ActionRefused) as refused:
            act.move_case(s, clerk=clerk, case=case, to_stage="review", now=bob.clock.now, publicity_start=None)
        assert "第十一条" in translator("zh")(refused.value.message, **refused.value.params)
        assert case.stage == "preliminary"


# -- paper applications ------------------------------------------------------------------------------
def _paper_case(clerk, typed: str | None = None, title: str = "李四") -> tuple[int, str]:  # type: ignore[no-untyped-def]
    clerk.say("/cases")
    clerk.say(choice="new")
    if typed is None:
        clerk.say(choice="paper")
    else:
        clerk.say(typed)
    clerk.say(choice="craftsman")
    clerk.say(title)
    case = re.search(r"#(\d+)", clerk.text)
    code = re.search(r"\b([A-Z2-9]{4})-([A-Z2-9]{4})\b", clerk.text)
    assert case and code, clerk.text
    return int(case[1]), code[0]


def test_a_paper_application_is_registered_and_claimed_by_its_applicant(person, engine: Engine) -> None:
    """An applicant who filed on paper never typed /status: the clerk registers the case without a code and
    gets a claim code to hand over; until it is claimed nobody is told of its steps, and once claimed the case
    is the applicant's, in /status and in every notification after (a blind trial's clerk found no way in)."""
    bob = person("bob", clerk=KM)
    case_id, code = _paper_case(bob)
    assert "纸质申报" in bob.text
    _act(bob, case_id, "move:preliminary")  # moved before the claim: nobody to tell
    assert _notes(engine) == []
    li = person("li-paper")
    li.say("/status")
    assert "绑定申报" in li.text  # where to type a claim code is said where one looks for the case
    li.say("绑定申报")
    li.say(code.lower().replace("-", " "))  # typed loosely
    assert "绑定成功" in li.text and "初审" in li.text, li.text
    li.say("/status")
    assert "李四" in li.text or "初审" in li.text, li.text
    _act(_provincial(person, bob), case_id, "move:review")  # the re-check is the province's (第十一条)
    notes = _notes(engine)
    assert len(notes) == 1 and "复审" in notes[0]["text"], notes
    with session_scope(engine) as s:
        case = s.get(Case, case_id)
        assert case is not None
        owner = case.person_id
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "case.claim")).first() is not None
    # The code works once: another person cannot take the case after
    mo = person("mo-paper")
    mo.say("绑定申报")
    mo.say(code)
    assert "认领码无效" in mo.text, mo.text
    with session_scope(engine) as s:
        assert s.get(Case, case_id).person_id == owner  # type: ignore[union-attr]


def test_a_personal_status_code_claims_nothing(person, engine: Engine) -> None:
    """The /status code a worker gives their clerk is no claim code: typed by someone else at 绑定申报 it hands
    over none of that worker's cases, and is not used up."""
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    code = _code(wang)
    thief = person("thief")
    thief.say("/claim")
    thief.say(code)
    assert "认领码无效" in thief.text, thief.text
    with session_scope(engine) as s:
        owner = s.get(Case, case_id).person_id  # type: ignore[union-attr]
        assert rc.peek_link_code(session=s, code=code, now=bob.clock.now) == owner


@pytest.mark.parametrize("typed", ["纸质申报", "no code"])
def test_no_code_typed_is_a_paper_application(person, typed: str) -> None:  # type: ignore[no-untyped-def]
    bob = person(f"bob-{typed}", clerk=KM, locale="en" if typed.isascii() else None)
    _case_id, code = _paper_case(bob, typed)
    assert code in bob.text
