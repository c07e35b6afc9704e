"""What the environment decides about sessions and database connections (README's configuration table)."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import safeguard

SETTINGS = Path(safeguard.__file__).with_name("settings.py")


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """Run the settings module afresh with the given environment; returns its names as a dict."""

    def load(**environment):
        for name in ("REDIS_URL", "DATABASE_URL", "DATABASE_CONN_MAX_AGE", "SESSION_IDLE_TIMEOUT", "DEBUG"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("SAFEGUARD_VAR_DIR", str(tmp_path))
        monkeypatch.setenv("CELERY_BROKER_URL", "memory://")
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load


def test_sessions_are_kept_in_the_database_without_redis(load_settings):
    settings = load_settings()

    assert settings["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_sessions_are_read_from_redis_and_kept_in_the_database_with_redis(load_settings):
    settings = load_settings(REDIS_URL="redis://redis:6379/0")

    assert settings["SESSION_ENGINE"] == "safeguard.accounts.sessions"
    assert settings["CACHES"]["default"]["LOCATION"] == "redis://redis:6379/0"


def test_database_connections_are_kept_for_a_minute_unless_configured(load_settings):
    database = load_settings(DATABASE_URL="postgres://safeguard@db:5432/safeguard")["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True

    closed = load_settings(DATABASE_URL="postgres://safeguard@db:5432/safeguard", DATABASE_CONN_MAX_AGE="0")
    assert closed["DATABASES"]["default"]["CONN_MAX_AGE"] == 0

    in_url = load_settings(DATABASE_URL="postgres://safeguard@db:5432/safeguard?conn_max_age=300")
    assert in_url["DATABASES"]["default"]["CONN_MAX_AGE"] == 300


def test_a_negative_connection_age_is_refused(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_CONN_MAX_AGE"):
        load_settings(DATABASE_CONN_MAX_AGE="-1")


def test_an_idle_timeout_shorter_than_five_minutes_is_refused(load_settings):
    with pytest.raises(ImproperlyConfigured, match="SESSION_IDLE_TIMEOUT"):
        load_settings(SESSION_IDLE_TIMEOUT="60")
