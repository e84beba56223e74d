"""The back office on a phone (issue 10, "Phones"): the application page and its lists fit a 390 px
screen (tables scroll inside their own box, the page itself does not)."""

from __future__ import annotations

import pytest

from tests.browser.helpers import assert_no_horizontal_scroll, sign_in, visit

pytestmark = pytest.mark.browser


def test_an_application_page_fits_a_phone(phone):
    sign_in(phone, "hr")
    visit(phone, "/admin/claims/application/?work=all")
    assert_no_horizontal_scroll(phone)
    phone.locator("#result_list tbody tr th a").first.click()
    phone.wait_for_load_state()
    assert_no_horizontal_scroll(phone)
