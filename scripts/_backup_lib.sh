# Shared by scripts/backup.sh and scripts/restore.sh (sourced, not run).

# Export libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE from a postgres:// URL (DATABASE_URL), so the
# password never appears on a command line (`ps` shows those to every user of the host).
pg_environment_from_url() {
    local exports
    exports=$("$python" - "$1" <<'PY'
import shlex
import sys
from urllib.parse import unquote, urlsplit

url = urlsplit(sys.argv[1])
if url.scheme not in ("postgres", "postgresql"):
    sys.exit(f"not a PostgreSQL URL: {url.scheme}://…")
values = {
    "PGHOST": unquote(url.hostname or ""),
    "PGPORT": str(url.port or ""),
    "PGUSER": unquote(url.username or ""),
    "PGPASSWORD": unquote(url.password or ""),
    "PGDATABASE": unquote(url.path.lstrip("/")),
}
for name, value in values.items():
    if value:
        print(f"export {name}={shlex.quote(value)}")
PY
    ) || return 1
    eval "$exports"
}

# MEDIA_ROOT as the app sees it (the same environment, the same defaults).
media_root_from_settings() {
    DJANGO_SETTINGS_MODULE=safeguard.settings "$python" -c \
        'import django; django.setup(); from django.conf import settings; print(settings.MEDIA_ROOT)' | tail -n 1
}
