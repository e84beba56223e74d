"""Demo special account: the four §4.2.c fund sources with sample amounts (not real figures), the
2019 budgets of the seven Annex departments (the disabled persons' federation reports late), and
the §3.3.h advance for the demo project-based class. Runs after `demo.data.load_demo` and
`training.demo.load_training_demo`; and sample bank accounts (labelled 演示, numbers made up) for
the demo's training providers and employers and for the persons of individual applications, so
that the bank file carries them:

    from skillfund.funds.demo import load_funds_demo; load_funds_demo()

Deterministic; running it twice changes nothing (idempotency keys, and budgets already reported
are left alone).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from skillfund.accounts.models import Role, User
from skillfund.claims.models import Application
from skillfund.funds.bankaccounts import bank_account_set
from skillfund.funds.budgets import budget_submit
from skillfund.funds.ledger import fund_receive
from skillfund.funds.models import BankAccount, DepartmentBudget, FundSource
from skillfund.funds.payouts import advance_pay
from skillfund.organizations.models import Organization
from skillfund.registry.models import Person
from skillfund.training.models import ClassPlan

LOCAL = ZoneInfo("Asia/Shanghai")
SAMPLE = "示例金额，非真实数据 / sample amount, not a real figure"

# code, kind, name, English name, sample amount received (CNY)
SOURCES = [
    (
        "employment-subsidy",
        FundSource.Kind.EMPLOYMENT_SUBSIDY,
        "就业补助资金",
        "Employment subsidy fund",
        "30000000.00",
    ),
    (
        "ui-surplus",
        FundSource.Kind.UI_SURPLUS,
        "失业保险基金结余",
        "Unemployment-insurance fund surplus",
        "50000000.00",
    ),
    ("talent", FundSource.Kind.TALENT, "人才发展资金", "Talent fund", "5000000.00"),
    ("industry", FundSource.Kind.INDUSTRY, "行业产业培训资金", "Industry training funds", "8000000.00"),
]
RECEIVED_AT = datetime(2019, 12, 16, 10, 0, tzinfo=LOCAL)

# The seven Annex departments' 2019 reports (§4.2.b: due by 2019-11-30): unit code, planned
# trainees, budget (CNY), reported on. Samples.
BUDGETS_2019 = [
    ("hrss", 8900, "10680000.00", datetime(2019, 11, 25, 9, 30, tzinfo=LOCAL)),
    ("emergency", 8000, "6400000.00", datetime(2019, 11, 28, 15, 0, tzinfo=LOCAL)),
    ("education", 3000, "3600000.00", datetime(2019, 11, 29, 10, 0, tzinfo=LOCAL)),
    ("agriculture", 1200, "1440000.00", datetime(2019, 11, 30, 16, 45, tzinfo=LOCAL)),
    ("disabled-federation", 800, "960000.00", datetime(2019, 12, 6, 11, 0, tzinfo=LOCAL)),  # late
    ("trade-unions", 500, "600000.00", datetime(2019, 11, 27, 14, 0, tzinfo=LOCAL)),
    ("veterans", 200, "240000.00", datetime(2019, 11, 26, 9, 0, tzinfo=LOCAL)),
]


@transaction.atomic
def load_funds_demo() -> dict[str, int]:
    finance = User.objects.filter(role=Role.FINANCE_OFFICER, username="finance").first()
    for code, kind, name, name_en, amount in SOURCES:
        source, _ = FundSource.objects.get_or_create(
            code=code, defaults={"kind": kind, "name": name, "name_en": name_en}
        )
        fund_receive(
            source=source,
            amount=Decimal(amount),
            actor=finance,
            memo=SAMPLE,
            at=RECEIVED_AT,
            idempotency_key=f"demo:funding:{code}",
        )
    units = {o.unit_code: o for o in Organization.objects.filter(kind=Organization.Kind.GOVERNMENT)}
    budgets = 0
    for unit, trainees, amount, at in BUDGETS_2019:
        department = units.get(unit)
        if department is None or DepartmentBudget.objects.filter(department=department, year=2019).exists():
            continue
        budget_submit(
            department=department,
            year=2019,
            planned_trainees=trainees,
            amount=Decimal(amount),
            actor=None,
            submitted_at=at,
        )
        budgets += 1
    advances = 0
    plans = ClassPlan.objects.filter(
        funding_mode=ClassPlan.FundingMode.PROJECT, status=ClassPlan.Status.APPROVED
    ).select_related("catalog_item", "institution")
    for plan in plans.order_by("code")[:1]:
        # The class's total subsidy as far as known at approval: the standard for every place.
        total = plan.catalog_item.standard * plan.capacity
        advance_pay(
            organization=plan.institution,
            amount_total=total,
            subject=plan,
            actor=finance,
            on=plan.approved_at.astimezone(LOCAL).date(),
            at=plan.approved_at + timedelta(days=1),
            memo=f"开班计划 {plan.code} 预拨 / advance for class plan {plan.code}",
            idempotency_key=f"demo:advance:{plan.code}",
        )
        advances += 1
    load_bank_accounts()
    return {"sources": len(SOURCES), "budgets": budgets, "advances": advances}


BANKS = ["中国工商银行鄂尔多斯分行", "中国农业银行鄂尔多斯分行", "中国建设银行鄂尔多斯分行", "鄂尔多斯农村商业银行"]
DEMO_PERSON_ACCOUNTS = 20  # besides the persons of individual applications


def _demo_number(prefix: str, seed: str, length: int) -> str:
    digest = hashlib.sha256(f"skillfund-demo-bank:{seed}".encode()).hexdigest()
    return prefix + "".join(str(int(c, 16) % 10) for c in digest)[: length - len(prefix)]


def load_bank_accounts() -> int:
    """Sample accounts, set through `bank_account_set` by the HR bureau's demo user (who may set
    any payee's account, funds/bankaccounts.py). A payee that has one keeps it."""
    hr = User.objects.filter(role=Role.HR_STAFF, username="hr").first()
    if hr is None:
        return 0
    added = 0
    kinds = sorted(Organization.TRAINING_PROVIDERS | Organization.EMPLOYERS)
    for org in Organization.objects.filter(kind__in=kinds, bank_account__isnull=True).order_by("pk"):
        seed = org.credit_code or org.name
        bank_account_set(
            party=org,
            account_name=org.name,
            bank_name=f"{BANKS[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(BANKS)]}（演示）",
            number=_demo_number("0605", seed, 20),
            actor=hr,
        )
        added += 1
    individual = Application.objects.filter(kind=Application.Kind.INDIVIDUAL, person__isnull=False)
    wanted = set(individual.values_list("person_id", flat=True))
    wanted |= set(Person.objects.order_by("pk").values_list("pk", flat=True)[:DEMO_PERSON_ACCOUNTS])
    have = set(BankAccount.objects.filter(person_id__in=wanted).values_list("person_id", flat=True))
    for person in Person.objects.filter(pk__in=wanted - have).order_by("pk"):
        bank_account_set(
            party=person,
            account_name=person.name,
            bank_name=f"{BANKS[person.pk % len(BANKS)]}（演示）",
            number=_demo_number("6222", person.id_masked + person.name, 19),
            actor=hr,
        )
        added += 1
    return added
