"""Citizen ID numbers (GB 11643-1999): validation, derived facts, masking, and protection at rest.

PIPL Art. 28 treats the number as sensitive personal information. The database holds only:
- `cipher`: AES-256-GCM ciphertext with a random nonce (key from configuration), and
- `index`: HMAC-SHA256 of the number with a separate key — a blind index, so look-ups and the
  one-person-one-record check work without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils import timezone
from stdnum.cn import ric

from skillfund.regions.codes import PROVINCE_PREFIXES, is_known_county

_VERSION = b"\x01"  # leading byte of every ciphertext, so keys can be rotated later


class InvalidIdNumber(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # "M" / "F": the 17th digit is odd for men
    warnings: tuple[tuple[str, str], ...] = field(default=())

    @property
    def region_code(self) -> str:
        return self.number[:6]


def parse(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character resident ID number and derive birth date and sex.

    An unknown county code is only a warning: county codes changed over the years.
    """
    number = str(raw).strip().upper()
    if len(number) != 18:
        raise InvalidIdNumber("身份证号码应为18位", "an ID number has 18 characters")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber("身份证号码只能包含数字，末位可为X", "only digits, and X as the last character")
    if number[:2] not in PROVINCE_PREFIXES:
        raise InvalidIdNumber(f"省级代码{number[:2]}不存在", f"no province has the code {number[:2]}")
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidIdNumber("身份证号码校验位错误", "the check character (ISO 7064 MOD 11-2) is wrong")
    try:  # digits 7-14 (stdnum's get_birth_date cleans the number again: 5 s per 100,000)
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("出生日期不存在", f"{number[6:14]} is not a real birth date") from None
    if birth > (today or timezone.localdate()) or birth.year < 1900:
        raise InvalidIdNumber("出生日期不合理", f"birth date {birth} is impossible")
    warnings: tuple[tuple[str, str], ...] = ()
    if not is_known_county(number):
        warnings = ((f"县级代码{number[:6]}不在行政区划库中", f"county code {number[:6]} is not in the register"),)
    return IdNumber(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F", warnings=warnings)


def upgrade_15(number: str) -> str:
    """A 15-digit ID number (issued before 1999) as 18 digits, per GB 11643-1999: "19" is inserted
    before the 2-digit birth year and the ISO 7064 MOD 11-2 check character is appended."""
    if len(number) != 15 or not number.isdigit():
        raise InvalidIdNumber("15位身份证号码只能包含数字", "a 15-digit ID number has digits only")
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def mask(number: str) -> str:
    """First 6 and last 4 shown: 150602********1238."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


@cache
def _aead() -> AESGCM:
    key = base64.b64decode(settings.SKILLFUND_ID_ENCRYPTION_KEY)
    if len(key) != 32:
        raise ValueError("SKILLFUND_ID_ENCRYPTION_KEY must be 32 bytes, base64-encoded")
    return AESGCM(key)


@cache
def _index_key() -> bytes:
    return base64.b64decode(settings.SKILLFUND_ID_INDEX_KEY)


def encrypt(number: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + _aead().encrypt(nonce, number.encode("ascii"), _VERSION)


def decrypt(cipher: bytes) -> str:
    cipher = bytes(cipher)
    if cipher[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return _aead().decrypt(cipher[1:13], cipher[13:], _VERSION).decode("ascii")


def blind_index(number: str) -> str:
    return hmac.new(_index_key(), number.encode("ascii"), hashlib.sha256).hexdigest()
