#!/usr/bin/env bash
# Command 2 of the README: install and run the whole test suite (lint first).
# DATABASE_URL selects the database: SQLite by default, e.g. postgres://postgres@127.0.0.1:5432/test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/ruff check --quiet .
exec .venv/bin/pytest "$@"
