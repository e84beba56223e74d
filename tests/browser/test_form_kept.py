"""A form half-filled when the session expires is kept by the browser (issue 10, "Bad input"): the
submit meets a signed-out session, the user signs in again, returns to the form and finds what they
typed (web/static/web/formkeep.js keeps it in the tab's sessionStorage, never passwords or files)."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import sign_in, visit

pytestmark = pytest.mark.browser


def test_a_form_survives_an_expired_session(page):
    sign_in(page, "institution")
    visit(page, "/work/institution/plans/new/")
    page.fill("#id_code", "KEPT-2027-01")
    page.fill("#id_venue", "康巴什区实训基地 2 楼")
    # The session ends (idle timeout, a restart): the session cookie is gone, the CSRF cookie stays.
    cookies = page.context.cookies()
    csrf = [c for c in cookies if "csrf" in c["name"].lower()]
    assert csrf and len(csrf) < len(cookies), "expected a session cookie beside the CSRF cookie"
    page.context.clear_cookies()
    page.context.add_cookies(csrf)
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    assert "/login/" in page.url and "next=" in page.url
    page.fill("input[name=username]", "institution")
    page.fill("input[name=password]", "skillfund-demo")
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    page.wait_for_url(re.compile(r"/work/institution/plans/new/$"))
    assert page.input_value("#id_code") == "KEPT-2027-01"
    assert page.input_value("#id_venue") == "康巴什区实训基地 2 楼"
