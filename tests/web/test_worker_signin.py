"""A worker signs in with a mobile number and an SMS code; at the first sign-in the number is bound
to their own registry record by ID number and name (real-name, §4.4.d). Workers never reach the
back office or staff pages, and no TOTP is asked of them (the SMS code is their factor)."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse

from skillfund.accounts import checks, mobile, sms, workers
from skillfund.accounts.actions import user_save
from skillfund.accounts.models import Role, User
from skillfund.accounts.workers import SignInRefused
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.registry import idnumbers
from tests.factories import UserFactory, make_person

pytestmark = pytest.mark.django_db
NUMBER = "13900000011"
OTHER = "13900000012"
HERE = workers.source_of("203.0.113.5")


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.SKILLFUND_SMS_BACKEND = "skillfund.accounts.sms.LocmemBackend"
    sms.outbox.clear()
    cache.clear()
    yield
    cache.clear()


def last_code(to: str = NUMBER) -> str:
    message = [m for m in sms.outbox if m.to == to][-1]
    return re.search(r"\d{6}", message.text)[0]


def no_pause(number: str) -> None:
    """Tests sign in again at once: skip the minute between codes (tested on its own)."""
    cache.delete(f"worker-code-pause:{mobile.index(number)}")


def proof_for(number: str = NUMBER) -> str:
    no_pause(number)
    workers.sign_in_code_send(number=number, source=HERE)
    return workers.sign_in_code_check(number=number, code=last_code(number), source=HERE)


def id_of(person) -> str:
    return idnumbers.decrypt(person.id_cipher)


# ---- the code ------------------------------------------------------------------------------------


def test_a_code_goes_by_sms_and_is_kept_only_as_a_hash():
    sent = workers.sign_in_code_send(number="139-0000-0011", source=HERE)
    assert sent.masked == "139****0011"
    assert len(sms.outbox) == 1 and sms.outbox[0].to == NUMBER
    code = last_code()
    stored = cache.get(f"worker-code:{mobile.index(NUMBER)}")
    assert stored and code not in stored


def test_a_correct_code_gives_a_proof_and_is_spent():
    workers.sign_in_code_send(number=NUMBER, source=HERE)
    code = last_code()
    assert workers.sign_in_code_check(number=NUMBER, code=code, source=HERE)
    with pytest.raises(SignInRefused) as refused:
        workers.sign_in_code_check(number=NUMBER, code=code, source=HERE)
    assert refused.value.code == "code_expired"


def test_a_wrong_code_is_refused_with_the_tries_left():
    workers.sign_in_code_send(number=NUMBER, source=HERE)
    wrong = f"{(int(last_code()) + 1) % 10**6:06d}"
    with pytest.raises(SignInRefused) as refused:
        workers.sign_in_code_check(number=NUMBER, code=wrong, source=HERE)
    assert refused.value.code == "code_wrong" and refused.value.field == "code"
    assert f"{workers.CODE_ATTEMPTS - 1}" in refused.value.zh


def test_a_code_expires_after_five_minutes():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        workers.sign_in_code_send(number=NUMBER, source=HERE)
        code = last_code()
        clock.shift(workers.CODE_SECONDS + 1)
        with pytest.raises(SignInRefused) as refused:
            workers.sign_in_code_check(number=NUMBER, code=code, source=HERE)
    assert refused.value.code == "code_expired"


def test_too_many_wrong_codes_end_the_code_even_for_the_right_one():
    workers.sign_in_code_send(number=NUMBER, source=HERE)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(workers.CODE_ATTEMPTS - 1):
        with pytest.raises(SignInRefused):
            workers.sign_in_code_check(number=NUMBER, code=wrong, source=HERE)
    with pytest.raises(SignInRefused) as refused:
        workers.sign_in_code_check(number=NUMBER, code=wrong, source=HERE)
    assert refused.value.code == "code_attempts"
    with pytest.raises(SignInRefused) as refused:
        workers.sign_in_code_check(number=NUMBER, code=code, source=HERE)
    assert refused.value.code == "code_expired"


def test_codes_to_one_number_wait_a_minute_and_stop_after_five_an_hour():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        workers.sign_in_code_send(number=NUMBER, source=HERE)
        with pytest.raises(SignInRefused) as refused:
            workers.sign_in_code_send(number=NUMBER, source=HERE)
        assert refused.value.code == "code_resend_wait"
        for _ in range(workers.PER_NUMBER[0] - 1):
            clock.shift(61)
            workers.sign_in_code_send(number=NUMBER, source=HERE)
        clock.shift(61)
        with pytest.raises(SignInRefused) as refused:
            workers.sign_in_code_send(number=NUMBER, source=HERE)
        assert refused.value.code == "too_many_requests"
    assert len(sms.outbox) == workers.PER_NUMBER[0]


def test_one_address_cannot_flood_many_numbers():
    for n in range(workers.PER_ADDRESS[0]):
        workers.sign_in_code_send(number=f"1390000{n:04d}", source=HERE)
    with pytest.raises(SignInRefused) as refused:
        workers.sign_in_code_send(number="13911110000", source=HERE)
    assert refused.value.code == "too_many_requests"
    workers.sign_in_code_send(number="13911110000", source=workers.source_of("198.51.100.7"))


def test_a_malformed_number_is_refused_at_the_field():
    for bad in ("", "12345", "23900000011", "1390000001x", "139000000111"):
        with pytest.raises(SignInRefused) as refused:
            workers.sign_in_code_send(number=bad, source=HERE)
        assert refused.value.code == "invalid_mobile" and refused.value.field == "mobile"


# ---- binding (the action refuses; the page only shows it) ----------------------------------------


def test_first_sign_in_binds_the_number_to_the_person_with_an_audit_record():
    person = make_person(name="乌云其木格")
    user = workers.worker_bind(proof=proof_for(), id_number=id_of(person), name=" 乌云其木格 ", source=HERE)
    assert user.role == Role.WORKER and user.person == person and user.mobile_masked == "139****0011"
    assert not user.is_staff and not user.has_usable_password()
    assert NUMBER not in user.mobile_index and NUMBER not in user.username
    record = AuditRecord.objects.get(action="worker.bind")
    assert record.after == {"person": person.audit_label, "mobile": "139****0011"}
    assert workers.worker_for(proof_for()) == user  # the next sign-in finds the account


def test_a_wrong_name_and_an_unknown_id_number_get_the_same_refusal():
    person = make_person(name="张伟")
    stranger = make_person(name="李娜")
    unknown = id_of(stranger)
    stranger.delete()
    refusals = []
    for id_number, name in ((id_of(person), "张玮"), (unknown, "李娜")):
        with pytest.raises(SignInRefused) as refused:
            workers.worker_bind(proof=proof_for(), id_number=id_number, name=name, source=HERE)
        refusals.append((refused.value.code, refused.value.zh, refused.value.en))
    assert refusals[0] == refusals[1] and refusals[0][0] == "identity_not_matched"
    assert not User.objects.filter(role=Role.WORKER).exists()


def test_a_malformed_id_number_is_refused_at_its_field():
    with pytest.raises(SignInRefused) as refused:
        workers.worker_bind(proof=proof_for(), id_number="150602199001011234", name="张三", source=HERE)
    assert refused.value.code == "invalid_id_number" and refused.value.field == "id_number"


def test_binding_tries_are_limited_per_number():
    person = make_person(name="王芳")
    proof = proof_for()
    for _ in range(workers.BINDS_PER_NUMBER[0]):
        with pytest.raises(SignInRefused) as refused:
            workers.worker_bind(proof=proof, id_number=id_of(person), name="王方", source=HERE)
        assert refused.value.code == "identity_not_matched"
    with pytest.raises(SignInRefused) as refused:  # even the right pair, now
        workers.worker_bind(proof=proof, id_number=id_of(person), name="王芳", source=HERE)
    assert refused.value.code == "too_many_requests"


def test_a_number_binds_one_person_and_a_person_one_number():
    first, second = make_person(name="赵敏"), make_person(name="钱强")
    workers.worker_bind(proof=proof_for(NUMBER), id_number=id_of(first), name="赵敏", source=HERE)
    with pytest.raises(SignInRefused) as refused:
        workers.worker_bind(proof=proof_for(NUMBER), id_number=id_of(second), name="钱强", source=HERE)
    assert refused.value.code == "mobile_bound"
    with pytest.raises(SignInRefused) as refused:
        workers.worker_bind(proof=proof_for(OTHER), id_number=id_of(first), name="赵敏", source=HERE)
    assert refused.value.code == "person_bound"
    assert User.objects.filter(role=Role.WORKER).count() == 1


def test_the_database_holds_one_number_one_person_and_no_staff_worker():
    first, second = make_person(), make_person()
    workers.worker_bind(proof=proof_for(), id_number=id_of(first), name=first.name, source=HERE)
    bound = User.objects.get(person=first)
    for fields in (
        {"person": second, "mobile_index": bound.mobile_index},  # the same number again
        {"person": first, "mobile_index": "x" * 64},  # the same person again
        {"person": None, "mobile_index": "y" * 64},  # a worker bound to nobody
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username=f"w{len(str(fields))}", role=Role.WORKER, **fields)
    bound.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        bound.save()


def test_a_forged_or_old_proof_binds_nothing():
    person = make_person()
    with pytest.raises(SignInRefused) as refused:
        workers.worker_bind(proof="forged", id_number=id_of(person), name=person.name, source=HERE)
    assert refused.value.code == "proof_expired"
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        proof = proof_for()
        clock.shift(workers.PROOF_SECONDS + 1)
        with pytest.raises(SignInRefused) as refused:
            workers.worker_bind(proof=proof, id_number=id_of(person), name=person.name, source=HERE)
    assert refused.value.code == "proof_expired"


def test_the_back_office_neither_gives_nor_takes_the_worker_role():
    admin = UserFactory(role=Role.SYSADMIN)
    with pytest.raises(DomainError) as refused:
        user_save(actor=admin, user=User(username="fake-worker", role=Role.WORKER), created=True)
    assert refused.value.code == "worker_by_binding"
    person = make_person()
    worker = workers.worker_bind(proof=proof_for(), id_number=id_of(person), name=person.name, source=HERE)
    worker.role = Role.HR_STAFF
    with pytest.raises(DomainError):
        user_save(actor=admin, user=worker, created=False)


# ---- the pages -----------------------------------------------------------------------------------


def sign_in(client, number: str = NUMBER):
    no_pause(number)
    response = client.post(reverse("web:worker:login"), {"mobile": number})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.post(reverse("web:worker:login_code"), {"code": last_code(number)})


def test_first_sign_in_from_the_pages_then_straight_in_the_next_time(client):
    person = make_person(name="孙丽")
    response = sign_in(client)
    assert response.url == reverse("web:worker:login_bind")
    response = client.post(reverse("web:worker:login_bind"), {"name": "孙丽", "id_number": id_of(person).lower()})
    assert response.status_code == 302 and response.url == reverse("web:worker:home")
    assert client.get(reverse("web:worker:home")).status_code == 200
    client.post(reverse("web:logout"))
    response = sign_in(client)
    assert response.url == reverse("web:worker:home")


def test_bad_input_gets_messages_at_the_field_in_the_users_language(client):
    page = client.post(reverse("web:worker:login"), {"mobile": "abc"})
    assert page.status_code == 200 and "11位手机号码" in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.post(reverse("web:worker:login"), {"mobile": "abc"})
    assert "11-digit mobile number" in page.content.decode()
    assert client.post(reverse("web:worker:login"), {"mobile": NUMBER}).status_code == 302
    for code in ("12", "abcdef", "9" * 400, ""):
        page = client.post(reverse("web:worker:login_code"), {"code": code})
        assert page.status_code == 200 and 'class="field-error"' in page.content.decode()
    page = client.post(reverse("web:worker:login_code"), {"code": f"{(int(last_code()) + 1) % 10**6:06d}"})
    assert "The code is wrong" in page.content.decode()


def test_bind_form_shows_the_generic_refusal_and_field_errors(client):
    make_person(name="周杰")
    sign_in(client)
    page = client.post(reverse("web:worker:login_bind"), {"name": "周杰", "id_number": "1" * 18})
    assert page.status_code == 200 and "身份证号码校验位错误" in page.content.decode()
    other = make_person(name="吴军")
    page = client.post(reverse("web:worker:login_bind"), {"name": "周杰", "id_number": id_of(other)})
    assert "身份证号码与姓名不匹配" in page.content.decode()
    assert client.post(reverse("web:worker:login_bind"), {"name": "", "id_number": "x"}).status_code == 200


def test_steps_out_of_order_go_back_to_the_start(client):
    assert client.get(reverse("web:worker:login_code")).url == reverse("web:worker:login")
    assert client.get(reverse("web:worker:login_bind")).url == reverse("web:worker:login")
    assert client.get(reverse("web:worker:home")).url.startswith(reverse("web:worker:login"))


def test_the_relaxed_demo_shows_the_code_and_production_never(client, settings):
    settings.SKILLFUND_SMS_BACKEND = "skillfund.accounts.sms.ConsoleBackend"
    settings.SKILLFUND_REQUIRE_2FA = False
    client.post(reverse("web:worker:login"), {"mobile": NUMBER})
    code = cache.get(f"worker-code:{mobile.index(NUMBER)}")
    assert code
    page = client.get(reverse("web:worker:login_code")).content.decode()
    assert re.search(r"演示验证码：\d{6}", page)
    settings.PRODUCTION = True
    assert not sms.codes_shown_on_page()


@pytest.fixture
def worker(client):
    person = make_person(name="郑洋")
    return workers.worker_bind(proof=proof_for(), id_number=id_of(person), name="郑洋", source=HERE)


def test_a_worker_needs_no_totp_even_where_staff_must_have_one(client, settings, worker):
    settings.SKILLFUND_REQUIRE_2FA = True
    sign_in(client)
    assert client.get(reverse("web:worker:home")).status_code == 200


def test_a_worker_never_reaches_the_back_office_or_staff_pages(client, worker):
    sign_in(client)
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("admin:registry_person_changelist")).status_code == 302
    assert client.get(reverse("web:home")).url == reverse("web:worker:home")
    assert client.get(reverse("web:roster_import")).status_code == 403
    assert client.get(reverse("web:history_import")).status_code == 403


def test_staff_have_no_worker_pages(client):
    client.force_login(UserFactory(role=Role.HR_STAFF))
    assert client.get(reverse("web:worker:home")).status_code == 403
    assert client.get(reverse("web:worker:claims")).status_code == 403


def test_signing_out_returns_a_worker_to_the_worker_sign_in(client, worker):
    sign_in(client)
    assert client.post(reverse("web:logout")).url == reverse("web:worker:login")


def test_production_refuses_the_console_and_test_sms_backends(settings):
    settings.PRODUCTION = True
    for backend in ("", "skillfund.accounts.sms.ConsoleBackend", "skillfund.accounts.sms.LocmemBackend"):
        settings.SKILLFUND_SMS_BACKEND = backend
        assert [e.id for e in checks.sms_backend(None)] == ["sf.E020"]
    settings.SKILLFUND_SMS_BACKEND = checks.GATEWAY
    settings.SKILLFUND_SMS_GATEWAY_URL = "http://sms.example.gov.cn/send"
    assert [e.id for e in checks.sms_backend(None)] == ["sf.E021"]
    settings.SKILLFUND_SMS_GATEWAY_URL = "https://sms.example.gov.cn/send"
    assert checks.sms_backend(None) == []


def test_a_worker_reads_nothing_through_the_staff_api(client, worker):
    sign_in(client)
    for path in ("/api/v1/applications/", "/api/v1/payment-batches/"):
        response = client.get(path)
        assert response.status_code in (200, 403), path
        if response.status_code == 200:
            body = response.json()
            assert (body["results"] if isinstance(body, dict) else body) == [], path


def test_an_idle_worker_is_sent_back_to_the_worker_sign_in(client, settings, worker):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        sign_in(client)
        assert client.get(reverse("web:worker:home")).status_code == 200
        clock.shift(settings.SKILLFUND_IDLE_TIMEOUT_MINUTES * 60 + 61)
        response = client.get(reverse("web:worker:claims"))
    assert response.status_code == 302 and response.url.startswith(reverse("web:worker:login"))
