#!/usr/bin/env bash
# Django's deployment checks on a complete production environment with freshly generated keys:
# every warning fails (nothing is silenced). CI runs this; so can an operator before a release.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
key() { "$PY" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
data_dir=${SKILLFUND_DATA_DIR:-$(mktemp -d)}
env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
    SKILLFUND_ENV=production \
    SKILLFUND_DATA_DIR="$data_dir" \
    DJANGO_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    SKILLFUND_ID_ENCRYPTION_KEY="$(key)" \
    SKILLFUND_ID_INDEX_KEY="$(key)" \
    SKILLFUND_AUDIT_KEY="$(key)" \
    DJANGO_ALLOWED_HOSTS=skills.example.gov.cn \
    SKILLFUND_SMS_BACKEND=skillfund.accounts.sms.HttpGatewayBackend \
    SKILLFUND_SMS_GATEWAY_URL=https://sms.example.gov.cn/send \
    "$PY" manage.py check --deploy --fail-level WARNING
