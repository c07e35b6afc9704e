"""Files prepared by the worker (issue 18 item 2; issue 17 item 8): what the person who asked sees while it is built,
that only they may download it (and only while they may), that the same content is built once and kept under its
SHA-256, that a crash leaves a failed request and no file, and a class's signed agreements as one zip."""

import datetime
import hashlib
import io
import zipfile

import pytest
from django.core import mail
from django.urls import reverse

from aup import services as aup_services
from aup.documents import current_signed_document
from aup.models import SignatureRequest
from aup.tests.factories import pupil_agreement
from safeguard import permissions
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import StaffRole
from safeguard.directory.tests import factories
from safeguard.jobs import prepared as service
from safeguard.jobs.models import OutboxTask, PreparedFile

TEST_KIND = "jobs_tests.sample"
FAILING_KIND = "jobs_tests.failing"
BUILDS = []


def _build(prepared):
    BUILDS.append(prepared.pk)
    return b"%PDF-1.4 sample for " + prepared.params["name"].encode()


def _crash(prepared):
    raise RuntimeError("the layout engine ran out of memory")


def _may_have(user, prepared):
    return permissions.can(user, permissions.MANAGE_AGREEMENTS, prepared.school)


for name, builder in ((TEST_KIND, _build), (FAILING_KIND, _crash)):
    service.register(
        service.PreparedKind(
            name=name,
            build=builder,
            may_have=_may_have,
            requested_action="jobs.prepared_file.built",  # any labelled action will do for the tests
            downloaded_action="jobs.prepared_file.built",
        )
    )


def _ask(user, school, *, kind=TEST_KIND, name="4 Ash", version=1):
    return service.prepare(
        kind=kind, school=school, actor=user, params={"name": name}, title=f"Sample {name}", inputs={"v": version}
    )


def _page(school, prepared):
    return reverse("jobs:prepared_file", args=[school.slug, prepared.public_id])


def _download(school, prepared):
    return reverse("jobs:prepared_file_download", args=[school.slug, prepared.public_id])


@pytest.fixture(autouse=True)
def _no_builds_yet():
    BUILDS.clear()


@pytest.mark.django_db
def test_the_page_says_being_prepared_and_reloads_itself_until_the_worker_has_built_it(client, school, office):
    prepared, queued = _ask(office, school)
    assert queued and prepared.status == PreparedFile.Status.PENDING
    assert OutboxTask.objects.filter(task_name="safeguard.jobs.tasks.build_prepared_file").count() == 1
    client.force_login(office)

    page = client.get(_page(school, prepared))

    assert page.status_code == 200 and page["Refresh"] == str(service.REFRESH_SECONDS)
    body = page.content.decode()
    assert 'role="status"' in body and "Your file is being prepared." in body
    assert "Reload this page" in body  # no JavaScript needed
    assert client.get(_download(school, prepared)).status_code == 404  # nothing to download yet

    service.build(prepared_id=prepared.pk)

    page = client.get(_page(school, prepared))
    assert "Refresh" not in page and "Your file is ready." in page.content.decode()
    response = client.get(_download(school, prepared))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 sample for 4 Ash"
    assert response["Content-Disposition"].startswith('attachment; filename="sample-4-ash.pdf"')


@pytest.mark.django_db
def test_the_file_is_kept_under_its_sha256_and_a_second_request_for_the_same_content_reuses_it(school, office, head):
    first, _queued = _ask(office, school)
    service.build(prepared_id=first.pk)
    first.refresh_from_db()
    expected = hashlib.sha256(b"%PDF-1.4 sample for 4 Ash").hexdigest()
    assert first.sha256 == expected and first.file.name == f"prepared/{expected[:2]}/{expected}.pdf"

    again, queued_again = _ask(office, school)  # the same person, nothing changed: their request back
    by_head, queued_for_head = _ask(head, school)  # someone else, same content: the file already built
    changed, queued_changed = _ask(office, school, version=2)  # an input changed: built anew

    assert (again.pk, queued_again) == (first.pk, False)
    assert not queued_for_head and by_head.status == PreparedFile.Status.READY and by_head.reused
    assert by_head.file.name == first.file.name and by_head.requested_by == head
    assert queued_changed and changed.status == PreparedFile.Status.PENDING
    assert [first.pk] == BUILDS
    requested = AuditEvent.objects.filter(action="jobs.prepared_file.built", actor__isnull=False)
    assert requested.count() == 4  # each request is audited, reused or not


@pytest.mark.django_db
def test_building_twice_builds_once_and_the_ready_email_goes_once(
    school, office, celery_eager, django_capture_on_commit_callbacks
):
    prepared, _queued = _ask(office, school)
    with django_capture_on_commit_callbacks(execute=True):
        service.build(prepared_id=prepared.pk)
    assert service.build(prepared_id=prepared.pk) is None  # nothing left to claim
    from safeguard.jobs.tasks import send_prepared_file_ready

    assert send_prepared_file_ready.apply(args=[prepared.pk]).get() == 0  # already e-mailed
    assert [prepared.pk] == BUILDS
    [message] = mail.outbox
    assert message.to == [office.email] and "is ready" in message.subject
    assert _page(school, prepared) in message.body
    assert "4 Ash" not in message.body  # the e-mail names nothing of what is in the file


@pytest.mark.django_db
def test_a_crash_in_the_task_leaves_the_request_failed_with_a_message_and_no_file(client, school, office):
    prepared, _queued = _ask(office, school, kind=FAILING_KIND)

    service.build(prepared_id=prepared.pk)

    prepared.refresh_from_db()
    assert prepared.status == PreparedFile.Status.FAILED
    assert "RuntimeError: the layout engine ran out of memory" in prepared.error
    assert not prepared.file and not prepared.sha256
    client.force_login(office)
    body = client.get(_page(school, prepared)).content.decode()
    assert "Your file could not be prepared." in body and 'role="status"' in body
    assert client.get(_download(school, prepared)).status_code == 404
    assert AuditEvent.objects.filter(action="jobs.prepared_file.failed", subject_id=str(prepared.public_id)).exists()
    again, queued = _ask(office, school, kind=FAILING_KIND)  # asking again tries again
    assert queued and again.pk != prepared.pk


@pytest.mark.django_db
def test_a_half_written_file_under_the_same_name_is_replaced_not_served(school, office):
    data = b"%PDF-1.4 sample for 4 Ash"
    sha256 = hashlib.sha256(data).hexdigest()
    storage = PreparedFile._meta.get_field("file").storage
    storage.save(f"prepared/{sha256[:2]}/{sha256}.pdf", io.BytesIO(data[:5]))  # a crash left half of it

    name, digest = service.store(data, extension="pdf", storage=storage)

    assert digest == sha256
    with storage.open(name, "rb") as handle:
        assert handle.read() == data


@pytest.mark.django_db
def test_only_the_person_who_asked_downloads_it_and_only_while_they_may(client, school, office, head, other_school_dsl):
    prepared, _queued = _ask(office, school)
    service.build(prepared_id=prepared.pk)
    for someone in (head, other_school_dsl):  # another person of the school, or of another school
        client.force_login(someone)
        assert client.get(_page(school, prepared)).status_code == 404
        assert client.get(_download(school, prepared)).status_code == 404
    client.force_login(office)
    assert client.get(_download(school, prepared)).status_code == 200
    assert AuditEvent.objects.filter(action="jobs.prepared_file.built", actor=office).count() == 2  # asked, downloaded

    StaffRole.objects.filter(user=office, school=school).update(ended_on=school.today() - datetime.timedelta(days=1))
    client.force_login(office)  # a new session: roles are read again

    assert client.get(_download(school, prepared)).status_code == 404


@pytest.mark.django_db
def test_a_request_for_someone_who_may_no_longer_have_it_fails_at_build(school, office):
    prepared, _queued = _ask(office, school)
    StaffRole.objects.filter(user=office, school=school).update(ended_on=school.today() - datetime.timedelta(days=1))
    built = service.build(prepared_id=prepared.pk)

    assert built.status == PreparedFile.Status.FAILED and built.error.startswith("forbidden")
    assert BUILDS == []


# A class's signed agreements as one zip (issue 17 item 8) ---------------------------------------------------------


@pytest.fixture
def signed_class(school, office):
    """Class 4 Ash: two pupils signed on paper, one not yet; a pupil of 4 Oak signed too."""
    factories.AcademicYearFactory(school=school)
    agreement = pupil_agreement(school, title="Pupil acceptable use agreement")
    year = factories.YearGroupFactory(school=school, code="Y4", name="Year 4", order=4)
    ash = factories.SchoolClassFactory(school=school, year_group=year, name="4 Ash")
    oak = factories.SchoolClassFactory(school=school, year_group=year, name="4 Oak")

    def pupil(first, last, school_class, signed):
        child = factories.PupilFactory(
            school=school, year_group=year, school_class=school_class, legal_first_name=first, legal_last_name=last
        )
        request, _created = aup_services.signature_request_open(
            actor=office, agreement=agreement, school=school, pupil=child
        )
        if signed:
            aup_services.paper_return_record(
                actor=office,
                request=request,
                returned_on=school.today(),
                returned_by="Parent",
                names={"pupil": f"{first} {last}", "parent": f"Parent of {first}"},
            )
        return child

    pupils = [
        pupil("Amara", "Whitfield", ash, True),
        pupil("Ben", "Okafor", ash, True),
        pupil("Cara", "Lind", ash, False),
        pupil("Dan", "Moss", oak, True),
    ]
    return agreement, ash, pupils


def _zip_url(school, agreement, school_class):
    return reverse("aup:class_zip", args=[school.slug, agreement.public_id, school_class.pk])


@pytest.mark.django_db
def test_the_class_zip_holds_exactly_the_class_s_current_signed_pdfs_named_by_pupil_and_agreement(
    client, school, office, signed_class, celery_eager, django_capture_on_commit_callbacks
):
    agreement, ash, _pupils = signed_class
    client.force_login(office)
    url = _zip_url(school, agreement, ash)
    page = client.get(url)
    assert page.status_code == 200 and "signed PDFs of 2 pupils" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    prepared = PreparedFile.objects.get(kind="aup.class_zip")
    assert response["Location"] == _page(school, prepared)
    download = client.get(_download(school, prepared))

    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(archive.namelist()) == [
        "amara-whitfield-pupil-acceptable-use-agreement.pdf",
        "ben-okafor-pupil-acceptable-use-agreement.pdf",
    ]
    for request in SignatureRequest.objects.filter(agreement=agreement, pupil__school_class=ash, status="completed"):
        document = current_signed_document(request)
        name = f"{request.pupil.display_name.lower().replace(' ', '-')}-pupil-acceptable-use-agreement.pdf"
        assert hashlib.sha256(archive.read(name)).hexdigest() == document.sha256  # the stored copy, as it is
    assert AuditEvent.objects.filter(action="aup.class_zip.requested", actor=office).count() == 1
    assert AuditEvent.objects.filter(action="aup.class_zip.downloaded", actor=office).count() == 1


@pytest.mark.django_db
def test_asking_for_the_class_zip_again_unchanged_reuses_it(school, office, signed_class):
    from aup.documents import class_zip_request

    agreement, ash, _pupils = signed_class
    first, queued = class_zip_request(agreement=agreement, school=school, school_class=ash, actor=office)
    again, queued_again = class_zip_request(agreement=agreement, school=school, school_class=ash, actor=office)
    assert queued and not queued_again and again.pk == first.pk


@pytest.mark.django_db
def test_another_school_s_class_or_a_teacher_gets_404(client, school, office, teacher, signed_class, other_school):
    agreement, ash, _pupils = signed_class
    elsewhere = factories.SchoolClassFactory(school=other_school, name="4 Ash")
    client.force_login(office)
    assert client.get(_zip_url(school, agreement, elsewhere)).status_code == 404
    assert client.post(_zip_url(school, agreement, elsewhere)).status_code == 404
    assert client.get(_zip_url(other_school, agreement, elsewhere)).status_code == 404
    client.force_login(teacher)
    assert client.get(_zip_url(school, agreement, ash)).status_code == 404
    assert not PreparedFile.objects.exists()


@pytest.mark.django_db
def test_a_class_with_no_signed_copy_says_so(client, school, office, signed_class):
    agreement, _ash, _pupils = signed_class
    empty = factories.SchoolClassFactory(school=school, name="4 Elm")
    client.force_login(office)
    response = client.post(_zip_url(school, agreement, empty))
    assert response.status_code == 400
    assert "Nobody in this class has signed this agreement yet." in response.content.decode()
    assert not PreparedFile.objects.exists()


@pytest.mark.django_db
def test_the_coverage_page_offers_each_class_with_signed_copies_its_zip(client, school, office, signed_class):
    agreement, ash, _pupils = signed_class
    client.force_login(office)
    page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id])).content.decode()
    assert _zip_url(school, agreement, ash) in page
