"""An institution runs a class from the screen, in a real browser: plans a 120-hour class in one form
(40 sessions of 3 hours), files it, and finds its approved classes' roster, attendance and results.
The tests share one demo server and run in the journey's order."""

from __future__ import annotations

import re

from tests.browser.helpers import (
    allow_console,
    assert_cjk_rendered,
    assert_no_horizontal_scroll,
    assert_no_serious_axe,
    sign_in,
    visit,
)


def _option(page, select: str, text: str) -> str:
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    assert value, f"no option {text!r} in {select}"
    return value


def test_institution_plans_a_120_hour_class_and_files_it(page):
    sign_in(page, "institution")
    page.locator("nav.worknav").get_by_role("link", name="开班计划").click()
    assert "开班计划" in page.get_by_role("heading", level=1).inner_text()
    assert_cjk_rendered(page)
    assert_no_serious_axe(page)

    page.get_by_role("link", name="新建开班计划").click()
    page.fill("#id_code", "BR-2027-001")
    page.select_option("#id_catalog_item", _option(page, "#id_catalog_item", "2027 电工（五级/初级工）"))
    page.select_option("#id_department", _option(page, "#id_department", "市人社局"))
    page.fill("#id_venue", "东胜区培训楼 301")
    page.fill("#id_start_date", "2027-03-01")
    page.fill("#id_end_date", "2027-03-05")
    assert_no_serious_axe(page)
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r"/schedule/$"))

    # The generator: Monday–Friday 09:00–12:00, 3 hours each, 120 hours → 40 sessions, previewed first.
    page.fill("#id_total_hours", "120")
    page.get_by_role("button", name="预览").click()
    page.wait_for_load_state()
    assert page.locator("section.card table.list tbody tr").count() == 40
    assert_no_serious_axe(page)
    page.get_by_role("button", name="保存 40 个课次").click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    assert page.locator("section.card table.list tbody tr").count() == 40
    assert_no_serious_axe(page)

    page.get_by_role("button", name="报送主管部门").click()
    page.wait_for_load_state()
    assert page.locator(".status").first.inner_text() == "已报备"
    assert page.get_by_role("link", name="修改计划").count() == 0
    assert page.get_by_role("button", name="报送主管部门").count() == 0


def test_institution_sees_roster_attendance_and_results_of_its_classes(page, phone):
    sign_in(page, "institution")
    visit(page, "/work/institution/plans/?status=approved")
    page.get_by_role("link", name=re.compile(r"DG-01$")).first.click()
    for tab, heading in (("学员名册", "学员名册"), ("考勤", "考勤"), ("考核与证书", "考核与证书")):
        page.get_by_role("navigation", name="本班").get_by_role("link", name=tab).click()
        page.wait_for_load_state()
        assert heading in page.get_by_role("heading", level=1).inner_text()
        assert_no_serious_axe(page)
    sign_in(phone, "institution")
    visit(phone, page.url.replace(page.url.split("/work/")[0], ""))
    assert_no_horizontal_scroll(phone)
    visit(phone, "/work/institution/plans/")
    assert_no_horizontal_scroll(phone)


def test_another_institutions_class_is_not_found(page):
    sign_in(page, "institution")
    visit(page, "/work/institution/plans/")
    hrefs = page.locator("table.list a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    own = {int(m[1]) for h in hrefs if (m := re.search(r"/plans/(\d+)/$", h))}
    other = min(set(range(1, 100)) - own)  # the demo's other institutions' classes come first
    allow_console(page, "404")
    visit(page, f"/work/institution/plans/{other}/", status=404)
    visit(page, f"/work/institution/plans/{other}/roster/", status=404)
