"""Staff sessions end after an idle time (SKILLFUND_IDLE_TIMEOUT_MINUTES): pages send the user to
the sign-in with a message, the API answers 401 in its own error shape."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from skillfund.accounts.middleware import LAST_ACTIVITY
from skillfund.accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _relaxed(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.SKILLFUND_IDLE_TIMEOUT_MINUTES = 30


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory(role=Role.HR_STAFF))
    assert client.get(reverse("web:home")).status_code == 200  # records the first activity
    return client


def idle_for(client, minutes: float) -> None:
    session = client.session
    session[LAST_ACTIVITY] = session[LAST_ACTIVITY] - minutes * 60
    session.save()


def test_activity_within_the_idle_time_keeps_the_session(signed_in):
    idle_for(signed_in, 29)
    assert signed_in.get(reverse("web:home")).status_code == 200
    assert signed_in.session[LAST_ACTIVITY] >= time.time() - 5  # the clock restarted


def test_an_idle_page_session_is_signed_out_with_a_message(signed_in):
    idle_for(signed_in, 31)
    response = signed_in.get("/admin/", follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("web:login"))
    html = response.content.decode()
    assert "闲置" in html and "idle" in html
    assert signed_in.get(reverse("web:home")).status_code == 302  # the session is gone


def test_an_idle_api_session_gets_401_in_the_api_error_shape(signed_in):
    idle_for(signed_in, 31)
    response = signed_in.get("/api/v1/applications/")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired" and set(response.json()) >= {"zh", "en", "clause"}
    assert signed_in.get(reverse("web:home")).status_code == 302


def test_the_idle_time_is_configurable(signed_in, settings):
    settings.SKILLFUND_IDLE_TIMEOUT_MINUTES = 5
    idle_for(signed_in, 6)
    assert signed_in.get(reverse("web:home")).status_code == 302
