"""Every model change has its migration: a field, label or constraint changed in a model but not in
skillfund/*/migrations would be missing from every database the platform is deployed to."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_without_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exited:  # --check exits 1 when a migration would be written
        pytest.fail(f"makemigrations would write migrations (exit {exited.code}):\n{out.getvalue()}")
