"""The public notice as a PDF, drawn directly on a reportlab canvas.

Chinese is set in Adobe's standard CJK font STSong-Light (a CID font every PDF reader provides),
so no font file is shipped or embedded; digits (ID numbers, amounts, page numbers) are set in
Helvetica. Every page repeats the header (title, publishing units, period, how to object) and the
column heads; the footer numbers the pages. The layout is fixed, so the page count is known before
drawing and 10,000 lines render in a few seconds (benchmarks/bench_notice_pdf.py).

The input is a plain `NoticeDocument` (already masked): this module reads no database.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from skillfund.core.pdf import CJK, LATIN, fit_text, register_fonts, wrap_text

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 40.0, 40.0, 42.0
ROW_H, BODY_SIZE, HEAD_SIZE, TITLE_SIZE = 15.0, 9.0, 9.5, 15.0
LINE_H = 13.5

# (heading, width in points, font, right-aligned)
COLUMNS = (
    ("序号", 34.0, LATIN, True),
    ("姓名", 58.0, CJK, False),
    ("身份证号码", 106.0, LATIN, False),
    ("培训项目", 162.0, CJK, False),
    ("补贴金额（元）", 70.0, LATIN, True),
    ("负责部门", 85.0, CJK, False),
)
CELL_PAD = 4.0


@dataclass(frozen=True)
class NoticeDocument:
    reference: str
    title: str
    units: Sequence[str]  # the publishing units, jointly (§4.3.d)
    published_on: date
    opens_on: date
    closes_on: date
    working_days: int
    contact: str
    # (number, masked name, masked ID, training, amount, department) — already masked
    rows: Sequence[tuple[int, str, str, str, Decimal, str]]
    total: Decimal
    objection_url: str = ""


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def header_lines(doc: NoticeDocument) -> list[str]:
    width = PAGE_W - 2 * MARGIN_X
    how = f"异议方式：公示期内，任何单位和个人对公示内容有异议的，可通过以下方式反映：{doc.contact}"
    if doc.objection_url:
        how += f"；或在线提交：{doc.objection_url}"
    texts = [
        f"公示单位：{'、'.join(doc.units)}",
        f"公示期：{_cn_date(doc.opens_on)}至{_cn_date(doc.closes_on)}（{doc.working_days}个工作日），"
        f"{_cn_date(doc.published_on)}发布",
        how,
        f"公示编号：{doc.reference}　共{len(doc.rows)}人次，补贴金额合计{doc.total:,.2f}元",
    ]
    return [line for text in texts for line in wrap_text(text, CJK, BODY_SIZE, width)]


def render(doc: NoticeDocument, *, compress: bool = True) -> bytes:
    """The notice as PDF bytes. `compress=False` leaves the page streams readable (tests)."""
    lines, per_page, pages = _layout(doc)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0, invariant=1)
    canvas.setTitle(doc.title)
    canvas.setSubject(f"公示 {doc.reference}")
    canvas.setAuthor("、".join(doc.units))
    canvas.setCreator("SkillFund")
    x_edges = [MARGIN_X]
    for _head, col_w, _font, _right in COLUMNS:
        x_edges.append(x_edges[-1] + col_w)
    for page in range(pages):
        y = _draw_header(canvas, doc, lines, x_edges)
        for row in doc.rows[page * per_page : (page + 1) * per_page]:
            y -= ROW_H
            _draw_row(canvas, row, x_edges, y)
        _draw_footer(canvas, doc, page + 1, pages)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_header(canvas: Canvas, doc: NoticeDocument, lines: list[str], x_edges: list[float]) -> float:
    y = PAGE_H - MARGIN_TOP - TITLE_SIZE
    canvas.setFont(CJK, TITLE_SIZE)
    canvas.drawCentredString(PAGE_W / 2, y, fit_text(doc.title, CJK, TITLE_SIZE, PAGE_W - 2 * MARGIN_X))
    y -= 12
    canvas.setFont(CJK, BODY_SIZE)
    for line in lines:
        y -= LINE_H
        canvas.drawString(MARGIN_X, y, line)
    y -= 8
    # column heads on a grey band
    canvas.setFillGray(0.9)
    canvas.rect(MARGIN_X, y - ROW_H, x_edges[-1] - MARGIN_X, ROW_H, stroke=0, fill=1)
    canvas.setFillGray(0)
    canvas.setFont(CJK, HEAD_SIZE)
    for (head, _w, _font, right), left, end in zip(COLUMNS, x_edges, x_edges[1:], strict=False):
        if right:
            canvas.drawRightString(end - CELL_PAD, y - ROW_H + 4.5, head)
        else:
            canvas.drawString(left + CELL_PAD, y - ROW_H + 4.5, head)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN_X, y, x_edges[-1], y)
    canvas.line(MARGIN_X, y - ROW_H, x_edges[-1], y - ROW_H)
    canvas.setLineWidth(0.25)
    canvas.setStrokeGray(0.7)
    return y - ROW_H


def _draw_row(canvas: Canvas, row: tuple, x_edges: list[float], y: float) -> None:
    number, name, id_masked, training, amount, department = row
    cells = (str(number), name, id_masked, training, f"{amount:,.2f}", department)
    base = y + 4.5
    for text, (_head, col_w, font, right), left in zip(cells, COLUMNS, x_edges, strict=False):
        canvas.setFont(font, BODY_SIZE)
        if right:
            canvas.drawRightString(left + col_w - CELL_PAD, base, text)
        else:
            canvas.drawString(left + CELL_PAD, base, fit_text(text, font, BODY_SIZE, col_w - 2 * CELL_PAD))
    canvas.line(MARGIN_X, y, x_edges[-1], y)


def _draw_footer(canvas: Canvas, doc: NoticeDocument, page: int, pages: int) -> None:
    y = MARGIN_BOTTOM - 18
    canvas.setFont(CJK, 8)
    canvas.drawString(MARGIN_X, y, f"公示编号 {doc.reference}")
    canvas.drawCentredString(PAGE_W / 2, y, f"第 {page} 页 / 共 {pages} 页")
    canvas.drawRightString(PAGE_W - MARGIN_X, y, f"公示期至{_cn_date(doc.closes_on)}")


def _layout(doc: NoticeDocument) -> tuple[list[str], int, int]:
    """(header lines, rows per page, pages): the same header on every page, so the count is exact."""
    register_fonts()
    lines = header_lines(doc)
    header_h = TITLE_SIZE + 12 + len(lines) * LINE_H + 8 + ROW_H
    per_page = max(1, int((PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - header_h) // ROW_H))
    return lines, per_page, max(1, math.ceil(len(doc.rows) / per_page))


def page_count(doc: NoticeDocument) -> int:
    """How many pages `render` draws for `doc`."""
    return _layout(doc)[2]
