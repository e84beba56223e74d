"""Steps of the journeys that more than one browser test module walks (pages as a user sees them)."""

from __future__ import annotations

import re

from tests.browser.helpers import assert_no_serious_axe, visit


def pay_in_a_batch(page, applications: list[str]) -> str:
    """As finance (signed in): choose the approved applications, create the batch, review it, confirm it
    (the relaxed demo needs no code), pay with the progress shown; returns the batch's page path."""
    visit(page, "/work/finance/payable/")
    assert_no_serious_axe(page)
    for code in applications:
        page.get_by_label(f"选择 {code}").check()
    with page.expect_navigation():
        page.get_by_role("button", name="将所选申请编入付款批次").click()
    assert re.search(r"/work/finance/batches/\d+/$", page.url), page.url
    batch = page.url.removeprefix(page.url.split("/work/")[0])
    lines = page.locator("table.lines tbody tr")
    assert lines.count() == len(applications)
    for code in applications:
        assert lines.filter(has_text=code).count() == 1
    # Accounts are masked on the page (the bank file carries them whole).
    for account in page.locator("table.lines .acct").all_inner_texts():
        assert "*" in account, f"an unmasked account: {account}"
    assert_no_serious_axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="确认付款批次").click()
    page.locator("#pay-form button[type=submit]").click()
    progress = page.locator("#pay-progress progress")
    progress.wait_for()
    page.wait_for_function(
        "() => { const p = document.querySelector('#pay-progress progress'); return p && p.value === p.max; }"
    )
    assert "已付款" in page.locator("#pay-progress").inner_text()
    return batch
