"""Bad input is a 400, never a 500: NUL bytes, invalid UTF-8 and lone surrogates anywhere in a
request are refused at the door (the API's error shape under /api/, the site's bilingual page
elsewhere), and out-of-range numbers are clamped or refused where they are read."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.module_loading import import_string

from skillfund.accounts.models import Role
from tests.factories import UserFactory
from tests.test_api import APPLICATIONS, client_for, post, submission
from tests.test_api import world as world
from tests.test_input_walk import BOUNDARY, multipart

API_SHAPE = {"code", "zh", "en", "clause"}
HUGE = "99999999999999999999"


@pytest.fixture
def hr(db, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.HR_STAFF, username="hr"))
    return client


def assert_api_400(response, code: str | None = None) -> None:
    assert response.status_code == 400 and set(response.json()) >= API_SHAPE, response.content[:200]
    assert code is None or response.json()["code"] == code


def assert_refused(response) -> None:
    """Refused at the door, before any view looked the value up."""
    assert_api_400(response, "malformed_input")


@pytest.mark.parametrize(
    "path", ["/api/v1/applications/%00/", "/api/v1/applications/%C3%28/", "/api/v1/payment-batches/%FF/"]
)
def test_a_nul_or_invalid_utf8_in_an_api_path_is_a_400_in_the_api_shape(hr, path):
    assert_refused(hr.get(path))


@pytest.mark.parametrize("query", ["status=%00", "status=%C3%28", "%FF=1", "status=a%01b"])
def test_a_nul_or_invalid_utf8_in_an_api_query_is_a_400_in_the_api_shape(hr, query):
    assert_refused(hr.get(f"/api/v1/applications/?{query}"))


@pytest.mark.parametrize("text", ['"\\u0000"', '"\\ud800"', '"a\\u0001"'])
def test_a_nul_or_lone_surrogate_in_a_json_body_is_a_400_in_the_api_shape(hr, text):
    data = f'{{"kind": "individual", "department": {text}, "claims": ["C-1"]}}'
    response = hr.post("/api/v1/applications/", data, content_type="application/json", headers={"Idempotency-Key": "k"})
    assert_refused(response)


def test_invalid_utf8_in_a_json_body_is_a_400_in_the_api_shape(hr):
    data = b'{"kind": "individual", "department": "\xc3\x28", "claims": ["C-1"]}'
    assert_refused(hr.post("/api/v1/applications/", data, content_type="application/json"))


@pytest.mark.parametrize(
    "path", ["/public/notices/%00/", "/public/notices/?page=%C3%28", "/public/disclosure/?year=%FF", "/admin/?q=%00"]
)
def test_a_nul_or_invalid_utf8_on_a_page_is_the_sites_bilingual_400_page(hr, path):
    response = hr.get(path)
    text = response.content.decode()
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "请求有误" in text and "Bad request" in text and "技能补贴管理平台" in text


@pytest.mark.parametrize("data", ["q=%00", "q=%C3%28", "%FF=x"])
def test_a_nul_or_invalid_utf8_in_a_form_is_a_400(hr, data):
    response = hr.post("/admin/registry/person/", data, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.parametrize("value", [b"a\x00b", b"\xc3\x28", b"\xff"])
def test_a_nul_or_invalid_utf8_in_a_multipart_field_is_a_400(hr, value):
    assert hr.post("/roster/import/", multipart(value, b"r.csv"), content_type=MULTIPART).status_code == 400


@pytest.mark.parametrize("name", [b"a\x00.csv", b"\xff.csv", b"\xc3\x28.csv"])
def test_a_nul_or_invalid_utf8_in_a_file_name_never_reaches_the_view(hr, name):
    # Django's parser strips a NUL from a file name and drops a part whose header is not UTF-8.
    response = hr.post("/roster/import/", multipart(b"x", name), content_type=MULTIPART)
    form = response.context["form"]
    assert response.status_code < 500 and (not form.is_valid() or form.cleaned_data["file"].name == "a.csv")


@pytest.mark.django_db(transaction=True)
def test_an_out_of_range_limit_is_clamped_and_a_bad_offset_is_a_400(world):
    assert post(client_for(world["dept"]), APPLICATIONS, submission(world)).status_code == 201
    client = client_for(world["hr"])
    response = client.get(f"{APPLICATIONS}?limit={HUGE}")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
    assert client.get(f"{APPLICATIONS}?offset={HUGE}").json()["results"] == []
    for query in ["offset=-1", "limit=abc", f"limit=-{HUGE}"]:
        assert_api_400(client.get(f"{APPLICATIONS}?{query}"))


def test_a_superscript_digit_as_the_disclosure_year_is_not_a_500(hr):
    assert hr.get("/public/disclosure/?year=%C2%B2").status_code < 500


def test_a_huge_admin_object_id_or_page_is_not_a_500(hr):
    for path in [f"/admin/registry/person/{HUGE}/change/", f"/admin/registry/person/?p={HUGE}"]:
        assert hr.get(path).status_code < 500


@pytest.mark.parametrize(
    ("form_path", "field"),
    [
        ("skillfund.funds.admin.BudgetForm", "planned_trainees"),
        ("skillfund.training.admin.ClassPlanForm", "capacity"),
        ("skillfund.materials.admin.UploadForm", "linked_id"),
    ],
)
def test_an_admin_form_refuses_an_integer_beyond_what_its_column_stores(db, form_path, field):
    form_class = import_string(form_path)
    form = form_class(data={field: HUGE}, user=UserFactory(role=Role.HR_STAFF))
    assert not form.is_valid() and field in form.errors
