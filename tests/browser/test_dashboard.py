"""The target dashboards in a browser: HR enters the year's employed-person figures, reads the
progress page (charts drawn by the vendored ECharts, every figure in a table too), downloads the
.xlsx; a department sees its own row; the page works on a phone. axe-core passes each page."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from tests.browser.helpers import assert_no_horizontal_scroll, assert_no_serious_axe, sign_in, visit


def test_hr_enters_the_figures_and_reads_the_progress_page(page):
    sign_in(page, "hr", next_path="/work/dashboard/workforce/")
    assert page.get_by_role("heading", level=1).inner_text() == "就业人员和技能人才基数"
    page.get_by_label("年度").fill("2026")
    page.get_by_label("就业人员").fill("1200000")
    page.get_by_label("技能劳动者（基数）").fill("2000000")  # more than employed: refused at the field
    page.get_by_label("高技能人才（基数）").fill("90000")
    page.get_by_label("数据来源文件").fill("鄂尔多斯统计年鉴")
    with page.expect_navigation():
        page.get_by_role("button", name="登记").click()
    assert page.get_by_text("技能劳动者不能多于就业人员").is_visible()
    assert_no_serious_axe(page)
    page.get_by_label("技能劳动者（基数）").fill("300000")
    with page.expect_navigation():
        page.get_by_role("button", name="登记").click()
    assert page.get_by_role("cell", name="鄂尔多斯统计年鉴").is_visible()

    visit(page, "/work/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "目标任务进展"
    page.wait_for_function("document.querySelectorAll('.chart canvas').length >= 4")
    for caption in ("分阶段目标与总目标", "按部门", "按旗区", "按培训类型", "技能人才比例"):
        assert page.locator("table caption", has_text=caption).count() >= 1, caption
    ratios = page.locator("#table-ratios tbody tr").first.inner_text()
    assert "鄂尔多斯统计年鉴" in ratios and "1,200,000" in ratios
    assert page.get_by_role("link", name="§2.b").first.get_attribute("href").startswith("/policy/#clause-2.b")
    assert_no_serious_axe(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="下载 .xlsx（用于向上级报送）").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "按部门" in book.sheetnames and book["按部门"]["A1"].value.endswith("）")


def test_a_department_sees_its_own_row(page):
    sign_in(page, "dept_emergency", next_path="/work/dashboard/")
    table = page.locator("#table-departments tbody").inner_text()
    assert "市应急管理局" in table and "市人社局" not in table
    assert page.locator("#table-stages").count() == 0
    assert_no_serious_axe(page)


def test_the_dashboard_on_a_phone(phone):
    sign_in(phone, "finance", next_path="/work/dashboard/")
    phone.wait_for_function("document.querySelectorAll('.chart canvas').length >= 4")
    assert_no_horizontal_scroll(phone)
    assert_no_serious_axe(phone)
