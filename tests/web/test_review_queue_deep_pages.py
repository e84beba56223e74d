"""Later pages of a review queue and of the institution's claim list (1,000,000 claims make 2,000
pages of 25): each row's amount is computed for the page's rows only, and the page counts its rows
once — the same amounts and counts as annotating the whole list, in the same number of queries
whatever the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skillfund.claims import selectors
from skillfund.claims.models import Application
from skillfund.web.review.common import PAGE_SIZE
from tests.web.review_helpers import make_world, submitted

pytestmark = pytest.mark.django_db
QUEUE = reverse("web:review:queue")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


def test_a_later_page_shows_its_rows_amounts_in_as_many_queries_as_the_first(client, world_rows):
    people, made = world_rows
    client.force_login(people["department"])
    client.get(QUEUE)
    expected = dict(selectors.with_amounts(Application.objects.filter(pk__in=made)).values_list("pk", "amount"))
    queries = {}
    shown = {}
    for number in (1, 2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(QUEUE, {"page": number})
        page = response.context["page"]
        assert page.paginator.count == len(made)
        queries[number] = len(captured)
        shown.update({a.pk: a.amount for a in page})
    assert queries[1] == queries[2]
    assert shown == expected and len(shown) == len(made)  # every row once, each with its amount


def test_a_filtered_queue_counts_its_own_rows(client, world_rows):
    people, _made = world_rows
    client.force_login(people["department"])
    response = client.get(QUEUE, {"kind": "individual"})  # the helpers' applications are projects
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    response = client.get(QUEUE, {"page": "9999"})  # past the end: the last page, not an error
    assert [a.pk for a in response.context["page"]] and response.context["page"].number == 2


@pytest.fixture
def world_rows(db):
    world = make_world()
    made = [a.pk for a in submitted(world, PAGE_SIZE + 3)]
    return world[2], made


def test_the_institutions_list_pages_its_amounts_and_counts_the_same_way(client, world_rows):
    people, made = world_rows
    url = reverse("web:institution:claims")
    client.force_login(people["institution"])
    client.get(url)
    expected = dict(selectors.with_amounts(Application.objects.filter(pk__in=made)).values_list("pk", "amount"))
    queries, shown = {}, {}
    for number in (1, 2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"page": number})
        page = response.context["page"]
        assert page.paginator.count == response.context["total"] == len(made)
        queries[number] = len(captured)
        shown.update({a.pk: a.amount for a in page})
    assert queries[1] == queries[2]
    assert shown == expected and len(shown) == len(made)
    response = client.get(url, {"q": "no-such-reference"})
    assert response.context["page"].paginator.count == 0 and response.context["total"] == len(made)
