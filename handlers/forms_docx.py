"""The filled 申报表 as a Word document laid out like the printed annex, and the clerk's export bundle; the
training fund's 技能培训班审批表 (附件3) of one class the same way.

The printed title, the 填报要求/注 notes and the review-opinion rows come from the annex data of
``knowledge`` (one source of truth); the review rows are left blank for the unions to fill in.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook

from handlers.forms import CONTRIB, LEAD, SKILL, field_of, typed_in_english
from handlers.xlsx_print import print_ready
from knowledge.idcard import id_age
from knowledge.loader import annex, measure
from knowledge.models import Annex

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP_MIME = "application/zip"
CHECKED, UNCHECKED = "☑", "☐"
FONT = "宋体"

# The printed page: A4 with the margins of a government form, the table as wide as the text area.
PAGE_W, PAGE_H, MARGIN_X, MARGIN_Y = 21.0, 29.7, 2.0, 2.0  # cm
BODY_PT, NOTES_PT, MIN_PT = 10.5, 9.0, 7.0
CELL_PAD = 0.19  # cm, left and right: Word's and LibreOffice's default cell margin
# Column widths (cm) summing to the text width (17 cm): labels as wide as four characters, the phone and
# e-mail columns wide enough for an 11-digit number and an ordinary address on one line.
CRAFTSMAN_COLUMNS = (2.0, 2.6, 1.4, 2.0, 1.4, 2.4, 2.0, 3.2)
TEAM_COLUMNS = (3.4, 2.0, 11.6)
# cm, at least: room for a stamp (less when the annex has five such boxes); an empty free-text box
OPINION_HEIGHT, OPINION_HEIGHT_MANY, LONG_HEIGHT = 2.6, 2.0, 1.2


@dataclass(frozen=True)
class Cell:
    text: str
    span: int = 1
    kind: str = "text"  # label | line (printed on one line: the font shrinks to fit) | text (wraps)


def L(text: str, span: int = 1) -> Cell:
    return Cell(text, span, "label")


def V(text: str, span: int = 1) -> Cell:
    return Cell(text, span, "line")


def T(text: str, span: int = 1) -> Cell:
    return Cell(text, span, "text")


Layout = tuple[Sequence[float], list[list[Cell]], list[tuple[int, int, int]]]  # widths, rows, vertical merges


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
    skill = "\n".join(f"{CHECKED if o in ticked else UNCHECKED}{o}：{detail if ticked and o == ticked[0] else ''}"
                      for o, _en in field_of("craftsman", "superb_skill").options)
    level = "\n".join([
        "技术水平：", b("technical_level"), f"是否获得专利：{b('has_patent')}",
        f"发明专利数量：{t('invention_patents')}", f"实用新型专利数量：{t('utility_model_patents')}",
        f"外观设计专利数量：{t('design_patents')}"])
    lead = f"技能、技艺传授途径：{b('teaching_channel')}\n技能、技艺传授范围：{b('teaching_scope')}"
    rows: list[list[Cell]] = [
        [L("姓名"), V(t("name")), L("性别"), V(t("gender")), L("民族"), V(t("ethnicity")), L("手机号码"),
         V(t("mobile"))],
        [L("政治面貌"), V(t("political_status")), L("学历"), V(t("education"), 2), L("职务"),
         V(t("position"), 2)],
        [L("身份证号"), V(t("id_number"), 4), L("电子邮箱"), V(t("email"), 2)],
        [L("户籍属性"), V(b("household_type"), 3), L("是否外来务工人员", 2), V(b("migrant_worker"), 2)],
        [L("家庭住址"), V(t("home_address"), 5), L("邮编"), V(t("home_postcode"))],
        [L("工作单位"), V(t("employer"), 5), L("单位性质"), V(t("employer_type"))],
        [L("所属行业"), V(t("industry"), 2), L("工种"), V(t("trade"), 2), L("工作年限"),
         V(t("years_of_service"))],
        [L("单位地址"), V(t("employer_address"), 5), L("邮编"), V(t("employer_postcode"))],
        [L("身份"), V(b("identity"), 7)],
        [L("技能等级或职称"), V(b("skill_level"), 7)],
        [L(SKILL), T(skill, 3), T(level, 4)],
        [L(LEAD), T(lead, 3), L(CONTRIB), T(f"{b('contribution_scope')} 作出突出贡献，取得重要成果", 3)],
        [L("简要事迹（600字）"), T(t("brief_deeds"), 7)],
        [L("所获荣誉"), T(t("honours"), 7)],
    ]
    return CRAFTSMAN_COLUMNS, rows, []


def _team(programme: str, v: dict[str, Any]) -> Layout:
    t = lambda key: text_of(v.get(key))  # noqa: E731
    label = lambda key: field_of(programme, key).label  # noqa: E731
    lead, phone, email = field_of(programme, "leader"), "电 话", "E-mail"
    team = "团队成员简要情况" if programme == "studio" else "团队人员简要情况"
    rows: list[list[Cell]] = [
        [L(label("unit_name")), V(t("unit_name"), 2)],
        [L(label("employer")), V(t("employer"), 2)],
        [L(lead.group), L("负责人"), V(t("leader"))],
        [L(""), L("联系人"), V(t("contact_person"))],
        [L(""), L(phone), V(t("phone"))],
        [L(""), L("手 机"), V(t("mobile"))],
        [L(""), L(email), V(t("email"))],
        [L("成立时间"), V(t("founded"), 2)],
        [L(team), T(f"领军人员情况：{t('leader_profile')}\n团队成员情况：{t('members_profile')}", 2)],
        [L("主要活动业绩及获奖情况（600字）"), T(t("achievements"), 2)],
        [L(label("rules")), T(t("rules"), 2)],
        [L(label("funding")), T(t("funding"), 2)],
        [L(label("supplement_list")), T(t("supplement_list"), 2)],
    ]
    return TEAM_COLUMNS, rows, [(2, 6, 0)]


def _set_font(doc: Any) -> None:
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _ems(text: str) -> float:
    """The printed width of a line in ems: CJK, full-width and box characters one em, the rest about 0.6."""
    return sum(1.0 if ord(ch) >= 0x2000 else 0.6 for ch in text)


def fitting_size(text: str, width_cm: float) -> float:
    """The body size, or a smaller one (to half points, not below MIN_PT) so that ``text`` fits one line."""
    room = (width_cm - 2 * CELL_PAD) * 72 / 2.54 * 0.97  # a little slack for the font's rounding
    ems = _ems(text)
    if not ems or ems * BODY_PT <= room:
        return BODY_PT
    return max(MIN_PT, int(room / ems * 2) / 2)


def _no_split(row: Any) -> None:
    """A row is never broken across two pages (a review box stays whole)."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _fixed(table: Any, widths: Sequence[float]) -> None:
    """A fixed-layout table of the given column widths: the renderer does not re-balance the columns."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Cm(width)


def _fill(cell: Any, item: Cell, width: float) -> None:
    cell.width = Cm(width)
    cell.text = item.text
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    size = fitting_size(item.text, width) if item.kind == "line" and "\n" not in item.text else BODY_PT
    for para in cell.paragraphs:
        if item.kind == "label":
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in para.runs:
            run.font.size = Pt(size)


def _opinion(cell: Any, signer: str, printed: str = "") -> None:
    """A review box: blank, with the stamp and date lines at its foot on the right; ``printed``: what the form
    prints in it for the signer to sign under (附件3: "已具备开班条件，申请开班。"), on the left above them."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    cell.text = printed or f"{signer}\n年　　月　　日"
    if printed:
        cell.paragraphs[0].paragraph_format.space_after = Pt(BODY_PT * 2)  # room for what is written by hand
        cell.add_paragraph(f"{signer}\n年　　月　　日")
    for para in cell.paragraphs[1 if printed else 0:]:
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(doc: Any, layout: Layout, opinions: Sequence[tuple[str, str]],
           printed: Mapping[str, str] | None = None) -> None:
    """``opinions``: (label, signer line) of each review box; ``printed``: label -> text printed in that box."""
    widths, rows, vmerges = layout
    cols = len(widths)
    body = len(rows)
    rows = [*rows, *([L(label), T("", cols - 1)] for label, _signer in opinions)]
    table = doc.add_table(rows=len(rows), cols=cols)
    table.style = "Table Grid"
    _fixed(table, widths)
    filled: dict[tuple[int, int], tuple[Cell, float]] = {}  # (row, column) -> what went there, and its width
    for r, cells in enumerate(rows):
        c = 0
        for item in cells:
            cell = table.cell(r, c)
            if item.span > 1:
                cell = cell.merge(table.cell(r, c + item.span - 1))
            filled[r, c] = item, sum(widths[c:c + item.span])
            _fill(cell, item, filled[r, c][1])
            if r >= body and item.kind != "label":
                label, signer = opinions[r - body]
                _opinion(cell, signer, (printed or {}).get(label, ""))
            if r >= body - 1 and r < len(rows) - 1:  # the review boxes go over a page break together
                for para in cell.paragraphs:
                    para.paragraph_format.keep_with_next = True
            c += item.span
        row = table.rows[r]
        _no_split(row)
        if r >= body or any(item.kind == "text" for item in cells):
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
            box = OPINION_HEIGHT if len(opinions) <= 4 else OPINION_HEIGHT_MANY
            row.height = Cm(box if r >= body else LONG_HEIGHT)
    for first, last, col in vmerges:
        merged = table.cell(first, col).merge(table.cell(last, col))
        _fill(merged, *filled[first, col])  # the first row's text, sized again (merging joins the rows' texts)
        merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for para in merged.paragraphs:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER


def opinion_boxes(annex: Annex) -> list[tuple[str, str]]:
    """The review boxes at the foot of the form, with the line the signer fills in: the annex's own, and
    first the 推荐意见 box when its 填报要求 refer to one (云岭工匠: filled in by the recommending union,
    association or expert, or by the applicant who recommends themself)."""
    boxes = [(f.label, "盖章：") for f in annex.fields if f.kind == "opinion"]
    if any("“推荐意见”栏" in note for note in annex.notes) and all(label != "推荐意见" for label, _s in boxes):
        boxes.insert(0, ("推荐意见", "签名（盖章）："))
    return boxes


def _a4(doc: Any) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = Cm(PAGE_W), Cm(PAGE_H)
        section.left_margin = section.right_margin = Cm(MARGIN_X)
        section.top_margin = section.bottom_margin = Cm(MARGIN_Y)


def build_docx(programme: str, answers: dict[str, Any]) -> bytes:
    """The filled form. ``answers`` holds every stored answer, personal ones in clear (the caller decides
    who may receive them: the applicant, or a clerk of the unit the form is filed with)."""
    annex = application_annex(programme)
    doc = _form(annex.printed_title)
    if programme == "craftsman":
        channel = doc.add_paragraph(f"申报方式：{boxes(programme, 'declaration_channel', answers.get('declaration_channel'))}")
        channel.paragraph_format.space_after = Pt(4)
        layout = _craftsman(answers)
    else:
        layout = _team(programme, answers)
    _table(doc, layout, opinion_boxes(annex))
    _notes(doc, annex.notes)
    if answers.get("deeds"):
        _deeds(doc, programme, answers)
    return _bytes(doc)


def _form(printed_title: str) -> Any:
    """A new A4 form with its printed title."""
    doc = Document()
    _a4(doc)
    _set_font(doc)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(printed_title)
    run.bold, run.font.size = True, Pt(16)
    return doc


def _bytes(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- 附件3 of the training fund: one class's approval form (一班一审批, 第十八条) ------------------------------
APPROVAL_COLUMNS = (2.8, 5.7, 2.8, 5.7)  # cm: label, value, label, value (17 cm, the text width)
APPROVAL_SIGNER = "经办人：__________　　负责人：__________\n（单位签章）"  # 附件3 prints both names and the seal
COUNTY_REQUEST = "已具备开班条件，申请开班。"  # printed in the county union's box
PERSONS = "人"  # each head count of 附件3 is printed "____人"
APPROVAL_ROW, APPROVAL_OPINION = 0.9, 4.0  # cm, at least


def approval_docx(values: Mapping[str, Any]) -> bytes:
    """附件3 技能培训班审批表 filled with ``values`` (the annex's field key -> value, phones in clear: the caller
    decides who receives them), its rows in the annex's order, the reviewing unions' boxes left blank for
    their opinion, signatures, seal and date."""
    form = next(a for a in measure("training").annexes if a.number == 3)
    label = {f.key: f.label for f in form.fields}
    group = {f.key: f.group for f in form.fields}

    def v(key: str) -> Cell:
        value = text_of(values.get(key))
        return V(f"{value}{PERSONS}" if key.startswith("trainees_") and value else value)

    who = [f.key for f in form.fields if f.group == "培训对象"]  # its five rows, one label beside them
    head: list[list[Cell]] = [
        [L(label["training_type"]), V(text_of(values.get("training_type")), 3)],
        # A long training unit's name wraps in its box of two lines rather than shrinking to fit one.
        [L(label["training_provider"]), T(text_of(values.get("training_provider"))), L(label["provider_address"]),
         v("provider_address")],
        [L(""), V(""), L(label["class_address"]), v("class_address")],
        [L(label["person_in_charge"]), v("person_in_charge"), L(label["person_in_charge_phone"]),
         v("person_in_charge_phone")],
        [L(label["head_teacher"]), v("head_teacher"), L(label["head_teacher_phone"]), v("head_teacher_phone")],
        [L(label["specialty"]), v("specialty"), L(label["level"]), v("level")],
        [L(label["trainees_total"]), v("trainees_total"), L(label["trainees_male"]), v("trainees_male")],
        [L(""), V(""), L(label["trainees_female"]), v("trainees_female")],
    ]
    rows = [*head, *([L(group[key] if n == 0 else ""), L(label[key], 2), v(key)] for n, key in enumerate(who)),
            [L(label["training_period"]), v("training_period"), L(label["total_hours"]), v("total_hours")]]
    # The two-line boxes: 培训单位 beside its two addresses, 培训人数 beside 男 and 女, 培训对象 beside its rows.
    vmerges = [(1, 2, 0), (1, 2, 1), (6, 7, 0), (6, 7, 1), (len(head), len(head) + len(who) - 1, 0)]
    opinions = [(f.label, APPROVAL_SIGNER) for f in form.fields if f.kind == "opinion"]
    doc = _form(form.printed_title or form.title)
    _table(doc, (APPROVAL_COLUMNS, rows, vmerges), opinions, printed={opinions[0][0]: COUNTY_REQUEST})
    for n, row in enumerate(doc.tables[0].rows):  # one page with room to spare: rows as roomy as the printed form's
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        row.height = Cm(APPROVAL_ROW if n < len(rows) else APPROVAL_OPINION)
    _notes(doc, form.notes)
    return _bytes(doc)


# -- 附件1 of the craftsman measure: the union's recommendation letter (推荐承诺书, 第十条) --------------------------
LETTER_COLUMNS = (1.3, 2.6, 1.4, 5.6, 6.1)  # cm: 序号, 姓名, 年龄, 工作单位, 推荐理由 (17 cm)
_RECEIVED = ("工会逐级推荐", "行业协会推荐", "专业人士举荐", "个人自荐")  # 第九条's ways, in the letter's order


def recommendation_letter_docx(unit: str, forms: Sequence[Mapping[str, Any]], today: date) -> bytes:
    """附件1 云岭工匠推荐承诺书 of ``unit`` from the craftsman forms filed with it (their answers): the letter's text
    as printed, the applications received counted by way of application (第九条) as of ``today``, and one row per
    applicant (name, age from the ID number, unit); what the union decides after its 初审 (the experts, whom it
    recommends and why, the session number, its seal and date) is left blank to fill in."""
    a = annex("craftsman", 1)
    body = list(a.body)
    counts = [sum(f.get("declaration_channel") == way for f in forms) for way in _RECEIVED]
    received = body[1].replace("____年____月____日", f"{today.year}年{today.month}月{today.day}日", 1)
    for figure in (len(forms), *counts):  # 共收到…__份, then each way's ____份 / __份, in the printed order
        received = re.sub(r"_{2,}(?=份)", str(figure), received, count=1)
    doc = _form(a.printed_title or a.title)
    doc.add_paragraph(body[0])
    for text in (received, *body[2:4]):
        para = doc.add_paragraph(text)
        para.paragraph_format.first_line_indent = Pt(24)
    rows = [[T(column) for column in a.columns]]
    for n, f in enumerate(forms, start=1):
        age = id_age(str(f.get("id_number") or ""), today)
        rows.append([T(str(n)), T(text_of(f.get("name"))), T("" if age is None else str(age)),
                     T(text_of(f.get("employer"))), T("")])
    table = doc.add_table(rows=len(rows), cols=len(a.columns))
    table.style = "Table Grid"
    _fixed(table, LETTER_COLUMNS)
    for r, row in enumerate(rows):
        for c, item in enumerate(row):
            _fill(table.cell(r, c), item, LETTER_COLUMNS[c])
    for text in body[4:]:
        printed = text.replace("××工会", unit) if text.startswith("××工会") else \
            text.replace("××年×月×日", "______年____月____日")  # the union dates it when it seals it
        para = doc.add_paragraph(printed)
        if text.startswith("××"):
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return _bytes(doc)


def _notes(doc: Any, notes: Sequence[str]) -> None:
    """Print the notes as on the form: the common prefix (填报要求：/注：) once, then the items."""
    if not notes:
        return
    prefix = re.match(r"^([^：:]{1,6}[：:])", notes[0])
    head = prefix.group(1) if prefix and all(n.startswith(prefix.group(1)) for n in notes) else ""
    para = doc.add_paragraph()
    para.paragraph_format.space_before = Pt(4)
    runs = [para.add_run(head)]
    runs[0].bold = True
    for i, note in enumerate(notes):
        if i:
            para.add_run().add_break()
        runs.append(para.add_run(note[len(head):]))
    for run in runs:
        run.font.size = Pt(NOTES_PT)


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


def letter_filename(unit: str) -> str:
    return f"附件1-{annex('craftsman', 1).title}-{unit}.docx"


def build_export(forms: Iterable[tuple[int, str, dict[str, Any], datetime | None]], unit: str,
                 today: date | None = None) -> bytes:
    """A zip with one .docx per form (what the union prints, stamps and passes up) and ``汇总.xlsx``
    listing them; with ``today``, and craftsman forms among them, the union's 附件1 推荐承诺书 too
    (:func:`recommendation_letter_docx`). ``forms`` yields (draft id, programme, answers, submitted at)."""
    craftsmen: list[dict[str, Any]] = []
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append(["编号", "申报表", "姓名/名称", "所在单位", "手机", "提交时间", "文件", "英文填写待核对"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for draft_id, programme, answers, submitted in forms:
            name = filename(programme, answers, draft_id)
            zf.writestr(name, build_docx(programme, answers))
            if programme == "craftsman":
                craftsmen.append(answers)
            who = answers.get("name") if programme == "craftsman" else answers.get("unit_name")
            sheet.append([draft_id, application_annex(programme).title, text_of(who), text_of(answers.get("employer")),
                          text_of(answers.get("mobile")), submitted.strftime("%Y-%m-%d %H:%M") if submitted else "",
                          name, "、".join(f.title for f in typed_in_english(programme, answers))])
        print_ready(sheet, header_row=1, landscape=True)
        sheet_bytes = io.BytesIO()
        book.save(sheet_bytes)
        zf.writestr(f"汇总-{unit}.xlsx", sheet_bytes.getvalue())
        if craftsmen and today is not None:
            zf.writestr(letter_filename(unit), recommendation_letter_docx(unit, craftsmen, today))
    return out.getvalue()
