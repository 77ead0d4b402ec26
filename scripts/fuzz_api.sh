#!/usr/bin/env bash
# Schemathesis against the live schema of a running server: every operation,
# authenticated as a superuser, N generated cases per operation (default 100).
# Zero server errors and zero responses that break the schema, or it fails.
#   scripts/fuzz_api.sh [max-examples]     (DATABASE_URL picks the database)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
PORT="${FUZZ_PORT:-8765}"
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=orders_site.settings.local
export DEBUG=false API_THROTTLE_USER=1000000/min API_THROTTLE_ANON=1000000/min
if [ -z "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="sqlite:///$(mktemp -d)/fuzz.sqlite3"
fi
$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo --password fuzz >/dev/null
TOKEN=$($PY manage.py issue_api_token --user admin --name fuzz)
$PY manage.py runserver "127.0.0.1:$PORT" --noreload --nothreading >/tmp/fuzz-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:$PORT/api/schema/" -o /dev/null 2>/dev/null && break
  sleep 0.5
done
.venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/schema/" \
  --header "Authorization: Token $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$N" \
  --phases examples,coverage,fuzzing \
  --generation-database none \
  --seed 20261126 \
  --workers 1 \
  --warnings off
