"""The browser infrastructure itself: chromium draws Chinese with a real font, the sign-in page and the
public notices pass axe-core, a demo account signs in, the English switch works."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.browser.demo_server import restart_server
from tests.browser.helpers import (
    assert_cjk_rendered,
    assert_no_horizontal_scroll,
    assert_no_serious_axe,
    sign_in,
    visit,
)


def test_a_cjk_font_is_installed():
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    assert fonts.strip(), "no font for Chinese (fonts-noto-cjk)"


def test_sign_in_page_in_chinese_passes_axe(page):
    visit(page, "/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", level=1).inner_text() == "工作人员登录"
    assert_cjk_rendered(page)
    assert_no_serious_axe(page)


def test_public_notices_render_chinese_and_pass_axe(page, phone):
    visit(page, "/public/notices/")
    assert "公示" in page.get_by_role("heading", level=1).inner_text()
    assert_cjk_rendered(page)
    assert_no_serious_axe(page)
    visit(phone, "/public/notices/")
    assert_no_horizontal_scroll(phone)
    assert_no_serious_axe(phone)


def test_a_demo_account_signs_in_and_switches_to_english(page):
    sign_in(page, "hr")
    assert page.url.endswith("/work/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert_no_serious_axe(page)


def test_the_server_restarts_on_a_moved_clock(page, server):
    restart_server(server, at=datetime(2031, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    try:
        response = visit(page, "/login/")
        assert "2031" in response.headers["date"]
    finally:
        restart_server(server)
    assert str(datetime.now(UTC).year) in visit(page, "/login/").headers["date"]


def test_the_institutions_people_are_listed_for_roster_files(server):
    people = server.people("institution")
    assert people and all(len(p["id_number"]) == 18 and p["name"] for p in people)


def test_the_sign_in_button_reads_next_step(page):
    visit(page, "/login/")
    assert page.locator("form button[type=submit].primary").inner_text() == "下一步"
