"""The demo training data: created through the actions, deterministic, and loaded once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from skillfund.core import audit
from skillfund.training.demo import CLASSES, CURRENT, load_training_demo
from skillfund.training.models import Certificate, ClassPlan, Enrolment, WorkTrainingMonth

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (ClassPlan, Enrolment, Certificate, WorkTrainingMonth))


def test_demo_classes_are_approved_delivered_and_loaded_once():
    call_command("setup_demo", persons=300)  # loads the training demo as its last step
    first = snapshot()
    assert first[0] == len(CLASSES) + len(CURRENT)  # the history and the current demo year
    history = ClassPlan.objects.filter(code__in=[c.code for c in CLASSES])
    assert set(history.values_list("status", flat=True)) == {ClassPlan.Status.APPROVED}
    assert first[1] > 0 and first[2] > 0 and first[3] == 4
    assert Enrolment.objects.filter(status=Enrolment.Status.ENROLLED).exists()  # someone missed too much
    assert load_training_demo() == 0
    assert snapshot() == first
    assert list(audit.verify()) == []
