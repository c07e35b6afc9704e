#!/usr/bin/env bash
# Back up Safeguard: the PostgreSQL database (pg_dump, custom format) and the uploaded files under MEDIA_ROOT (tar),
# with a manifest and SHA-256 checksums. Restore with scripts/restore.sh; the whole procedure is in
# docs/operations.md.
#
#   scripts/backup.sh [DIRECTORY]
#
# Writes DIRECTORY/safeguard-<UTC time>/ (DIRECTORY: $SAFEGUARD_BACKUP_DIR, else var/backups in the checkout):
#   database.dump   pg_dump --format=custom of DATABASE_URL (no owners or grants, so it restores under any role)
#   media.tar.gz    every file under MEDIA_ROOT, paths relative to it
#   MANIFEST        when, from which database and code, what is inside
#   SHA256SUMS      checksums of the three files above (restore.sh refuses a backup that does not match)
# and prints that folder's path as its last line.
#
# Reads the same environment as the app (DATABASE_URL, MEDIA_ROOT, SAFEGUARD_VAR_DIR; on bare metal
# `set -a; . /etc/safeguard/safeguard.env; set +a` first). Needs pg_dump of the server's major version or newer.
# The database is dumped first, then the files: a file uploaded in between is kept as an extra file, never missing.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${SAFEGUARD_PYTHON:-.venv/bin/python}

die() {
    echo "backup: $*" >&2
    exit 1
}

# shellcheck source=scripts/_backup_lib.sh
source scripts/_backup_lib.sh

[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set (the database to back up)"
command -v pg_dump >/dev/null || die "pg_dump is not installed (Debian: apt-get install postgresql-client)"
pg_environment_from_url "$DATABASE_URL" || die "DATABASE_URL is not a PostgreSQL database; backups are for production"
media_root=$(media_root_from_settings) || die "could not read MEDIA_ROOT from the settings ($python)"

destination_root=${1:-${SAFEGUARD_BACKUP_DIR:-var/backups}}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
destination="$destination_root/safeguard-$stamp"
[ ! -e "$destination" ] || die "$destination already exists"
mkdir -p "$destination"
# The backup holds every safeguarding record: readable by its owner only.
chmod 700 "$destination"
umask 077

pg_dump --format=custom --no-owner --no-privileges --file="$destination/database.dump"

if [ -d "$media_root" ]; then
    tar -C "$media_root" -czf "$destination/media.tar.gz" .
else
    # No upload yet: an empty archive, so a restore finds the same three files every time.
    tar -czf "$destination/media.tar.gz" -T /dev/null
fi

{
    echo "Safeguard backup"
    echo "created_utc: $stamp"
    echo "host: $(hostname)"
    echo "database: $(psql -Atc 'SELECT current_database()' 2>/dev/null || echo unknown)"
    echo "server_version: $(psql -Atc 'SHOW server_version' 2>/dev/null || echo unknown)"
    echo "pg_dump: $(pg_dump --version)"
    echo "code_commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "media_root: $media_root"
    echo "media_files: $(tar -tzf "$destination/media.tar.gz" | grep -vc '/$' || true)"
    echo "database_dump_bytes: $(stat -c %s "$destination/database.dump")"
    echo "media_archive_bytes: $(stat -c %s "$destination/media.tar.gz")"
} >"$destination/MANIFEST"

(cd "$destination" && sha256sum database.dump media.tar.gz MANIFEST >SHA256SUMS)
echo "backup: written to $destination" >&2
echo "$destination"
