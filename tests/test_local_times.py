"""Times are in the user's time zone everywhere (issue 10): a record's title (the admin's page title,
breadcrumbs and select lists use it) shows Beijing time like the page body, never UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from skillfund.core.models import AuditRecord
from skillfund.registry.models import RosterImport


def test_an_audit_record_is_titled_in_beijing_time():
    record = AuditRecord(at=datetime(2026, 12, 1, 17, 30, tzinfo=UTC), actor_username="hr", action="x", target_label="y")
    assert str(record).startswith("2026-12-02 01:30:00")


def test_a_roster_import_is_titled_in_beijing_time():
    roster = RosterImport(file_name="a.xlsx", created_at=datetime(2026, 12, 1, 17, 30, tzinfo=UTC))
    assert str(roster) == "a.xlsx (2026-12-02 01:30)"
