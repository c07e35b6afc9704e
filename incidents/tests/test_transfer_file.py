"""A child protection file transfer is recorded at once; the worker prepares the file and its SHA-256 is kept with the
transfer when ready (issue 18 item 2). A crash loses nothing: the transfer stays, its page says the file failed and
offers to prepare it again."""

import datetime
import hashlib
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import documents
from incidents.models import DSLNote, FileTransfer, Incident, IncidentCategory, IncidentPupil
from incidents.services_transfers import file_transfer_prepare, file_transfer_record, transfer_file_failed
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.jobs import prepared as prepared_files
from safeguard.jobs.models import PreparedFile


def _login(client, user):
    client.force_login(user)
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()
    return client


@pytest.fixture
def concern(school, teacher, pupil, dsl):
    incident = Incident.objects.create(
        school=school,
        recorded_by=teacher,
        occurred_at=timezone.now() - datetime.timedelta(days=3),
        description="Said there is no food at home",
        location="playground",
        is_safeguarding=True,
    )
    incident.categories.set([IncidentCategory.objects.get(school=school, code="neglect")])
    IncidentPupil.objects.create(incident=incident, pupil=pupil, role=IncidentPupil.Role.SUBJECT)
    DSLNote.objects.create(incident=incident, author=dsl, text="Spoke to early help coordinator")
    return incident


def _details(**changes):
    details = {
        "destination_school": "Hilltop Primary",
        "destination_dsl": "J. Sharma",
        "method": "Secure e-mail",
        "sent_at": timezone.now() - datetime.timedelta(days=1),
    }
    details.update(changes)
    return details


def _form(**changes):
    sent = timezone.localtime(timezone.now() - datetime.timedelta(days=1), datetime.UTC)
    return {
        "destination_school": "Hilltop Primary",
        "destination_dsl": "J. Sharma",
        "destination_email": "dsl@hilltop.example.test",
        "method": "Secure e-mail",
        "sent_at": sent.strftime("%Y-%m-%dT%H:%M"),
        **changes,
    }


def _transfers_page(client, school, pupil):
    return client.get(reverse("incidents:pupil_transfers", args=[school.slug, pupil.public_id])).content.decode()


@pytest.mark.django_db
def test_a_transfer_is_recorded_at_once_and_keeps_the_files_sha256_when_the_worker_finishes(
    client, school, dsl, pupil, concern
):
    transfer = file_transfer_record(actor=dsl, pupil=pupil, **_details())

    # Recorded at once: the file is asked of the worker, not built in the request.
    prepared = transfer.prepared_file
    assert (prepared.kind, prepared.status, prepared.requested_by) == ("incidents.cp_file", "pending", dsl)
    assert transfer.file_sha256 == ""
    recorded = AuditEvent.objects.get(action="incidents.file_transfer.recorded")
    assert (recorded.actor, recorded.subject_id) == (dsl, str(pupil.public_id))
    assert recorded.data == {
        "pupil": str(pupil.public_id),
        "transfer": str(transfer.public_id),
        "file": str(prepared.public_id),
        "sha256": "",
    }
    page = _transfers_page(_login(client, dsl), school, pupil)
    assert "The file is being prepared" in page and "could not be prepared" not in page

    built = prepared_files.build(prepared_id=prepared.pk)  # the worker

    transfer.refresh_from_db()
    assert built.status == PreparedFile.Status.READY
    assert transfer.file_sha256 == built.sha256 and len(built.sha256) == 64
    with built.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == transfer.file_sha256
    history = list(transfer.history.order_by("history_date", "history_id"))
    assert [(row.history_type, row.file_sha256, row.history_user) for row in history] == [
        ("+", "", dsl),
        ("~", built.sha256, dsl),
    ]
    assert AuditEvent.objects.filter(action="jobs.prepared_file.built", data__sha256=built.sha256).exists()
    page = _transfers_page(client, school, pupil)
    assert built.sha256 in page and "The file is being prepared" not in page
    assert reverse("jobs:prepared_file", args=[school.slug, built.public_id]) in page
    download = client.get(reverse("jobs:prepared_file_download", args=[school.slug, built.public_id]))
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == transfer.file_sha256
    assert AuditEvent.objects.get(action="incidents.cp_file.downloaded").data["sha256"] == transfer.file_sha256

    assert prepared_files.build(prepared_id=prepared.pk) is None  # a second run of the task changes nothing
    assert transfer.history.count() == 2


@pytest.mark.django_db
def test_recording_through_the_page_with_the_worker_running(
    client, school, dsl, pupil, concern, celery_eager, django_capture_on_commit_callbacks
):
    _login(client, dsl)
    url = reverse("incidents:pupil_transfers", args=[school.slug, pupil.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _form())
    assert response.status_code == 302
    transfer = FileTransfer.objects.get()
    assert len(transfer.file_sha256) == 64 and transfer.prepared_file.status == PreparedFile.Status.READY
    assert transfer.file_sha256 in _transfers_page(client, school, pupil)


@pytest.mark.django_db
def test_the_file_the_dsl_prepared_already_is_the_one_whose_sha256_is_kept(school, dsl, pupil, concern):
    asked, _queued = documents.cp_file_request(school=school, pupil=pupil, actor=dsl)
    built = prepared_files.build(prepared_id=asked.pk)  # prepared, downloaded and sent by the DSL

    transfer = file_transfer_record(actor=dsl, pupil=pupil, **_details())

    assert transfer.prepared_file == built and transfer.file_sha256 == built.sha256
    assert AuditEvent.objects.get(action="incidents.file_transfer.recorded").data["sha256"] == built.sha256
    assert PreparedFile.objects.count() == 1  # nothing built again


@pytest.mark.django_db
def test_a_crash_of_the_worker_leaves_the_transfer_and_the_page_offers_to_prepare_the_file_again(
    monkeypatch, client, school, dsl, pupil, concern, celery_eager, django_capture_on_commit_callbacks
):
    def crash(**kwargs):
        raise MemoryError("the layout engine ran out of memory")

    monkeypatch.setattr(documents, "cp_file_pdf", crash)
    _login(client, dsl)
    url = reverse("incidents:pupil_transfers", args=[school.slug, pupil.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _form())

    assert response.status_code == 302
    transfer = FileTransfer.objects.get()  # nothing lost
    assert transfer.file_sha256 == "" and transfer.prepared_file.status == PreparedFile.Status.FAILED
    assert AuditEvent.objects.filter(action="incidents.file_transfer.recorded").count() == 1
    assert AuditEvent.objects.filter(action="jobs.prepared_file.failed").count() == 1
    page = _transfers_page(client, school, pupil)
    assert "The file could not be prepared" in page and "Hilltop Primary" in page
    again = reverse("incidents:transfer_prepare", args=[school.slug, transfer.public_id])
    assert f'action="{again}"' in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(again)

    assert response.status_code == 302
    assert response["Location"] == url
    transfer.refresh_from_db()
    assert transfer.prepared_file.status == PreparedFile.Status.READY and transfer.file_sha256
    assert transfer.file_sha256 == transfer.prepared_file.sha256
    assert PreparedFile.objects.filter(status=PreparedFile.Status.FAILED).count() == 1  # the failed request kept
    assert transfer.history.first().history_user == dsl
    assert "The file could not be prepared" not in _transfers_page(client, school, pupil)


@pytest.mark.django_db
def test_preparing_again_is_for_a_failed_or_lost_file_only(school, dsl, slt, pupil, concern):
    transfer = file_transfer_record(actor=dsl, pupil=pupil, **_details())
    waiting = transfer.prepared_file
    with pytest.raises(PermissionError):
        file_transfer_prepare(actor=slt, transfer=transfer)

    assert not transfer_file_failed(transfer)
    assert file_transfer_prepare(actor=dsl, transfer=transfer).prepared_file == waiting  # still being prepared
    assert transfer.history.count() == 1

    # A worker lost mid-way leaves the file "being prepared" past STALE_AFTER: that counts as failed.
    long_ago = timezone.now() - prepared_files.STALE_AFTER - datetime.timedelta(minutes=1)
    PreparedFile.objects.filter(pk=waiting.pk).update(status=PreparedFile.Status.BUILDING, created_at=long_ago)
    transfer.refresh_from_db()
    assert transfer_file_failed(transfer)

    transfer = file_transfer_prepare(actor=dsl, transfer=transfer)

    assert transfer.prepared_file != waiting and transfer.prepared_file.status == PreparedFile.Status.PENDING
    waiting.refresh_from_db()
    assert waiting.status == PreparedFile.Status.FAILED  # marked stale when asked again
    assert prepared_files.build(prepared_id=transfer.prepared_file.pk).status == PreparedFile.Status.READY
    transfer.refresh_from_db()
    assert transfer.file_sha256 == transfer.prepared_file.sha256
    assert file_transfer_prepare(actor=dsl, transfer=transfer).file_sha256 == transfer.file_sha256  # nothing to do


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["slt", "teacher", "other_school_dsl"])
def test_only_the_dsl_team_asks_again(request, client, school, dsl, pupil, persona):
    transfer = FileTransfer.objects.create(
        pupil=pupil,
        school=school,
        destination_school="Hilltop",
        destination_dsl="J",
        method="By hand",
        sent_at=timezone.now() - datetime.timedelta(days=1),
        sent_by=dsl,
    )
    _login(client, request.getfixturevalue(persona))
    response = client.post(reverse("incidents:transfer_prepare", args=[school.slug, transfer.public_id]))
    assert response.status_code == 404
    assert not PreparedFile.objects.exists()
