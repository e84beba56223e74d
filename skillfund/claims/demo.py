"""Demo applications: one of each kind at a point of the review chain (§4.3.d) from which the demo
accounts can walk it to payment (docs/walkthrough.md). Runs after the training demo.

    reference    kind               class / source          path   state at setup
    SQ-GR-001    individual         DG-2020-001, 1 trainee  short  submitted by `institution`
    SQ-GR-002    individual         DG-2020-001, 1 trainee  short  approved, waiting for `finance`
    SQ-GR-003    individual         the same as SQ-GR-002   short  submitted again: ✗ §3.3.b
    SQ-XM-001    project            TY-2020-001, the rest   full   submitted, for `dept_veterans`
    SQ-XM-002    project            TY-2020-001, 1 trainee  full   notice closed, for `hr_approver`
    SQ-XM-003    project            TY-2020-001, 1 trainee  full   in an open notice (objections)
    SQ-QY-001    enterprise         AQ-2020-001             full   submitted by `enterprise`
    SQ-YG-001    work_based         the workshop's months   full   submitted, for `dept_hrss`
    SQ-JT-001    skill_upgrading    electrician level 4     full   submitted, for `dept_hrss`
    SQ-SH-001    living_allowance   FP-2020-001, 1 trainee  short  submitted, for `hr`

The path is the rules' (claims/paths.py, §4.3.e): the DG-2020-001 trainees are registered unemployed
and the living allowance's trainee a poor labourer (special groups), so those take the short path;
the insured employee of SQ-JT-001 is not a special group, so that claim takes the full chain. No one
takes two deciding steps on one application: `hr_clerk` submits on the applicants' behalf, `hr`
checks and publishes, `hr_approver` approves, `finance` pays.

The other certified trainees of DG-2020-001, FP-2020-001 and NM-2020-001 are left unclaimed, for trying
"apply for a class". Every step goes through the actions with the demo accounts; each application
is created once (fixed references), so running it twice changes nothing.

The HR bureau is itself the responsible department of its own annex tasks (such as 以工代训), and
verification is a department's step: the demo account `dept_hrss` (demo/data.py) is department staff of the
HR bureau, so those applications can be verified by someone other than the checker.

The current demo year (demo/year.py, training/demo.py) fills each role's queue today, from the
classes `YS<year>-XMB-01` (project, §3.3.i groups, full path) and `YS<year>-DG-01` (unemployed,
short path):

    reference        state at setup                                        whose queue
    YS<year>-XM-01   notice closed, approved                               `finance` pays
    YS<year>-XM-02   notice closed                                         `hr_approver` approves
    YS<year>-XM-03   in the notice open today (objections on the public page)
    YS<year>-XM-04   verified and checked                                  `hr` publishes
    YS<year>-XM-05   submitted, the class's other trainees                 `dept_hrss` verifies
    YS<year>-GR-01   submitted by `institution`                            `hr` checks
    (the other trainees of YS<year>-DG-01 are unclaimed: `institution` applies for them)

A past notice is published three weeks before setup, the open one on the last day from which the
notice period opens by today (`open_notice_day`), so both hold on any setup date.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from skillfund.accounts.models import User
from skillfund.catalog.models import CatalogItem
from skillfund.claims.actions import claim_from_enrolment, claim_submit
from skillfund.claims.applying import decide_new
from skillfund.claims.models import Application, Claim
from skillfund.claims.preview import enrolment_preview
from skillfund.claims.review import application_create, application_step
from skillfund.notices.actions import notice_publish
from skillfund.notices.workdays import add_working_days
from skillfund.organizations.models import Organization
from skillfund.registry.models import PersonStatus, StatusKind
from skillfund.training.models import ClassPlan, Employment, Enrolment

CLOSED_NOTICE_DAYS = 21  # a past notice was published this long before setup: closed by then
NOTICE_CONTACT = "鄂尔多斯市人力资源和社会保障局职业能力建设科 电话 0477-8580000（工作日 8:30–17:30）"
WORK_ITEM = "ecommerce"  # the 2020 sample catalog has no garment item; §3.3.g pays by month, not by item


def _certified(plan: ClassPlan) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(class_plan=plan, certificates__isnull=False, claims=None)
        .select_related("class_plan__catalog_item", "class_plan__department", "person")
        .distinct()
        .order_by("pk")
    )


def _ranked(plan: ClassPlan, *, living: bool = False) -> list[Enrolment]:
    """The class's certified, unclaimed trainees, those the rules would find eligible first (with
    `living`, those also due a living allowance, §3.3.f): whatever the demo's persons, the
    applications that go to a notice have a line to publish."""
    previews = {e.pk: enrolment_preview(e) for e in _certified(plan)}

    def rank(enrolment: Enrolment) -> tuple[bool, bool, int]:
        preview = previews[enrolment.pk]
        return (not preview["eligible"], living and Decimal(preview["living_allowance"]) <= 0, enrolment.pk)

    return sorted(_certified(plan), key=rank)


def open_notice_day(today: date) -> date:
    """The latest publication day before `today` whose notice period has opened by today, so a
    notice published then is open for objections today (weekends and holidays included)."""
    day = today - timedelta(days=1)
    while add_working_days(day, 1) > today:
        day -= timedelta(days=1)
    return day


def _eligible(enrolment: Enrolment) -> bool:
    return enrolment_preview(enrolment)["eligible"]


def _claims(enrolments: list[Enrolment], actor: User | None) -> list[Claim]:
    claims = [claim_from_enrolment(enrolment=e, actor=actor) for e in enrolments]
    decide_new(claims)
    return claims


def _walk(application: Application, *steps: tuple[str, User]) -> Application:
    for step, actor in steps:
        application = application_step(application=application, step=step, actor=actor, reason="演示 / demo")
    return application


@transaction.atomic
def load_claims_demo() -> int:
    """Create the demo applications that do not exist yet; return how many were created."""
    plans = {p.code: p for p in ClassPlan.objects.select_related("institution", "enterprise_order", "department")}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["hr", "hr_approver", "hr_clerk", "institution", "enterprise", "dept_veterans", "dept_hrss"]
        )
    }
    units = {o.unit_code: o for o in Organization.objects.filter(kind=Organization.Kind.GOVERNMENT)}
    if len(users) < 7 or not {"DG-2020-001", "TY-2020-001", "FP-2020-001", "AQ-2020-001"} <= set(plans):
        return 0  # the organizations, accounts and classes come first (demo.data, training.demo)
    hr, institution, enterprise = users["hr"], users["institution"], users["enterprise"]
    clerk, approver = users["hr_clerk"], users["hr_approver"]
    today = timezone.localdate()
    closed_on, open_on = today - timedelta(days=CLOSED_NOTICE_DAYS), open_notice_day(today)
    dg, ty, fp, aq = (plans[c] for c in ("DG-2020-001", "TY-2020-001", "FP-2020-001", "AQ-2020-001"))

    def individual(reference: str, claims: list[Claim], actor: User) -> Application:
        return application_create(
            kind=Application.Kind.INDIVIDUAL,
            department=dg.department,
            claims=claims,
            person=claims[0].person,
            applicant=dg.institution,
            class_plan=dg,
            actor=actor,
            reference=reference,
        )

    def by_class(reference: str, kind: str, plan: ClassPlan, claims: list[Claim], actor: User) -> Application:
        applicant = plan.enterprise_order if kind == Application.Kind.ENTERPRISE else plan.institution
        return application_create(
            kind=kind,
            department=plan.department,
            applicant=applicant,
            class_plan=plan,
            claims=claims,
            actor=actor,
            reference=reference,
        )

    def published(application: Application, on: date) -> None:
        notice_publish(
            applications=[application],
            actor=hr,
            title=f"职业技能培训补贴公示（{application.department.short_name}·{application.reference}）",
            contact=NOTICE_CONTACT,
            on=on,
        )

    def gr_001_002_003() -> None:
        ranked = _ranked(dg)
        if len(ranked) < 2 or not _eligible(ranked[1]):
            return
        application = individual("SQ-GR-002", _claims(ranked[:1], institution), institution)
        _walk(application, ("submit", institution), ("check", hr), ("approve", approver))
        _walk(individual("SQ-GR-001", _claims(ranked[1:2], institution), institution), ("submit", institution))
        # The same person, occupation and level claimed a second time: the rules refuse it (§3.3.b).
        # Without the certificate's number: a certificate number is claimed only once (§3.3.a).
        granted = application.claims.get()
        again = claim_submit(
            actor=institution,
            person=granted.person,
            catalog_item=granted.catalog_item,
            training_region=granted.training_region,
            start_date=granted.start_date,
            end_date=granted.end_date,
            certificate_kind=granted.certificate_kind,
            fee=granted.fee,
            department=dg.department,
        )
        decide_new([again])
        _walk(individual("SQ-GR-003", [again], institution), ("submit", institution))

    def xm_001_002_003() -> None:
        # TY-2020-001 in three batches: one whose notice has closed, one in an open notice (each
        # with a line the rules accept), and the rest for the department to verify.
        ranked = _ranked(ty)
        if len(ranked) < 3 or not _eligible(ranked[1]):
            return
        for reference, trainees, on in (("SQ-XM-002", ranked[:1], closed_on), ("SQ-XM-003", ranked[1:2], open_on)):
            application = by_class(reference, Application.Kind.PROJECT, ty, _claims(trainees, hr), hr)
            published(_walk(application, ("submit", clerk), ("verify", users["dept_veterans"]), ("check", hr)), on)
        rest = _claims(ranked[2:], hr)
        _walk(by_class("SQ-XM-001", Application.Kind.PROJECT, ty, rest, hr), ("submit", clerk))

    def sh_001() -> None:
        ranked = _ranked(fp, living=True)[:1]  # a poor labourer: living allowance (§3.3.f)
        if not ranked:
            return
        claims = _claims(ranked, hr)
        allowance = application_create(
            kind=Application.Kind.LIVING_ALLOWANCE,
            department=fp.department,
            person=claims[0].person,
            claims=claims,
            actor=hr,
            reference="SQ-SH-001",
        )
        _walk(allowance, ("submit", clerk))

    def qy_001() -> None:
        claims = _claims(_certified(aq), enterprise)
        if not claims:
            return
        _walk(by_class("SQ-QY-001", Application.Kind.ENTERPRISE, aq, claims, enterprise), ("submit", enterprise))

    def yg_001() -> None:
        employment = Employment.objects.select_related("employer", "person").order_by("pk").first()
        months = list(employment.training_months.order_by("month"))
        claim = claim_submit(
            actor=hr,
            person=employment.person,
            catalog_item=CatalogItem.objects.get(year=months[0].month.year, code=WORK_ITEM),
            training_region=employment.employer.region,
            start_date=months[0].month,
            end_date=months[-1].month.replace(day=monthrange(months[-1].month.year, months[-1].month.month)[1]),
            kind=Claim.Kind.WORK_BASED,
            months=len(months),
            department=units["hrss"],
            employment=employment,
        )
        decide_new([claim])
        application = application_create(
            kind=Application.Kind.WORK_BASED,
            department=units["hrss"],
            applicant=employment.employer,
            claims=[claim],
            actor=hr,
            reference="SQ-YG-001",
        )
        _walk(application, ("submit", clerk))

    def jt_001() -> None:
        # An insured employee's own claim for the skill-upgrading subsidy (§3.1.2): a mine employee
        # certified as a level-4 electrician in 2020; not a special group, so the full chain (§4.3.e).
        held = PersonStatus.objects.filter(kind=StatusKind.EMPLOYEE_INSURED, valid_from__lte=date(2020, 6, 30)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=date(2020, 6, 30))
        )
        status = held.select_related("person").order_by("person_id").first()
        if status is None:
            return
        person, item = status.person, CatalogItem.objects.get(year=2020, code="electrician-4")
        claim = claim_submit(
            actor=hr,
            person=person,
            catalog_item=item,
            training_region=person.residence_region,
            start_date=date(2020, 5, 11),
            end_date=date(2020, 6, 30),
            kind=Claim.Kind.SKILL_UPGRADING,
            certificate_kind=item.certificate_kind,
            certificate_number="JN2020063000117",
            department=units["hrss"],
        )
        decide_new([claim])
        application = application_create(
            kind=Application.Kind.SKILL_UPGRADING,
            department=units["hrss"],
            person=person,
            claims=[claim],
            actor=hr,
            reference="SQ-JT-001",
        )
        _walk(application, ("submit", clerk))

    def current_year() -> None:
        # The current demo year's queues (see the module's table).
        year = today.year
        project_now, dg_now = plans.get(f"YS{year}-XMB-01"), plans.get(f"YS{year}-DG-01")
        if (
            project_now is None
            or dg_now is None
            or Claim.objects.filter(enrolment__class_plan__in=[project_now, dg_now]).exists()
        ):
            return
        ranked = _ranked(project_now)
        eligible = [e for e in ranked if _eligible(e)]
        chain = (("submit", clerk), ("verify", users["dept_hrss"]), ("check", hr))
        states = {
            "XM-01": (closed_on, True),
            "XM-02": (closed_on, False),
            "XM-03": (open_on, False),
            "XM-04": (None, False),
        }
        for (key, (notice_on, approve)), enrolment in zip(states.items(), eligible, strict=False):
            application = by_class(
                f"YS{year}-{key}", Application.Kind.PROJECT, project_now, _claims([enrolment], hr), hr
            )
            application = _walk(application, *chain)
            if notice_on is not None:
                published(application, notice_on)
            if approve:
                _walk(application, ("approve", approver))
        rest = _certified(project_now)
        if rest:
            _walk(
                by_class(f"YS{year}-XM-05", Application.Kind.PROJECT, project_now, _claims(rest, hr), hr),
                ("submit", clerk),
            )
        first = _ranked(dg_now)[:1]
        if first:
            application = application_create(
                kind=Application.Kind.INDIVIDUAL,
                department=dg_now.department,
                claims=_claims(first, institution),
                person=first[0].person,
                applicant=dg_now.institution,
                class_plan=dg_now,
                actor=institution,
                reference=f"YS{year}-GR-01",
            )
            _walk(application, ("submit", institution))

    builders: list[tuple[str, Callable[[], None]]] = [
        ("SQ-GR-002", gr_001_002_003),
        ("SQ-XM-002", xm_001_002_003),
        ("SQ-SH-001", sh_001),
        ("SQ-QY-001", qy_001),
        ("SQ-YG-001", yg_001),
        ("SQ-JT-001", jt_001),
        (f"YS{today.year}-XM-01", current_year),
    ]
    created = 0
    for reference, build in builders:
        if not Application.objects.filter(reference=reference).exists():
            build()
            created += 1
    return created
