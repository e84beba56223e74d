"""Deciding claims in batch (`skillfund evaluate`): a file of claims in, decisions with reasons out.

One engine, online and batch: the claims of a file are created as ordinary `Claim` rows tagged with
a run id, then decided together by `decide_where` on that run id — the same SQL and the same engine
call as the online path (`claims.actions.claim_decide`), so the same facts give the same decision.
Deciding them together applies §3.3.b across the file: one person's claims are taken in order of
end date, so two claims for the same occupation and level get one subsidy.

The file is read and every row checked before anything is written (`claims.claimfile.read_claims`):
any bad value raises `InvalidInput` naming row, column, value and reason in Chinese and English,
and neither the database nor the output file is touched. Otherwise one transaction creates the
claims, stores the decisions, marks the claims decided and leaves one audit record; the output file
(.csv, .jsonl or .xlsx) is written inside it and moved into place only once it commits.
The input and output columns are documented in docs/claims-file-format.md.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from skillfund.claims.claimfile import ClaimFile, read_claims
from skillfund.claims.decisions import decide_where, store_decisions
from skillfund.claims.models import Claim, Decision
from skillfund.claims.names import names
from skillfund.core import audit, exports, tabular
from skillfund.core.errors import DomainError, FieldProblem, InvalidInput
from skillfund.policy.engine import MONEY, check_column, rules_version
from skillfund.policy.explain import explain, yuan
from skillfund.policy.parameters import ParameterSet, default_parameters
from skillfund.policy.rules import RULES

OUTPUT_COLUMNS: dict[str, str] = {
    "reference": "申请编号",
    "person": "公民身份号码（脱敏）",
    "eligible": "是否符合条件",
    "subsidy": "补贴金额",
    "trainee_share": "个人承担",
    "living_allowance": "生活费补贴",
    "advance": "可先行拨付",
    "months_subsidized": "以工代训补贴月数",
    "free": "免费培训",
    "failed_clauses": "未通过条款",
    "reasons_zh": "理由",
    "reasons_en": "理由（英文）",
}
OUTPUT_FORMATS = (".csv", ".jsonl", ".xlsx")


# --- deciding and writing -------------------------------------------------------------------------


@dataclass
class Evaluation:
    """What a run did: its id, the claims created or reused, and the decisions (engine rows)."""

    run_id: str
    file_name: str
    rules_version: str
    created: int
    reused: int
    lines: list[dict[str, Any]]  # one output row per claim, in file order
    warnings: list[FieldProblem] = field(default_factory=list)

    @property
    def eligible(self) -> int:
        return sum(1 for line in self.lines if line["eligible"])

    @property
    def refused_by_clause(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for line in self.lines:
            counts.update(c for c in line["failed_clauses"].split(", ") if c)
        return dict(sorted(counts.items()))

    def total(self, money: str) -> Decimal:
        return sum((line[money] for line in self.lines), Decimal("0.00"))


def claims_evaluate(
    *,
    actor: Any,
    file: Any,
    out: Path | None = None,
    headers: str = "en",
    file_name: str = "",
    today: date | None = None,
    progress: tabular.ProgressFactory | None = None,
) -> Evaluation:
    """Decide a file of claims: all of it, or — if any row is bad — nothing (raises `InvalidInput`).

    A reference that already exists with the same facts reuses that claim (and adds a decision);
    with different facts it is an error on that row. With `out`, the decisions are written there
    (.csv, .jsonl or .xlsx; `headers="zh"` gives .csv and .xlsx Chinese headers), replacing the file
    only once the database transaction has committed.
    Do not call this inside another transaction.
    """
    if out is not None and out.suffix.lower() not in OUTPUT_FORMATS:
        raise DomainError(
            "output_format",
            f"输出文件须为{'、'.join(OUTPUT_FORMATS)}",
            f"the output is one of {', '.join(OUTPUT_FORMATS)}",
        )
    params = default_parameters()
    claims = read_claims(file, file_name=file_name, today=today, params=params, progress=progress)
    if claims.problems:
        raise InvalidInput(claims.problems)
    part = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part") if out else None
    try:
        result = _write(
            claims,
            actor=actor,
            params=params,
            part=part,
            fmt=out.suffix if out else "",
            headers=headers,
            progress=progress,
        )
        if part is not None and out is not None:
            os.replace(part, out)
    except IntegrityError:
        # Only a concurrent claim with one of the file's references or certificate numbers gets
        # here; all was rolled back.
        raise DomainError(
            "claims_conflict",
            "判定期间其他操作提交了相同申请编号或证书编号的申请，未写入任何数据，请重新运行",
            "someone submitted a claim with one of the file's references or certificate numbers meanwhile; "
            "nothing was written, run again",
        ) from None
    finally:
        if part is not None and part.exists():
            part.unlink()
    result.warnings = claims.warnings
    return result


@transaction.atomic(durable=True)
def _write(
    claims: ClaimFile,
    *,
    actor: Any,
    params: ParameterSet,
    part: Path | None,
    fmt: str,
    headers: str,
    progress: tabular.ProgressFactory | None,
) -> Evaluation:
    now = timezone.now()
    run_id = f"eval-{timezone.localtime(now):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    user = actor if getattr(actor, "pk", None) else None
    new = [
        Claim(reference=c.reference, batch=run_id, submitted_by=user, **c.fields)
        for c in claims.rows
        if c.existing is None
    ]
    for start in range(0, len(new), tabular.CHUNK):
        Claim.objects.bulk_create(new[start : start + tabular.CHUNK])
    reused = [c.existing for c in claims.rows if c.existing is not None]
    for start in range(0, len(reused), tabular.CHUNK):
        Claim.objects.filter(pk__in=reused[start : start + tabular.CHUNK]).update(batch=run_id, updated_at=now)

    advance = progress("判定 deciding", len(claims.rows)) if progress else None
    decided = decide_where("c.batch = %s", [run_id], params)
    store_decisions(decided, purpose=Decision.Purpose.DECISION, params=params)
    # A claim already through the review chain keeps its status; the new decision is on record.
    Claim.objects.filter(batch=run_id, status__in=[Claim.Status.SUBMITTED, Claim.Status.DECIDED]).update(
        status=Claim.Status.DECIDED, updated_at=now
    )
    if advance:
        advance(decided.height)

    lines = decision_lines_of(decided, run_id=run_id, order={c.reference: c.row for c in claims.rows})
    result = Evaluation(
        run_id=run_id,
        file_name=claims.file_name,
        rules_version=rules_version(params),
        created=len(new),
        reused=len(reused),
        lines=lines,
    )
    audit.record(
        actor=actor,
        action="claims.evaluate",
        after={
            "batch": run_id,
            "file_name": claims.file_name,
            "sha256": claims.sha256,
            "claims": len(lines),
            "created": result.created,
            "reused": result.reused,
            "eligible": result.eligible,
            "refused_by_clause": result.refused_by_clause,
            "subsidy": result.total("subsidy"),
            "rules": result.rules_version,
        },
    )
    if part is not None:
        write_output(lines, part, fmt=fmt, headers=headers, progress=progress)
    return result


def decision_lines_of(decided: Any, *, run_id: str, order: dict[str, int]) -> list[dict[str, Any]]:
    """One output row per decided claim: amounts in CNY, failed clauses, reasons in zh and en.

    The reasons are the explanation `decisions.decision_lines` renders from a stored decision —
    rendered here from the engine row the decision was stored from, which holds the same facts.
    """
    claims = {
        pk: (ref, masked)
        for pk, ref, masked in Claim.objects.filter(batch=run_id).values_list("pk", "reference", "person__id_masked")
    }
    named = names(decided["occupation"].unique().drop_nulls().to_list())
    lines = []
    for row in decided.iter_rows(named=True):
        reference, masked = claims[row["claim_id"]]
        shown = [line for line in explain(row, named) if line.status == ("outcome" if row["eligible"] else "fail")]
        failed = [r.clause for r in RULES if row[check_column(r)] is False]
        lines.append(
            {
                "reference": reference,
                "person": masked,
                "eligible": bool(row["eligible"]),
                **{m: yuan(row[m]) for m in MONEY},
                "months_subsidized": row["months_subsidized"],
                "free": bool(row["free"]),
                "failed_clauses": ", ".join(dict.fromkeys(failed)),
                "reasons_zh": "；".join(line.zh for line in shown),
                "reasons_en": "; ".join(line.en for line in shown),
            }
        )
    lines.sort(key=lambda line: order.get(line["reference"], 0))
    return lines


def write_output(
    lines: list[dict[str, Any]],
    path: Path,
    *,
    fmt: str | None = None,
    headers: str = "en",
    progress: tabular.ProgressFactory | None = None,
) -> None:
    """Write output rows as .csv (UTF-8 with BOM, for Excel), .jsonl or .xlsx (by `fmt` or the suffix).

    JSONL keys are always the English keys; .csv and .xlsx headers too, or Chinese with `headers="zh"`.
    """
    fmt = (fmt or path.suffix).lower()
    advance = progress("写入 writing", len(lines)) if progress else (lambda n: None)
    keys = list(OUTPUT_COLUMNS)
    names = [OUTPUT_COLUMNS[k] for k in keys] if headers == "zh" else keys
    if fmt == ".xlsx":
        _write_xlsx(lines, path, keys, names, advance)
    elif fmt == ".jsonl":
        with path.open("w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps({k: _plain(line[k]) for k in keys}, ensure_ascii=False) + "\n")
        advance(len(lines))
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(exports.csv_row(names))
            writer.writerows([_cell(line[k]) for k in keys] for line in lines)
        advance(len(lines))


def _plain(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, Decimal) else value


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _plain(exports.cell_text(value))


def _write_xlsx(lines: list[dict[str, Any]], path: Path, keys: list[str], names: list[str], advance: Any) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("decisions")
    sheet.append(exports.xlsx_row(sheet, names))
    for line in lines:
        sheet.append([exports.xlsx_cell(sheet, line[k], number_format="0.00" if k in MONEY else None) for k in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    advance(len(lines))
