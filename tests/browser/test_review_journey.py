"""The review chain from the reviewers' pages (§4.3.d), in a real browser: a department verifies
from its queue, the HR bureau checks and publishes in bulk after a confirmation, another HR officer
approves what has passed its notice, the auditor verifies the audit chain. No admin page is used."""

from __future__ import annotations

import re

from tests.browser.helpers import (
    allow_console,
    assert_no_horizontal_scroll,
    assert_no_serious_axe,
    sign_in,
    sign_out,
    visit,
)


def _year(page) -> str:
    return re.search(r"YS(\d{4})-XM-05", page.content())[1]


def test_the_department_verifies_from_its_queue(page):
    sign_in(page, "dept_hrss")
    visit(page, "/work/review/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("补贴申请审核")
    assert_no_serious_axe(page)
    year = _year(page)
    page.get_by_role("link", name=f"YS{year}-XM-05").click()
    page.wait_for_load_state()
    assert page.locator("a.clause", has_text="§3.3.b").first.is_visible()  # checks link to the policy text
    assert "剩余" in page.locator(".rv-quota").first.inner_text()  # §3.3.b quota beside the claim
    assert_no_serious_axe(page)
    allow_console(page, "400")  # the refused form answers 400, as a form error should
    reason = page.get_by_label(re.compile("^理由"))
    reason.fill("   ")
    page.get_by_role("button", name="退回补正").click()  # a blank reason: said at the field
    page.wait_for_load_state()
    assert page.get_by_text("请说明理由：申请人将看到该理由。").is_visible()
    page.get_by_label(re.compile("^理由")).fill("签到表、证书与花名册核对无误")
    page.get_by_role("button", name="部门审核真实性").click()
    page.wait_for_load_state()
    assert page.locator("#status").inner_text() == "部门已审核"
    sign_out(page)


def test_hr_checks_and_publishes_in_bulk_after_confirming(page):
    sign_in(page, "hr")
    visit(page, "/work/review/applications/?queue=check")
    year = _year(page)
    page.get_by_role("checkbox", name=f"选择 YS{year}-XM-05").check()
    page.get_by_role("button", name=re.compile("待人社复核：办理所选申请")).click()
    page.wait_for_load_state()
    assert_no_serious_axe(page)
    page.get_by_role("button", name="确认办理：待人社复核").click()
    page.wait_for_load_state()
    assert page.get_by_text("待人社复核：1 件申请已办理。").is_visible()

    visit(page, "/work/review/applications/?queue=publish")
    page.get_by_role("checkbox", name=f"选择 YS{year}-XM-04").check()
    page.get_by_role("button", name=re.compile("待公示：办理所选申请")).click()
    page.wait_for_load_state()
    page.get_by_label("异议受理方式").fill("市人社局职业能力建设科 0477-8581234")
    page.get_by_role("button", name="确认办理：待公示").click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile("已发布公示 GS-")).is_visible()
    sign_out(page)


def test_another_hr_officer_approves_what_has_passed_its_notice(page, phone):
    sign_in(page, "hr_approver")
    visit(page, "/work/review/applications/?queue=approve")
    boxes = page.get_by_role("checkbox")
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("button", name=re.compile("公示期满待批准：办理所选申请")).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="确认办理：公示期满待批准").click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile("公示期满待批准：\\d+ 件申请已办理。")).is_visible()
    sign_in(phone, "hr_approver")
    visit(phone, "/work/review/applications/?queue=all")
    assert_no_horizontal_scroll(phone)


def test_the_auditor_verifies_the_audit_chain(page):
    sign_in(page, "auditor")
    visit(page, "/work/review/audit/")
    assert_no_serious_axe(page)
    page.get_by_role("button", name="立即校验").click()
    page.wait_for_load_state()
    assert "审计链完整" in page.locator("#verify-result").inner_text()
