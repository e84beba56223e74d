"""Public pages of the disclosure of fund use (§4.3.a): no sign-in, Chinese with an English switch
like the notices. Every figure comes from `selectors.disclosure`, which reads no personal data and
withholds small cells; the page, the PDF and the xlsx print the same `tables`.

A report is one programme's. /public/disclosure/<year>/ shows the default programme for the year
(`programme_default`: the city the deployment serves); /public/disclosure/programme/<code>/<year>/
names one."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from skillfund.core import audit
from skillfund.programme.models import Programme
from skillfund.programme.selectors import programme_default
from skillfund.reports import pdf, selectors, tables, xlsx
from skillfund.reports.selectors import Disclosure

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _programme(code: str | None, year: int) -> Programme:
    programme = Programme.objects.filter(code=code).first() if code else programme_default(year=year)
    if programme is None:
        raise Http404
    return programme


def _report(programme: Programme, year: int, quarter: int | None) -> Disclosure:
    if year not in selectors.years_available(programme=programme) or quarter not in (None, 1, 2, 3, 4):
        raise Http404
    start, end = selectors.period_of(year, quarter)
    report = selectors.disclosure(programme=programme, year=year, period_start=start, period_end=end)
    # Each disclosure fixes the audit chain's head outside the database, beside what was published.
    # A public page must not fail because the checkpoint store does: the failure is logged instead,
    # and the record-interval and cron checkpoints still run.
    try:
        audit.checkpoint(reason="disclosure")
    except OSError:
        logger.exception("audit checkpoint on disclosure failed")
    return report


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _url(name: str, year: int, quarter: int | None, programme: str | None = None) -> str:
    args = [year] if quarter is None else [year, quarter]
    view = f"{'year' if quarter is None else 'quarter'}{name}"
    if programme:
        return reverse(f"reports:programme_{view}", args=[programme, *args])
    return reverse(f"reports:{view}", args=args)


def _filename(year: int, quarter: int | None, ext: str) -> str:
    return f"disclosure-{year}{f'-q{quarter}' if quarter else ''}.{ext}"


def _number(text: str) -> int | None:
    # ASCII only: str.isdigit() also accepts "²", which int() refuses.
    return int(text) if text.isascii() and text.isdigit() else None


@require_GET
def disclosure_index(request: HttpRequest) -> HttpResponse:
    """The chooser; without a choice, the report of the programme's latest year so far (the
    default programme's when none is named): never a year outside the programme."""
    year, quarter = _number(request.GET.get("year", "")), _number(request.GET.get("quarter", ""))
    code = request.GET.get("programme", "")
    chosen = Programme.objects.filter(code=code).first() if code else None
    code = chosen.code if chosen else None
    if year is not None:
        return redirect(_url("", year, quarter, code))
    today = timezone.localdate()
    programme = chosen or programme_default(year=today.year)
    latest = selectors.latest_year(programme=programme, today=today) if programme else None
    return disclosure_page(request, latest or today.year, programme=code)


@require_GET
def disclosure_page(
    request: HttpRequest, year: int, quarter: int | None = None, programme: str | None = None
) -> HttpResponse:
    chosen = _programme(programme, year)
    report = _report(chosen, year, quarter)
    lang = _lang()
    shown = [
        {
            "title": table.title,
            "heads": [(c.head, c.numeric) for c in table.columns],
            "rows": [
                [(tables.text(v), c.numeric) for v, c in zip(row, table.columns, strict=True)] for row in table.rows
            ],
            "total": table.total
            and [(tables.text(v), c.numeric) for v, c in zip(table.total, table.columns, strict=True)],
        }
        for table in tables.tables(report, lang)
    ]
    context = {
        "report": report,
        "title": tables.title(report, lang),
        "subtitle": tables.subtitle(report, lang),
        "tables": shown,
        "notes": tables.notes(report, lang),
        # The default pages (no programme in the address) reach every year of the region's programmes.
        "years": selectors.years_available(programme=chosen, region_wide=programme is None),
        "year": year,
        "quarter": quarter,
        "quarters": [1, 2, 3, 4],
        "programme": programme,  # named in the URL, else the default (None)
        "programme_name": chosen.name_en if lang == "en" and chosen.name_en else chosen.name,
        "pdf_url": _url("_pdf", year, quarter, programme),
        "xlsx_url": _url("_xlsx", year, quarter, programme),
    }
    return render(request, "reports/disclosure.html", context)


@require_GET
def disclosure_pdf(
    request: HttpRequest, year: int, quarter: int | None = None, programme: str | None = None
) -> HttpResponse:
    report = _report(_programme(programme, year), year, quarter)
    response = HttpResponse(pdf.render(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(year, quarter, "pdf")}"'
    return response


@require_GET
def disclosure_xlsx(
    request: HttpRequest, year: int, quarter: int | None = None, programme: str | None = None
) -> HttpResponse:
    report = _report(_programme(programme, year), year, quarter)
    response = HttpResponse(xlsx.render(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(year, quarter, "xlsx")}"'
    return response
