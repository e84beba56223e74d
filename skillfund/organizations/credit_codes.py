"""Unified social credit code (GB 32100-2015): 18 characters with a MOD 31 check character."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError


def credit_code_problem(code: str) -> tuple[str, str] | None:
    """(zh, en) reason why `code` is not a valid credit code, or None when it is valid."""
    try:
        uscc.validate(code)
    except InvalidLength:
        return "统一社会信用代码应为18位", "a unified social credit code has 18 characters"
    except InvalidChecksum:
        return "统一社会信用代码校验位错误", "the check character of the credit code is wrong"
    except StdnumError:
        return "统一社会信用代码格式错误", "the credit code has characters not allowed by GB 32100-2015"
    if code != uscc.compact(code):
        return "统一社会信用代码含空格或小写字母", "the credit code has spaces or lower-case letters"
    return None


def validate_credit_code(code: str) -> None:
    problem = credit_code_problem(code)
    if problem:
        raise ValidationError(f"{problem[0]} / {problem[1]}")
