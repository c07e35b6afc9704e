"""``/healthz``: is this web process able to serve — can it reach the database and the Celery broker?

Answers 200 ``{"status": "ok", "database": "ok", "broker": "ok"}`` when both answer, and 503 with the one that
failed marked ``"unavailable"`` otherwise (the reason goes to the log, never to the caller). It needs no sign-in and
shows nothing about the school or its records. docker-compose's healthcheck for ``web`` calls it
(docker-compose.yml), and so can a load balancer or an uptime monitor (docs/operations.md).

``HealthCheckMiddleware`` sits first in ``MIDDLEWARE`` and answers the path itself, before host validation, the HTTPS
redirect, sessions and the staff-agreement gate: the container's own check asks ``http://127.0.0.1:8000/healthz``
over plain HTTP with a Host that is not in ``ALLOWED_HOSTS``, and a health check must neither make a session nor be
sent to sign an agreement. The URL is also routed (``safeguard/urls.py``, name ``healthz``) so it can be reversed and
still answers where the middleware is not installed.
"""

import json
import logging

from django.conf import settings
from django.db import connections
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

from safeguard.middleware import PERMISSIONS_POLICY

logger = logging.getLogger(__name__)

HEALTHZ_PATH = "/healthz"
# Seconds to wait for the broker: the whole check must finish well within docker-compose's healthcheck timeout.
BROKER_TIMEOUT = 2


def database_ok():
    """True when the default database answers ``SELECT 1``."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("Health check: the database did not answer", exc_info=True)
        return False


def broker_ok():
    """True when a connection to ``CELERY_BROKER_URL`` opens (Redis in production; the demo's filesystem broker
    needs no server). Gives up after ``BROKER_TIMEOUT`` seconds and does not retry."""
    options = {"socket_connect_timeout": BROKER_TIMEOUT}
    options.update(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT,
            transport_options=options,
        ) as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
            return True
    except Exception:
        logger.warning("Health check: the broker did not answer", exc_info=True)
        return False


@require_safe
@never_cache
def healthz(request):
    """200 when the database and the broker answer, 503 naming the one that did not. GET or HEAD; no sign-in."""
    checks = {
        "database": "ok" if database_ok() else "unavailable",
        "broker": "ok" if broker_ok() else "unavailable",
    }
    healthy = all(state == "ok" for state in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    response = HttpResponse(json.dumps(body), content_type="application/json", status=200 if healthy else 503)
    # The middleware that adds these to every other response is skipped (see the module docstring): the same promise
    # holds here, with the strictest policy, since this body is data and loads nothing.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response["Permissions-Policy"] = PERMISSIONS_POLICY
    return response


class HealthCheckMiddleware:
    """Answers ``/healthz`` before every other middleware (see the module docstring for why)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTHZ_PATH:
            return healthz(request)
        return self.get_response(request)
