"""Workers' sign-in: a mobile number and a one-time code sent by SMS, and at the first sign-in the
real-name binding of the number to the worker's own registry record (实名, §4.4.d).

- A code is six digits, lives CODE_SECONDS, is kept only as a keyed hash in the cache (Redis in
  production) and is spent by its first correct use; CODE_ATTEMPTS wrong tries end it.
- Sending is limited per number (a pause between codes, a count per hour) and per client address
  (its keyed hash, as for public objections: notices/limits.py), so nobody floods a phone or the
  gateway; checking codes and binding are limited per number and per address too.
- A correct code gives a `proof` (signed, short-lived) that the caller holds the number. With it,
  `worker_sign_in` finds the account bound to the number, or `worker_bind` binds the number to the
  person whose ID number and name are given — one generic refusal for an unknown ID number and a
  wrong name alike, so the form never tells whether a number is registered.
- One number, one person; one person, one number: unique constraints on accounts.User. The account
  has the role `worker`, no usable password and no back-office access (a check constraint).
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from skillfund.accounts import mobile, sms
from skillfund.accounts.models import Role, User
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.registry import idnumbers
from skillfund.registry.models import Person

CODE_SECONDS = 300
CODE_ATTEMPTS = 5
# (count, seconds) per fixed window.
RESEND_PAUSE = (1, 60)  # one code a minute to a number
PER_NUMBER = (5, 3600)  # five codes an hour to a number
PER_ADDRESS = (20, 3600)  # twenty codes an hour from one address
CHECKS_PER_ADDRESS = (30, 3600)  # wrong codes from one address, whatever the number
BINDS_PER_NUMBER = (5, 3600)  # binding tries with one proven number
BINDS_PER_ADDRESS = (10, 3600)
PROOF_SECONDS = 600  # a proven number must be bound within ten minutes
_PROOF_SALT = "skillfund.accounts.workers.proof"


class SignInRefused(DomainError):
    """A refusal of the sign-in or binding form; `field` names the input it is about (or None)."""

    def __init__(self, code: str, zh: str, en: str, *, field: str | None = None) -> None:
        super().__init__(code, zh, en, clause="§4.4.d" if code == "identity_not_matched" else None)
        self.field = field


TOO_MANY = ("too_many_requests", "操作过于频繁，请稍后再试", "Too many tries. Please wait and try again later.")
NOT_MATCHED = (
    "identity_not_matched",
    "身份证号码与姓名不匹配，或尚未在实名登记库中登记。请核对后重试，或到就近的人社服务窗口登记。",
    "The ID number and name do not match a registered person. Check them, or register at an HR service counter.",
)


def source_of(address: str) -> str:
    """A keyed hash of the client address (never the address itself)."""
    return salted_hmac("skillfund.accounts.workers.source", address or "unknown").hexdigest()


def _within(key: str, limit: tuple[int, int]) -> bool:
    count, window = limit
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key) <= count
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window)
        return True


def _number(raw: str) -> str:
    try:
        return mobile.normalize(raw)
    except mobile.InvalidMobile as exc:
        raise SignInRefused("invalid_mobile", exc.zh, exc.en, field="mobile") from None


def _code_hash(index: str, code: str) -> str:
    return salted_hmac("skillfund.accounts.workers.code", f"{index}:{code}").hexdigest()


def _code_key(index: str) -> str:
    return f"worker-code:{index}"


@dataclass(frozen=True)
class CodeSent:
    masked: str
    seconds: int
    code: str  # for the relaxed demo's page only (sms.codes_shown_on_page); never shown otherwise


def sign_in_code_send(*, number: str, source: str) -> CodeSent:
    """Send a new sign-in code to `number` (replacing any earlier one), within the limits."""
    number = _number(number)
    index = mobile.index(number)
    # Every try counts for the address; only a try past the pause counts for the number.
    if not _within(f"worker-code-source:{source}", PER_ADDRESS):
        raise SignInRefused(*TOO_MANY, field="mobile")
    if not _within(f"worker-code-pause:{index}", RESEND_PAUSE):
        raise SignInRefused(
            "code_resend_wait",
            "验证码已发送，请1分钟后再重新获取",
            "A code was just sent. Wait a minute before asking for another.",
            field="mobile",
        )
    if not _within(f"worker-code-number:{index}", PER_NUMBER):
        raise SignInRefused(*TOO_MANY, field="mobile")
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_code_key(index), _code_hash(index, code), timeout=CODE_SECONDS)
    cache.delete(f"worker-code-tries:{index}")
    sms.send(
        to=number,
        text=f"【职业技能提升行动】您的登录验证码为{code}，{CODE_SECONDS // 60}分钟内有效。请勿告诉他人。"
        f" / SkillFund sign-in code {code}, valid {CODE_SECONDS // 60} minutes.",
    )
    return CodeSent(masked=mobile.mask(number), seconds=CODE_SECONDS, code=code)


def sign_in_code_check(*, number: str, code: str, source: str) -> str:
    """Spend the code sent to `number`; return the proof that the caller holds the number."""
    number = _number(number)
    index = mobile.index(number)
    if not _within(f"worker-code-checks:{source}", CHECKS_PER_ADDRESS):
        raise SignInRefused(*TOO_MANY, field="code")
    stored = cache.get(_code_key(index))
    if stored is None:
        raise SignInRefused(
            "code_expired",
            "验证码已过期或已失效，请重新获取",
            "The code has expired or was used up. Ask for a new one.",
            field="code",
        )
    cache.add(f"worker-code-tries:{index}", 0, timeout=CODE_SECONDS)
    tries = cache.incr(f"worker-code-tries:{index}")
    if not constant_time_compare(stored, _code_hash(index, str(code).strip())):
        if tries >= CODE_ATTEMPTS:
            cache.delete(_code_key(index))
            raise SignInRefused(
                "code_attempts",
                "验证码错误次数过多，已失效，请重新获取",
                "Too many wrong codes: this one no longer works. Ask for a new one.",
                field="code",
            )
        left = CODE_ATTEMPTS - tries
        raise SignInRefused(
            "code_wrong",
            f"验证码错误，还可尝试{left}次",
            f"The code is wrong; {left} more tries.",
            field="code",
        )
    cache.delete_many([_code_key(index), f"worker-code-tries:{index}"])
    return _proof(number)


def _proof(number: str) -> str:
    """The signed, short-lived statement "the caller holds this number" (only after a correct code;
    the demo loader binds its demo worker with one)."""
    return signing.dumps({"i": mobile.index(number), "m": mobile.mask(number)}, salt=_PROOF_SALT)


def _proven(proof: str) -> dict[str, str]:
    try:
        return signing.loads(proof, salt=_PROOF_SALT, max_age=PROOF_SECONDS)
    except signing.BadSignature:  # tampered or expired (SignatureExpired is a BadSignature)
        raise SignInRefused(
            "proof_expired",
            "手机号验证已过期，请重新获取验证码",
            "The mobile number check has expired. Ask for a new code.",
        ) from None


def worker_for(proof: str) -> User | None:
    """The active worker account bound to the proven number, or None (first sign-in)."""
    index = _proven(proof)["i"]
    return User.objects.filter(role=Role.WORKER, mobile_index=index, is_active=True).select_related("person").first()


def _same_name(a: str, b: str) -> bool:
    """Names compare without spaces and in one Unicode form (full-width letters, the middle dot of
    Mongolian and other minority names typed as · or •)."""

    def norm(name: str) -> str:
        text = unicodedata.normalize("NFKC", name).replace("•", "·").replace("．", "·")
        return "".join(text.split()).casefold()

    return bool(norm(a)) and norm(a) == norm(b)


@transaction.atomic
def worker_bind(*, proof: str, id_number: str, name: str, source: str) -> User:
    """First sign-in: bind the proven mobile number to the registered person with this ID number
    and name, creating the worker's account. Audited as `worker.bind`."""
    proven = _proven(proof)
    index, masked = proven["i"], proven["m"]
    if not (
        _within(f"worker-bind-number:{index}", BINDS_PER_NUMBER)
        and _within(f"worker-bind-source:{source}", BINDS_PER_ADDRESS)
    ):
        raise SignInRefused(*TOO_MANY)
    if User.objects.filter(mobile_index=index).exists():
        raise SignInRefused(
            "mobile_bound",
            "该手机号已绑定实名信息，请直接登录",
            "This mobile number is already bound. Sign in with it.",
        )
    try:
        number = idnumbers.parse(id_number).number
    except idnumbers.InvalidIdNumber as exc:  # the number's own form: says nothing about the registry
        raise SignInRefused("invalid_id_number", exc.zh, exc.en, field="id_number") from None
    person = Person.objects.select_for_update().filter(id_index=idnumbers.blind_index(number)).first()
    if person is None or not _same_name(person.name, name):
        raise SignInRefused(*NOT_MATCHED)
    if User.objects.filter(person=person).exists():
        raise SignInRefused(
            "person_bound",
            "该身份已绑定其他手机号。如需更换手机号，请持身份证到人社服务窗口办理。",
            "This person is already bound to another mobile number. To change it, bring your ID card to "
            "an HR service counter.",
        )
    user = User(
        username=f"worker-{person.pk}",
        first_name=person.name,  # what the top bar shows; the username carries no personal data
        role=Role.WORKER,
        person=person,
        mobile_index=index,
        mobile_masked=masked,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():  # two first sign-ins at once: the unique constraints decide
            user.save()
    except IntegrityError:
        raise SignInRefused(
            "already_bound", "该手机号或身份已被绑定", "The number or the person is already bound."
        ) from None
    audit.record(actor=user, action="worker.bind", target=user, after={"person": person.audit_label, "mobile": masked})
    return user


def is_worker(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) == Role.WORKER
