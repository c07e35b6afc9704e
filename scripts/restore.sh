#!/usr/bin/env bash
# Restore a Safeguard backup made by scripts/backup.sh into a fresh database and an empty MEDIA_ROOT, then bring the
# schema up to this code (migrate). The whole procedure, and how to check the result, is in docs/operations.md.
#
#   scripts/restore.sh BACKUP_FOLDER
#
# Reads the same environment as the app: DATABASE_URL names the database to restore into, MEDIA_ROOT (or
# SAFEGUARD_VAR_DIR) the folder for the uploaded files. Refuses, changing nothing:
#   - a backup whose files do not match its SHA256SUMS;
#   - a database that already holds tables (restore into a new one; the database is created when it does not exist
#     and the role in DATABASE_URL may create databases);
#   - a MEDIA_ROOT that already holds files.
# Stop the web server, worker and beat first (or point DATABASE_URL and MEDIA_ROOT somewhere new to test a backup).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${SAFEGUARD_PYTHON:-.venv/bin/python}

die() {
    echo "restore: $*" >&2
    exit 1
}

[ $# -eq 1 ] || die "usage: scripts/restore.sh BACKUP_FOLDER"
backup=$(cd "$1" 2>/dev/null && pwd) || die "no backup folder at $1"
for name in database.dump media.tar.gz MANIFEST SHA256SUMS; do
    [ -f "$backup/$name" ] || die "$backup/$name is missing: not a backup made by scripts/backup.sh"
done
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || die "the backup's files do not match SHA256SUMS"
echo "restore: checksums match ($backup)" >&2

# shellcheck source=scripts/_backup_lib.sh
source scripts/_backup_lib.sh
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set (the database to restore into)"
command -v pg_restore >/dev/null || die "pg_restore is not installed (Debian: apt-get install postgresql-client)"
pg_environment_from_url "$DATABASE_URL" || die "DATABASE_URL is not a PostgreSQL database"
[ -n "${PGDATABASE:-}" ] || die "DATABASE_URL names no database"
media_root=$(media_root_from_settings) || die "could not read MEDIA_ROOT from the settings ($python)"

# Check both targets before changing either.
exists=$(echo "SELECT 1 FROM pg_database WHERE datname = :'target'" |
    psql --no-psqlrc -At -v target="$PGDATABASE" --dbname=postgres) || die "cannot reach the database server"
if [ "$exists" = "1" ]; then
    tables=$(psql --no-psqlrc -At -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    [ "$tables" = "0" ] || die "database $PGDATABASE already holds $tables tables: restore into a new, empty database"
fi
if [ -d "$media_root" ] && [ -n "$(find "$media_root" -mindepth 1 -not -type d -print -quit)" ]; then
    die "MEDIA_ROOT ($media_root) already holds files: restore into an empty folder"
fi

if [ "$exists" != "1" ]; then
    createdb --maintenance-db=postgres "$PGDATABASE" || die "could not create database $PGDATABASE (create it, empty, and run again)"
    echo "restore: created database $PGDATABASE" >&2
fi
# One transaction: a restore that fails leaves the database empty, not half-filled.
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$PGDATABASE" "$backup/database.dump"
echo "restore: database restored into $PGDATABASE" >&2

mkdir -p "$media_root"
tar -C "$media_root" --no-same-owner -xzf "$backup/media.tar.gz"
echo "restore: $(find "$media_root" -type f | wc -l) files restored into $media_root" >&2

# A backup from an older release gets this code's migrations; one from this release has nothing to apply.
"$python" manage.py migrate --noinput
echo "restore: done. Check it: sign in, open a pupil's record and a stored PDF (docs/operations.md)." >&2
