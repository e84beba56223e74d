"""Occupation codes: the 2022 national classification (D-DD-DD-DD) or a special-operation
category of the 特种作业目录 (SO-DD-DD)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

NATIONAL_CODE = re.compile(r"^[1-8]-\d{2}-\d{2}-\d{2}$")
SPECIAL_OPERATION_CODE = re.compile(r"^SO-\d{2}-\d{2}$")


def validate_occupation_code(code: str) -> None:
    if not (NATIONAL_CODE.match(code) or SPECIAL_OPERATION_CODE.match(code)):
        raise ValidationError(
            f"职业编码{code}格式错误，应为D-DD-DD-DD / occupation code {code} is not of the form D-DD-DD-DD (or SO-DD-DD)"
        )
