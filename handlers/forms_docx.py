"""The filled 申报表 as a Word document laid out like the printed annex, and the clerk's export bundle.

The printed title, the 填报要求/注 notes and the review-opinion rows come from the annex data of
``knowledge`` (one source of truth); the review rows are left blank for the unions to fill in.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook

from handlers.forms import CONTRIB, LEAD, SKILL, field_of
from knowledge.loader import measure
from knowledge.models import Annex

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP_MIME = "application/zip"
CHECKED, UNCHECKED = "☑", "☐"
FONT = "宋体"

Cell = tuple[str, int]  # text, columns spanned
Layout = tuple[int, list[list[Cell]], list[tuple[int, int, int]]]  # columns, rows, vertical merges


def application_annex(programme: str) -> Annex:
    """附件2 of the measure: the application form."""
    return next(a for a in measure(programme).annexes if a.number == 2)


def boxes(programme: str, key: str, chosen: Any) -> str:
    """The printed options of a check-box field with the chosen ones ticked: ☑是 ☐否."""
    picked = chosen if isinstance(chosen, list) else [chosen]
    return " ".join(f"{CHECKED if v in picked else UNCHECKED}{v}" for v, _en in field_of(programme, key).options)


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _craftsman(v: dict[str, Any]) -> Layout:
    t = lambda key: text_of(v.get(key))  # noqa: E731
    b = lambda key: boxes("craftsman", key, v.get(key))  # noqa: E731
    detail = t("skill_detail")
    ticked = v.get("superb_skill") or []
    skill = " ".join(f"{CHECKED if o in ticked else UNCHECKED}{o}：{detail if ticked and o == ticked[0] else ''}"
                     for o, _en in field_of("craftsman", "superb_skill").options)
    level = "\n".join([
        f"技术水平 {b('technical_level')}", f"是否获得专利：{b('has_patent')}",
        f"发明专利数量：{t('invention_patents')}", f"实用新型专利数量：{t('utility_model_patents')}",
        f"外观设计专利数量：{t('design_patents')}"])
    lead = f"技能、技艺传授途径：{b('teaching_channel')}\n技能、技艺传授范围：{b('teaching_scope')}"
    rows: list[list[Cell]] = [
        [("姓名", 1), (t("name"), 1), ("性别", 1), (t("gender"), 1), ("民族", 1), (t("ethnicity"), 1),
         ("手机号码", 1), (t("mobile"), 1)],
        [("政治面貌", 1), (t("political_status"), 1), ("学历", 1), (t("education"), 2), ("职务", 1),
         (t("position"), 2)],
        [("身份证号", 1), (t("id_number"), 4), ("电子邮箱", 1), (t("email"), 2)],
        [("户籍属性", 1), (b("household_type"), 3), ("是否外来务工人员", 2), (b("migrant_worker"), 2)],
        [("家庭住址", 1), (t("home_address"), 5), ("邮编", 1), (t("home_postcode"), 1)],
        [("工作单位", 1), (t("employer"), 5), ("单位性质", 1), (t("employer_type"), 1)],
        [("所属行业", 1), (t("industry"), 2), ("工种", 1), (t("trade"), 2), ("工作年限", 1),
         (t("years_of_service"), 1)],
        [("单位地址", 1), (t("employer_address"), 5), ("邮编", 1), (t("employer_postcode"), 1)],
        [("身份", 1), (b("identity"), 7)],
        [("技能等级或职称", 1), (b("skill_level"), 7)],
        [(SKILL, 1), (skill, 3), (level, 4)],
        [(LEAD, 1), (lead, 3), (CONTRIB, 1), (f"{b('contribution_scope')} 作出突出贡献，取得重要成果", 3)],
        [("简要事迹（600字）", 1), (t("brief_deeds"), 7)],
        [("所获荣誉", 1), (t("honours"), 7)],
    ]
    return 8, rows, []


def _team(programme: str, v: dict[str, Any]) -> Layout:
    t = lambda key: text_of(v.get(key))  # noqa: E731
    label = lambda key: field_of(programme, key).label  # noqa: E731
    lead, phone, email = field_of(programme, "leader"), "电 话", "E-mail"
    team = "团队成员简要情况" if programme == "studio" else "团队人员简要情况"
    rows: list[list[Cell]] = [
        [(label("unit_name"), 1), (t("unit_name"), 2)],
        [(label("employer"), 1), (t("employer"), 2)],
        [(lead.group, 1), ("负责人", 1), (t("leader"), 1)],
        [("", 1), ("联系人", 1), (t("contact_person"), 1)],
        [("", 1), (phone, 1), (t("phone"), 1)],
        [("", 1), ("手 机", 1), (t("mobile"), 1)],
        [("", 1), (email, 1), (t("email"), 1)],
        [("成立时间", 1), (t("founded"), 2)],
        [(team, 1), (f"领军人员情况：{t('leader_profile')}\n团队成员情况：{t('members_profile')}", 2)],
        [("主要活动业绩及获奖情况（600字）", 1), (t("achievements"), 2)],
        [(label("rules"), 1), (t("rules"), 2)],
        [(label("funding"), 1), (t("funding"), 2)],
        [(label("supplement_list"), 1), (t("supplement_list"), 2)],
    ]
    return 3, rows, [(2, 6, 0)]


def _set_font(doc: Any) -> None:
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _table(doc: Any, layout: Layout, opinions: Sequence[str]) -> None:
    cols, rows, vmerges = layout
    rows = [*rows, *([(label, 1), ("\n\n\n盖章：\n年　　月　　日", cols - 1)] for label in opinions)]
    table = doc.add_table(rows=len(rows), cols=cols)
    table.style = "Table Grid"
    for r, cells in enumerate(rows):
        c = 0
        for text, span in cells:
            cell = table.cell(r, c)
            if span > 1:
                cell = cell.merge(table.cell(r, c + span - 1))
            cell.text = text
            c += span
    for first, last, col in vmerges:
        keep = table.cell(first, col).text
        table.cell(first, col).merge(table.cell(last, col)).text = keep


def build_docx(programme: str, answers: dict[str, Any]) -> bytes:
    """The filled form. ``answers`` holds every stored answer, personal ones in clear (the caller decides
    who may receive them: the applicant, or a clerk of the unit the form is filed with)."""
    annex = application_annex(programme)
    doc = Document()
    _set_font(doc)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(annex.printed_title)
    run.bold, run.font.size = True, Pt(16)
    if programme == "craftsman":
        doc.add_paragraph(f"申报方式：{boxes(programme, 'declaration_channel', answers.get('declaration_channel'))}")
        layout = _craftsman(answers)
    else:
        layout = _team(programme, answers)
    _table(doc, layout, [f.label for f in annex.fields if f.kind == "opinion"])
    _notes(doc, annex.notes)
    if answers.get("deeds"):
        _deeds(doc, programme, answers)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _notes(doc: Any, notes: Sequence[str]) -> None:
    """Print the notes as on the form: the common prefix (填报要求：/注：) once, then the items."""
    if not notes:
        return
    prefix = re.match(r"^([^：:]{1,6}[：:])", notes[0])
    head = prefix.group(1) if prefix and all(n.startswith(prefix.group(1)) for n in notes) else ""
    para = doc.add_paragraph()
    para.add_run(head).bold = True
    for i, note in enumerate(notes):
        if i:
            para.add_run().add_break()
        para.add_run(note[len(head):])


def _deeds(doc: Any, programme: str, answers: dict[str, Any]) -> None:
    """The full account (事迹材料, at most 2000 characters) on a page of its own after the form."""
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    who = answers.get("name") if programme == "craftsman" else answers.get("unit_name")
    run = head.add_run(f"{who or ''}事迹材料")
    run.bold, run.font.size = True, Pt(14)
    for line in str(answers["deeds"]).splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())


def filename(programme: str, answers: dict[str, Any], draft_id: int) -> str:
    who = answers.get("name") if programme == "craftsman" else answers.get("unit_name")
    safe = re.sub(r'[\\/:*?"<>|\s]+', "", str(who or ""))[:30] or str(draft_id)
    return f"{application_annex(programme).title}-{safe}-{draft_id}.docx"


def build_export(forms: Iterable[tuple[int, str, dict[str, Any], datetime | None]], unit: str) -> bytes:
    """A zip with one .docx per form (what the union prints, stamps and passes up) and ``汇总.xlsx``
    listing them. ``forms`` yields (draft id, programme, answers, submitted at)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append(["编号", "申报表", "姓名/名称", "所在单位", "手机", "提交时间", "文件"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for draft_id, programme, answers, submitted in forms:
            name = filename(programme, answers, draft_id)
            zf.writestr(name, build_docx(programme, answers))
            who = answers.get("name") if programme == "craftsman" else answers.get("unit_name")
            sheet.append([draft_id, application_annex(programme).title, text_of(who), text_of(answers.get("employer")),
                          text_of(answers.get("mobile")), submitted.strftime("%Y-%m-%d %H:%M") if submitted else "",
                          name])
        sheet_bytes = io.BytesIO()
        book.save(sheet_bytes)
        zf.writestr(f"汇总-{unit}.xlsx", sheet_bytes.getvalue())
    return out.getvalue()
