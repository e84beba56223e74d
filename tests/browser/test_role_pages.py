"""Every demo account's main pages in chromium (issue 10, "Accessibility" and "Language and names"): the
workspace and each page its navigation offers (each audience's nav.py) open with 200 (the navigation
offers nothing the user may not use), pass axe-core with no serious or critical violation and show
Chinese, with no raw role or action codes. Pages are found through the navigation, so new ones are
covered as they land."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import assert_no_serious_axe, sign_in, visit

ACCOUNTS = [
    "institution",
    "enterprise",
    "dept_emergency",
    "dept_veterans",
    "dept_hrss",
    "hr",
    "hr_approver",
    "hr_clerk",
    "finance",
    "auditor",
    "admin",
]
# Codes that must be shown as names (role codes, action codes, the raw decision kinds).
RAW_CODES = re.compile(
    r"\b(institution_staff|enterprise_staff|department_reviewer|hr_staff|hr_approver|finance_officer|auditor"
    r"|application\.\w+|training_completion)\b"
)


def _nav(page) -> list[tuple[str, str]]:
    links = page.eval_on_selector_all(
        "nav.worknav a", "els => els.map(a => [a.textContent.trim(), new URL(a.href).pathname])"
    )
    return [(label, path) for label, path in links if not path.startswith("/admin/")]


@pytest.mark.parametrize("username", ACCOUNTS)
def test_the_pages_of_each_role_pass_axe(page, username):
    sign_in(page, username)
    visit(page, "/work/")
    assert_no_serious_axe(page)
    entries = _nav(page)
    for label, path in entries:
        visit(page, path)
        assert page.get_by_role("heading", level=1).count() >= 1, f"{path} ({label}) has no heading"
        text = page.locator("main").inner_text()
        found = RAW_CODES.search(text)
        assert not found, f"{path} shows the raw code {found.group(0)!r} where a name belongs"
        assert_no_serious_axe(page)
        # In Chinese mode the page's own words are Chinese.
        assert re.search("[\u4e00-\u9fff]", page.get_by_role("heading", level=1).first.inner_text()), path


def test_the_checks_beside_an_application_name_what_they_found(page):
    sign_in(page, "dept_hrss")
    visit(page, "/work/review/applications/?queue=all")
    with page.expect_navigation():
        page.locator("table tbody tr").filter(has_text="项目制培训班").locator("td a").first.click()
    checks = page.locator("main").inner_text()
    found = RAW_CODES.search(checks)
    assert not found, f"{page.url} shows the raw code {found.group(0)!r} where a name belongs"
