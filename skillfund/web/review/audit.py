"""The audit log for the auditor (§4.3.c): the records, filtered and paged, persons named only as
`person#<id> <mask>` (what the log itself holds, `audit_label`), and a button that runs the chain
verification of `skillfund audit_verify` (core.audit.verify) and names what was edited, deleted or
is missing. Reading and verifying change nothing."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from skillfund.accounts.scoping import AUDIT_READERS, audit_records_visible_to, role_of
from skillfund.core import audit
from skillfund.core.audit_names import action_label, role_label
from skillfund.web.review.common import english, page_of, query_without_page, reviewer_required
from skillfund.web.review.forms import AuditFilterForm

# core.audit.verify's findings, each said in Chinese too (the names of records stay as found).
_FINDINGS_ZH = (
    (
        re.compile(r"^record (\d+): link broken: (?:record|records) (\d+)(?:–(\d+))? before it (?:is|are) missing$"),
        lambda m: f"第{m[1]}条：链接断开，其前的第{m[2]}{'–' + m[3] if m[3] else ''}条记录已被删除",
    ),
    (
        re.compile(r"^record (\d+): link broken: it does not follow record (\d+) \(replaced or reordered\)$"),
        lambda m: f"第{m[1]}条：链接断开，不接续第{m[2]}条（被替换或调换顺序）",
    ),
    (
        re.compile(r"^(?:record|records) (\d+)(?:–(\d+))?: MAC does not match"),
        lambda m: f"第{m[1]}{'–' + m[2] if m[2] else ''}条：校验码与内容不符（被修改，或未用密钥写入）",
    ),
    (
        re.compile(r"^record (\d+): differs from the checkpoint of (.+) \(rewritten\)$"),
        lambda m: f"第{m[1]}条：与{m[2]}的检查点不一致（被改写）",
    ),
    (
        re.compile(
            r"^(?:record|records) (\d+)(?:–(\d+))? (?:is|are) missing: the checkpoint of (.+) saw record (\d+)$"
        ),
        lambda m: f"第{m[1]}{'–' + m[2] if m[2] else ''}条记录缺失：{m[3]}的检查点已记录到第{m[4]}条",
    ),
    (
        re.compile(r"^checkpoint line (\d+): signature does not match"),
        lambda m: f"检查点文件第{m[1]}行：签名不符（检查点文件被修改）",
    ),
)


def finding_text(line: str) -> str:
    """One finding in the user's language (English as core.audit says it)."""
    if english():
        return line
    for pattern, zh in _FINDINGS_ZH:
        if found := pattern.match(line):
            return zh(found)
    return line


def _records(request: HttpRequest):
    form = AuditFilterForm(request.GET or None)
    filters = form.valid_filters() if request.GET else {}
    records = audit_records_visible_to(request.user)
    if "action" in filters:
        records = records.filter(action__icontains=filters["action"])
    if "actor" in filters:
        records = records.filter(actor_username__icontains=filters["actor"])
    if "target" in filters:
        records = records.filter(target_label__icontains=filters["target"])
    zone = timezone.get_current_timezone()
    if "since" in filters:
        records = records.filter(at__gte=datetime.combine(filters["since"], time.min, zone))
    if "until" in filters:
        records = records.filter(at__lt=datetime.combine(filters["until"] + timedelta(days=1), time.min, zone))
    return form, records.order_by("-seq")


def _reads_audit(user) -> bool:
    return role_of(user) in AUDIT_READERS


@reviewer_required
def log(request: HttpRequest) -> HttpResponse:
    if not _reads_audit(request.user):
        raise PermissionDenied
    form, records = _records(request)
    context = {"form": form, "page": _named(page_of(request, records, size=50)), "query": query_without_page(request)}
    return render(request, "web/review/audit.html", context)


def _named(page):
    for record in page:
        record.action_label = action_label(record.action)
        record.role_label = role_label(record.actor_role) if record.actor_role else ""
    return page


@require_POST
@reviewer_required
def verify(request: HttpRequest) -> HttpResponse:
    """Run the chain verification now and show its findings (none: the chain is intact)."""
    if not _reads_audit(request.user):
        raise PermissionDenied
    findings = list(audit.verify())
    form, records = _records(request)
    context = {
        "form": form,
        "page": _named(page_of(request, records, size=50)),
        "query": query_without_page(request),
        "verified": True,
        "findings": [finding_text(line) for line in findings],
        "total": audit_records_visible_to(request.user).count(),
        "checked_at": timezone.now(),
    }
    return render(request, "web/review/audit.html", context)
