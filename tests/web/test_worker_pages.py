"""The worker's own pages (/me/): the training voucher shows the §3.3.b quota as the rules count it,
the classes open near them with what the rules would decide and an Enrol button (refusals in the
action), their claims with every check and its clause; nobody else's records, whatever the URL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from skillfund.accounts import workers
from skillfund.accounts.models import Role
from skillfund.claims.actions import claim_grant, claim_submit
from skillfund.claims.models import Grant
from skillfund.claims.quota import year_quota
from skillfund.core.models import AuditRecord
from skillfund.registry import idnumbers
from skillfund.registry.models import PersonStatus, RosterEntry, StatusKind
from skillfund.training.actions._shared import RecordError
from skillfund.training.actions.enrolment import enrolment_create, worker_enrol
from skillfund.training.models import ClassPlan, Enrolment
from tests.factories import (
    SHANGHAI,
    OrganizationFactory,
    UserFactory,
    make_catalog_item,
    make_class_plan,
    make_occupation,
    make_person,
)

pytestmark = pytest.mark.django_db
TODAY = datetime(2020, 5, 25, 9, 0, tzinfo=SHANGHAI)  # a week before the classes of the factories start


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SKILLFUND_SMS_BACKEND = "skillfund.accounts.sms.LocmemBackend"
    cache.clear()
    with time_machine.travel(TODAY, tick=False):
        yield
    cache.clear()


_numbers = iter(range(13900001000, 13900009999))


def bind(person):
    """The person's worker account, bound through the real action."""
    number = str(next(_numbers))
    return workers.worker_bind(
        proof=workers._proof(number),
        id_number=idnumbers.decrypt(person.id_cipher),
        name=person.name,
        source="test",
    )


def grant(person, *, code: str, occupation: str, name: str, month: int, level: int | None = 5):
    item = make_catalog_item(
        code=code, occupation=make_occupation(code=occupation, name=name), level=level, title=f"{name}培训"
    )
    claim = claim_submit(
        actor=None,
        person=person,
        catalog_item=item,
        training_region="150602",
        start_date=date(2020, month, 1),
        end_date=date(2020, month, 5),
        certificate_kind=item.certificate_kind,
        today=date(2020, 5, 25),
    )
    assert claim_grant(claim=claim, actor=None).eligible
    return claim


def history_grant(person, *, subject: str, year: int, level: int = 4):
    return Grant.objects.create(
        person=person,
        origin=Grant.Origin.HISTORY,
        kind="individual",
        subject=subject,
        level_key=level,
        year=year,
        end_date=date(year, 3, 1),
        amount=Decimal("800.00"),
        source_system="自治区职业技能提升行动平台",
        granted_at=timezone.now(),
    )


@pytest.fixture
def person():
    return make_person(name="高娜", hukou_region="150602", residence_region="150602")


@pytest.fixture
def signed_in(client, person):
    client.force_login(bind(person))
    return client


# ---- the voucher ---------------------------------------------------------------------------------


def test_the_voucher_shows_the_quota_as_the_rules_count_it(signed_in, person):
    grant(person, code="weld-5", occupation="6-18-02-04", name="焊工", month=2)
    history_grant(person, subject="6-31-01-03", year=2020)  # a past subsidy this year counts too
    history_grant(person, subject="4-07-05-01", year=2019)  # another year: not this year's cap
    make_occupation(code="6-31-01-03", name="电工")
    make_occupation(code="4-07-05-01", name="保安员")
    quota = year_quota(person, on=date(2020, 5, 25))
    assert (quota.used, quota.cap, quota.left) == (2, 3, 1)
    page = signed_in.get(reverse("web:worker:home")).content.decode()
    assert '<strong class="big">2</strong>' in page and '<strong class="big">1</strong>' in page
    for name in ("焊工", "电工", "保安员", "五级/初级工", "四级/中级工", "以往补贴记录"):
        assert name in page
    assert 'href="/policy/#' in page or 'class="clause"' in page
    # the next decision counts the same two: the classes page says so in its §3.3.b check
    make_class_plan(
        catalog_item=make_catalog_item(code="cook-5", occupation=make_occupation("4-03-02-01", "中式烹调师"))
    )
    classes = signed_in.get(reverse("web:worker:classes")).content.decode()
    assert "2020年已享受补贴2次，上限3次" in classes


def test_the_voucher_names_statuses_and_their_validity(signed_in, person):
    PersonStatus.objects.create(person=person, kind=StatusKind.UNEMPLOYED, valid_from=date(2019, 1, 1))
    PersonStatus.objects.create(
        person=person, kind=StatusKind.VETERAN, valid_from=date(2015, 1, 1), valid_to=date(2018, 1, 1)
    )
    page = signed_in.get(reverse("web:worker:home")).content.decode()
    assert "下岗失业人员" in page and "退役军人" in page
    assert "有效" in page and "当前无效" in page and "unemployed" not in page
    assert person.id_masked in page and idnumbers.decrypt(person.id_cipher) not in page
    assert "1990-" not in page.split("<main")[1]  # no birth date beside the mask


# ---- classes -------------------------------------------------------------------------------------


def test_open_classes_are_listed_nearest_first_with_the_rules_preview(signed_in, person):
    grant(person, code="weld-5", occupation="6-18-02-04", name="焊工", month=2)
    far = make_class_plan(region="150621", code="FAR-1")
    near = make_class_plan(region="150602", code="NEAR-1")
    again = make_class_plan(  # the same occupation and level again: no subsidy (§3.3.b)
        catalog_item=make_catalog_item(code="weld-5"), code="AGAIN-1"
    )
    make_class_plan(code="ENT-1", funding_mode=ClassPlan.FundingMode.ENTERPRISE)  # an enterprise's own
    full = make_class_plan(code="FULL-1", capacity=1)
    enrolment_create(class_plan=full, person=make_person(), actor=None)
    make_class_plan(code="DRAFT-1", approve=False)
    page = signed_in.get(reverse("web:worker:classes")).content.decode()

    def shown(plan, html=page):
        return f'id="class-{plan.pk}"' in html

    assert shown(near) and shown(far) and page.index(f"class-{near.pk}") < page.index(f"class-{far.pk}")
    for hidden in (again, full, *ClassPlan.objects.filter(code__in=["ENT-1", "DRAFT-1"])):
        assert not shown(hidden), hidden.code
    assert "¥1200.00" in page and f'action="{reverse("web:worker:enrol", args=[near.pk])}"' in page
    everything = signed_in.get(reverse("web:worker:classes"), {"show": "all"}).content.decode()
    assert shown(again, everything) and "已享受过补贴，不可重复享受" in everything
    assert f'action="{reverse("web:worker:enrol", args=[again.pk])}"' not in everything
    assert not shown(full, everything)


def test_a_worker_enrols_from_the_page_with_the_preview_stored(signed_in, person):
    plan = make_class_plan(code="NEAR-2")
    response = signed_in.post(reverse("web:worker:enrol", args=[plan.pk]))
    assert response.status_code == 302 and response.url == reverse("web:worker:home")
    enrolment = Enrolment.objects.get(class_plan=plan, person=person)
    assert enrolment.rules_preview["eligible"] is True
    entry = RosterEntry.objects.get(person=person, organization=plan.institution)  # the institution sees its trainee
    assert entry.linked_by.role == Role.WORKER and "self-enrolment" in entry.reason
    record = AuditRecord.objects.get(action="enrolment.create")
    assert record.actor_role == Role.WORKER
    home = signed_in.get(reverse("web:worker:home")).content.decode()
    assert "已报名 NEAR-2 班" in home and plan.venue in home
    again = signed_in.post(reverse("web:worker:enrol", args=[plan.pk]), follow=True).content.decode()
    assert "NEAR-2：已报名本班" in again
    assert signed_in.post(reverse("web:worker:enrol", args=[999999])).status_code == 404
    assert signed_in.get(reverse("web:worker:enrol", args=[plan.pk])).status_code == 405


def test_the_action_refuses_an_ineligible_worker_a_full_class_and_an_enterprise_class(person):
    worker = bind(person)
    grant(person, code="weld-5", occupation="6-18-02-04", name="焊工", month=2)
    cases = {
        "not_eligible": make_class_plan(catalog_item=make_catalog_item(code="weld-5")),
        "class_full": make_class_plan(capacity=1),
        "not_open_to_public": make_class_plan(funding_mode=ClassPlan.FundingMode.ENTERPRISE),
        "class_started": make_class_plan(start=date(2020, 5, 20)),
        "class_not_approved": make_class_plan(approve=False),
    }
    enrolment_create(class_plan=cases["class_full"], person=make_person(), actor=None)
    for code, plan in cases.items():
        with pytest.raises(RecordError) as refused:
            worker_enrol(class_plan=plan, actor=worker)
        assert refused.value.code == code, (code, refused.value)
    assert not Enrolment.objects.filter(person=person).exists()
    refused_clause = None
    try:
        worker_enrol(class_plan=cases["not_eligible"], actor=worker)
    except RecordError as exc:
        refused_clause = exc.clause
    assert refused_clause == "§3.3.b"


def test_only_a_bound_worker_enrols_and_only_themselves(person):
    plan = make_class_plan()
    for actor in (
        UserFactory(role=Role.HR_STAFF),
        UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory()),
        None,
    ):
        with pytest.raises(RecordError) as refused:
            worker_enrol(class_plan=plan, actor=actor)
        assert refused.value.code == "not_permitted"
    worker = bind(person)
    with pytest.raises(RecordError) as refused:  # the institutions' action: never for a worker
        enrolment_create(class_plan=plan, person=make_person(), actor=worker)
    assert refused.value.code == "not_permitted"
    with pytest.raises(RecordError):
        enrolment_create(class_plan=plan, person=person, actor=worker)


# ---- claims --------------------------------------------------------------------------------------


def test_claims_show_the_decision_with_every_check_and_its_clause(signed_in, person):
    claim = grant(person, code="weld-5", occupation="6-18-02-04", name="焊工", month=2)
    listing = signed_in.get(reverse("web:worker:claims")).content.decode()
    assert claim.reference in listing and "补贴 ¥1200.00" in listing
    page = signed_in.get(reverse("web:worker:claim", args=[claim.pk])).content.decode()
    assert '<a class="clause"' in page and "§3.3.b" in page and "§3.3.a" in page
    assert "培训地鄂尔多斯市东胜区" in page and "符合" in page  # the region by its name
    assert "individual" not in page.split("<main")[1]  # codes shown as names


def test_another_persons_claim_is_not_found(signed_in, person):
    other = make_person()
    theirs = grant(other, code="weld-5", occupation="6-18-02-04", name="焊工", month=2)
    assert signed_in.get(reverse("web:worker:claim", args=[theirs.pk])).status_code == 404
    assert signed_in.get(f"/me/claims/{10**12}/").status_code == 404
    assert signed_in.get(f"/me/claims/{10**30}/").status_code == 404
    assert signed_in.post(f"/me/classes/{10**30}/enrol/").status_code == 404
    assert signed_in.get("/me/claims/abc/").status_code == 404
    assert theirs.reference not in signed_in.get(reverse("web:worker:claims")).content.decode()


def test_bad_paging_input_never_fails(signed_in):
    for query in ({"page": "abc"}, {"page": "-1"}, {"page": "9" * 50}, {"show": "x" * 500}):
        assert signed_in.get(reverse("web:worker:classes"), query).status_code == 200
        assert signed_in.get(reverse("web:worker:claims"), query).status_code == 200


# ---- query counts: the pages do not grow with the rows --------------------------------------------


def _classes(n: int) -> None:
    for i in range(n):
        item = make_catalog_item(code=f"item-{i}", occupation=make_occupation(f"4-10-01-{i:02d}", f"工种{i}"))
        make_class_plan(catalog_item=item)


@pytest.mark.parametrize("rows", [1, 12])
def test_the_classes_page_query_count_is_pinned(signed_in, django_assert_max_num_queries, rows):
    _classes(rows)
    with django_assert_max_num_queries(12):
        assert signed_in.get(reverse("web:worker:classes")).status_code == 200


@pytest.mark.parametrize("rows", [1, 3])
def test_the_claims_and_voucher_pages_query_counts_are_pinned(signed_in, person, django_assert_max_num_queries, rows):
    for i in range(rows):
        grant(person, code=f"g-{i}", occupation=f"4-10-02-{i:02d}", name=f"工种{i}", month=1 + i)
    with django_assert_max_num_queries(12):
        assert signed_in.get(reverse("web:worker:claims")).status_code == 200
    with django_assert_max_num_queries(14):
        assert signed_in.get(reverse("web:worker:home")).status_code == 200


def test_the_pages_follow_the_english_switch(signed_in, person):
    grant(person, code="weld-5", occupation="6-18-02-04", name="焊工", month=2)
    make_class_plan()
    signed_in.post(reverse("set_language"), {"language": "en", "next": "/me/"})
    home = signed_in.get(reverse("web:worker:home")).content.decode()
    assert "My training voucher" in home and "left this year" in home and "我的培训券" not in home
    classes = signed_in.get(reverse("web:worker:classes")).content.decode()
    assert "1 of 3 subsidies used in 2020" in classes and "Enrol" in classes
