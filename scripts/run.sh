#!/usr/bin/env bash
# Command 1 of the README: install, migrate, load the Ordos 2019–2021 action (history), the current
# demo year (演示, computed from today) and demo data, create one demo account per role, print the
# logins, and serve at http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
mkdir -p data
if [ ! -f data/local.env ]; then
    # Local secrets for this machine only (never committed: data/ is ignored).
    .venv/bin/python - > data/local.env <<'PY'
import base64, os, secrets
print("DJANGO_SECRET_KEY=" + secrets.token_urlsafe(48))
print("SKILLFUND_ID_ENCRYPTION_KEY=" + base64.b64encode(os.urandom(32)).decode())
print("SKILLFUND_ID_INDEX_KEY=" + base64.b64encode(os.urandom(32)).decode())
PY
    chmod 600 data/local.env
fi
if ! grep -q '^SKILLFUND_AUDIT_KEY=' data/local.env; then
    # The audit chain's key, also added to a local.env made before it existed (before migrate re-keys).
    echo "SKILLFUND_AUDIT_KEY=$(.venv/bin/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" >> data/local.env
fi
.venv/bin/skillfund migrate --noinput
.venv/bin/skillfund setup_demo
addr="${SKILLFUND_ADDR:-127.0.0.1:8000}"
printf '\nOpen http://%s/  (back office: /admin/)\n\n' "$addr"
exec .venv/bin/skillfund runserver "$addr"
