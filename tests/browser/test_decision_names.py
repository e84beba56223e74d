"""A reviewer reads the rules' checks with names, never codes, in Chinese and after switching to
English: the §3.3.b refusal of the demo's SQ-GR-003 names the occupation and its level, the §3.3.a
check the places and the certificate (issue 10, "codes are shown as names")."""

from __future__ import annotations

import re

from tests.browser.helpers import sign_in, visit

RAW_CODE = re.compile(r"[a-z]+_[a-z_]+")
BARE_REGION = re.compile(r"(?<![\d*])\d{6}(?![\d*])")


def _checks(page) -> str:
    text = "\n".join(page.locator(".rv-checks li").all_inner_texts())
    assert text, "no checks on the page"
    assert not RAW_CODE.search(text), text
    assert not BARE_REGION.search(text), text
    return text


def test_a_refusal_names_the_occupation_level_places_and_certificate(page):
    sign_in(page, "hr")
    visit(page, "/work/review/applications/?queue=all")
    page.get_by_role("link", name="SQ-GR-003").click()
    page.wait_for_load_state()
    zh = _checks(page)
    assert "同一职业同一等级（电工（6-31-01-03），五级/初级工）已享受过补贴" in zh
    assert "已取得证书（职业技能等级证书）" in zh and "鄂尔多斯市" in zh
    assert page.locator("a.clause", has_text="§3.3.b").first.is_visible()  # the clause still links
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    en = _checks(page)
    assert "(6-31-01-03), level 5 / junior worker, was already subsidized" in en
    assert "Certificate obtained: skill level" in en and "Ordos" in en
