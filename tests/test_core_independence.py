"""core serves the domain apps and depends on none of them (issue #9, "Structure"): generic reading
and reporting stay in core; each domain's cell parsers live in its own app."""

from __future__ import annotations

import ast
from pathlib import Path

import skillfund

CORE = Path(skillfund.__file__).parent / "core"
# core itself, the policy_data folder's reader, and accounts (who acts: users and roles, which the
# audit log's back office reads) — none of them a domain of the policy.
ALLOWED = ("skillfund.core", "skillfund.policy_data", "skillfund.accounts")


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module)]
            if node.module == "skillfund":  # from skillfund import registry
                found += [(node.lineno, f"skillfund.{alias.name}") for alias in node.names]
    return found


def test_core_imports_no_domain_app():
    files = sorted(CORE.rglob("*.py"))
    assert any(f.name == "tabular.py" for f in files)
    domain = [
        f"{path.relative_to(CORE.parent)}:{line} imports {name}"
        for path in files
        for line, name in _imports(path)
        if (name == "skillfund" or name.startswith("skillfund."))
        and not any(name == a or name.startswith(a + ".") for a in ALLOWED)
    ]
    assert domain == []


def test_the_check_sees_a_domain_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from skillfund.registry import idnumbers\n", encoding="utf-8")
    assert _imports(sample) == [(2, "skillfund.registry")]
