"""Spreadsheets of the training fund (openpyxl): import the roster clerks keep laid out like 附件4, and
export 附件4 (实名制汇总表, with its summary line), 附件6 (就业情况统计表) and a session's sign-in sheet.

Column headings come from the knowledge data (the annexes as printed), so the sheets match the forms.
An import is all or nothing: every bad row is reported with its row number and reasons.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from handlers.i18n import N_, Translate
from handlers.xlsx_print import print_ready
from knowledge import loader
from knowledge.idcard import id_problem, id_sex, is_valid_mobile, mask_id, normalize_id, normalize_mobile
from knowledge.rules.training import CATEGORIES, POVERTY, employment_rate_check
from storage import repo_training as repo
from storage.models_training import Attendance, ClassSession, Enrolment, TrainingClass

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


# -- export ---------------------------------------------------------------------------------------------
def _sheet(title: str, columns: Sequence[str]) -> tuple[Workbook, Worksheet]:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = title[:31]
    return book, ws


def _title(ws: Worksheet, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    cell = ws.cell(row=ws.max_row, column=1)
    cell.font, cell.alignment = Font(bold=True, size=14), Alignment(horizontal="center")


def _header(ws: Worksheet, columns: Sequence[str]) -> None:
    ws.append(list(columns))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def _bytes(book: Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class RosterSummary:
    """The figures of 附件4's 汇总情况 line."""

    certified: int
    junior: int
    intermediate: int
    senior: int
    junior_to_intermediate: int
    intermediate_to_senior: int
    women: int

    def figures(self) -> tuple[int, ...]:
        return (self.certified, self.junior, self.intermediate, self.senior, self.junior_to_intermediate,
                self.intermediate_to_senior, self.women)


def roster_summary(entries: Sequence[Enrolment]) -> RosterSummary:
    """取证 means an HR certificate number is recorded; promotions compare the level held before."""
    done = [e for e in entries if e.hr_cert_no]
    return RosterSummary(
        certified=len(done),
        junior=sum(e.cert_level == "初级工" for e in done),
        intermediate=sum(e.cert_level == "中级工" for e in done),
        senior=sum(e.cert_level == "高级工" for e in done),
        junior_to_intermediate=sum(e.prior_level == "初级工" and e.cert_level == "中级工" for e in done),
        intermediate_to_senior=sum(e.prior_level == "中级工" and e.cert_level == "高级工" for e in done),
        women=sum(e.sex == "女" for e in done),
    )


def summary_text(summary: RosterSummary) -> tuple[str, str]:
    """("汇总情况：", the printed sentence with its blanks filled), from the annex's own wording."""
    printed = next(n for n in annex(4).notes if n.startswith("汇总情况"))
    lead, _, sentence = printed.partition("：")
    for figure in summary.figures():
        sentence = sentence.replace(BLANK, str(figure), 1)
    return lead + "：", sentence


def _footer(ws: Worksheet, cls: TrainingClass, key: str, today: date) -> None:
    ws.append([f"联系人：{cls.responsible_person}", "",
               f"联系电话：{repo.reveal(key, cls.responsible_phone_enc)}", "", f"上报时间：{today:%Y-%m-%d}"])


def roster_xlsx(cls: TrainingClass, entries: Sequence[Enrolment], key: str, today: date) -> bytes:
    """附件4 实名制汇总表 of one class, with its summary line."""
    a = annex(4)
    columns = roster_columns()
    book, ws = _sheet("附件4", columns)
    _title(ws, a.printed_title or a.title, len(columns))
    ws.append([f"上报单位（签章）：{cls.unit}"])
    _header(ws, columns)
    for e in entries:
        values = {"姓名": e.name, "性别": e.sex, "身份证号码": repo.reveal(key, e.id_enc), "单位": e.unit,
                  "职工类别": CATEGORIES.get(e.category, e.category), "培训工种": e.trade or cls.trade,
                  "取证等级": e.cert_level, "人社证书编号": e.hr_cert_no, "工会证书编号": e.union_cert_no,
                  "联系方式": repo.reveal(key, e.phone_enc)}
        ws.append([values.get(c, "") for c in columns])
    print_ready(ws, header_row=3, landscape=True)
    lead, sentence = summary_text(roster_summary(entries))
    ws.append([lead, sentence])
    ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=len(columns))
    _footer(ws, cls, key, today)
    for note in a.notes:
        if note.startswith("注"):
            ws.append([note])
    return _bytes(book)


def employment_xlsx(cls: TrainingClass, entries: Sequence[Enrolment], key: str, today: date) -> bytes:
    """附件6 就业情况统计表 of one class; poverty classes get the employment-rate line (附件6 注, 第七条)."""
    a = annex(6)
    columns = employment_columns()
    book, ws = _sheet("附件6", columns)
    _title(ws, a.printed_title or a.title, len(columns))
    ws.append([f"上报单位：{cls.unit}"])
    _header(ws, columns)
    period = f"{cls.start_date:%Y-%m-%d}至{cls.end_date:%Y-%m-%d}"
    for e in entries:
        remark = "" if e.employed else ("未就业" if e.employed is False else "待跟踪")
        values = {"姓名": e.name, "身份证号码": repo.reveal(key, e.id_enc),
                  "职工类别": CATEGORIES.get(e.category, e.category), "培训工种": e.trade or cls.trade,
                  "培训时间": period, "人社证书编号": e.hr_cert_no, "就业地点": e.employment_place,
                  "就业单位": e.employer, "本人电话": repo.reveal(key, e.phone_enc),
                  "就业单位电话": repo.reveal(key, e.employer_phone_enc), "备注": remark}
        ws.append([values.get(c, "") for c in columns])
    print_ready(ws, header_row=3, landscape=True)
    employed = sum(bool(e.employed) for e in entries)
    if cls.project == POVERTY and entries:
        verdict = employment_rate_check(cls.project, employed, len(entries))
        ws.append(["就业率：", f"{employed}/{len(entries)} = {employed * 100 / len(entries):.1f}%"
                   f"（第七条：不低于60%，{'未达到' if verdict else '已达到'}）"])
    _footer(ws, cls, key, today)
    for note in a.notes:
        ws.append([note])
    return _bytes(book)


SIGNIN_CHANNELS = {"wechat": "微信", "telegram": "Telegram", "console": "本地控制台"}
SIGNIN_COLUMNS = ("序号", "姓名", "性别", "身份证号码", "单位", "签到时间", "签到方式")


def signin_xlsx(cls: TrainingClass, sess: ClassSession, entries: Sequence[Enrolment],
                present: dict[int, Attendance], key: str, tz: Any, now: datetime) -> bytes:
    """学员签到表 of one session (第十九条): everyone on the roster, present with the time, or absent; while
    the session is still running (``now`` before its end) the others have not signed in yet (未签到),
    and nobody is marked absent."""
    running = now < datetime.combine(sess.day, sess.end, tzinfo=tz)
    missing = "未签到" if running else "缺勤"
    book, ws = _sheet("签到表", SIGNIN_COLUMNS)
    _title(ws, f"{cls.training_unit} {cls.trade}培训班 学员签到表", len(SIGNIN_COLUMNS))
    ws.append([f"班级：{cls.code}", "", f"日期：{sess.day:%Y-%m-%d} {sess.start:%H:%M}-{sess.end:%H:%M}", "",
               f"地点：{sess.place or cls.class_address}"])
    _header(ws, SIGNIN_COLUMNS)
    for n, e in enumerate(entries, start=1):
        row = present.get(e.id or 0)
        when = repo.as_utc(row.signed_at) if row else None
        stamp = when.astimezone(tz).strftime("%H:%M") if isinstance(when, datetime) else missing
        ws.append([n, e.name, e.sex, mask_id(repo.reveal(key, e.id_enc)), e.unit, stamp,
                   SIGNIN_CHANNELS.get(row.channel, row.channel) if row else ""])
    print_ready(ws, header_row=3)
    if running:
        ws.append([f"应到{len(entries)}人，已签到{len(present)}人，未签到{len(entries) - len(present)}人（签到进行中）"])
    else:
        ws.append([f"应到{len(entries)}人，实到{len(present)}人，缺勤{len(entries) - len(present)}人"])
    return _bytes(book)
