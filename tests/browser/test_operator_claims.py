"""Operators' claims in a real browser, on the demo data: the institution applies for DG-2020-001's
certified trainees, adds a material and submits; the enterprise (昊华煤业) records a 以工代训
employment and its months, claims them and submits; both lists show their own applications, pass
axe-core and fit a phone. The tests of this module run in this order on one server."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.helpers import assert_no_horizontal_scroll, assert_no_serious_axe, sign_in, visit
from tests.idgen import make_id

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_institution_applies_for_a_class_adds_a_material_and_submits(page):
    sign_in(page, "institution")
    page.locator("nav.worknav").get_by_role("link", name="补贴申请").click()
    assert page.get_by_role("heading", level=1).inner_text() == "补贴申请"
    assert_no_serious_axe(page)
    page.get_by_role("link", name="按培训班申请补贴").click()
    page.get_by_role("link", name="DG-2020-001").click()
    boxes = page.locator("input[name=enrolments]")
    assert boxes.count() >= 1
    for i in range(1, boxes.count()):
        boxes.nth(i).uncheck()  # claim for the first trainee only
    assert_no_serious_axe(page)
    page.get_by_role("button", name="生成申请草稿").click()
    assert page.locator("#status").inner_text() == "草稿"
    assert "§3.3.a" in page.locator("ul.sf-checks a.clause").first.inner_text()
    page.get_by_label("材料类别").select_option("certificate_scan")
    page.get_by_label("文件（PDF、JPEG或PNG）").set_input_files(
        {"name": "证书扫描件.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="上传材料").click()
    assert page.get_by_role("link", name="证书扫描件.pdf").is_visible()
    page.get_by_role("button", name="提交", exact=True).click()
    assert page.locator("#status").inner_text() == "已提交"
    assert_no_serious_axe(page)


def test_institution_list_fits_a_phone(phone):
    sign_in(phone, "institution", next_path="/work/institution/claims/")
    assert "已提交" in phone.locator(".sf-counts").inner_text()
    assert_no_horizontal_scroll(phone)
    assert_no_serious_axe(phone)


def test_enterprise_records_training_through_work_and_claims_it(page):
    sign_in(page, "enterprise")
    page.locator("nav.worknav").get_by_role("link", name="以工代训").click()
    assert_no_serious_axe(page)
    if page.locator("#id_person option").count() < 2:
        # Nobody on the enterprise's roster in this demo size: import one person, as a newcomer would.
        page.get_by_role("link", name="导入名册").click()
        csv = "姓名,公民身份号码,户籍地区划代码,户籍性质,常住地区划代码,是否领取养老金\n"
        csv += f"郝建军,{make_id('150602', date(1988, 4, 9), 517)},150602,农业,150602,否\n"
        page.locator("input[type=file]").set_input_files(
            {"name": "名册.csv", "mimeType": "text/csv", "buffer": csv.encode("utf-8-sig")}
        )
        page.get_by_role("button", name="导入").click()
        page.wait_for_load_state()
        visit(page, "/work/enterprise/employments/")
    page.get_by_label("职工（从本单位实名名册中选择）").select_option(index=1)
    last = (datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1) - timedelta(days=1)).replace(
        day=1
    )  # the last month that is over
    first = (last - timedelta(days=1)).replace(day=1)
    page.get_by_label("入职日期").fill(first.isoformat())
    page.get_by_role("button", name="登记用工").click()
    for month in (first, last):
        page.get_by_label("月份").fill(f"{month:%Y-%m}")
        page.get_by_label("当月培训学时").fill("40")
        page.get_by_label("培训内容").fill("井下岗位实操")
        page.get_by_role("button", name="登记", exact=True).click()
        assert page.get_by_text("月度培训已登记").is_visible()
    assert_no_serious_axe(page)
    page.get_by_label("培训职业（目录项目）").select_option(index=1)
    page.get_by_role("button", name="生成申请草稿").click()
    assert page.locator("#status").inner_text() == "草稿"
    assert "§3.3.g" in page.locator("ul.sf-checks").inner_text()
    page.get_by_role("button", name="提交", exact=True).click()
    assert page.locator("#status").inner_text() == "已提交"
    visit(page, "/work/enterprise/claims/")
    assert "以工代训" in page.locator("table.sf-list").inner_text()
    assert_no_serious_axe(page)


def test_enterprise_pages_fit_a_phone(phone):
    sign_in(phone, "enterprise", next_path="/work/enterprise/employments/")
    assert_no_horizontal_scroll(phone)
    phone.locator("table.sf-list a").first.click()
    assert_no_horizontal_scroll(phone)
    assert_no_serious_axe(phone)
