"""Shared fixtures: a school with a person in every role (the personas of STYLE.md), and another school.

Every test runs with fast password hashing, e-mail kept in memory, its files in a temporary folder, Celery tasks
queued to an in-memory broker and a cache of its own run (see each fixture).

Data that many tests only read can be built once: a module- or class-scoped fixture builds it inside a transaction
rolled back after the last test of its module or class (each test then runs in a savepoint within it, so what one test
changes is undone before the next), wrapped in ``fixture_environment()`` so that it is made under the same settings,
with its personas from the ``make_*`` functions the persona fixtures use; its tests read its files with
``read_files_from``. Every test of the module or class sees that data, so keep such tests in a module or class of
their own (as the permission matrix is). Tests from any app that need the loaded demo share one: ``full_demo``.
"""

import contextlib
import dataclasses
import os
import uuid

import pytest
from django.test import override_settings

from safeguard.directory.models import Role
from safeguard.directory.tests import factories

PASSWORD = "correct-horse-battery"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _quiet_settings():
    """The settings every test runs with: a fast password hasher, e-mail kept in memory, plain static files."""
    from django.conf import settings

    return {
        "PASSWORD_HASHERS": FAST_HASHERS,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):
    for name, value in _quiet_settings().items():
        setattr(settings, name, value)


@pytest.fixture(scope="session", autouse=True)
def _cache_of_this_run():
    """Cache keys of this test run (and of this pytest-xdist worker) start with a prefix of their own.

    Each xdist worker has its own test database whose ids start again at 1, and several runs may share one Redis
    database (``REDIS_URL``): without the prefix one worker could be served figures (``safeguard.datacache``) or a
    session another worker stored under the same school or session id. At the end, this run's keys are deleted."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    prefix = f"test-{uuid.uuid4().hex[:8]}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    caches_with_prefix = {alias: {**conf, "KEY_PREFIX": prefix} for alias, conf in settings.CACHES.items()}
    with override_settings(CACHES=caches_with_prefix):
        yield
        for alias in caches_with_prefix:
            backend = caches[alias]
            if isinstance(backend, RedisCache):
                client = backend._cache.get_client(write=True)
                keys = list(client.scan_iter(match=f"{prefix}:*"))
                if keys:
                    client.delete(*keys)


@pytest.fixture(autouse=True)
def _no_language_left_over():
    """Each test starts and ends in the default language: a request that activates Turkish (or American English)
    would otherwise leave it active for the next test in the same thread."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached figures (``safeguard.datacache``): they are keyed by school ids, which SQLite
    reuses after a rolled-back test and a new Postgres test database restarts."""
    from safeguard import datacache

    datacache.forget_all()
    yield
    datacache.forget_all()


FULL_DEMO = "full_demo"  # the fixture of the tests that share one loaded demo (see ``_full_demo_once``)


def _uses_full_demo(item):
    return item is not None and FULL_DEMO in getattr(item, "fixturenames", ())


def _is_transactional(item):
    """Whether the test commits for real (pytest-django then empties the database after it). Such tests stay out of
    the groups: xdist runs the groups first, and the tests after them on the worker need the rows migrations made."""
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(item.fixturenames)
        or (marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )


def _builds_once(fixturedef):
    """Whether a fixture of this project (not of a plugin, such as pytest-django's class-scoped autouse fixture) is
    module- or class-scoped."""
    ours = bool(fixturedef.baseid) or getattr(fixturedef.func, "__module__", None) == __name__
    return ours and fixturedef.scope in ("class", "module")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Lets tests share data built once.

    The tests that use the loaded demo (``full_demo``, from any app) run one after another from where the first of
    them was collected, so that it is loaded once for all of them. With pytest-xdist's ``--dist loadgroup`` (as
    ``.ci/run`` runs the suite) they run on one worker, and so do the tests of each module that builds data once
    for the module or a class (a module- or class-scoped fixture, e.g. the permission matrix's world), rather than
    on every worker that gets a few of them."""
    demo_items = [item for item in items if _uses_full_demo(item)]
    if demo_items:
        first = items.index(demo_items[0])
        others = [item for item in items if not _uses_full_demo(item)]
        items[:] = others[:first] + demo_items + others[first:]
    for item in items:
        fixtureinfo = getattr(item, "_fixtureinfo", None)
        if fixtureinfo is None:
            continue
        if _uses_full_demo(item):
            item.add_marker(pytest.mark.xdist_group(FULL_DEMO))
        elif not _is_transactional(item) and any(
            _builds_once(definitions[-1]) for definitions in fixtureinfo.name2fixturedefs.values()
        ):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


class _XdistGroupIds:
    """pytest-xdist (3.8) runs the tests of an ``xdist_group`` on one worker by adding ``@<group>`` to each one's id
    (``item._nodeid``), which pytest 9 no longer reads: its id is ``item._id``. Adds the suffix there instead, only
    where it is missing, so an xdist that does it itself makes this do nothing."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        if not getattr(config.option, "loadgroup", False):  # set on xdist's workers under --dist loadgroup
            return
        try:
            from _pytest.nodeid import NodeId
        except ImportError:  # an older pytest, where xdist's own renaming works
            return
        for item in items:
            groups = {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
            suffix = "@" + "_".join(sorted(groups))
            if groups and not item.nodeid.endswith(suffix):
                item._id = NodeId.parse(item.nodeid + suffix)


def pytest_configure(config):
    config.pluginmanager.register(_XdistGroupIds(), "safeguard-xdist-group-ids")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test of a run of tests that use the loaded demo, roll it back (see ``_full_demo_once``)."""
    try:
        return (yield)
    finally:
        if _uses_full_demo(item) and not _uses_full_demo(nextitem):
            demo = item.config.stash.get(_FULL_DEMO_KEY, None)
            if demo is not None:
                demo.roll_back()


def reset_broker_pools(app):
    """Forget the app's cached broker connections, so a changed ``broker_url`` takes effect."""
    # Only drop references: kombu keeps pools in a global registry keyed by connection, and closing one there
    # would break the next user of the same broker URL ("Acquire on closed pool").
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def private_files_in(folder):
    """Uploaded and generated files go to ``folder`` (a ``Path``) for the duration (for module-scoped fixtures; a
    test's own files are handled by ``_private_files_in_tmp``)."""
    from django.utils.functional import empty

    from aup.models import private_storage

    with override_settings(MEDIA_ROOT=folder):
        private_storage._wrapped = empty  # the lazy storage re-reads MEDIA_ROOT on next use
        try:
            yield
        finally:
            private_storage._wrapped = empty


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """Uploaded and generated files of a test go to its own temporary folder, never to var/."""
    from django.utils.functional import empty

    from aup.models import private_storage

    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty  # the lazy storage re-reads MEDIA_ROOT on next use
    yield
    private_storage._wrapped = empty


def read_files_from(settings, folder):
    """Point the current test's files at ``folder`` (a ``Path``): for a test that reads the files of data built once
    by a module-scoped fixture under ``fixture_environment(folder)``, rather than its own temporary folder.
    ``settings`` is pytest-django's fixture (undone after the test)."""
    from django.utils.functional import empty

    from aup.models import private_storage

    settings.MEDIA_ROOT = folder
    private_storage._wrapped = empty  # the lazy storage re-reads MEDIA_ROOT on next use (and again after the test)


@contextlib.contextmanager
def celery_memory_broker():
    """Tasks queued for the duration go to an in-memory broker, and are not run at once."""
    from safeguard.celery import app

    with pytest.MonkeyPatch.context() as monkeypatch:
        # Celery prefers the CELERY_BROKER_URL environment variable to its configuration: without this, a shell that
        # exports it would send every test's tasks to that broker.
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
        previous = app.conf.broker_url, app.conf.task_always_eager
        if app.conf.broker_url != "memory://":
            app.conf.broker_url = "memory://"
            reset_broker_pools(app)
        app.conf.task_always_eager = False
        try:
            yield
        finally:
            app.conf.task_always_eager = previous[1]
            if previous[0] != app.conf.broker_url:
                app.conf.broker_url = previous[0]
                reset_broker_pools(app)


@pytest.fixture(autouse=True)
def _celery_memory_broker():
    """Tasks queued by a test go to an in-memory broker unless the test asks for eager or real Celery."""
    with celery_memory_broker():
        yield


@contextlib.contextmanager
def fixture_environment(media_root):
    """What the autouse fixtures above give each test, for data built once by a module-, class- or session-scoped
    fixture (which runs before them): the same settings, files under ``media_root`` (a ``Path``; the tests read them
    from there with ``read_files_from``) and the in-memory broker."""
    with override_settings(**_quiet_settings()), private_files_in(media_root), celery_memory_broker():
        yield


_FULL_DEMO_KEY = pytest.StashKey()


@dataclasses.dataclass
class DemoPart:
    """What one app's ``demo_content.load()`` did while the demo loaded: the summary lines it returned, how long it
    took (wall-clock seconds) and the Celery tasks queued meanwhile (the arguments of each ``apply_async``)."""

    lines: list
    seconds: float
    queued: list


@dataclasses.dataclass
class LoadedDemo:
    """The demo as ``manage.py load_demo`` loads it: what the command printed, and each app's part by app label."""

    output: str
    parts: dict


class _FullDemo:
    """``manage.py load_demo`` run once inside a transaction, for every test that uses ``full_demo``, and rolled
    back after the last of them (``pytest_runtest_teardown``). Those tests run one after another
    (``pytest_collection_modifyitems``), so no other test sees the demo; each runs in its own savepoint."""

    def __init__(self, django_db_blocker, media_root):
        self.django_db_blocker = django_db_blocker
        self.media_root = media_root
        self.loaded = None
        self._open = None

    def load(self):
        """The ``LoadedDemo``, loading it first if it is not loaded now."""
        if self._open is None:
            from django.db import transaction

            with contextlib.ExitStack() as stack:  # left open (``pop_all``) once the demo is loaded
                stack.enter_context(self.django_db_blocker.unblock())
                stack.enter_context(fixture_environment(self.media_root))
                stack.enter_context(transaction.atomic())
                try:
                    self.loaded = self._run_command()
                except BaseException:
                    transaction.set_rollback(True)  # nothing of a failed load may stay for other tests
                    raise
                self._open = stack.pop_all()
        return self.loaded

    def roll_back(self):
        """Undo the demo (nothing happens if it is not loaded now)."""
        if self._open is not None:
            from django.db import transaction

            transaction.set_rollback(True)
            self._open.close()
            self._open, self.loaded = None, None

    @staticmethod
    def _run_command():
        """Run ``manage.py load_demo`` with the default password, recording each app's part (``DemoPart``)."""
        import io
        import time
        from unittest import mock

        from celery.app.task import Task
        from django.core.management import call_command

        from safeguard.directory.management.commands.load_demo import feature_demo_modules

        parts = {}
        apply_async = Task.apply_async

        def recorded(label, load):
            def load_and_record(*args, **kwargs):
                queued = []

                def record(task, *task_args, **task_kwargs):
                    queued.append(task_args)
                    return apply_async(task, *task_args, **task_kwargs)

                with mock.patch.object(Task, "apply_async", record):
                    started = time.monotonic()
                    lines = load(*args, **kwargs)
                    seconds = time.monotonic() - started
                parts[label] = DemoPart(lines=lines, seconds=seconds, queued=queued)
                return lines

            return load_and_record

        out = io.StringIO()
        with contextlib.ExitStack() as patches, pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.delenv("DEMO_PASSWORD", raising=False)  # the default password, which the tests sign in with
            for label, module in feature_demo_modules():
                patches.enter_context(mock.patch.object(module, "load", recorded(label, module.load)))
            call_command("load_demo", stdout=out)
        return LoadedDemo(output=out.getvalue(), parts=parts)


@pytest.fixture(scope="session")
def _full_demo_once(request, django_db_setup, django_db_blocker, tmp_path_factory):
    demo = _FullDemo(django_db_blocker, tmp_path_factory.mktemp("demo-media"))
    request.config.stash[_FULL_DEMO_KEY] = demo
    yield demo
    demo.roll_back()


@pytest.fixture(scope="module")
def _full_demo_loaded(_full_demo_once):
    # Module-scoped so that it comes before ``db``: each test's savepoint must open inside the demo's transaction.
    return _full_demo_once.load()


@pytest.fixture
def full_demo(_full_demo_once, _full_demo_loaded, db):
    """The demo ``manage.py load_demo`` loads (a ``LoadedDemo``), loaded once for all the tests that use it — a test
    may change it freely: its changes are undone after it."""
    return _full_demo_once.load()


@pytest.fixture
def celery_eager():
    """Run queued tasks at once, in the test's thread (only where a test says so)."""
    from safeguard.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


# The personas. Each ``make_*`` function builds one the way its fixture does, for data built once (see the top).


def make_trust():
    return factories.OrganisationFactory(name="Demo Learning Trust", slug="demo-trust")


def make_school(trust):
    return factories.SchoolFactory(organisation=trust, name="Demo Primary School", slug="demo-primary")


def make_other_school():
    return factories.SchoolFactory(name="Elsewhere Primary School", slug="elsewhere")


STAFF_PERSONAS = {
    # fixture name: (role, e-mail)
    "office": (Role.OFFICE, "office@example.test"),
    "teacher": (Role.TEACHER, "teacher@example.test"),
    "dsl": (Role.DSL, "dsl@example.test"),
    "deputy_dsl": (Role.DEPUTY_DSL, "deputy.dsl@example.test"),
    "slt": (Role.SLT, "slt@example.test"),
    "head": (Role.HEADTEACHER, "head@example.test"),
    "governor": (Role.GOVERNOR, "governor@example.test"),
}


def make_staff(school, role, email):
    user = factories.UserFactory(email=email)
    factories.StaffRoleFactory(user=user, school=school, role=role)
    return user


def make_persona(school, name):
    """The staff persona ``name`` (a key of ``STAFF_PERSONAS``) at ``school``."""
    return make_staff(school, *STAFF_PERSONAS[name])


def make_trust_admin(trust):
    user = factories.UserFactory(email="trust@example.test")
    factories.OrganisationRoleFactory(user=user, organisation=trust)
    return user


def make_other_school_dsl(other_school):
    return make_staff(other_school, Role.DSL, "dsl@elsewhere.test")


def make_pupil(school):
    year = factories.YearGroupFactory(school=school, code="Y3", name="Year 3", order=3)
    school_class = factories.SchoolClassFactory(school=school, year_group=year, name="3 Oak")
    return factories.PupilFactory(
        school=school, legal_first_name="Amara", legal_last_name="Whitfield", year_group=year, school_class=school_class
    )


def make_guardian_link(pupil):
    return factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True)


def make_parent(guardian_link):
    user = factories.UserFactory(email=guardian_link.guardian.email)
    guardian_link.guardian.user = user
    guardian_link.guardian.save()
    return user


def make_other_pupil(other_school):
    return factories.PupilFactory(school=other_school, legal_first_name="Tobias", legal_last_name="Renshaw")


@pytest.fixture
def trust(db):
    return make_trust()


@pytest.fixture
def school(trust):
    return make_school(trust)


@pytest.fixture
def other_school(db):
    return make_other_school()


@pytest.fixture
def office(school):
    return make_persona(school, "office")


@pytest.fixture
def teacher(school):
    return make_persona(school, "teacher")


@pytest.fixture
def dsl(school):
    return make_persona(school, "dsl")


@pytest.fixture
def deputy_dsl(school):
    return make_persona(school, "deputy_dsl")


@pytest.fixture
def slt(school):
    return make_persona(school, "slt")


@pytest.fixture
def head(school):
    return make_persona(school, "head")


@pytest.fixture
def governor(school):
    return make_persona(school, "governor")


@pytest.fixture
def trust_admin(trust):
    return make_trust_admin(trust)


@pytest.fixture
def other_school_dsl(other_school):
    return make_other_school_dsl(other_school)


@pytest.fixture
def pupil(school):
    return make_pupil(school)


@pytest.fixture
def guardian_link(pupil):
    return make_guardian_link(pupil)


@pytest.fixture
def parent(guardian_link):
    return make_parent(guardian_link)


@pytest.fixture
def other_pupil(other_school):
    return make_other_pupil(other_school)
