"""The disclosure's tables, defined once for the web page, the PDF and the xlsx, in Chinese or
English. A cell is a Decimal (money, CNY), an int (person-times), or text ("<3", "—", names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from skillfund.reports.selectors import Disclosure, UseRow, period_of

Cell = Decimal | int | str


@dataclass(frozen=True)
class Column:
    head: str  # a line break where a narrow column should break it
    numeric: bool = True


@dataclass(frozen=True)
class Table:
    key: str  # also the xlsx sheet's name in English
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    total: list[Cell] | None = None


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def period_label(d: Disclosure, lang: str = "zh") -> str:
    """ "2020年", "2020年第2季度", or the dates."""
    start, end = d.period_start, d.period_end
    if (start, end) == period_of(start.year):
        return _t(lang, f"{start.year}年", f"{start.year}")
    for quarter in range(1, 5):
        if (start, end) == period_of(start.year, quarter):
            return _t(lang, f"{start.year}年第{quarter}季度", f"{start.year} Q{quarter}")
    return _t(lang, f"{_cn(start)}至{_cn(end)}", f"{start:%Y-%m-%d} to {end:%Y-%m-%d}")


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def title(d: Disclosure, lang: str = "zh") -> str:
    return _t(
        lang,
        f"{d.title}（{period_label(d)}）",
        f"{d.title_en}, {period_label(d, 'en')}",
    )


def subtitle(d: Disclosure, lang: str = "zh") -> str:
    return _t(
        lang,
        f"依据 {d.document} {d.clause} 定期公开资金使用情况　统计期间：{_cn(d.period_start)}至{_cn(d.period_end)}",
        f"Published under {d.document} {d.clause} (regular public disclosure of fund use). "
        f"Period: {d.period_start:%Y-%m-%d} to {d.period_end:%Y-%m-%d}",
    )


def notes(d: Disclosure, lang: str = "zh") -> list[str]:
    n = d.small_cell
    return [
        _t(
            lang,
            "金额单位为元，取自专账总账（复式记账）。补贴支出（净额）含补贴、生活费补贴、结业清算及抵扣，"
            "扣除追回款，冲销已抵消。",
            "Amounts in CNY, read from the special account's double-entry ledger. Subsidies paid (net) "
            "include subsidies, living allowances, settlements and offsets, less recoveries; reversals net out.",
        ),
        _t(
            lang,
            "预拨资金（§3.3.h）在拨付期间计入开班计划的责任部门、培训类型和旗区；结业清算时转入补贴支出，"
            "故在清算期间预拨资金一栏减少（可为负数）。合计＝补贴支出＋预拨资金，即本期从专账付出的资金。",
            "An advance (§3.3.h) counts in the period it is paid, toward its class's department, training type "
            "and district; at settlement it moves into subsidies paid, so the advances column falls (and can be "
            "negative) in the settlement period. Total = subsidies paid + advances: the money that left the "
            "special account in the period.",
        ),
        _t(
            lang,
            "平衡关系：期初余额＋到位资金－补贴支出－预拨资金变动－应追回资金变动＝期末余额；"
            "按部门、按培训类型、按旗区的合计均等于补贴支出与预拨资金总额。",
            "The account reconciles: opening balance + received − subsidies paid − change in advances − change in "
            "recoveries owed = closing balance; the rows of each table by department, type and district add up to "
            "the same totals.",
        ),
        _t(
            lang,
            "培训人次为本期结业并获批准的补贴申请数。本公开不含任何个人信息。为防止识别个人（《个人信息保护法》），"
            f"按培训类型或旗区统计不足{n}人的行不公布人次（显示“<{n}”）和金额；为防止由合计反推，另有若干行一并不公布"
            "（显示“—”）。不公布的数字仍计入合计。",
            "Person-times are granted claims whose training ended in the period. The disclosure holds no personal "
            "data. So that no one can be identified (PIPL), a row by training type or district about fewer than "
            f'{n} persons shows neither its count ("<{n}") nor its money; so that it cannot be worked out from '
            'the total, some further rows are withheld too ("—"). Withheld figures are still in the totals.',
        ),
    ]


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value}%"


def _money(value: Decimal | None) -> Cell:
    return "—" if value is None else value


def _use_rows(rows: list[UseRow], lang: str) -> list[list[Cell]]:
    return [
        [
            _t(lang, r.name, r.name_en),
            _money(r.paid),
            _money(r.advanced),
            _money(r.total),
            r.persons_text if r.hidden else r.persons,
        ]
        for r in rows
    ]


def tables(d: Disclosure, lang: str = "zh") -> list[Table]:
    money = [
        Column(_t(lang, "补贴支出\n（净额）", "Subsidies\npaid (net)")),
        Column(_t(lang, "预拨资金", "Advances")),
        Column(_t(lang, "合计", "Total")),
    ]
    persons = Column(_t(lang, "培训人次", "Person-times"))
    totals = [_t(lang, "合计", "Total"), d.paid, d.advanced, d.used, d.persons]
    summary = Table(
        "summary",
        _t(lang, "一、专账资金收支", "1. The special account in the period"),
        [Column(_t(lang, "项目", "Item"), numeric=False), Column(_t(lang, "金额（元）", "Amount (CNY)"))],
        [
            [_t(lang, "期初专账余额", "Opening balance"), d.opening_balance],
            [_t(lang, "本期到位资金", "Received"), d.received],
            [_t(lang, "补贴支出（净额）", "Subsidies paid (net)"), d.paid],
            [_t(lang, "预拨资金（未结算）变动", "Change in advances not yet settled"), d.advanced],
            [_t(lang, "应追回资金（未收回）变动", "Change in recoveries owed"), d.recoveries_owed],
            [_t(lang, "期末专账余额", "Closing balance"), d.closing_balance],
        ],
    )
    sources = Table(
        "sources",
        _t(lang, "二、资金到位情况（按资金来源，§4.2.c）", "2. Money received by fund source (§4.2.c)"),
        [
            Column(_t(lang, "资金来源", "Fund source"), numeric=False),
            Column(_t(lang, "到位金额（元）", "Received (CNY)")),
        ],
        [[_t(lang, s.name, s.name_en), s.received] for s in d.sources],
        [_t(lang, "合计", "Total"), d.received],
    )
    task_columns = (
        [
            Column(_t(lang, f"{d.year}年\n累计人次", f"Person-times\nin {d.year} to date")),
            Column(_t(lang, "年度任务\n（人次）", "Annual task\n(person-times)")),
            Column(_t(lang, "完成率", "Achieved")),
        ]
        if d.year is not None
        else []
    )
    department_rows = [
        [
            *row,
            *([r.persons_year, "" if r.annual_task is None else r.annual_task, _pct(r.task_percent)] if d.year else []),
        ]
        for r, row in zip(d.by_department, _use_rows(d.by_department, lang), strict=True)
    ]
    year_total = sum(r.persons_year or 0 for r in d.by_department)
    task_total = sum(r.annual_task or 0 for r in d.by_department)
    departments = Table(
        "departments",
        _t(lang, "三、资金使用情况（按责任部门，金额单位：元）", "3. Fund use by responsible department (CNY)"),
        [Column(_t(lang, "责任部门", "Department"), numeric=False), *money, persons, *task_columns],
        department_rows,
        [*totals, *([year_total, task_total or "", ""] if d.year else [])],
    )
    types = Table(
        "types",
        _t(lang, "四、资金使用情况（按培训类型，金额单位：元）", "4. Fund use by training type (CNY)"),
        [Column(_t(lang, "培训类型", "Training type"), numeric=False), *money, persons],
        _use_rows(d.by_type, lang),
        totals,
    )
    districts = Table(
        "districts",
        _t(lang, "五、资金使用情况（按旗区，金额单位：元）", "5. Fund use by banner and district (CNY)"),
        [Column(_t(lang, "旗区", "Banner / district"), numeric=False), *money, persons],
        _use_rows(d.by_district, lang),
        totals,
    )
    return [summary, sources, departments, types, districts]


def text(cell: Cell) -> str:
    """A cell as printed: money with thousands separators and two places."""
    if isinstance(cell, Decimal):
        return f"{cell:,.2f}"
    return str(cell)
