"""A payment batch's line taken out with a reason, from the batch's page (issue 10, "Finance"): the
application goes back among those to pay. Only finance opens these pages. (Paying a batch:
test_finance_batch.py; paying a journey's application: test_review_to_payment.py.)"""

from __future__ import annotations

from tests.browser.helpers import needs_pages, sign_in, visit

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


def test_another_role_gets_no_finance_page(page):
    sign_in(page, "institution")
    response = page.goto("/work/finance/payable/")
    assert response is not None and response.status in (403, 404)
