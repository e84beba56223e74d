"""Access to the policy data folder (policy_data/): the clause register and YAML files."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings


def data_path(*parts: str) -> Path:
    return Path(settings.SKILLFUND_POLICY_DATA, *parts)


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def clauses() -> dict[str, dict[str, str]]:
    """Clause ID → {zh, en}, from policy_data/clauses.yaml."""
    return read_yaml(data_path("clauses.yaml"))["clauses"]
