"""Spreadsheets of the training fund (openpyxl): import the roster clerks keep laid out like 附件4; the
exports (附件4, 附件6, a session's sign-in sheet) are in :mod:`handlers.training_exports`.

Column headings come from the knowledge data (the annexes as printed), so the sheets match the forms.
An import is all or nothing: every bad row is reported with its row number and reasons.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session

from handlers.i18n import N_, Translate
from knowledge import loader
from knowledge.idcard import id_problem, id_sex, is_valid_mobile, normalize_id, normalize_mobile
from knowledge.rules.training import CATEGORIES, CATEGORY_LABELS_EN, trainee_category_problem
from storage import repo_training as repo
from storage.models_training import TrainingClass

CLASS_TEXT_FIELDS: tuple[tuple[str, str], ...] = (  # (key, label) of the typed 附件3 text fields, in the form's order
    ("training_unit", N_("Training unit (培训单位)")),
    ("training_unit_address", N_("Address of the training unit")),
    ("class_address", N_("Address where the class is held")),
    ("responsible_person", N_("Person responsible (负责人)")),
    ("responsible_phone", N_("Phone of the person responsible")),
    ("head_teacher", N_("Head teacher (班主任)")),
    ("head_teacher_phone", N_("Phone of the head teacher")),
    ("trade", N_("Trade or specialty (培训专业/工种)")),
)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A roster sheet comes from a person's chat or a clerk's disk: bounded before it is read. A class has tens
# of trainees; these limits leave room for a thousand.
MAX_ROWS = 2000
MAX_UNPACKED = 20 * 1024 * 1024
CATEGORY_OF_LABEL: dict[str, str] = {label: key for key, label in CATEGORIES.items()} | {
    key: key for key in CATEGORIES} | {"城镇失业人员": "unemployed", "转岗职工": "unemployed",
                                       "建档立卡贫困劳动力": "poor", "脱贫攻坚农民工": "poverty_migrant"}
# 取证等级 as commonly written; the five national levels (五级/初级 ... 一级/高级技师) and the other certificates.
LEVELS = ("初级工", "中级工", "高级工", "技师", "高级技师", "专项职业能力", "培训合格")
LEVEL_OF: dict[str, str] = {lv: lv for lv in LEVELS} | {
    "初级": "初级工", "五级": "初级工", "中级": "中级工", "四级": "中级工", "高级": "高级工", "三级": "高级工",
    "二级": "技师", "一级": "高级技师", "专项职业能力证书": "专项职业能力", "培训合格证书": "培训合格"}
BLANK = "___"

ID_REASONS = {"length": N_("the ID number must have 18 characters"),
              "chars": N_("the ID number contains invalid characters"),
              "birthdate": N_("the birth date in the ID number is impossible"),
              "checksum": N_("the ID number's check digit is wrong")}


def annex(number: int) -> Any:
    return next(a for a in loader.measure("training").annexes if a.number == number)


def roster_columns() -> tuple[str, ...]:
    return tuple(annex(4).columns)


def employment_columns() -> tuple[str, ...]:
    return tuple(annex(6).columns)


# -- import ---------------------------------------------------------------------------------------------
@dataclass
class RowError:
    row: int  # 1-based spreadsheet row (0: the sheet as a whole)
    reasons: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (N_ msgid, params)


def format_errors(_: Translate, errors: Sequence[RowError]) -> list[str]:
    out = []
    for err in errors:
        reasons = "; ".join(_(msg, **{k: _(v) if isinstance(v, str) else v for k, v in params.items()})
                            if params else _(msg) for msg, params in err.reasons)
        out.append(_("Row {row}: {reasons}", row=err.row, reasons=reasons) if err.row else reasons)
    return out


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _heading(value: Any) -> str:
    return re.sub(r"\s+", "", _cell_text(value))


Reasons = list[tuple[str, dict[str, Any]]]  # (N_ msgid, params)
END_MARKS = ("汇总情况", "联系人", "注：")  # first cell of the lines under the trainees


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an encrypted .xlsx or an old .xls
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="[A-Z]{1,3}(\d{1,7})(?::[A-Z]{1,3}(\d{1,7}))?"')


def _read_rows(data: bytes) -> tuple[list[tuple], list[tuple[int, int]]]:
    """The first rows of the workbook's active sheet (at most ``MAX_ROWS`` + 20, enough to tell a longer one)
    and its merged ranges as (first row, last row)."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.active
    rows = list(islice(sheet.iter_rows(values_only=True), MAX_ROWS + 20)) if sheet is not None else []
    path = getattr(sheet, "_worksheet_path", "")
    book.close()
    merged: list[tuple[int, int]] = []
    if path:  # read-only mode does not read merged ranges: find them in the sheet's XML (size checked before)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read(path)
        merged = [(int(a), int(b or a)) for a, b in _MERGE.findall(xml)]
    return rows, merged


def _unpacked_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # an .xlsx is a zip: refuse a bomb before unpacking it
        return sum(i.file_size for i in z.infolist())


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int]]:
    """The header row among the first ten (index, heading -> column), or (-1, {})."""
    for i, row in enumerate(rows[:10]):
        names = [_heading(v) for v in row]
        if "姓名" in names and "身份证号码" in names:
            return i, {name: j for j, name in enumerate(names) if name}
    return -1, {}


def _get(columns: dict[str, int], row: tuple, name: str) -> str:
    j = columns.get(name)
    return _cell_text(row[j]) if j is not None and j < len(row) else ""


def _id_check(raw_id: str, row_no: int, seen: dict[str, int], today: date | None) -> tuple[str, Reasons]:
    """The ID number's problem ("" when valid) and its reasons; a valid number is remembered in ``seen``."""
    problem = id_problem(raw_id, today=today) if raw_id else "length"
    if problem:
        return problem, [(ID_REASONS[problem], {})]
    if raw_id in seen:
        return "", [(N_("the same ID number is already on row {other}"), {"other": seen[raw_id]})]
    seen[raw_id] = row_no
    return "", []


def _sex_check(sex: str, raw_id: str) -> Reasons:
    """Checked against a valid ID number only."""
    if sex and sex not in ("男", "女"):
        return [(N_("sex must be 男 or 女"), {})]
    if sex and sex != id_sex(raw_id):
        return [(N_("the sex does not match the ID number"), {})]
    return []


def _category_check(cat_label: str) -> tuple[str | None, Reasons]:
    category = CATEGORY_OF_LABEL.get(re.sub(r"\s+", "", cat_label))
    if category is None:
        return None, [(N_("unknown trainee category “{value}”"), {"value": cat_label[:40] or "-"})]
    return category, []


def _optional_checks(phone: str, level: str) -> Reasons:
    reasons: Reasons = []
    if phone and not is_valid_mobile(phone):
        reasons.append((N_("the contact phone is not a valid mobile number"), {}))
    if level and level not in LEVEL_OF:
        reasons.append((N_("unknown certificate level “{value}”"), {"value": level[:20]}))
    return reasons


def _parse_row(columns: dict[str, int], row: tuple, row_no: int, seen: dict[str, int], *, default_trade: str,
               today: date | None) -> repo.RosterLine | RowError:
    """One trainee row: its roster line, or every reason it is refused."""
    def get(name: str) -> str:
        return _get(columns, row, name)

    name, raw_id = get("姓名"), normalize_id(get("身份证号码"))
    phone, level = get("联系方式"), get("取证等级")
    reasons: Reasons = [] if name else [(N_("the name is missing"), {})]
    problem, id_reasons = _id_check(raw_id, row_no, seen, today)
    category, cat_reasons = _category_check(get("职工类别"))
    reasons += id_reasons + cat_reasons + ([] if problem else _sex_check(get("性别"), raw_id))
    reasons += _optional_checks(phone, level)
    if reasons:
        return RowError(row_no, reasons)
    return repo.RosterLine(
        name=name[:50], sex=id_sex(raw_id), id_number=raw_id, category=category or "",
        unit=get("单位")[:100], trade=(get("培训工种") or default_trade)[:100],
        phone=normalize_mobile(phone) if phone else "", cert_level=LEVEL_OF.get(level, ""),
        hr_cert_no=get("人社证书编号")[:60], union_cert_no=get("工会证书编号")[:60])


def _load_rows(data: bytes) -> tuple[list[tuple], list[tuple[int, int]], RowError | None]:
    """The sheet's rows and merged ranges, or why the file is refused as a whole (bounded before and while it
    is read)."""
    if data.startswith(OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data:
        return [], [], RowError(0, [(N_("The workbook is protected by a password. Save it without a password "
                                        "and send it again."), {})])
    try:
        if _unpacked_size(data) > MAX_UNPACKED:
            return [], [], RowError(0, [(N_("The workbook is too large to be a class roster."), {})])
        rows, merged = _read_rows(data)
    except Exception:  # zipfile and openpyxl raise many kinds for a file that is not .xlsx
        return [], [], RowError(0, [(N_("The file is not a readable .xlsx workbook."), {})])
    if len(rows) > MAX_ROWS:
        return [], [], RowError(0, [(N_("The sheet has more than {n} rows; a class roster is much shorter."),
                                     {"n": MAX_ROWS})])
    return rows, merged, None


def _merged_in_table(merged: list[tuple[int, int]], first: int, last: int) -> int:
    """The first row (1-based) of a merged range that touches rows ``first``..``last`` (the header and the
    trainees), 0 when none does: a merged cell there leaves its value in one cell only."""
    return min((max(a, first) for a, b in merged if a <= last and b >= first), default=0)


def _trainee_rows(rows: list[tuple], header_at: int) -> list[tuple[int, tuple]]:
    """(1-based row number, row) of the non-blank rows under the header, up to the 汇总情况 line."""
    out = []
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if _heading(row[0] if row else "").startswith(END_MARKS):
            break
        if any(_cell_text(v) for v in row):
            out.append((i, row))
    return out


def parse_roster(data: bytes, *, default_trade: str = "",
                 today: date | None = None) -> tuple[list[repo.RosterLine], list[RowError]]:
    """Read a 附件4-style sheet: the header row (found among the first rows) then one trainee per row,
    until the 汇总情况 line or the end. Returns the valid lines and the errors (row numbers 1-based)."""
    rows, merged, refused = _load_rows(data)
    if refused is not None:
        return [], [refused]
    header_at, columns = _find_header(rows)
    if header_at < 0 or "职工类别" not in columns:
        return [], [RowError(0, [(N_("No header row with the columns of Annex 4 (姓名, 身份证号码, 职工类别 ...) "
                                     "was found in the first rows."), {})])]
    trainees = _trainee_rows(rows, header_at)
    if merged_at := _merged_in_table(merged, header_at + 1, trainees[-1][0] if trainees else header_at + 1):
        return [], [RowError(merged_at, [(N_("merged cells in the table; unmerge them (one value per cell) and send "
                                       "the file again"), {})])]
    lines: list[repo.RosterLine] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for i, row in trainees:
        parsed = _parse_row(columns, row, i, seen, default_trade=default_trade, today=today)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        else:
            lines.append(parsed)
    if not lines and not errors:
        errors.append(RowError(0, [(N_("The sheet has no trainee rows under the header."), {})]))
    return lines, errors


def import_roster(*, session: Session, key: str, cls: TrainingClass, data: bytes,
                  today: date | None = None) -> tuple[int, list[RowError]]:
    """Add every row of the sheet to the class roster, or none of them when any row is bad."""
    lines, errors = parse_roster(data, default_trade=cls.trade, today=today)
    # 第六条: only the categories the class's project trains.
    wrong = [ln for ln in lines if trainee_category_problem(cls.project, ln.category) is not None]
    for row_no, ln in _rows_of(data, wrong) if wrong else ():
        errors.append(RowError(row_no, [(N_("{category} is not trained in this class's project (Art. 6)"),
                                         {"category": CATEGORY_LABELS_EN[ln.category]})]))
    errors.sort(key=lambda e: e.row)
    existing = repo.existing_id_hashes(session=session, class_id=cls.id or 0)
    # Row numbers of valid lines are not kept by the parser; find them again for the duplicate report.
    clash = {repo.id_hash(key, ln.id_number) for ln in lines} & existing
    if clash:
        for row_no, ln in _rows_of(data, lines):
            if repo.id_hash(key, ln.id_number) in clash:
                errors.append(RowError(row_no, [(N_("this person is already on the class roster"), {})]))
        errors.sort(key=lambda e: e.row)
    if errors:
        return 0, errors
    for ln in lines:
        repo.add_enrolment(session=session, key=key, class_id=cls.id or 0, line=ln)
    return len(lines), []


def _rows_of(data: bytes, lines: list[repo.RosterLine]) -> list[tuple[int, repo.RosterLine]]:
    wanted = {ln.id_number: ln for ln in lines}
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = []
    for i, row in enumerate(book.active.iter_rows(values_only=True), start=1):
        for v in row:
            value = normalize_id(_cell_text(v))
            if value in wanted:
                out.append((i, wanted.pop(value)))
                break
    book.close()
    return out
