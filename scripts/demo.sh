#!/usr/bin/env bash
# `make demo`: the whole product on a laptop with nothing but Python 3.11 — SQLite in var/, Celery's broker in
# files under var/broker, e-mail printed by the worker (var/log/worker.log).
#
# Creates .venv if needed, migrates, loads the demo data (idempotent), then runs a Celery worker and Celery beat
# in the background and the Django development server in the foreground on 127.0.0.1:$PORT (default 8000).
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
ensure_venv

python=.venv/bin/python
port=${PORT:-8000}
# Links in e-mails and PDFs point at this server unless SITE_URL says otherwise.
export SITE_URL=${SITE_URL:-http://127.0.0.1:$port}
log_dir=${SAFEGUARD_VAR_DIR:-var}/log
mkdir -p "$log_dir"

if command -v msgfmt >/dev/null 2>&1; then
    "$python" manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
else
    echo "msgfmt (gettext) not found: using the committed translation files."
fi
# The demo seals its signed PDFs with a self-signed certificate of its own (docs/signing.md), made once.
if [ -z "${SIGNING_PKCS12_PATH:-}" ]; then
    seal="${SAFEGUARD_VAR_DIR:-var}/signing/demo-seal.p12"
    [ -f "$seal" ] || "$python" manage.py make_signing_certificate "Safeguard demo" \
        --output "$seal" --password safeguard-demo >/dev/null
    export SIGNING_PKCS12_PATH="$seal" SIGNING_PKCS12_PASSWORD=safeguard-demo
fi
"$python" manage.py migrate --noinput
"$python" manage.py load_demo

pids=()
stop() {
    trap - EXIT INT TERM
    if [ ${#pids[@]} -gt 0 ]; then
        kill "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

.venv/bin/celery -A safeguard worker -l info --concurrency 1 >>"$log_dir/worker.log" 2>&1 &
pids+=($!)
.venv/bin/celery -A safeguard beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler \
    >>"$log_dir/beat.log" 2>&1 &
pids+=($!)
"$python" manage.py send_review_reminders  # review reminders and escalations due today, once (worker.log)
echo "Celery worker and beat started; logs in $log_dir/worker.log and $log_dir/beat.log"
echo "Open http://127.0.0.1:$port/ and sign in with an account above. Ctrl-C stops everything."

"$python" manage.py runserver "127.0.0.1:$port"
