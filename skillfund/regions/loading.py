"""Load region names from policy_data/regions/*.yaml (idempotent)."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from skillfund.core import audit
from skillfund.regions.models import Region


@transaction.atomic
def regions_load(*, path: Path, actor=None) -> int:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["regions"]
    for row in sorted(rows, key=lambda r: r["code"]):  # parents (xx0000) sort before children
        Region.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "level": row["level"],
                "parent_id": row.get("parent"),
            },
        )
    audit.record(actor=actor, action="regions.load", after={"file": path.name, "regions": len(rows)})
    return len(rows)
