"""Every .csv and .xlsx the platform writes is safe to open in a spreadsheet: a text value that a
spreadsheet would run as a formula (=, +, -, @, tab, CR, LF first, also after spaces) is written as
text — in CSV behind a single quote (OWASP), in xlsx as a string cell marked quotePrefix, never a
formula — and numbers stay numbers. Each exporter is driven through its real path and read back."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from skillfund import policy_data
from skillfund.accounts.models import Role
from skillfund.core import audit
from skillfund.core.exports import cell_text, formula_like
from skillfund.funds.models import PaymentLine
from skillfund.funds.payments import payment_batch_create, payment_batch_pay, payment_file
from skillfund.organizations.models import Organization
from skillfund.programme.loading import programme_load
from skillfund.registry.models import Person
from skillfund.registry.roster_template import template_bytes
from skillfund.reports import selectors, xlsx
from tests.factories import UserFactory, make_class_plan, make_person
from tests.test_evaluate import HEADER, evaluate
from tests.test_evaluate import ids as ids
from tests.test_payments import approved_class, approved_individual
from tests.test_payments import people as people
from tests.test_whatif import catalog as catalog
from tests.test_whatif import year_2020 as year_2020

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)", "\t=1", "  =1", "\r=1", "\n=1"]
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def csv_rows(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_csv_escaped(rows: list[list[str]], expected: list[str]) -> None:
    """No cell would start a formula; each dangerous value is there behind one quote."""
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert NUMBER.fullmatch(cell) or not formula_like(cell), f"unescaped cell {cell!r}"
    for value in expected:
        assert "'" + value in cells, f"{value!r} not written as '{value!r}"


def assert_xlsx_text(data: bytes, expected: list[str]) -> None:
    """No cell of any sheet is a formula; each dangerous value is a string cell with quotePrefix."""
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    found = {c.value: c for c in cells if isinstance(c.value, str) and formula_like(c.value)}
    for value in expected:
        assert value in found, f"{value!r} missing"
        assert found[value].data_type in ("s", "inlineStr") and found[value].quotePrefix


# ---- the helper ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", PAYLOADS)
def test_a_formula_like_text_gets_a_quote_in_csv(value):
    assert cell_text(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "", "1+1", "a=b", "'=1", "张三", "- "[1:]])
def test_other_text_is_written_as_is(value):
    assert cell_text(value) == value


@pytest.mark.parametrize("value", [Decimal("-1.50"), -3, 0, None, True])
def test_numbers_and_other_values_are_left_alone(value):
    assert cell_text(value) is value


# ---- evaluate: decisions.csv and decisions.xlsx ------------------------------------------------------


def claims_file(ids: dict[str, str], references: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    names = ["plain", "poor", "elsewhere", "no_cert"]
    for n, (reference, name) in enumerate(zip(references, names, strict=False)):
        writer.writerow(
            [
                reference,
                ids[name],
                "electrician-5",
                2020,
                150602,
                f"2020-0{n + 3}-11",
                f"2020-0{n + 3}-22",
                "职业技能等级证书",
                f"ZS-{n}",
                "",
            ]
        )
    return out.getvalue()


EVALUATE_REFERENCES = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)"]  # the file's cells are stripped


def test_evaluate_writes_formula_like_references_as_text_in_csv(tmp_path, ids):
    evaluate(tmp_path, claims_file(ids, EVALUATE_REFERENCES))
    rows = csv_rows((tmp_path / "decisions.csv").read_bytes())
    assert_csv_escaped(rows, EVALUATE_REFERENCES)
    money = rows[0].index("subsidy")
    assert all(NUMBER.fullmatch(row[money]) for row in rows[1:])


def test_evaluate_writes_formula_like_references_as_text_in_xlsx(tmp_path, ids):
    evaluate(tmp_path, claims_file(ids, EVALUATE_REFERENCES), out="decisions.xlsx")
    data = (tmp_path / "decisions.xlsx").read_bytes()
    assert_xlsx_text(data, EVALUATE_REFERENCES)
    sheet = load_workbook(io.BytesIO(data)).active
    money = [c.value for c in sheet[1]].index("subsidy")
    assert all(row[money].data_type == "n" for row in sheet.iter_rows(min_row=2))  # numbers stay numbers


# ---- what-if ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_whatif_writes_a_formula_like_department_name_as_text(year_2020, tmp_path, suffix):
    names = ["=1+1", "  =2+2"]
    for department, name in zip((year_2020["hr"], year_2020["veterans"]), names, strict=True):
        Organization.objects.filter(pk=department.pk).update(short_name=name)
    out = tmp_path / f"r{suffix}"
    call_command("whatif", "--set", "annual_cap=2", "--year", "2020", "--out", str(out), stdout=io.StringIO())
    if suffix == ".csv":
        rows = csv_rows(out.read_bytes())
        assert_csv_escaped(rows, names)
        money = rows[0].index("difference_money")
        assert any(row[money].startswith("-") and NUMBER.fullmatch(row[money]) for row in rows[1:])
    else:
        assert_xlsx_text(out.read_bytes(), names)


# ---- the audit-log CSV (admin action) ---------------------------------------------------------------


def test_the_audit_log_export_writes_formula_like_reasons_as_text(db, client, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    auditor = UserFactory(role=Role.AUDITOR)
    with transaction.atomic():
        for reason in PAYLOADS:
            audit.record(actor=None, action="test.note", reason=reason)
    client.force_login(auditor)
    ids = list(audit.AuditRecord.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:core_auditrecord_changelist"), {"action": "export_csv", "_selected_action": ids}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert_csv_escaped(csv_rows(response.content), PAYLOADS)


# ---- the bank's payment file -----------------------------------------------------------------------------


@pytest.fixture
def paid_batch(people):
    person = make_person()
    plan = make_class_plan(funding_mode="enterprise")
    apps = [approved_individual(people["hr"], person=person), approved_class(people["hr"], plan, trainees=1)]
    batch = payment_batch_create(applications=apps, actor=people["finance"])
    payment_batch_pay(batch=batch, actor=people["finance"])
    lines = PaymentLine.objects.filter(batch=batch)
    Person.objects.filter(pk=person.pk).update(name="@SUM(A1)")
    Organization.objects.filter(pk__in=lines.values("organization")).update(name='  =HYPERLINK("http://x","y")')
    return batch


@pytest.mark.django_db(transaction=True)  # payment_batch_pay commits line by line
def test_the_payment_file_writes_formula_like_payee_names_as_text(paid_batch):
    names = ["@SUM(A1)", '  =HYPERLINK("http://x","y")']
    rows = csv_rows(payment_file(batch=paid_batch, fmt="csv"))
    assert_csv_escaped(rows, names)
    assert rows[-1][3] == "2400.00"
    data = payment_file(batch=paid_batch, fmt="xlsx")
    assert_xlsx_text(data, names)
    last = list(load_workbook(io.BytesIO(data)).active.iter_rows())[-1]
    assert last[3].data_type == "n" and last[3].value == 2400


# ---- the public disclosure --------------------------------------------------------------------------------


def test_the_disclosure_xlsx_writes_a_formula_like_label_as_text(db):
    start, end = selectors.period_of(2020, None)
    programme = programme_load(path=policy_data.data_path("programmes", "ordos-2019-2021.yaml"))
    report = selectors.disclosure(programme=programme, year=2020, period_start=start, period_end=end)
    row = selectors.DepartmentRow(
        key="x", name="-1+1", name_en="@SUM(A1)", paid=Decimal("-5.00"), advanced=None, persons=None
    )
    report = replace(report, by_department=[row])
    data = xlsx.render(report)
    assert_xlsx_text(data, ["-1+1"])
    book = load_workbook(io.BytesIO(data))
    assert not [c for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    paid = next(r for r in book["按部门"].iter_rows() if r[0].value == "-1+1")[1]
    assert paid.data_type == "n" and paid.value == -5


# ---- the roster template ---------------------------------------------------------------------------------


def test_the_roster_template_has_no_formula_cells(db):
    book = load_workbook(io.BytesIO(template_bytes()))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    assert all(not formula_like(c.value) or c.quotePrefix for c in cells if isinstance(c.value, str))
