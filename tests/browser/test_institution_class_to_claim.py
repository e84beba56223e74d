"""An institution's class from plan to certificate and claim, in a real browser (issue 10, "Done when"):
the clerk plans a 40-hour class for next week in one form, generates its sessions, files it; the
department approves it from its queue; the clerk imports the roster from the .xlsx template; after the
class (the server's clock moved past its last day) records each session's attendance sheet, the
assessments and the certificates, applies for the class's subsidies, adds a material and submits; the
department then finds the application in its queue with every check and its clause."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl

from tests.browser.demo_people import holds_status_on
from tests.browser.demo_server import restart_server
from tests.browser.helpers import assert_no_serious_axe, needs_pages, sign_in, sign_out, visit

pytestmark = needs_pages(
    "skillfund.web.institution.plans", "skillfund.web.review.plans", "skillfund.web.institution.claims"
)

LOCAL = ZoneInfo("Asia/Shanghai")
CODE = "E2E-BAOAN-01"
TRAINEES = 3


def _option(page, select: str, text: str) -> str:
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    assert value, f"no option {text!r} in {select}"
    return value


def _candidates(server, first_day: date) -> list[dict]:
    """Persons on the institution's roster a clerk would enrol: living or registered in the city, a
    status on the first day, no pension, not in another class."""
    return [
        p
        for p in server.people("institution")
        if not p["receives_pension"]
        and not p["enrolments"]
        and any(r.startswith("1506") for r in p["regions"])
        and holds_status_on(p, first_day)
    ][:TRAINEES]


def test_a_class_from_plan_to_certificate_and_claim(page, server, tmp_path):
    begins = datetime.now(LOCAL).date() + timedelta(days=7)
    trainees = _candidates(server, begins)
    assert len(trainees) == TRAINEES, "the demo has too few persons on the institution's roster"

    # 1. Plan: one form, then the schedule generator (8 hours a day, Monday to Friday → 5 sessions).
    sign_in(page, "institution")
    page.locator("nav.worknav").get_by_role("link", name="开班计划").click()
    page.get_by_role("link", name="新建开班计划").click()
    page.fill("#id_code", CODE)
    page.select_option("#id_catalog_item", _option(page, "#id_catalog_item", f"{begins.year} 保安员"))
    page.select_option("#id_department", _option(page, "#id_department", "市人社局"))
    page.select_option("#id_funding_mode", "project")
    page.fill("#id_venue", "华夏培训学校 实训楼")
    page.fill("#id_start_date", begins.isoformat())
    page.fill("#id_end_date", (begins + timedelta(days=20)).isoformat())  # the generator sets the last day
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    assert page.url.endswith("/schedule/"), page.url
    plan_path = re.sub(r"schedule/$", "", page.url.removeprefix(server.base))
    page.fill("#id_start", "08:00")
    page.fill("#id_end", "16:00")
    page.fill("#id_hours_per_session", "8")
    page.fill("#id_total_hours", "40")
    page.fill("#id_topic", "保安员实务")
    with page.expect_navigation():
        page.get_by_role("button", name="预览").click()
    assert_no_serious_axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="保存 5 个课次").click()
    sessions = page.locator("section.card table.list tbody tr")
    assert sessions.count() == 5
    days = [date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", row)[0]) for row in sessions.all_inner_texts()]
    with page.expect_navigation():
        page.get_by_role("button", name="报送主管部门").click()
    assert page.locator(".status").first.inner_text() == "已报备"
    assert page.get_by_role("link", name="修改计划").count() == 0  # filed: no more editing
    sign_out(page)

    # 2. The department approves the plan from its queue.
    sign_in(page, "dept_hrss")
    visit(page, "/work/review/plans/")
    with page.expect_navigation():
        page.get_by_role("link", name=CODE).click()
    assert_no_serious_axe(page)
    page.get_by_label("批准开班计划").check()
    with page.expect_navigation():
        page.get_by_role("button", name="记录决定").click()
    assert f"{CODE}: 已办结" in page.locator("p.notice").first.inner_text()
    sign_out(page)

    # 3. The roster, from the page's own .xlsx template filled in.
    sign_in(page, "institution")
    visit(page, plan_path + "roster/")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载模板").click()
    roster = tmp_path / "报名花名册.xlsx"
    shutil.copy(download.value.path(), roster)
    book = openpyxl.load_workbook(roster)
    sheet = book["报名花名册"]
    for person in trainees:
        sheet.append([person["id_number"], person["name"]])
    book.save(roster)
    page.get_by_label(re.compile("报名花名册")).set_input_files(roster)
    with page.expect_navigation():
        page.get_by_role("button", name="导入并报名").click()
    assert f"已报名 {TRAINEES} 人" in page.locator("main").inner_text()
    for person in trainees:
        assert person["name"] in page.locator("main").inner_text()
        assert person["id_number"] not in page.content()  # shown masked only
    assert_no_serious_axe(page)
    sign_out(page)

    # 4. After the class: each session's attendance sheet, the assessments and the certificates.
    restart_server(server, at=datetime.combine(days[-1] + timedelta(days=1), time(9), tzinfo=LOCAL))
    sign_in(page, "institution")
    visit(page, plan_path + "attendance/")
    for n in range(len(days)):
        with page.expect_navigation():
            page.locator("table.grid thead a").nth(n).click()
        for radio in page.locator("input[type=radio][value=present]").all():
            radio.check()
        # A manual entry from the paper sheet: the form's default reason says so (§4.3.d).
        with page.expect_navigation():
            page.get_by_role("button", name="保存签到表").click()
        visit(page, plan_path + "attendance/")
    assert page.locator("table.grid td.mark.present").count() == TRAINEES * len(days)
    assert_no_serious_axe(page)

    visit(page, plan_path + "results/")
    for n in range(TRAINEES):
        row = page.locator("table.results tbody tr").nth(n)
        row.get_by_label("结果").select_option(label="合格")
        with page.expect_navigation():
            row.get_by_role("button", name="保存结果").click()
    for n in range(TRAINEES):
        row = page.locator("table.results tbody tr").nth(n)
        row.get_by_label("证书编号").fill(f"{CODE}-{n + 1:03d}")
        with page.expect_navigation():
            row.get_by_role("button", name="登记证书").click()
    assert page.locator("table.results").inner_text().count(f"{CODE}-") == TRAINEES
    assert_no_serious_axe(page)

    # 5. The claim: one application for the class's certified trainees, a material, submitted.
    with page.expect_navigation():
        page.get_by_role("link", name="为本班申请补贴").click()
    assert_no_serious_axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="生成申请草稿").click()
    assert re.search(r"/work/institution/claims/\d+/$", page.url), page.url
    application = page.url.removeprefix(server.base)
    reference = page.get_by_role("heading", level=1).inner_text().split(" · ")[0]
    checks = page.locator("ul.sf-checks li")
    assert checks.count() >= TRAINEES and page.locator("ul.sf-checks a.clause").count() > 0
    proof = tmp_path / "结业考核记录.pdf"
    proof.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.locator("#materials select[name=kind]").select_option("attendance_record")
    page.locator("#materials input[type=file]").set_input_files(proof)
    with page.expect_navigation():
        page.get_by_role("button", name="上传材料").click()
    assert "结业考核记录.pdf" in page.locator("#materials").inner_text()
    with page.expect_navigation():
        page.locator("#submit").get_by_role("button", name="提交").click()
    assert page.locator("#status").inner_text() == "已提交"
    assert_no_serious_axe(page)
    sign_out(page)

    # 6. The department finds it in its queue, with the checks and the material beside it.
    sign_in(page, "dept_hrss")
    visit(page, "/work/review/applications/?queue=verify")
    with page.expect_navigation():
        page.get_by_role("link", name=reference).click()
    assert page.locator("article.rv-line").count() == TRAINEES
    assert "结业考核记录.pdf" in page.locator("aside.rv-side").inner_text()
    response = page.goto(application)  # the institution's own page is not the department's
    assert response is not None and response.status in (403, 404)
