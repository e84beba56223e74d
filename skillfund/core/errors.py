"""Errors that the domain raises. Every message exists in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A request the rules refuse. `code` is stable for the API; messages are for people."""

    def __init__(self, code: str, zh: str, en: str, *, clause: str | None = None) -> None:
        super().__init__(f"{code}: {en}")
        self.code, self.zh, self.en, self.clause = code, zh, en, clause


@dataclass(frozen=True)
class FieldProblem:
    """One bad value: where (row, column) it is, what it is, and why it is refused."""

    column: str
    value: str
    zh: str
    en: str
    row: int | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.column} = {self.value!r}: {self.zh} / {self.en}"


class InvalidInput(DomainError):
    """Input with one or more bad values; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        first = problems[0] if problems else None
        super().__init__(
            "invalid_input",
            f"输入有 {len(problems)} 处错误" + (f"：{first}" if first else ""),
            f"{len(problems)} invalid value(s)" + (f": {first}" if first else ""),
        )
