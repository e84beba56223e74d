"""A worker's journey on a phone (390 px): sign in with the demo mobile number and the SMS code the
relaxed demo also shows on the page, see the training voucher (§3.3.b quota), enrol in an open class
the rules find them eligible for, and follow their claim's decision with its clauses."""

from __future__ import annotations

import re

from tests.browser.helpers import (
    assert_cjk_rendered,
    assert_no_horizontal_scroll,
    assert_no_serious_axe,
    visit,
)

DEMO_MOBILE = "13900000001"


def _fits_and_passes_axe(phone) -> None:
    assert_no_horizontal_scroll(phone)
    assert_no_serious_axe(phone)


def test_a_worker_signs_in_on_a_phone_enrols_and_follows_a_claim(phone):
    visit(phone, "/login/")
    phone.get_by_role("link", name="劳动者请用手机号码登录").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "劳动者登录"
    _fits_and_passes_axe(phone)
    phone.get_by_label("手机号码").fill(DEMO_MOBILE)
    with phone.expect_navigation():
        phone.get_by_role("button", name="获取验证码").click()
    notice = phone.get_by_text(re.compile(r"演示验证码")).inner_text()
    code = re.search(r"\d{6}", notice)[0]
    _fits_and_passes_axe(phone)
    phone.get_by_label("短信中的6位验证码").fill(code)
    with phone.expect_navigation():
        phone.get_by_role("button", name="登录").click()

    assert phone.url.endswith("/me/")
    assert phone.get_by_role("heading", level=1).inner_text() == "我的培训券"
    assert "本年度剩余" in phone.locator(".quota").inner_text()
    assert_cjk_rendered(phone)
    _fits_and_passes_axe(phone)

    phone.get_by_role("link", name="查找培训班").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "可报名的培训班"
    _fits_and_passes_axe(phone)
    offer = phone.locator("article.offer").first
    title = offer.get_by_role("heading", level=2).inner_text()
    offer.locator("summary").click()
    assert offer.locator("a.clause").count() > 0
    with phone.expect_navigation():
        offer.get_by_role("button", name="报名").click()
    assert "已报名" in phone.locator(".notice.success").inner_text()
    assert title in phone.get_by_role("region", name="我报名的培训班").inner_text()

    phone.get_by_role("link", name="补贴申请").first.click()
    assert phone.get_by_role("heading", level=1).inner_text() == "我的补贴申请"
    _fits_and_passes_axe(phone)
    phone.get_by_role("link", name="审核结果及每项核查").first.click()
    assert phone.locator("ul.checks li").count() > 0
    assert phone.locator("a.clause").count() > 0
    _fits_and_passes_axe(phone)
