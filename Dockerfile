# Safeguard's production image: gunicorn serving Django (static files through WhiteNoise); the same image runs the
# Celery worker and beat (see docker-compose.yml).
# Front-end libraries from the npm registry (signature pad), copied into the image's node_modules/.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SAFEGUARD_VAR_DIR=/app/var

# WeasyPrint's libraries (Pango, HarfBuzz), MIME data, a font with Turkish letters for PDFs, gettext for
# compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libffi-dev shared-mime-info gettext fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
COPY --from=assets /assets/node_modules ./node_modules
# Build-time only: settings refuse DEBUG=false with the demo key, and collectstatic needs neither a database nor
# the real secret.
RUN DEBUG=false SECRET_KEY=build-time-only-not-a-secret-0123456789-abcdefghijklmnop \
        python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv -v 0 \
    && useradd --system --create-home --uid 10001 safeguard \
    && mkdir -p /app/var/media \
    && chown -R safeguard:safeguard /app/var

USER safeguard
EXPOSE 8000
# Workers: gunicorn reads WEB_CONCURRENCY (default 1); set it to about 2 × CPU cores. --timeout 60: see the web
# service in docker-compose.yml for why.
CMD ["gunicorn", "safeguard.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "60", "--access-logfile", "-", "--forwarded-allow-ips", "*"]
