"""Codes are shown as names (issue 10): every action code the code base records in the audit log has
a name in both languages, and the audit list shows names, not codes such as application.pay."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from skillfund.accounts.models import Role
from skillfund.claims.workflow import STEPS
from skillfund.core import audit
from skillfund.core.audit_names import action_label, known_codes, role_label
from skillfund.funds.models import Transaction
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent / "skillfund"
CODE = re.compile(r'action=f?"([^"]+)"')


def _recorded_codes() -> set[str]:
    codes = set()
    for path in ROOT.rglob("*.py"):
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            if code == "application.{step}":
                codes |= {f"application.{step}" for step in STEPS}
            elif code == "funds.{txn.kind}":
                codes |= {f"funds.{kind}" for kind in Transaction.Kind.values}
            elif "{" not in code:
                codes.add(code)
    return codes


def test_every_recorded_action_has_a_name():
    assert sorted(_recorded_codes() - known_codes()) == []


def test_names_follow_the_language():
    with translation.override("zh-hans"):
        assert action_label("application.pay") == "拨付"
        assert role_label(Role.FINANCE_OFFICER) != "finance_officer"
        assert action_label("registry.person.update").startswith("修改 ")
    with translation.override("en"):
        assert action_label("application.pay") == "pay an application"
    assert action_label("no.such.code.here") == "no.such.code.here"


@pytest.mark.django_db
def test_the_audit_list_shows_names_not_codes(client, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    auditor = UserFactory(role=Role.AUDITOR)
    audit.record(actor=auditor, action="application.pay", target=auditor, reason="t")
    client.force_login(auditor)
    html = client.get(reverse("admin:core_auditrecord_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "拨付" in html and ">application.pay<" not in html
