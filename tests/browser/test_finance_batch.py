"""Finance pays a batch in the browser (issue 10, "a finance batch payment"): the approved applications
ready to pay, a batch created from them, its lines with masked accounts, the confirmation (the demo's
relaxed second factor says so), paying with the progress shown (htmx), the bank file with the full
account numbers, a bank reference recorded. One journey, in order, on the pristine demo."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from tests.browser.helpers import assert_no_horizontal_scroll, assert_no_serious_axe, sign_in, visit

MASKED = re.compile(r"\d{4} \*{4} \*{4} \d{4}")


def test_finance_creates_confirms_and_pays_a_batch(page):
    sign_in(page, "finance")
    page.get_by_role("link", name="待拨付").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "已批准待拨付的申请"
    assert_no_serious_axe(page)
    boxes = page.locator("input[name=applications]")
    assert boxes.count() >= 1
    page.get_by_label("选择本页全部申请").check()  # finance.js: the header box chooses every row
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    with page.expect_navigation():
        page.get_by_role("button", name="将所选申请编入付款批次").click()
    assert "/work/finance/batches/" in page.url
    assert page.get_by_text("待确认").first.is_visible()
    body = page.locator("main").inner_text()
    assert MASKED.search(body), "the lines show the payees' masked accounts"
    assert not re.search(r"\d{16,}", body), "never a full account number on the page"
    assert "已放宽第二验证因素" in body  # the relaxed demo says so
    assert_no_serious_axe(page)

    with page.expect_navigation():
        page.get_by_role("button", name="确认付款批次").click()
    page.get_by_role("button", name=re.compile("支付")).click()  # htmx: a chunk per request
    page.get_by_text("各笔均已付款，并已记入专账。").wait_for(timeout=15000)
    assert page.locator("progress").get_attribute("value") == page.locator("progress").get_attribute("max")
    assert_no_serious_axe(page)

    page.reload()
    with page.expect_download() as download:
        page.get_by_role("link", name=".csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][8].startswith("银行账号") and all(re.fullmatch(r"\d{16,20}", r[8]) for r in rows[1:-1])

    page.get_by_label("银行流水号", exact=True).first.fill("BK-DEMO-0001")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).first.click()
    assert "BK-DEMO-0001" in page.locator("main").inner_text()


def test_the_batch_list_fits_a_phone(phone):
    sign_in(phone, "finance")
    visit(phone, "/work/finance/")
    assert phone.get_by_role("heading", level=1).inner_text() == "付款批次"
    assert_no_horizontal_scroll(phone)
    assert_no_serious_axe(phone)
