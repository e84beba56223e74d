"""Links from a clause ID (§3.3.b, Annex.3) to its anchor on the public policy page."""

from __future__ import annotations

import re

from django.urls import reverse

# The IDs of policy_data/clauses.yaml: §2, §3.3.b, §3.1.2, Annex, Annex.3.
CLAUSE_ID = re.compile(r"§\d+(?:\.\d+)*(?:\.[a-z])?|Annex(?:\.\d+)?")


def clause_anchor(clause_id: str) -> str:
    return "clause-" + clause_id.removeprefix("§")


def clause_url(clause_id: str) -> str:
    return f"{reverse('portal:policy')}#{clause_anchor(clause_id)}"
