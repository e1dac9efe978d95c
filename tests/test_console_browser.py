"""The clerks' web console in a real browser: Debian's Chromium driven by Playwright (never `playwright
install`), against the app served by uvicorn. One browser for the module; each test its own server and
browser context. Every page is checked with axe-core (vendored): no serious or critical violations.
Screenshots are kept under pytest's tmp dir (``console-shots``)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select
from test_console_auth import KM, PROVINCE, PUBLIC, QJ, link_of, make_desk
from test_console_classes import class_id
from test_signin import ALICE, code_now, setup_class, sign
from test_signin_screen_browser import serving
from test_training_classes import class_form, good_rows, roster_sheet

from handlers.services import broadcasts
from handlers.training_sheets import XLSX_MIME as XLSX
from storage.db import session_scope
from storage.models import AuditEvent, OutboxMessage
from storage.models_cases import Broadcast, Case
from storage.models_training import TrainingClass

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
PHONE = {"width": 390, "height": 844}
desk = pytest.fixture(make_desk, name="desk")
AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                          .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium for the module; Playwright gives it a profile directory of its own (a fresh temporary
    one, removed at close), which is why no --user-data-dir is passed."""
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-shots")


def accessible(page, base: str, name: str, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """axe-core over the page as shown, and a screenshot of it."""
    # A click on a link returns once the navigation has committed, before the new document has a head to
    # add the script to ("Cannot read properties of null (reading 'appendChild')", seen once in a full run).
    page.wait_for_load_state("load")
    page.add_script_tag(url=f"{base}/console/static/vendor/axe.min.js")
    bad = page.evaluate(AXE)
    assert not bad, f"{name}: {bad}"
    # The bytes, written here: Playwright's own file writing would start executor threads that outlive the test.
    (shots / f"{name}.png").write_bytes(page.screenshot(full_page=True))


def sign_in(page, base: str, li) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + link_of(li))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/console")


def test_sign_in_answer_a_ticket_and_move_a_case(desk, browser, engine, shots) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    with serving(web) as base:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(base + "/console/tickets")  # no cookie: the sign-in page
        assert page.url == base + "/console/signin"
        assert "发送“后台”" in page.inner_text("main")
        accessible(page, base, "signin", shots)
        sign_in(page, base, li)
        assert page.get_by_role("heading", name="今天", level=1).is_visible()
        cookie = next(c for c in context.cookies() if c["name"] == "yl_console")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        accessible(page, base, "today", shots)

        page.get_by_role("link", name="工单", exact=True).click()
        accessible(page, base, "tickets", shots)
        page.get_by_role("link", name=f"GD{ids['ticket_km']:06d}").click()
        page.get_by_role("button", name="认领").click()
        assert "您已认领此工单" in page.inner_text("main")
        page.get_by_label("您的回复").fill("请带上技能证书原件到市总工会。")
        accessible(page, base, "ticket", shots)
        page.get_by_role("button", name="发送回复").click()
        assert "您的回复正在发送给提问人" in page.inner_text("[role=status]")
        with Session(engine) as s:
            out = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "ticket")).one()
            body = json.loads(out.body)
        assert out.person_id == ids["person_km"] and "Answer from 昆明市总工会" in body["text"]

        page.get_by_role("link", name="申报", exact=True).click()
        accessible(page, base, "cases", shots)
        page.get_by_role("link", name=f"#{ids['case_km']} ").first.click()
        page.get_by_role("button", name="推进到：初审").click()
        assert "已完成，已通知申报人" in page.inner_text("[role=status]")
        accessible(page, base, "case", shots)
        with Session(engine) as s:
            assert s.get(Case, ids["case_km"]).stage == "preliminary"  # type: ignore[union-attr]
            notes = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "status")).all()
        assert any("moved to a new stage" in json.loads(n.body)["text"] for n in notes)

        page.get_by_role("link", name="审计").click()
        page.get_by_label("操作（开头）").fill("ticket.")
        page.get_by_role("button", name="筛选").click()
        assert "ticket.answer.web" in page.inner_text("table") and "case.move" not in page.inner_text("table")
        accessible(page, base, "audit", shots)
        context.close()


def test_a_case_closed_taken_back_and_opened_again_in_the_browser(desk, browser, engine, shots) -> None:  # type: ignore[no-untyped-def]
    """What the chat and the CLI could do, the case page does too: a move taken back, the case closed with an
    outcome, then opened again, each with a reason the applicant is told; a reason is required."""
    li, web, ids = desk
    with serving(web) as base:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        sign_in(page, base, li)
        page.goto(f"{base}/console/cases/{ids['case_km']}")
        page.get_by_role("button", name="推进到：初审").click()
        page.get_by_text("结案，或撤回误操作的推进").click()
        page.get_by_label("情况").select_option("back")
        page.get_by_label("原因（申报人会看到）").fill("点错了，材料仍在受理")
        accessible(page, base, "case-change", shots)
        page.get_by_role("button", name="记录并通知申报人").click()
        assert "已完成，已通知申报人" in page.inner_text("[role=status]")
        page.get_by_text("结案，或撤回误操作的推进").click()
        page.get_by_label("情况").select_option("withdrawn")
        page.get_by_label("原因（申报人会看到）").fill("本人申请撤回")
        page.get_by_role("button", name="记录并通知申报人").click()
        with Session(engine) as s:
            c = s.get(Case, ids["case_km"])
            assert c is not None and c.outcome == "withdrawn" and c.stage == "submitted"
        reopen = page.get_by_label(re.compile("为什么重新开启"))
        reopen.fill("x")  # one character: the browser and the service both want a reason
        page.evaluate("document.getElementById('reopen-reason').removeAttribute('minlength')")
        page.get_by_role("button", name="重新开启（误办结）").click()
        assert "原因" in page.inner_text("[role=alert]") or "reason" in page.inner_text("[role=alert]")
        page.get_by_label(re.compile("为什么重新开启")).fill("误操作，申请人并未撤回")
        page.get_by_role("button", name="重新开启（误办结）").click()
        assert "已完成，已通知申报人" in page.inner_text("[role=status]")
        accessible(page, base, "case-reopened", shots)
        with Session(engine) as s:
            c = s.get(Case, ids["case_km"])
            assert c is not None and not c.outcome and c.stage == "submitted"
            texts = [json.loads(n.body)["text"] for n in s.exec(select(OutboxMessage).where(
                OutboxMessage.kind == "status", OutboxMessage.person_id == ids["person_km"]))]
            actions = [a.action for a in s.exec(select(AuditEvent).where(
                col(AuditEvent.action).like("console.case.change%")))]
        assert any("点错了，材料仍在受理" in t for t in texts) and any("误操作，申请人并未撤回" in t for t in texts)
        assert len(actions) == 3
        context.close()


def test_security_in_the_browser(desk, browser, clock, shots) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    with serving(web) as base:
        context = browser.new_context()
        page = context.new_page()
        path = link_of(li)
        page.goto(base + path)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/console")
        other = browser.new_context().new_page()  # the same link again, elsewhere
        other.goto(base + path)
        other.get_by_role("button", name="登录").click()
        assert "已被使用" in other.inner_text("main") and "/console/signin/" in other.url
        other.context.close()

        response = page.goto(f"{base}/console/cases/{ids['case_qj']}")
        assert response is not None and response.status == 404 and "本单位没有这条记录" in page.inner_text("main")
        accessible(page, base, "not-found", shots)

        page.goto(f"{base}/console/tickets/{ids['ticket_km']}")
        page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')")
        page.get_by_label("您的回复").fill("伪造的请求")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.get_by_role("button", name="发送回复").click()
        assert posted.value.status == 403
        page.goto(f"{base}/console/tickets/{ids['ticket_km']}")
        assert "伪造的请求" not in page.inner_text("main")
        assert "&lt;b&gt;" not in page.inner_text("main") and page.locator("main b").count() == 0

        clock.advance(hours=8, minutes=1)
        page.goto(f"{base}/console/cases")
        assert page.url.startswith(base + "/console/signin")
        context.close()


def test_phone_width_keyboard_english(desk, browser, person, shots) -> None:  # type: ignore[no-untyped-def]
    li, web, ids = desk
    with serving(web) as base:
        context = browser.new_context(viewport=PHONE, device_scale_factor=1)
        page = context.new_page()
        sign_in(page, base, li)
        page.get_by_role("button", name="English").click()
        # The choice reloads the page: waited for (is_visible() does not wait, and lost the race once in CI).
        page.get_by_role("heading", name="Today", level=1).wait_for(state="visible")
        for path in ("/console", "/console/tickets", "/console/cases", f"/console/cases/{ids['case_km']}",
                     f"/console/tickets/{ids['ticket_km']}", "/console/audit"):
            page.goto(base + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"
            name = "phone" + path.replace("/", "-")
            accessible(page, base, name, shots)
        page.goto(base + "/console")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        context.close()


def test_classes_register_approve_roster_and_live_attendance(desk, browser, engine, person, clock, shots) -> None:  # type: ignore[no-untyped-def]
    """Register a class by the form (a double click creates one), approve it, upload a roster with bad rows then
    a good one, and watch a session's attendance change while a trainee signs in through the chat."""
    li, web, _ids = desk
    code, sid = setup_class(engine)  # approved, a session under way (09:00-12:00), three on the roster
    with serving(web) as base:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        sign_in(page, base, li)
        page.get_by_role("link", name="培训班", exact=True).click()
        assert code in page.inner_text("table")
        accessible(page, base, "classes", shots)
        page.get_by_role("link", name="登记培训班（附件3）").click()
        form = class_form()
        page.check("input[name=project][value=upgrade]")
        for key, value in form.items():
            if key not in ("project",):
                page.fill(f"#f-{key}", str(value))
        page.fill("#f-trade", "<i>焊工</i>")
        accessible(page, base, "class-new", shots)
        page.get_by_role("button", name="登记培训班").dblclick()
        page.wait_for_selector("[role=status]")
        assert "培训班已登记" in page.inner_text("[role=status]")
        assert "<i>焊工</i>" in page.inner_text("h1") and page.locator("main i").count() == 0
        with Session(engine) as s:
            created = s.exec(select(TrainingClass).where(TrainingClass.code != code)).all()
        assert len(created) == 1 and created[0].status == "pending"
        page.get_by_label("审批表由谁签批").fill("孙主席")
        page.get_by_role("button", name="登记审批结果").click()
        assert "审批已记录" in page.inner_text("[role=status]") and "已审批" in page.inner_text("dd.status")

        rows = good_rows()
        rows[1][2] = "53010119900101123"  # 17 characters
        page.set_input_files("#roster", files=[{"name": "名单.xlsx", "mimeType": XLSX, "buffer": roster_sheet(rows)}])
        page.get_by_role("button", name="上传", exact=True).click()
        problems = page.inner_text("#problems")
        assert "未导入任何学员" in problems and "第5行" in problems and "18" in problems
        accessible(page, base, "class-roster-errors", shots)
        page.set_input_files("#roster", files=[{"name": "名单.xlsx", "mimeType": XLSX,
                                                "buffer": roster_sheet(good_rows())}])
        page.get_by_role("button", name="上传", exact=True).click()
        assert "名单已导入" in page.inner_text("[role=status]") and "张三" in page.inner_text("table")
        accessible(page, base, "class", shots)

        page.goto(f"{base}/console/classes/{class_id(engine, code)}/sessions/{sid}")
        assert "0 / 3 已签到" in page.inner_text("#attendance")
        assert page.get_by_role("link", name="打开签到投屏页面").get_attribute("href").startswith("/signin/")
        accessible(page, base, "class-session", shots)
        sign(person("alice", locale="en"), code, code_now(engine, sid, clock), ALICE[-6:])
        page.wait_for_selector("#attendance:has-text('1 / 3')", timeout=10_000)  # htmx polls every 3 s
        assert "爱丽丝" in page.inner_text("#attendance")
        context.close()


def test_classes_at_phone_width_in_english(desk, browser, engine, shots) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    code, sid = setup_class(engine)
    cid = class_id(engine, code)
    with serving(web) as base:
        context = browser.new_context(viewport=PHONE, device_scale_factor=1)
        page = context.new_page()
        sign_in(page, base, li)
        page.get_by_role("button", name="English").click()
        for path in ("/console/classes", "/console/classes/new", f"/console/classes/{cid}",
                     f"/console/classes/{cid}/sessions/{sid}", f"/console/classes/{cid}/trainees/1"):
            page.goto(base + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"
            assert not re.search(r"[\u4e00-\u9fff]{4,}", page.inner_text("h1")), page.inner_text("h1")
            accessible(page, base, "phone" + path.replace("/", "-"), shots)
        context.close()


def _when(clock, days: int) -> str:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo
    return (clock.now + timedelta(days=days)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_broadcast_compose_schedule_cancel_send_and_report(desk, browser, engine, clock, shots) -> None:  # type: ignore[no-untyped-def]
    """Compose a broadcast to a segment, watch the count and the previews follow it, schedule it (a double click
    makes one), cancel it; send another now and read its report after the outbox rows were worked."""
    li, web, _ids = desk
    with session_scope(engine) as s:
        other = broadcasts.create_draft(session=s, author_person_id=None, unit=QJ, segment={"kind": "applicants"},
                                        text="曲靖的通知", now=clock.now)
        assert other is not None
        other_id = other.id
    with serving(web) as base:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        sign_in(page, base, li)
        page.get_by_role("link", name="群发通知", exact=True).click()
        page.get_by_label("项目", exact=True).select_option("studio")
        page.wait_for_selector("#recipients:has-text('0 位收件人')")
        page.get_by_label("项目", exact=True).select_option("craftsman")
        page.wait_for_selector("#recipients:has-text('1 位收件人')")  # Kunming's applicant, not Qujing's
        page.get_by_label("通知内容").fill("<b>明天</b>上午九点开会")
        page.wait_for_selector("#recipients:has-text('上午九点开会')")
        shown = page.inner_text("#recipients")
        assert "昆明市总工会通知：" in shown and "Notice from 昆明市总工会" in shown and "<b>明天</b>" in shown
        assert page.locator("#recipients b").count() == 0
        accessible(page, base, "broadcasts", shots)
        page.fill("#b-when", _when(clock, 1))
        page.get_by_role("button", name="发送或定时发送").dblclick()
        page.wait_for_selector("[role=status]")
        assert "已安排" in page.inner_text("[role=status]") and "已定时" in page.inner_text("dd.status")
        with Session(engine) as s:
            mine = s.exec(select(Broadcast).where(Broadcast.unit == KM)).all()
        assert len(mine) == 1 and mine[0].status == "scheduled"
        accessible(page, base, "broadcast-scheduled", shots)
        page.get_by_role("button", name="取消这条群发通知").click()
        assert "已取消" in page.inner_text("[role=status]")

        page.get_by_role("link", name="群发通知", exact=True).click()
        page.get_by_label("通知内容").fill("材料请于周五前提交")
        page.get_by_role("button", name="发送或定时发送").click()
        page.wait_for_selector("[role=status]")
        report_url = page.url
        with session_scope(engine) as s:  # the scheduler releases it; the test's sender delivers it
            assert broadcasts.release_due_broadcasts(session=s, now=clock.now) == 1
            s.execute(update(OutboxMessage).where(col(OutboxMessage.broadcast_id).is_not(None),
                                                  OutboxMessage.status == "pending")
                      .values(status="sent", sent_at=clock.now, channel="telegram"))
        page.goto(report_url)
        assert page.inner_text("td.sent") == "1" and page.inner_text("td.unreachable") == "0"
        assert page.locator("figure.chart svg rect").count() == 1
        accessible(page, base, "broadcast-report", shots)

        response = page.goto(f"{base}/console/broadcasts/{other_id}")
        assert response is not None and response.status == 404
        page.goto(base + "/console/broadcasts")
        page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')")
        page.get_by_label("通知内容").fill("伪造的群发")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.get_by_role("button", name="发送或定时发送").click()
        assert posted.value.status == 403
        with Session(engine) as s:
            assert not s.exec(select(Broadcast).where(Broadcast.text == "伪造的群发")).all()
        context.close()


def test_broadcasts_at_phone_width_in_english(desk, browser, engine, clock, shots) -> None:  # type: ignore[no-untyped-def]
    li, web, _ids = desk
    with session_scope(engine) as s:
        b = broadcasts.compose(session=s, author_person_id=None, unit=KM, segment={"kind": "applicants"},
                               text="A notice " * 40, now=clock.now, when=None, request_key="phone")
        bid = b.id
    with serving(web) as base:
        context = browser.new_context(viewport=PHONE, device_scale_factor=1)
        page = context.new_page()
        sign_in(page, base, li)
        page.get_by_role("button", name="English").click()
        for path in ("/console/broadcasts", f"/console/broadcasts/{bid}"):
            page.goto(base + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"
            assert not re.search(r"[\u4e00-\u9fff]{4,}", page.inner_text("h1").replace(KM, "")), page.inner_text("h1")
            accessible(page, base, "phone" + path.replace("/", "-"), shots)


def test_questions_page_and_a_bulk_move_with_preview(desk, browser, engine, person, shots) -> None:  # type: ignore[no-untyped-def]
    """A question the assistant abstained on in the chat appears on the Questions page of a provincial clerk;
    two cases moved at once after a preview of who is told (names masked), the confirm button double-clicked:
    each applicant is told once."""
    _li, web, ids = desk
    sun = person("sun", clerk=PROVINCE)
    sun.d.settings = replace(sun.d.settings, public_url=PUBLIC)
    person("wang").say("加班费怎么算？电话13912345678")  # not in the four measures: the assistant abstains
    with serving(web) as base:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        sign_in(page, base, sun)
        page.get_by_role("link", name="提问", exact=True).click()
        assert page.get_by_role("heading", name="助手未能回答的提问", level=1).is_visible()
        table = page.inner_text("table")
        assert "加班费怎么算？电话139****5678" in table and "13912345678" not in page.content()
        assert page.locator("svg.chart rect.bar").count() == 12
        accessible(page, base, "questions", shots)
        page.get_by_role("link", name="最可能相关的同一条款").click()
        accessible(page, base, "questions-by-article", shots)

        page.get_by_role("link", name="申报", exact=True).click()
        page.get_by_label(f"选择申报 #{ids['case_km']}").check()
        page.get_by_label(f"选择申报 #{ids['case_qj']}").check()
        page.get_by_label("将所选申报推进到").select_option("preliminary")
        page.get_by_role("button", name="预览将通知哪些人").click()
        who = sorted(page.locator("td.who").all_inner_texts())
        assert who == ["<***", "李*"]  # "<b>张三</b>" and "李四", masked
        accessible(page, base, "cases-bulk-preview", shots)
        sent = page.evaluate("() => Object.fromEntries(new FormData("
                             "document.querySelector('form[action$=\"/cases/bulk/move\"]')))")
        page.get_by_role("button", name="确认：推进 2 个申报并通知申报人").dblclick()
        page.wait_for_url(re.compile(r"moved=2"))
        # The same form sent again with the browser's cookie (a double click that got through, a resent form).
        again = page.request.post(base + "/console/cases/bulk/move", form=sent)
        assert again.ok and "moved=2" in again.url
        assert "2 个申报已推进" in page.inner_text("[role=status]")
        accessible(page, base, "cases-bulk-done", shots)
        with Session(engine) as s:
            assert {s.get(Case, ids[k]).stage for k in ("case_km", "case_qj")} == {"preliminary"}  # type: ignore[union-attr]
            notes = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "status")).all()
        moved = [n.person_id for n in notes if "moved to a new stage" in n.body or "进入新的环节" in n.body]
        assert sorted(moved) == sorted([ids["person_km"], ids["person_qj"]])  # each applicant once
        with Session(engine) as s:
            actions = [a.action for a in s.exec(select(AuditEvent))]
        assert actions.count("console.case.bulk_move") == 1 and "console.case.bulk_move.again" in actions

        page.get_by_role("button", name="English").click()
        page.goto(base + "/console/questions")
        assert page.get_by_role("heading", name="Questions the assistant could not answer", level=1).is_visible()
        page.set_viewport_size(PHONE)
        accessible(page, base, "questions-phone-en", shots)
        context.close()


def test_every_page_reflows_at_200_percent_zoom(desk, browser, shots) -> None:  # type: ignore[no-untyped-def]
    """A laptop window (1280 × 800) at 200 % zoom shows 640 CSS pixels across: every page fits without
    scrolling sideways (tables scroll inside their own region), and its text keeps its size."""
    li, web, ids = desk
    with serving(web) as base:
        context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
        page = context.new_page()
        sign_in(page, base, li)
        for path in ("/console", "/console/tickets", "/console/cases", f"/console/cases/{ids['case_km']}",
                     "/console/classes", "/console/classes/new", "/console/broadcasts", "/console/audit"):
            page.goto(base + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 640, f"{path} is {width}px wide at 200 % zoom"
            size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
            assert size >= 14, f"{path}: text {size}px"
            accessible(page, base, "zoom200" + path.replace("/", "-"), shots)
        context.close()
