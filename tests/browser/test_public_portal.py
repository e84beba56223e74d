"""The public portal as a member of the public uses it (issue 10, "The public portal"): the home page is
not a staff sign-in; the policy, the notices with an objection filed and followed by its receipt number,
the fund-use disclosure; every page fits a phone and passes axe-core. No sign-in anywhere here."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import (
    assert_cjk_rendered,
    assert_no_horizontal_scroll,
    assert_no_serious_axe,
    solve_captcha,
    visit,
)


def test_home_is_public_and_leads_to_every_public_page(page):
    visit(page, "/")
    assert "/login/" not in page.url, "the public home page must not be a staff sign-in"
    assert page.get_by_role("heading", level=1).is_visible()
    assert_cjk_rendered(page)
    hrefs = page.eval_on_selector_all("main a", "els => els.map(a => new URL(a.href).pathname)")
    for wanted in ("/policy/", "/public/notices/", "/public/disclosure/"):
        assert wanted in hrefs, f"the home page has no link to {wanted}"
    assert_no_serious_axe(page)


def test_public_pages_fit_a_phone(phone):
    for path in ("/", "/policy/", "/public/notices/", "/public/notices/objections/"):
        visit(phone, path)
        assert_no_horizontal_scroll(phone)
        assert_no_serious_axe(phone)


def test_an_objection_is_filed_and_followed_by_its_receipt(page, server):
    visit(page, "/public/notices/")
    page.locator("table.notices a").first.click()
    page.wait_for_load_state()
    assert re.search(r"/public/notices/GS-[\w-]+/$", page.url), page.url
    assert_no_serious_axe(page)
    # The lines are masked: no full ID number is shown anywhere.
    assert not re.search(r"\b\d{17}[\dXx]\b", page.locator("main").inner_text())

    form = page.locator("#objection form")
    form.get_by_label("异议对象（序号）").select_option(index=1)
    form.get_by_label("异议内容").fill("该学员未实际参加培训。")
    solve_captcha(page, server, "#objection form")
    with page.expect_navigation():
        form.get_by_role("button", name="提交异议").click()
    assert "/public/notices/objections/" in page.url
    receipt = page.locator("dl.facts code").first.inner_text()
    assert receipt, "no receipt number shown"
    assert receipt in page.locator("main").inner_text()
    assert_no_serious_axe(page)

    # Later, from the look-up form, with the receipt number only.
    visit(page, "/public/notices/objections/")
    page.get_by_label("回执号").fill(receipt)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert "人社" in page.locator("dl.facts").inner_text()  # awaiting the HR bureau's decision


def test_a_wrong_captcha_answer_is_refused_at_the_field(page):
    visit(page, "/public/notices/")
    page.locator("table.notices a").first.click()
    page.wait_for_load_state()
    form = page.locator("#objection form")
    form.get_by_label("异议对象（序号）").select_option(index=1)
    form.get_by_label("异议内容").fill("测试")
    form.locator("input[name=captcha_1]").fill("wrong")
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name="提交异议").click()
    assert navigation.value.status == 400
    assert "/objections/" not in page.url
    error = page.locator("#objection input[name=captcha_1] ~ p.field-error")
    assert error.count() == 1, "the wrong answer is not refused at its field"
    assert re.search("[\u4e00-\u9fff]", error.inner_text()), f"not in Chinese: {error.inner_text()}"
    assert form.get_by_label("异议内容").input_value() == "测试", "the text typed was lost"


def test_the_disclosure_defaults_to_the_programmes_latest_year(page):
    visit(page, "/public/disclosure/")
    heading = page.get_by_role("heading", level=1).inner_text()
    years = [int(y) for y in re.findall(r"(20\d\d)年", heading)]
    assert years, heading
    assert_no_serious_axe(page)


def _portal_pages_landed() -> bool:
    from skillfund.portal import views

    return hasattr(views, "catalog")


@pytest.mark.skipif(not _portal_pages_landed(), reason="the portal's pages are not on this branch yet")
def test_every_clause_link_leads_to_its_clause_on_the_policy_page(page):
    for path in ("/public/notices/", "/apply/", "/catalog/", "/"):
        visit(page, path)
        links = page.locator("main a.clause")
        if links.count():
            break
    assert links.count(), "no clause link to follow"
    target = links.first.get_attribute("href")
    with page.expect_navigation():
        links.first.click()
    anchor = target.split("#", 1)[1]
    assert page.url.endswith(target), page.url
    assert page.locator(f"[id='{anchor}']").is_visible(), f"the policy page has no visible {anchor}"


@pytest.mark.skipif(not _portal_pages_landed(), reason="the portal's pages are not on this branch yet")
def test_the_catalog_open_classes_and_how_to_apply_fit_a_phone(phone):
    for path in ("/catalog/", "/classes/", "/apply/"):
        visit(phone, path)
        assert re.search("[\u4e00-\u9fff]", phone.get_by_role("heading", level=1).inner_text()), path
        assert_no_horizontal_scroll(phone)
        assert_no_serious_axe(phone)
