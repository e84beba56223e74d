"""A worker sees the payments made to them (the payee of an individual application), with the time
in Beijing time and the bank's reference once recorded — and nobody else's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse

from skillfund.accounts import workers
from skillfund.funds.payments import payment_batch_create, payment_batch_pay, payment_record_bank_reference
from skillfund.registry import idnumbers
from tests.factories import make_person
from tests.test_payments import approved_individual, people  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_sees_the_payment_to_them_and_not_anyone_elses(client, settings, people):  # noqa: F811
    settings.SKILLFUND_SMS_BACKEND = "skillfund.accounts.sms.LocmemBackend"
    cache.clear()
    person, other = make_person(name="韩梅"), make_person(name="李雷")
    mine, theirs = approved_individual(people["hr"], person=person), approved_individual(people["hr"], person=other)
    batch = payment_batch_create(applications=[mine, theirs], actor=people["finance"])
    payment_batch_pay(batch=batch, actor=people["finance"])
    line = batch.lines.get(application=mine)
    payment_record_bank_reference(line=line, reference="BOC20200601-0001", actor=people["finance"])
    worker = workers.worker_bind(
        proof=workers._proof("13900002001"), id_number=idnumbers.decrypt(person.id_cipher), name="韩梅", source="t"
    )
    client.force_login(worker)
    page = client.get(reverse("web:worker:claims")).content.decode()
    assert f"¥{line.amount:.2f}" in page and "BOC20200601-0001" in page and mine.reference in page
    assert theirs.reference not in page
    paid_at = line.paid_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert paid_at.strftime("%Y-%m-%d %H:%M") in page
    claim = mine.claims.get()
    detail = client.get(reverse("web:worker:claim", args=[claim.pk])).content.decode()
    assert "拨付给您本人" in detail
    assert client.get(reverse("web:worker:claim", args=[theirs.claims.get().pk])).status_code == 404
