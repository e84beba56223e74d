"""An application from the department's verification to the payment (issue 10, "Done when"): the
department verifies it, the HR bureau checks it and publishes it in a public notice, a member of the public
objects during the notice period, HR decides the objection with the department's opinion, the objector
reads the decision by the receipt number, the approver approves once the notice has closed, and finance
pays it in a batch. Each role works only in its own pages; the server's clock is moved to the notice's
first day and to the day after it closes (restart_server)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.browser.demo_server import restart_server
from tests.browser.helpers import assert_no_serious_axe, needs_pages, sign_in, sign_out, solve_captcha, visit
from tests.browser.steps import pay_in_a_batch

pytestmark = needs_pages(
    "skillfund.web.review.queues", "skillfund.web.review.objections", "skillfund.web.finance.views"
)

LOCAL = ZoneInfo("Asia/Shanghai")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL)


def _status(page) -> str:
    return page.locator("#status").inner_text()


def test_verification_check_notice_objection_approval_and_payment(page, server):
    # 1. The department verifies, from its queue, an application submitted to it.
    sign_in(page, "dept_hrss")
    visit(page, "/work/review/applications/?queue=verify")
    assert_no_serious_axe(page)
    row = page.locator("table tbody tr").filter(has_text="项目制培训班").first
    code = row.locator("td a").first.inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name=code).click()
    # The decision with its checks and clause links, the person's remaining quota beside it.
    checks = page.locator("ul.rv-checks li")
    assert checks.count() > 0 and page.locator("ul.rv-checks a.clause").count() > 0
    assert "剩余" in page.locator("aside.rv-history").first.inner_text()
    assert_no_serious_axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="部门审核真实性").click()
    assert _status(page) == "部门已审核"
    application = page.url.removeprefix(server.base)
    sign_out(page)

    # 2. The HR bureau checks it and publishes it in a public notice (bulk, after a confirmation page).
    sign_in(page, "hr")
    visit(page, application)
    # Returning needs a reason: refused at the field, nothing changes.
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="退回补正").click()
    assert refused.value.status == 400 and _status(page) == "部门已审核"
    assert page.locator("#id_reason-error").is_visible()
    visit(page, application)
    with page.expect_navigation():
        page.get_by_role("button", name="人社部门复核完整性和程序性").click()
    assert _status(page) == "人社部门已复核"
    visit(page, "/work/review/applications/?queue=publish")
    page.get_by_label(f"选择 {code}").check()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("办理所选申请")).click()
    assert_no_serious_axe(page)
    page.get_by_label("公示标题").fill("职业技能培训补贴公示（浏览器测试）")
    page.get_by_label("异议受理方式").fill("市人社局职业能力建设科 0477-8580000")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("确认办理")).click()
    published = page.locator("p.notice.success").inner_text()
    reference = re.search(r"GS-[\w-]+", published).group(0)
    opens, closes = (date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", published)[:2])
    sign_out(page)

    # 3. On the notice's first day a member of the public objects (no sign-in) and gets a receipt.
    restart_server(server, at=_at(opens, 10))
    visit(page, f"/public/notices/{reference}/")
    form = page.locator("#objection form")
    form.get_by_label("异议对象（序号）").select_option(index=1)
    form.get_by_label("异议内容").fill("该学员在培训期间在外地务工，未实际参加培训。")
    solve_captcha(page, server, "#objection form")
    with page.expect_navigation():
        form.get_by_role("button", name="提交异议").click()
    receipt = page.locator("dl.facts code").first.inner_text()
    assert receipt

    # 4. HR decides it with the department's opinion; the objector reads the reasons by the receipt.
    sign_in(page, "hr")
    visit(page, "/work/review/objections/")
    assert_no_serious_axe(page)
    with page.expect_navigation():
        page.get_by_role("link", name=receipt).click()
    page.get_by_label("异议不成立：继续审核").check()
    page.get_by_label("责任部门意见").fill("经核查考勤与人脸识别记录，该学员全程参训。")
    page.get_by_label(re.compile("^处理理由")).fill("经核查考勤记录，该学员参加了全部课程，异议不成立。")
    with page.expect_navigation():
        page.get_by_role("button", name="记录决定").click()
    assert f"{receipt}: 已办结" in page.locator("p.notice.success").inner_text()
    sign_out(page)
    visit(page, f"/public/notices/objections/?receipt={receipt}")
    assert "该学员参加了全部课程" in page.locator("dl.facts").inner_text()

    # 5. The day after the notice closes the approver approves it; finance pays it in a batch.
    restart_server(server, at=_at(closes + timedelta(days=1), 9))
    sign_in(page, "hr_approver")
    visit(page, application)
    with page.expect_navigation():
        page.locator("#steps button.primary-action").click()
    assert _status(page) == "已批准"
    sign_out(page)
    sign_in(page, "finance")
    batch = pay_in_a_batch(page, [code])
    visit(page, batch)
    assert page.locator("table.lines tbody tr").filter(has_text=code).filter(has_text="已拨付").count() == 1
    sign_out(page)

    # The department sees it paid.
    sign_in(page, "dept_hrss")
    visit(page, application)
    assert _status(page) == "已拨付"
    sign_out(page)

    # The auditor finds every step in the audit log and verifies the chain from the page.
    sign_in(page, "auditor")
    visit(page, "/work/review/audit/")
    with page.expect_navigation():
        page.get_by_role("button", name="立即校验").click()
    result = page.locator("#verify-result")
    assert result.get_attribute("role") == "status", result.inner_text()
    assert_no_serious_axe(page)
