"""What a claim must agree with before it is accepted, on every path (online, claims file, API):
the certificate it names (§3.3.a) and the 以工代训 months on record (§3.3.g).

Pure functions over what the caller looked up, so the online path (one claim, a few queries) and
the claims file (a million rows, looked up in bulk) give the same answer in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from skillfund.catalog.models import CatalogItem, CertificateKind
from skillfund.training.certificates import certificate_matches


@dataclass(frozen=True)
class ClaimProblem:
    code: str
    column: str  # the claims-file column the problem is about
    zh: str
    en: str
    clause: str | None = None


SPECIAL_OPERATION = CertificateKind.SPECIAL_OPERATION.value


def certificate_key(kind: str, number: str, subject: str) -> tuple[str, str]:
    """What names one certificate: its number, except a 特种作业操作证's, whose number is the holder's
    ID number on each operation they are certified for — there the number and the occupation.
    The unique constraints on claims and on recorded certificates use the same key."""
    return (number, subject if kind == SPECIAL_OPERATION else "")


def recorded_for(candidates: Iterable[Any], *, kind: str, occupation_id: int | None, person_id: int | None) -> Any:
    """Of the certificates on record under a number, the one a claim names (or None): for a
    特种作业操作证 the holder's certificate for the item's operation, or one of another person's
    (refused); for any other kind the number's certificate."""
    candidates = list(candidates)
    if kind != SPECIAL_OPERATION:
        return next((c for c in candidates if c.kind != SPECIAL_OPERATION), candidates[0] if candidates else None)
    return next(
        (c for c in candidates if c.kind == SPECIAL_OPERATION and c.occupation_id == occupation_id),
        next((c for c in candidates if c.person_id != person_id), None),
    )


def certificate_problem(
    *,
    item: CatalogItem | None,
    person_id: int | None,
    kind: str,
    number: str,
    recorded: Any = None,
    claimed_by: str | None = None,
) -> ClaimProblem | None:
    """The certificate a claim names must be the one its catalog item leads to (§3.3.a): of the
    item's kind, occupation and level. A number on record (`recorded`, a training.Certificate)
    is judged by the recorded certificate — its holder, kind, occupation and level; a number
    already used by another claim (`claimed_by`, that claim's reference) is refused. `item` None:
    a claim whose decision reads no certificate (以工代训, §3.3.g) is not compared with its item."""
    if not kind:
        if number:
            return ClaimProblem(
                "certificate_kind_required",
                "certificate",
                "填写证书编号时须填写证书类型",
                "a certificate number needs its kind",
            )
        return None  # no certificate: the rules refuse it under §3.3.a and say so
    if recorded is not None:
        if recorded.person_id != person_id:
            return ClaimProblem(
                "certificate_of_another_person",
                "certificate_number",
                f"证书{number}登记在他人名下",
                f"certificate {number} is on record for another person",
                "§3.3.a",
            )
        if recorded.kind != kind:
            return ClaimProblem(
                "certificate_kind_mismatch",
                "certificate",
                f"证书{number}登记的类型为{CertificateKind(recorded.kind).label}",
                f"certificate {number} is on record as {recorded.kind}",
                "§3.3.a",
            )
    if item is None:
        mismatch = None
    elif recorded is not None:
        mismatch = certificate_matches(
            item, kind=recorded.kind, level=recorded.level, occupation_id=recorded.occupation_id
        )
    else:  # a number not on record: only its kind is stated; occupation and level are the item's
        mismatch = certificate_matches(item, kind=kind, level=item.level, occupation_id=item.occupation_id)
    if mismatch is not None:
        column = "certificate" if mismatch.field == "kind" else "certificate_number"
        return ClaimProblem(f"certificate_{mismatch.field}_mismatch", column, mismatch.zh, mismatch.en, "§3.3.a")
    if claimed_by is not None:
        return ClaimProblem(
            "certificate_already_claimed",
            "certificate_number",
            f"证书{number}已用于申请{claimed_by}，一本证书只能申请一次补贴",
            f"certificate {number} was already claimed by claim {claimed_by}; a certificate is claimed once",
            "§3.3.a",
        )
    return None


def unclaimed_months(
    recorded: Iterable[date], *, start: date, end: date, claimed: Iterable[tuple[date, date]] = ()
) -> list[date]:
    """The recorded 以工代训 months (first days) within a claim's period, less those inside the period
    of another claim of the same employment: each month is claimed at most once (§3.3.g)."""
    claimed = list(claimed)

    def within(month: date, first: date, last: date) -> bool:
        return first.replace(day=1) <= month <= last

    return sorted(m for m in set(recorded) if within(m, start, end) and not any(within(m, s, e) for s, e in claimed))


def months_problem(counted: list[date], given: int | None) -> ClaimProblem | None:
    """A 以工代训 claim is for the months on record: none on record, or a different number given, is
    refused, naming the months on record (the claimant's figure is never silently replaced)."""
    shown = "、".join(f"{m:%Y-%m}" for m in counted) or "—"
    if not counted:
        return ClaimProblem(
            "work_training_no_months",
            "months",
            "申请期间没有尚未申请过的以工代训月度培训记录",
            "no recorded month of on-the-job training in the period that was not claimed before",
            "§3.3.g",
        )
    if given and given != len(counted):
        return ClaimProblem(
            "work_training_months_differ",
            "months",
            f"与登记的以工代训月度记录不符：登记{len(counted)}个月（{shown}）",
            f"differs from the recorded training months: {len(counted)} on record ({', '.join(f'{m:%Y-%m}' for m in counted)})",
            "§3.3.g",
        )
    return None
