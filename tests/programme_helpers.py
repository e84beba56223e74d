"""Programmes for tests that need one without loading a whole programme file."""

from __future__ import annotations

from datetime import date
from typing import Any

from skillfund.programme.models import Programme


def bare_programme(**fields: Any) -> Programme:
    """A programme of Ordos' region with no annex: its disclosure lists no department unless one has
    money or trainees. `hr_bureau=` names the unit that co-publishes notices."""
    return Programme.objects.create(
        **{
            "code": "test-action",
            "name": "测试行动",
            "region": "150600",
            "issuer": "测试",
            "document_number": "鄂就组发〔2019〕1号",
            "issued_on": date(2019, 11, 28),
            "start_year": 2019,
            "end_year": 2021,
            "total_target": 30,
            "total_target_clause": "§2",
            "disclosure_title": "测试市职业技能提升行动专账资金使用情况公开",
            "disclosure_title_en": "Test city skills action: disclosure of fund use",
            **fields,
        }
    )
