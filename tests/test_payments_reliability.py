"""Payments under failure and concurrency, on real PostgreSQL: a payment process killed midway
leaves each line paid or untouched and a rerun completes the batch; eight processes' worth of
threads paying one batch at once pay each application once.

PostgreSQL only: the killed process is a separate OS process that must reach the same test
database, and pytest-django's SQLite test database lives in memory, which no other process sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, connections

from skillfund.accounts.models import Role
from skillfund.claims.workflow import Status
from skillfund.core import audit
from skillfund.funds import selectors
from skillfund.funds.models import PaymentLine, Transaction
from skillfund.funds.payments import payment_batch_create, payment_batch_pay
from tests.factories import UserFactory
from tests.funds_helpers import balance, finance_officer, fund
from tests.test_payments import approved_individual

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: another process, real locks"),
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parent.parent

# Run in a child process: pay the batch, and die without any clean-up (no exception handlers, no
# atexit, no rollback of a commit) right after the N-th line has committed.
CHILD = """
import os, django
django.setup()
from skillfund.accounts.models import User
from skillfund.funds.models import PaymentBatch
from skillfund.funds.payments import payment_batch_pay
stop_after, done = int(os.environ["STOP_AFTER"]), []
def after_line(line):
    done.append(line.pk)
    if len(done) == stop_after:
        os._exit(17)
payment_batch_pay(
    batch=PaymentBatch.objects.get(pk=int(os.environ["BATCH"])),
    actor=User.objects.get(pk=int(os.environ["ACTOR"])),
    after_line=after_line,
)
"""
# The same, paying two lines per database transaction.
CHUNKED_CHILD = CHILD.replace("after_line=after_line,", "after_line=after_line, lines_per_transaction=2,")


def _test_database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER'] or 'postgres'}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _line_state(line: PaymentLine) -> str:
    """ "paid" (ledger + line + application all say so), "untouched", or "half" (never acceptable)."""
    line.refresh_from_db()
    application = line.application
    application.refresh_from_db()
    booked = Transaction.objects.filter(idempotency_key=f"application:{application.pk}:pay").count()
    events = application.events.filter(step="pay").count()
    facts = (line.transaction_id is not None, booked, application.status == Status.PAID, events)
    if facts == (True, 1, True, 1):
        return "paid"
    if facts == (False, 0, False, 0):
        return "untouched"
    return f"half {facts}"


def test_a_batch_payment_killed_midway_leaves_no_half_paid_line_and_a_rerun_completes_it():
    finance, hr = finance_officer(), UserFactory(role=Role.HR_STAFF)
    fund("100000.00", actor=finance)
    apps = [approved_individual(hr) for _ in range(6)]
    batch = payment_batch_create(applications=apps, actor=finance)
    connections.close_all()  # the child must see everything committed; nothing of ours held open

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "BATCH": str(batch.pk),
        "ACTOR": str(finance.pk),
        "STOP_AFTER": "3",
    }
    env.pop("SKILLFUND_TEST_DB_NAME", None)
    child = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert child.returncode == 17, child.stderr.decode()[-2000:]

    lines = list(batch.lines.order_by("pk"))
    states = [_line_state(line) for line in lines]
    assert states == ["paid"] * 3 + ["untouched"] * 3, states
    assert balance("cash") == Decimal("96400.00") and selectors.ledger_problems() == []

    run = payment_batch_pay(batch=batch, actor=finance)
    assert len(run.paid) == 3 and len(run.already_paid) == 3 and not run.refused
    assert [_line_state(line) for line in lines] == ["paid"] * 6
    assert Transaction.objects.filter(kind="payment").count() == 6
    assert balance("cash") == Decimal("92800.00") and selectors.ledger_problems() == []


def test_eight_concurrent_payments_of_one_batch_pay_each_application_once():
    finance, hr = finance_officer(), UserFactory(role=Role.HR_STAFF)
    fund("100000.00", actor=finance)
    apps = [approved_individual(hr) for _ in range(5)]
    batch = payment_batch_create(applications=apps, actor=finance)
    barrier, outcomes = threading.Barrier(8), []

    def one() -> None:
        try:
            barrier.wait()
            outcomes.append(payment_batch_pay(batch=batch, actor=finance))
        except Exception as exc:  # counted, not hidden
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(len(o.paid) for o in outcomes) == 5  # each line paid by exactly one of the eight
    assert all(not o.refused for o in outcomes)
    assert [_line_state(line) for line in batch.lines.order_by("pk")] == ["paid"] * 5
    assert Transaction.objects.filter(kind="payment").count() == 5
    assert balance("cash") == Decimal("94000.00") and balance("expense:subsidies") == Decimal("6000.00")
    assert selectors.ledger_problems() == []


def test_a_chunked_batch_payment_killed_midway_loses_only_uncommitted_chunks_and_a_rerun_completes_it():
    finance, hr = finance_officer(), UserFactory(role=Role.HR_STAFF)
    fund("100000.00", actor=finance)
    apps = [approved_individual(hr) for _ in range(7)]
    batch = payment_batch_create(applications=apps, actor=finance)
    connections.close_all()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "BATCH": str(batch.pk),
        "ACTOR": str(finance.pk),
        "STOP_AFTER": "3",  # the first line of the second chunk: that chunk has committed whole
    }
    env.pop("SKILLFUND_TEST_DB_NAME", None)
    child = subprocess.run([sys.executable, "-c", CHUNKED_CHILD], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert child.returncode == 17, child.stderr.decode()[-2000:]

    lines = list(batch.lines.order_by("pk"))
    assert [_line_state(line) for line in lines] == ["paid"] * 4 + ["untouched"] * 3
    assert balance("cash") == Decimal("95200.00") and selectors.ledger_problems() == []

    run = payment_batch_pay(batch=batch, actor=finance, lines_per_transaction=2)
    assert len(run.paid) == 3 and len(run.already_paid) == 4 and not run.refused
    assert [_line_state(line) for line in lines] == ["paid"] * 7
    assert balance("cash") == Decimal("91600.00") and selectors.ledger_problems() == []
    assert list(audit.verify()) == []


def test_eight_concurrent_chunked_payments_of_one_batch_pay_each_application_once():
    finance, hr = finance_officer(), UserFactory(role=Role.HR_STAFF)
    fund("100000.00", actor=finance)
    apps = [approved_individual(hr) for _ in range(7)]
    batch = payment_batch_create(applications=apps, actor=finance)
    barrier, outcomes = threading.Barrier(8), []

    def one(size: int) -> None:
        try:
            barrier.wait()
            outcomes.append(payment_batch_pay(batch=batch, actor=finance, lines_per_transaction=size))
        except Exception as exc:  # counted, not hidden
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(1 + i % 4,)) for i in range(8)]  # chunks of 1 to 4
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(len(o.paid) for o in outcomes) == 7
    assert all(not o.refused for o in outcomes)
    assert [_line_state(line) for line in batch.lines.order_by("pk")] == ["paid"] * 7
    assert Transaction.objects.filter(kind="payment").count() == 7
    assert balance("cash") == Decimal("91600.00") and balance("expense:subsidies") == Decimal("8400.00")
    assert selectors.ledger_problems() == [] and list(audit.verify()) == []
