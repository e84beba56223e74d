"""The public portal as a visitor meets it: the home page (not a staff sign-in), from "how to apply"
to the clause it cites, the catalog searched by occupation, open classes by district, the notices and
the disclosure — each passing axe-core, and on a 390 px phone no page wider than the screen."""

from __future__ import annotations

import re

from tests.browser.helpers import (
    assert_cjk_rendered,
    assert_no_horizontal_scroll,
    assert_no_serious_axe,
    visit,
)

PUBLIC_PAGES = [
    "/",
    "/policy/",
    "/catalog/",
    "/classes/",
    "/apply/",
    "/progress/",
    "/public/notices/",
    "/public/disclosure/",
]


def test_a_visitor_walks_the_portal_from_the_home_page_to_the_clause(page):
    visit(page, "/")
    assert page.get_by_role("heading", level=1).inner_text() == "职业技能培训补贴"
    assert page.get_by_role("link", name="劳动者登录（手机号码）").is_visible()
    assert_cjk_rendered(page)
    assert_no_serious_axe(page)
    page.get_by_role("link", name="劳动者登录（手机号码）").click()
    page.wait_for_url(re.compile(r"/me/login/$"))  # the worker's sign-in, not the staff's
    visit(page, "/")

    page.get_by_role("navigation", name="公共服务门户").get_by_role("link", name="申领指南").click()
    assert page.get_by_role("heading", level=1).inner_text() == "申领指南"
    assert_no_serious_axe(page)
    page.get_by_role("link", name="§3.3.b").first.click()
    page.wait_for_url(re.compile(r"/policy/#clause-3\.3\.b$"))
    provision = page.locator("#clause-3\\.3\\.b")
    assert provision.is_visible() and "每人每年可享受不超过3次" in provision.inner_text()
    assert_no_serious_axe(page)


def test_the_catalog_and_the_open_classes_filter(page):
    visit(page, "/catalog/")
    page.get_by_label("职业（工种）").fill("焊工")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"q=%E7%84%8A%E5%B7%A5"))
    rows = page.locator("table.catalog tbody tr")
    assert rows.count() >= 1 and all("焊工" in rows.nth(i).inner_text() for i in range(rows.count()))
    assert_no_serious_axe(page)

    visit(page, "/classes/")
    assert page.get_by_role("status").inner_text().endswith("个培训班在招生")
    page.get_by_label("旗区").select_option(label="东胜区")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"district=150602"))
    assert page.get_by_label("旗区").input_value() == "150602"
    assert_no_serious_axe(page)


def test_the_english_portal(page):
    visit(page, "/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Vocational skills training subsidies"
    visit(page, "/policy/")
    first = page.locator("#clause-3\\.3\\.b p").first
    assert first.inner_text().startswith("At most 3 subsidies per person per year")
    assert_no_serious_axe(page)


def test_no_public_page_is_wider_than_a_phone(phone):
    visit(phone, "/public/notices/")
    notices = [a.get_attribute("href") for a in phone.locator("table.notices a").all()]
    visit(phone, "/classes/")
    classes = [a.get_attribute("href") for a in phone.locator("table.classes a").all()]
    for path in [*PUBLIC_PAGES, *notices[:1], *classes[:1], "/public/notices/objections/"]:
        visit(phone, path)
        assert_no_horizontal_scroll(phone)
    for path in ["/", "/classes/", "/progress/", "/public/disclosure/"]:
        visit(phone, path)
        assert_no_serious_axe(phone)
