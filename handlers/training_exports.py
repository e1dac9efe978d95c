"""Exports of the training fund (openpyxl): 附件4 (实名制汇总表, with its summary line), 附件6 (就业情况统计表)
and a session's sign-in sheet, laid out as printed (column headings from the knowledge data); and the values of
a class's 附件3 (技能培训班审批表), a form printed as a Word table (:func:`handlers.forms_docx.approval_docx`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from handlers.training_sheets import BLANK, annex, employment_columns, roster_columns
from handlers.xlsx_print import print_ready
from knowledge.idcard import mask_id
from knowledge.rules.training import CATEGORIES, POVERTY, PROJECTS, employment_rate_check
from storage import repo_training as repo
from storage.models_training import Attendance, ClassSession, Enrolment, TrainingClass


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


def _footer(ws: Worksheet, today: date) -> None:
    # 附件4 and 附件6 are the reporting union's (上报单位（签章）): its contact is written in by the union, not the
    # training unit's head stored with the class (附件3's 负责人).
    ws.append([f"联系人：{BLANK_LINE}", "", f"联系电话：{BLANK_LINE}", "", f"上报时间：{today:%Y-%m-%d}"])


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
    _footer(ws, today)
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
        pending = sum(e.employed is None for e in entries)
        if verdict is None:
            said = "已达到"
        elif pending and employment_rate_check(cls.project, employed + pending, len(entries)) is None:
            said = f"尚有{pending}人待跟踪，暂不能判断"  # those not yet followed up may still reach it
        else:
            said = "未达到"
        ws.append(["就业率：", f"{employed}/{len(entries)} = {employed * 100 / len(entries):.1f}%"
                   f"（第七条：不低于60%，{said}）"])
    _footer(ws, today)
    for note in a.notes:
        ws.append([note])
    return _bytes(book)


# 附件3's 培训对象 rows (the annex's field keys) and the class's trainee categories they count.
APPROVAL_CATEGORIES = {"trainees_on_job": "employed", "trainees_migrant": "migrant",
                       "trainees_unemployed": "unemployed", "trainees_poor": "poor",
                       "trainees_poverty_migrant": "poverty_migrant"}


def approval_values(cls: TrainingClass, key: str) -> dict[str, Any]:
    """The value of each field of 附件3 the class form collected, by the annex's field key (the phones in clear,
    as the form filed with the approving union prints them); the reviewing unions' boxes are theirs to fill."""
    counts = repo.class_categories(cls)
    return {
        "training_type": PROJECTS.get(cls.project, cls.project), "training_provider": cls.training_unit,
        "provider_address": cls.training_unit_address, "class_address": cls.class_address,
        "person_in_charge": cls.responsible_person,
        "person_in_charge_phone": repo.reveal(key, cls.responsible_phone_enc),
        "head_teacher": cls.head_teacher, "head_teacher_phone": repo.reveal(key, cls.head_teacher_phone_enc),
        "specialty": cls.trade, "level": cls.level,
        "trainees_total": cls.men + cls.women, "trainees_male": cls.men, "trainees_female": cls.women,
        **{field: counts.get(category, 0) for field, category in APPROVAL_CATEGORIES.items()},
        "training_period": f"{cls.start_date:%Y-%m-%d}至{cls.end_date:%Y-%m-%d}", "total_hours": cls.total_hours,
    }


BLANK_LINE = "＿＿＿＿＿＿＿＿"  # a field the reporting union fills in by hand


SIGNIN_CHANNELS = {"wechat": "微信", "telegram": "Telegram", "console": "本地控制台", "paper": "纸质签到表（工作人员补录）"}
SIGNIN_COLUMNS = ("序号", "姓名", "性别", "身份证号码", "单位", "签到时间", "签到方式")


def signin_xlsx(cls: TrainingClass, sess: ClassSession, entries: Sequence[Enrolment],
                present: dict[int, Attendance], key: str, tz: Any, now: datetime) -> bytes:
    """学员签到表 of one session (第十九条): everyone on the roster, present with the time, or absent; while
    the session is still running (``now`` before its end) the others have not signed in yet (未签到),
    and nobody is marked absent; before it begins (a sheet printed ahead to sign on paper) the times are blank
    and the sheet says the session has not begun."""
    running = now < datetime.combine(sess.day, sess.end, tzinfo=tz)
    ahead = now < datetime.combine(sess.day, sess.start, tzinfo=tz)
    missing = "" if ahead else "未签到" if running else "缺勤"
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
    if ahead:
        ws.append([f"应到{len(entries)}人（本次课尚未开始）"])
    elif running:
        ws.append([f"应到{len(entries)}人，已签到{len(present)}人，未签到{len(entries) - len(present)}人（签到进行中）"])
    else:
        ws.append([f"应到{len(entries)}人，实到{len(present)}人，缺勤{len(entries) - len(present)}人"])
    return _bytes(book)
