"""A kind's ``on_ready`` (issue 18 item 2): called once when the worker marks a request ready, and at once when a
request is served from a file built before — so a feature can keep the file's SHA-256 on a record of its own."""

import dataclasses

import pytest

from safeguard import permissions
from safeguard.jobs import prepared as service
from safeguard.jobs.models import PreparedFile

KIND = "jobs_tests.on_ready"
on_ready_calls = []  # (pk, status, sha256) of each call to on_ready


def _build(prepared):
    return b"%PDF-1.4 on ready " + prepared.params["name"].encode()


def _crash(prepared):
    raise RuntimeError("the layout engine ran out of memory")


service.register(
    service.PreparedKind(
        name=KIND,
        build=_build,
        may_have=lambda user, prepared: permissions.can(user, permissions.MANAGE_AGREEMENTS, prepared.school),
        requested_action="jobs.prepared_file.built",  # any labelled action will do for the tests
        downloaded_action="jobs.prepared_file.built",
        on_ready=lambda prepared: on_ready_calls.append((prepared.pk, prepared.status, prepared.sha256)),
    )
)


@pytest.fixture(autouse=True)
def _nothing_ready_yet():
    on_ready_calls.clear()


def _ask(user, school):
    return service.prepare(
        kind=KIND, school=school, actor=user, params={"name": "4 Ash"}, title="Sample", inputs={"v": 1}
    )


@pytest.mark.django_db
def test_on_ready_is_called_once_when_the_worker_has_built_the_file(school, office):
    prepared, _queued = _ask(office, school)
    assert on_ready_calls == []

    built = service.build(prepared_id=prepared.pk)
    service.build(prepared_id=prepared.pk)  # the task run twice

    assert on_ready_calls == [(prepared.pk, PreparedFile.Status.READY, built.sha256)]


@pytest.mark.django_db
def test_on_ready_is_called_at_once_for_a_file_built_before(school, office, head):
    first, _queued = _ask(office, school)
    built = service.build(prepared_id=first.pk)
    on_ready_calls.clear()

    reused, queued = _ask(head, school)

    assert not queued and reused.reused
    assert on_ready_calls == [(reused.pk, PreparedFile.Status.READY, built.sha256)]


@pytest.mark.django_db
def test_on_ready_is_not_called_for_a_file_that_failed(monkeypatch, school, office):
    prepared, _queued = _ask(office, school)
    monkeypatch.setitem(service.KINDS, KIND, dataclasses.replace(service.KINDS[KIND], build=_crash))

    failed = service.build(prepared_id=prepared.pk)

    assert failed.status == PreparedFile.Status.FAILED and on_ready_calls == []
