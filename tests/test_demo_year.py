"""The demo's current year (demo/year.py): on the setup date a programme year open now, labelled
演示, beside the 2019–2021 history, with work in each role's queue; idempotent; a later year adds
that year."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from skillfund.catalog.models import CatalogItem
from skillfund.claims.models import Application
from skillfund.claims.workflow import Status
from skillfund.core import audit
from skillfund.demo.year import demo_years, programme_code
from skillfund.notices.selectors import accepts_objections, current_notice
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask, Programme
from skillfund.training.models import ClassPlan

pytestmark = pytest.mark.django_db(transaction=True)

LOCAL = ZoneInfo("Asia/Shanghai")


def counts() -> dict[str, int]:
    """Rows of every table but the audit log (each load is recorded, changing nothing else)."""
    skip = {"sessions.Session", "core.AuditRecord"}
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.label not in skip}


def test_the_years_loaded_are_those_the_demo_work_touches():
    assert demo_years(date(2026, 6, 1)) == [2026]
    assert demo_years(date(2026, 12, 2)) == [2026, 2027]  # a class filed for the weeks ahead may start in 2027
    assert demo_years(date(2027, 1, 10)) == [2026, 2027]  # the class delivered weeks ago began in 2026


def test_setup_gives_a_labelled_year_open_now_beside_the_history_and_a_queue_for_each_role():
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=LOCAL), tick=True):
        call_command("setup_demo", persons=300)
        today = timezone.localdate()
        programme = Programme.objects.get(code=programme_code(2026))
        assert programme.name == "演示：鄂尔多斯市职业技能提升行动（2026年度，演示数据）"
        assert (programme.start_year, programme.end_year) == (2026, 2026)
        assert programme.disclosure_title.startswith("（演示数据）")  # its public disclosure says so too
        assert programme.stages.get().year == 2026 and programme.annex_tasks.filter(parent__isnull=True).count() == 7
        assert all("演示" in t.training for t in AnnexTask.objects.filter(programme=programme))
        assert Programme.objects.filter(code="ordos-2019-2021").exists()  # the history stays

        # The catalog: the 2021 items (occupation, level, certificate, standard), labelled 演示, every
        # demo provider approved (§3.2.3).
        def items(year: int) -> set[tuple]:
            fields = ("code", "occupation_id", "level", "certificate_kind", "standard")
            return set(CatalogItem.objects.filter(year=year).values_list(*fields))

        assert items(2026) == items(2021) and not CatalogItem.objects.filter(year=2027).exists()
        providers = Organization.objects.filter(kind__in=Organization.TRAINING_PROVIDERS)
        for item in CatalogItem.objects.filter(year=2026):
            assert "演示" in item.title and item.is_sample
            assert set(item.approved_institutions.all()) == set(providers)

        # History as before, and the current year's work in each role's queue.
        assert ClassPlan.objects.filter(code="DG-2020-001").exists()
        assert Application.objects.get(reference="SQ-GR-002").status == Status.APPROVED
        plans = {p.code: p for p in ClassPlan.objects.filter(code__startswith="YS2026-")}
        assert plans["YS2026-AQ-01"].status == ClassPlan.Status.FILED  # dept_emergency approves
        upcoming = plans["YS2026-DG-02"]
        assert upcoming.status == ClassPlan.Status.APPROVED and upcoming.start_date > today  # institution enrols
        assert upcoming.enrolments.count() < upcoming.capacity
        current = {a.reference: a for a in Application.objects.filter(reference__startswith="YS2026-")}
        assert current["YS2026-XM-01"].status == Status.APPROVED  # finance pays
        assert current["YS2026-XM-02"].status == Status.IN_NOTICE  # hr_approver approves
        assert current_notice(current["YS2026-XM-02"].pk).closes_on < today
        open_notice = current_notice(current["YS2026-XM-03"].pk)
        assert open_notice.opens_on <= today <= open_notice.closes_on and accepts_objections(open_notice)
        assert current["YS2026-XM-04"].status == Status.CHECKED  # hr publishes
        assert current["YS2026-XM-05"].status == Status.SUBMITTED  # dept_hrss verifies
        assert current["YS2026-GR-01"].status == Status.SUBMITTED  # hr checks
        assert accepts_objections(current_notice(Application.objects.get(reference="SQ-XM-003").pk))

        before = counts()
        call_command("setup_demo", persons=300)
        assert counts() == before  # twice changes nothing

    with time_machine.travel(datetime(2027, 6, 1, 9, tzinfo=LOCAL), tick=True):
        call_command("setup_demo", persons=300)  # next year adds that year
        assert Programme.objects.filter(code__startswith="ordos-demo-").count() == 2
        assert items(2027) == items(2021)
        assert ClassPlan.objects.filter(code__startswith="YS2027-").count() == len(plans)
        assert ClassPlan.objects.filter(code__startswith="YS2026-").count() == len(plans)
        assert Application.objects.get(reference="YS2027-XM-01").status == Status.APPROVED
        assert list(audit.verify()) == []
