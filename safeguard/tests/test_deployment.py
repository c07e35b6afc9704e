"""The production stack as shipped (docker-compose.yml, deploy/): the web service is health-checked on /healthz, no
process starts before migrations, gunicorn's workers and timeout are set on purpose, Caddy terminates TLS, and the
X-Forwarded-Proto trust is on exactly where a proxy overwrites that header (issue 12 items 4 and 5).

``.ci/run`` also validates the file with ``docker-compose config -q``."""

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
APP_SERVICES = ["web", "worker", "beat"]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]


def command_line(service):
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(BASE_DIR / "deploy" / "systemd" / name)
    return parser


def test_web_is_health_checked_on_healthz(compose):
    check = compose["web"]["healthcheck"]

    assert "http://127.0.0.1:8000/healthz" in " ".join(check["test"])
    assert check["start_period"] and check["retries"] >= 1


def test_web_worker_and_beat_start_only_after_migrations_succeeded(compose):
    migrate = compose["migrate"]
    assert command_line(migrate) == "python manage.py migrate --noinput"
    assert migrate["restart"] == "no"  # a one-shot: it must not be restarted after it exits
    for name in APP_SERVICES:
        service = compose[name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in command_line(service), f"{name} must not migrate by itself"


def test_gunicorn_workers_and_timeout_are_set_on_purpose(compose):
    web = compose["web"]

    assert web["environment"]["WEB_CONCURRENCY"] == "${WEB_CONCURRENCY:-2}"
    assert re.search(r"--timeout[= ]60\b", command_line(web))
    assert "--timeout" in (BASE_DIR / "Dockerfile").read_text()
    assert "--timeout 60" in unit("safeguard-web.service")["Service"]["ExecStart"]


def test_caddy_terminates_tls_in_front_of_web(compose):
    caddy = compose["caddy"]

    assert caddy["image"].startswith("caddy:")
    assert "443:443" in caddy["ports"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert caddy["environment"]["SAFEGUARD_UPSTREAM"] == "web:8000"
    assert caddy["depends_on"]["web"] == {"condition": "service_healthy"}
    caddyfile = (BASE_DIR / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy {$SAFEGUARD_UPSTREAM:127.0.0.1:8000}" in caddyfile


def test_forwarded_proto_is_trusted_behind_caddy_and_not_by_default(compose):
    """Settings default: false (nothing in front may overwrite the header); compose and the bare-metal environment
    file, where Caddy always sets it: true, explicitly."""
    assert compose["web"]["environment"]["USE_X_FORWARDED_PROTO"] == "true"
    assert "USE_X_FORWARDED_PROTO=true" in (BASE_DIR / "deploy" / "safeguard.env.example").read_text()
    environment = {key: value for key, value in os.environ.items() if key != "USE_X_FORWARDED_PROTO"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))",
        ],
        cwd=BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "safeguard.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "None"


@pytest.mark.parametrize("name", ["safeguard-web.service", "safeguard-worker.service", "safeguard-beat.service"])
def test_each_systemd_unit_waits_for_migrations_and_reads_the_environment_file(name):
    parsed = unit(name)

    assert parsed["Unit"]["Requires"] == "safeguard-migrate.service"
    assert "safeguard-migrate.service" in parsed["Unit"]["After"]
    assert parsed["Service"]["EnvironmentFile"] == "/etc/safeguard/safeguard.env"
    assert parsed["Service"]["User"] == "safeguard"


def test_the_systemd_units_run_what_the_compose_services_run(compose):
    assert "manage.py migrate --noinput" in unit("safeguard-migrate.service")["Service"]["ExecStart"]
    assert unit("safeguard-migrate.service")["Service"]["Type"] == "oneshot"
    assert "gunicorn safeguard.wsgi:application" in unit("safeguard-web.service")["Service"]["ExecStart"]
    assert "celery -A safeguard worker" in unit("safeguard-worker.service")["Service"]["ExecStart"]
    beat = unit("safeguard-beat.service")["Service"]["ExecStart"]
    assert "celery -A safeguard beat" in beat and "DatabaseScheduler" in beat
    assert "DatabaseScheduler" in command_line(compose["beat"])
