#!/usr/bin/env bash
# The production stack on one machine: gunicorn, a Celery worker and Celery
# beat, against PostgreSQL and Redis (the same processes as the Procfile).
#
#   scripts/serve.sh            # then open http://127.0.0.1:8000/ ; Ctrl-C stops all three
#
# Defaults suit this machine (PostgreSQL and Redis on 127.0.0.1, database
# "orders"); override any of them in the environment. Emails go to the worker's
# log unless EMAIL_URL names an SMTP server (smtp+tls://user:pass@host:587).
# Plain http here, so secure cookies and the HTTPS redirect are off: behind a
# TLS proxy leave SECURE_COOKIES and SECURE_SSL_REDIRECT at their defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE=orders_site.settings.production
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/orders}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export EMAIL_URL="${EMAIL_URL:-consolemail://}"
export SECRET_KEY="${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT:-8000}}"
export SECURE_COOKIES="${SECURE_COOKIES:-false}"
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
export CELERY_BEAT_SCHEDULE_FILENAME="${CELERY_BEAT_SCHEDULE_FILENAME:-var/celerybeat-schedule}"
PORT="${PORT:-8000}"
BIN=.venv/bin
mkdir -p var

db_name="${DATABASE_URL##*/}"
psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$db_name'" | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -c "CREATE DATABASE \"$db_name\""
$BIN/python manage.py migrate --noinput
$BIN/python manage.py collectstatic --noinput --verbosity 0

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
$BIN/gunicorn orders_site.wsgi --bind "127.0.0.1:$PORT" --workers "${WEB_CONCURRENCY:-3}" \
  --access-logfile - & pids+=($!)
$BIN/celery -A orders_site worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-2}" & pids+=($!)
$BIN/celery -A orders_site beat --loglevel INFO & pids+=($!)
echo "Serving on $SITE_URL with a Celery worker and beat (Ctrl-C stops all three)"
wait -n
