"""Shared fixtures: a school with a person in every role (the personas of STYLE.md), and another school."""

import pytest

from safeguard.directory.models import Role
from safeguard.directory.tests import factories

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached figures (``safeguard.datacache``): they are keyed by school ids, which SQLite
    reuses after a rolled-back test and a new Postgres test database restarts."""
    from safeguard import datacache

    datacache.forget_all()
    yield
    datacache.forget_all()


def reset_broker_pools(app):
    """Forget the app's cached broker connections, so a changed ``broker_url`` takes effect."""
    # Only drop references: kombu keeps pools in a global registry keyed by connection, and closing one there
    # would break the next user of the same broker URL ("Acquire on closed pool").
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """Uploaded and generated files of a test go to its own temporary folder, never to var/."""
    from django.utils.functional import empty

    from aup.models import private_storage

    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty  # the lazy storage re-reads MEDIA_ROOT on next use
    yield
    private_storage._wrapped = empty


@pytest.fixture(autouse=True)
def _celery_memory_broker(monkeypatch):
    """Tasks queued by a test go to an in-memory broker unless the test asks for eager or real Celery."""
    from safeguard.celery import app

    # Celery prefers the CELERY_BROKER_URL environment variable to its configuration: without this, a shell that
    # exports it would send every test's tasks to that broker.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    previous = app.conf.broker_url, app.conf.task_always_eager
    if app.conf.broker_url != "memory://":
        app.conf.broker_url = "memory://"
        reset_broker_pools(app)
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous[1]
    if previous[0] != app.conf.broker_url:
        app.conf.broker_url = previous[0]
        reset_broker_pools(app)


@pytest.fixture
def celery_eager():
    """Run queued tasks at once, in the test's thread (only where a test says so)."""
    from safeguard.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def trust(db):
    return factories.OrganisationFactory(name="Demo Learning Trust", slug="demo-trust")


@pytest.fixture
def school(trust):
    return factories.SchoolFactory(organisation=trust, name="Demo Primary School", slug="demo-primary")


@pytest.fixture
def other_school(db):
    return factories.SchoolFactory(name="Elsewhere Primary School", slug="elsewhere")


def _staff(school, role, email):
    user = factories.UserFactory(email=email)
    factories.StaffRoleFactory(user=user, school=school, role=role)
    return user


@pytest.fixture
def office(school):
    return _staff(school, Role.OFFICE, "office@example.test")


@pytest.fixture
def teacher(school):
    return _staff(school, Role.TEACHER, "teacher@example.test")


@pytest.fixture
def dsl(school):
    return _staff(school, Role.DSL, "dsl@example.test")


@pytest.fixture
def deputy_dsl(school):
    return _staff(school, Role.DEPUTY_DSL, "deputy.dsl@example.test")


@pytest.fixture
def slt(school):
    return _staff(school, Role.SLT, "slt@example.test")


@pytest.fixture
def head(school):
    return _staff(school, Role.HEADTEACHER, "head@example.test")


@pytest.fixture
def governor(school):
    return _staff(school, Role.GOVERNOR, "governor@example.test")


@pytest.fixture
def trust_admin(trust):
    user = factories.UserFactory(email="trust@example.test")
    factories.OrganisationRoleFactory(user=user, organisation=trust)
    return user


@pytest.fixture
def other_school_dsl(other_school):
    return _staff(other_school, Role.DSL, "dsl@elsewhere.test")


@pytest.fixture
def pupil(school):
    year = factories.YearGroupFactory(school=school, code="Y3", name="Year 3", order=3)
    school_class = factories.SchoolClassFactory(school=school, year_group=year, name="3 Oak")
    return factories.PupilFactory(
        school=school, legal_first_name="Amara", legal_last_name="Whitfield", year_group=year, school_class=school_class
    )


@pytest.fixture
def guardian_link(pupil):
    return factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True)


@pytest.fixture
def parent(guardian_link):
    user = factories.UserFactory(email=guardian_link.guardian.email)
    guardian_link.guardian.user = user
    guardian_link.guardian.save()
    return user


@pytest.fixture
def other_pupil(other_school):
    return factories.PupilFactory(school=other_school, legal_first_name="Tobias", legal_last_name="Renshaw")
