#!/usr/bin/env bash
# Make sure .venv exists and has requirements.txt installed. Sourced by demo.sh and test.sh (call ensure_venv);
# run directly (as the Makefile does) to do just that.
#
# The sha256 of requirements.txt is kept in .venv/.requirements.sha256, so pip runs only when the file changed.

_find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Safeguard needs Python 3.11 or newer (python3.11 or python3); set PYTHON=/path/to/python to choose." >&2
    return 1
}

_sha256() {
    "$1" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$2"
}

ensure_venv() {
    local python stamp want
    if [ ! -x .venv/bin/python ]; then
        python=$(_find_python)
        echo "Creating .venv with $python ($("$python" --version 2>&1))"
        "$python" -m venv .venv
    fi
    stamp=.venv/.requirements.sha256
    want=$(_sha256 .venv/bin/python requirements.txt)
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        echo "Installing requirements.txt into .venv"
        .venv/bin/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
        echo "$want" >"$stamp"
    fi
    ensure_assets
}

# Front-end libraries from the npm registry (package.json, package-lock.json), served from node_modules/. Without
# npm the portal still works: the optional signature drawing pad is hidden.
ensure_assets() {
    local stamp=node_modules/.package-lock.sha256 want
    if ! command -v npm >/dev/null 2>&1; then
        [ -d node_modules/signature_pad ] || echo "npm not found: the signature drawing pad will be hidden (typed signatures still work)." >&2
        return 0
    fi
    want=$(_sha256 .venv/bin/python package-lock.json)
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        echo "Installing front-end libraries (npm ci)"
        npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
        echo "$want" >"$stamp"
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    cd "$(dirname "$0")/.."
    ensure_venv
fi
