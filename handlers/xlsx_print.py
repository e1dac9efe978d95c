"""Print set-up of the .xlsx exports: A4, the heading row repeated on every page, every column on the page's
width, and column widths from the content (a CJK character counts two)."""

from __future__ import annotations

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

MAX_WIDTH = 50  # characters; longer values wrap


def display_width(value: object) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))


def print_ready(ws: Worksheet, *, header_row: int, last_row: int | None = None, landscape: bool = False) -> None:
    """``header_row`` is the table's heading (repeated on each printed page); the widths are fitted to the
    rows from it to ``last_row`` (the table; titles and notes above or below it wrap or overflow)."""
    last_row = last_row or ws.max_row
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # one page wide, as many pages long as needed
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_title_rows = f"{header_row}:{header_row}"
    merged = {c for r in ws.merged_cells.ranges for row in ws.iter_rows(
        min_row=r.min_row, max_row=r.max_row, min_col=r.min_col, max_col=r.max_col) for c in row}
    for col in ws.iter_cols(min_row=header_row, max_row=last_row):
        widest = max((display_width(c.value) for c in col if c.value is not None and c not in merged), default=0)
        ws.column_dimensions[get_column_letter(col[0].column)].width = max(6, min(widest, MAX_WIDTH) + 2)
    for cell in ws[header_row]:
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
