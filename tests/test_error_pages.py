"""Refusals are pages in the user's language, not Django's bare ones (issue 10): 404 for a record
outside the user's scope or a page that does not exist, 403 for a step the role may not take."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skillfund.accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _relaxed(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


def test_a_missing_page_is_a_404_page_in_chinese_and_english(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    assert "Page not found" in client.get("/no/such/page/").content.decode()


def test_a_step_the_role_may_not_take_is_a_403_page(client):
    client.force_login(UserFactory(role=Role.AUDITOR))
    response = client.get(reverse("web:history_import"))
    assert response.status_code == 403 and "无权操作" in response.content.decode()
