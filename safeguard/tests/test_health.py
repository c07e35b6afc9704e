"""``/healthz`` (safeguard/health.py): 200 when the database and the broker answer, 503 naming the one that does not;
no sign-in, no session, answered before the HTTPS redirect, host checks and the staff-agreement gate (issue 12, 5)."""

import json

import pytest
from django.db import OperationalError, connections
from django.urls import reverse

from aup.tests.factories import AgreementFactory

# Nothing listens on port 1: the connection is refused at once.
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def body(response):
    return json.loads(response.content)


@pytest.mark.django_db
def test_healthy_answers_200_with_a_short_json_body_and_no_cookie(client):
    response = client.get("/healthz")

    assert reverse("healthz") == "/healthz"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body(response) == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies, "a health check must not start a session"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_an_unreachable_broker_answers_503_naming_the_broker(client, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert body(response) == {"status": "unavailable", "database": "ok", "broker": "unavailable"}
    assert "127.0.0.1" not in response.text and "refused" not in response.text.lower()


@pytest.mark.django_db
def test_an_unreachable_database_answers_503_naming_the_database(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 failed: password authentication failed")

    monkeypatch.setattr(connections["default"], "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert body(response) == {"status": "unavailable", "database": "unavailable", "broker": "ok"}
    assert "password" not in response.text and "10.0.0.5" not in response.text


@pytest.mark.django_db
def test_answered_over_plain_http_for_any_host_with_production_security_on(client, settings):
    """docker-compose's healthcheck asks http://127.0.0.1:8000/healthz inside the container: with DEBUG off the rest of
    the site redirects to HTTPS and refuses hosts outside ALLOWED_HOSTS."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["safeguard.example.org"]

    assert client.get("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/", HTTP_HOST="safeguard.example.org").status_code == 301  # the rest of the site is redirected
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400  # and refuses other hosts


@pytest.mark.django_db
def test_a_member_of_staff_held_at_the_agreement_gate_still_gets_the_health_check(client, school, teacher):
    AgreementFactory(version__policy__school=school, audience="staff", title="Staff acceptable use agreement")
    client.force_login(teacher)
    assert client.get(reverse("home")).url.startswith(reverse("aup:staff_gate"))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert body(response)["status"] == "ok"


@pytest.mark.django_db
def test_only_get_and_head(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
