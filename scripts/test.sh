#!/usr/bin/env bash
# `make test`: the test suite with pytest. Arguments go to pytest, e.g. `scripts/test.sh -k consent -x`.
#
# Runs on SQLite with no services. Browser tests (Chromium) and Redis tests skip with the reason when Chromium or
# Redis is missing; CI (.ci/run) provides both and fails on any skip. Set DATABASE_URL to run on Postgres.
# In parallel, as CI runs it (pytest-xdist, one worker per CPU): `scripts/test.sh -n auto --dist loadgroup`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
ensure_venv
exec .venv/bin/pytest "$@"
