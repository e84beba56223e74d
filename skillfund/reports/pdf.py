"""The disclosure as a PDF, drawn on a reportlab canvas like the notices' PDF (notices/pdf.py):
Chinese in Adobe's standard CID font STSong-Light (nothing embedded), digits in Helvetica, A4,
tables with a grey head band, the head repeated when a table runs onto the next page, and the
footer "第 n 页 / 共 m 页". The layout is computed first, so the page count is known when drawing.

The input is a `Disclosure` (plain numbers, small cells already withheld): no database is read.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

# The notices' font registration, fitting and wrapping (Chinese breaks anywhere), reused as is.
from skillfund.core.pdf import CJK, LATIN, fit_text, register_fonts, wrap_text
from skillfund.reports import tables as t
from skillfund.reports.selectors import Disclosure

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 40.0, 40.0, 42.0
WIDTH = PAGE_W - 2 * MARGIN_X
ROW_H, BODY_SIZE, HEAD_SIZE, TITLE_SIZE, SECTION_SIZE = 15.0, 8.5, 8.5, 14.0, 10.5
LINE_H, NOTE_SIZE = 12.5, 8.0
CELL_PAD = 4.0
FIRST_COLUMN_SHARE = 0.3  # of the width, for the name column of a table with many columns


@dataclass(frozen=True)
class _Item:
    """One thing drawn at a fixed height: a line of text, a table's title, head, row or total."""

    kind: str  # "title" | "line" | "note" | "section" | "head" | "row" | "total"
    height: float
    text: str = ""
    cells: tuple[str, ...] = ()
    table: t.Table | None = None


def _font(text: str) -> str:
    return LATIN if text.isascii() else CJK


def _widths(table: t.Table) -> list[float]:
    n = len(table.columns)
    if n == 2:
        return [WIDTH * 0.65, WIDTH * 0.35]
    first = WIDTH * FIRST_COLUMN_SHARE
    return [first] + [(WIDTH - first) / (n - 1)] * (n - 1)


def _items(d: Disclosure) -> list[_Item]:
    items = [_Item("title", TITLE_SIZE + 10, text=t.title(d))]
    items += [_Item("line", LINE_H, text=line) for line in wrap_text(t.subtitle(d), CJK, BODY_SIZE, WIDTH)]
    if d.is_empty:
        items.append(_Item("line", LINE_H, text="本期专账无资金收支，也无结业获批的培训人次。"))
    for table in t.tables(d):
        items.append(_Item("section", SECTION_SIZE + 14, text=table.title, table=table))
        items.append(_Item("head", ROW_H * 2, table=table))
        items += [_Item("row", ROW_H, cells=tuple(map(t.text, row)), table=table) for row in table.rows]
        if table.total is not None:
            items.append(_Item("total", ROW_H, cells=tuple(map(t.text, table.total)), table=table))
    items.append(_Item("section", SECTION_SIZE + 14, text="说明"))
    for note in t.notes(d):
        items += [_Item("note", LINE_H - 1, text=line) for line in wrap_text(note, CJK, NOTE_SIZE, WIDTH)]
        items.append(_Item("note", 3))
    return items


def _pages(items: list[_Item]) -> list[list[_Item]]:
    """Items by page; a table's head is repeated above rows carried onto a new page, and a section
    title is never left alone at the foot of a page."""
    usable = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
    pages: list[list[_Item]] = [[]]
    used = 0.0
    for i, item in enumerate(items):
        needed = item.height
        if item.kind == "section":  # keep the title with its head and first row
            needed += sum(x.height for x in items[i + 1 : i + 3])
        if used + needed > usable and pages[-1]:
            pages.append([])
            used = 0.0
            if item.kind in ("row", "total") and item.table is not None:
                head = _Item("head", ROW_H * 2, table=item.table)
                pages[-1].append(head)
                used += head.height
        pages[-1].append(item)
        used += item.height
    return pages


def render(d: Disclosure, *, compress: bool = True) -> bytes:
    """The disclosure as PDF bytes. `compress=False` leaves the page streams readable (tests)."""
    register_fonts()
    pages = _pages(_items(d))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0, invariant=1)
    canvas.setTitle(t.title(d))
    canvas.setSubject(f"{d.document} {d.clause}")
    canvas.setCreator("SkillFund")
    for number, page in enumerate(pages, start=1):
        y = PAGE_H - MARGIN_TOP
        for item in page:
            _draw(canvas, item, y)
            y -= item.height
        _draw_footer(canvas, d, number, len(pages))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, item: _Item, top: float) -> None:
    if item.kind == "title":
        canvas.setFont(CJK, TITLE_SIZE)
        canvas.drawCentredString(PAGE_W / 2, top - TITLE_SIZE, fit_text(item.text, CJK, TITLE_SIZE, WIDTH))
    elif item.kind in ("line", "note"):
        size = BODY_SIZE if item.kind == "line" else NOTE_SIZE
        canvas.setFont(CJK, size)
        canvas.drawString(MARGIN_X, top - size - 2, item.text)
    elif item.kind == "section":
        canvas.setFont(CJK, SECTION_SIZE)
        canvas.drawString(MARGIN_X, top - SECTION_SIZE - 8, item.text)
    elif item.kind == "head":
        _draw_head(canvas, item.table, top)
    else:
        _draw_row(canvas, item, top)


def _draw_head(canvas: Canvas, table: t.Table, top: float) -> None:
    height = ROW_H * 2
    canvas.setFillGray(0.9)
    canvas.rect(MARGIN_X, top - height, WIDTH, height, stroke=0, fill=1)
    canvas.setFillGray(0)
    left = MARGIN_X
    for column, width in zip(table.columns, _widths(table), strict=True):
        lines = wrap_text(column.head, CJK, HEAD_SIZE, width - 2 * CELL_PAD)[:2]
        for n, line in enumerate(lines):
            base = top - (ROW_H if len(lines) == 1 else 11) - n * 11 - (3 if len(lines) == 1 else 0)
            canvas.setFont(_font(line), HEAD_SIZE)
            if column.numeric:
                canvas.drawRightString(left + width - CELL_PAD, base, line)
            else:
                canvas.drawString(left + CELL_PAD, base, line)
        left += width
    canvas.setLineWidth(0.6)
    canvas.setStrokeGray(0)
    canvas.line(MARGIN_X, top, MARGIN_X + WIDTH, top)
    canvas.line(MARGIN_X, top - height, MARGIN_X + WIDTH, top - height)


def _draw_row(canvas: Canvas, item: _Item, top: float) -> None:
    base = top - ROW_H + 4.5
    left = MARGIN_X
    for column, width, cell in zip(item.table.columns, _widths(item.table), item.cells, strict=True):
        font = _font(cell)
        canvas.setFont(font, BODY_SIZE)
        shown = fit_text(cell, font, BODY_SIZE, width - 2 * CELL_PAD)
        if column.numeric:
            canvas.drawRightString(left + width - CELL_PAD, base, shown)
        else:
            canvas.drawString(left + CELL_PAD, base, shown)
        left += width
    if item.kind == "total":
        canvas.setLineWidth(0.6)
        canvas.setStrokeGray(0)
    else:
        canvas.setLineWidth(0.25)
        canvas.setStrokeGray(0.7)
    canvas.line(MARGIN_X, top - ROW_H, MARGIN_X + WIDTH, top - ROW_H)


def _draw_footer(canvas: Canvas, d: Disclosure, page: int, pages: int) -> None:
    y = MARGIN_BOTTOM - 18
    canvas.setFont(CJK, 8)
    canvas.drawString(MARGIN_X, y, f"{d.document} {d.clause} 资金使用情况公开")
    canvas.drawCentredString(PAGE_W / 2, y, f"第 {page} 页 / 共 {pages} 页")
    canvas.drawRightString(PAGE_W - MARGIN_X, y, t.period_label(d))


def page_count(d: Disclosure) -> int:
    register_fonts()
    return len(_pages(_items(d)))
