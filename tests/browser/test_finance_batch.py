"""Finance pays a batch from its pages (issue 10, "Finance"): the approved applications of the demo are
chosen, the batch created, its lines reviewed with masked accounts, a line taken out with a reason,
the batch confirmed and paid with its progress shown; the bank file carries the full accounts; a bank
reference is recorded. Only finance sees these pages."""

from __future__ import annotations

import csv
import io

from tests.browser.helpers import assert_no_serious_axe, needs_pages, sign_in, visit
from tests.browser.steps import pay_in_a_batch

pytestmark = needs_pages("skillfund.web.finance.views")


def _approved(page) -> list[str]:
    visit(page, "/work/finance/payable/")
    return [
        label.removeprefix("选择 ")
        for label in page.eval_on_selector_all(
            "input[name=applications]", "els => els.map(e => e.getAttribute('aria-label'))"
        )
    ]


def test_a_line_is_taken_out_of_a_batch_with_a_reason(page):
    sign_in(page, "finance")
    codes = _approved(page)
    assert len(codes) >= 2, f"the demo has {len(codes)} approved applications to pay"
    for code in codes[:2]:
        page.get_by_label(f"选择 {code}").check()
    with page.expect_navigation():
        page.get_by_role("button", name="将所选申请编入付款批次").click()
    line = page.locator("table.lines tbody tr").filter(has_text=codes[1])
    line.locator("summary").click()
    line.get_by_role("button", name="移出").click()  # no reason: the browser refuses (required)
    assert "/cancel/" not in page.url
    line.get_by_label("移出理由").fill("收款账户待核实")
    with page.expect_navigation():
        line.get_by_role("button", name="移出").click()
    assert page.locator("table.lines tbody tr").filter(has_text=codes[0]).count() == 1
    # The line taken out is back among the applications to pay.
    assert codes[1] in _approved(page)


def test_finance_pays_a_batch_and_downloads_the_bank_file(page):
    sign_in(page, "finance")
    codes = _approved(page)
    batch = pay_in_a_batch(page, codes)
    visit(page, batch)
    assert page.locator("table.lines tbody tr").filter(has_text="已付款").count() == len(codes)
    shown = page.locator("table.lines .acct").all_inner_texts()

    with page.expect_download() as download:
        page.get_by_role("link", name=".csv").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - a temp file
    rows = list(csv.reader(io.StringIO(text)))
    digits = {"".join(ch for ch in cell if ch.isdigit()) for row in rows for cell in row}
    for masked in shown:  # the full number of every masked account is in the file
        head, tail = masked.split()[0], masked.split()[-1]
        assert any(d.startswith(head) and d.endswith(tail) and len(d) > 12 for d in digits), masked

    first = page.locator("table.lines tbody tr").first
    first.get_by_label("银行流水号").fill("ICBC-20261202-0001")
    with page.expect_navigation():
        first.get_by_role("button", name="登记").click()
    assert "ICBC-20261202-0001" in page.locator("table.lines").inner_text()
    assert_no_serious_axe(page)


def test_another_role_gets_no_finance_page(page):
    sign_in(page, "institution")
    response = page.goto("/work/finance/payable/")
    assert response is not None and response.status in (403, 404)
