#!/usr/bin/env bash
# Install the pinned dependencies (uv.lock) into .venv with the machine's Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv
fi
UV_PYTHON_DOWNLOADS=never uv sync --frozen --quiet --python "$(command -v python3.11 || command -v python3)"
