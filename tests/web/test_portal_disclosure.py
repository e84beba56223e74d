"""The public disclosure (§4.3.a) and notices in the portal: the disclosure opens on the latest year
of the programme — not the calendar year, which may lie outside it — and every public table fits a
390 px phone (a scrolling region for the disclosure, stacked rows for notices and lists)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from skillfund.reports.selectors import latest_year
from tests.programme_helpers import bare_programme
from tests.test_notices import at, publish, world  # noqa: F401  (world: a notice's fixture)


def _index(client, **params) -> str:
    response = client.get(reverse("reports:index"), params)
    assert response.status_code == 200
    return response.content.decode()


def _selected_year(html: str) -> int:
    return int(re.search(r'<option value="(\d{4})" selected>', html)[1])


def test_the_disclosure_opens_on_the_last_year_of_a_programme_that_has_ended(client, db):
    """The 2019–2021 action, read in a later year, opens on 2021, not on this year."""
    bare_programme()
    assert timezone.localdate().year > 2021
    html = _index(client)
    assert _selected_year(html) == 2021 and "2021年" in html


def test_the_disclosure_opens_on_this_year_while_the_programme_runs(client, db):
    this_year = timezone.localdate().year
    bare_programme()
    bare_programme(code="this-year", start_year=this_year, end_year=this_year + 1)
    assert _selected_year(_index(client)) == this_year


def test_a_named_programme_opens_on_its_own_latest_year(client, db):
    this_year = timezone.localdate().year
    bare_programme()
    bare_programme(code="this-year", start_year=this_year, end_year=this_year)
    assert _selected_year(_index(client, programme="test-action")) == 2021
    assert 'name="programme" value="test-action"' in _index(client, programme="test-action")
    # An unknown programme code is ignored: the default programme's page.
    assert _selected_year(_index(client, programme="no-such")) == this_year


def test_bad_chooser_values_never_give_a_500(client, db):
    bare_programme()
    for params in [{"year": "abc"}, {"year": "2020", "quarter": "x"}, {"quarter": "9" * 50}, {"programme": "x" * 500}]:
        assert client.get(reverse("reports:index"), params).status_code in (200, 302)
    assert client.get(reverse("reports:index"), {"year": "99999"}, follow=True).status_code == 404


def test_the_latest_year_of_a_programme():
    class P:
        start_year, end_year = 2019, 2021

    assert latest_year(programme=P, today=date(2018, 6, 1)) is None
    assert latest_year(programme=P, today=date(2020, 6, 1)) == 2020
    assert latest_year(programme=P, today=date(2026, 12, 2)) == 2021


def test_without_a_programme_the_disclosure_is_not_found(client, db):
    assert client.get(reverse("reports:index")).status_code == 404


# ---- phones ---------------------------------------------------------------------------------------


def test_every_disclosure_table_sits_in_a_scrolling_region(client, db):
    bare_programme()
    html = client.get(reverse("reports:year", args=[2020])).content.decode()
    tables = html.count('<table class="problems disclosure">')
    assert tables >= 4
    wrapped = re.findall(
        r'<div class="table-wrap" role="region" aria-labelledby="table-\d+" tabindex="0">\s*<table', html
    )
    assert len(wrapped) == tables
    assert "portal/portal.css" in html and "reports/reports.css" in html  # in the head, not in the body
    assert html.index("reports/reports.css") < html.index("<body>")


def test_notice_tables_stack_on_a_phone(client, world, monkeypatch):  # noqa: F811 (the notices fixture)
    notice = publish(world, world["checked"](world["zhang"]))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 12)))
    for url in (reverse("notices:list"), reverse("notices:detail", args=[notice.reference])):
        html = client.get(url).content.decode()
        assert 'class="problems notices stack"' in html or 'class="problems notice-entries stack"' in html
        body = html[html.index("<tbody>") : html.index("</tbody>")]
        cells = re.findall(r"<td[^>]*>", body)
        assert cells and all("data-label=" in cell for cell in cells)


def test_the_shared_styles_make_tables_fit_a_phone():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("web/skillfund.css")).read_text(encoding="utf-8")
    phone = css[css.index("@media (max-width: 640px)") :]
    assert ".table-wrap { overflow-x: auto" in css
    assert "table.stack thead" in phone and "content: attr(data-label)" in phone
    reports = Path(finders.find("reports/reports.css")).read_text(encoding="utf-8")
    assert "min-width: 9em" in reports  # the disclosure's first column stays readable
