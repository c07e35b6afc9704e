"""Signed PDFs, their verification, downloads and printable blank forms."""

import base64
import datetime
import hashlib
import io

import pytest
import segno
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageChops
from pypdf import PdfReader
from pypdf.generic import ContentStream

from aup import documents, services, tasks
from aup.evidence import agreement_content, content_sha256
from aup.models import AgreementStatement, Audience, Signature, SignatureRequest, SignedDocument, private_storage
from aup.tests.factories import AgreementFactory, pupil_agreement, staff_agreement
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Role
from safeguard.directory.tests import factories

NOW = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)


def pdf_text(data):
    """All the text of a PDF, whitespace collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def drawn_images(page):
    """The images drawn on ``page`` (WeasyPrint shares one resource dictionary between pages, so ``page.images``
    lists every image of the document on every page)."""
    contents = ContentStream(page.get_contents(), page.pdf)
    drawn = {operands[0] for operands, operator in contents.operations if operator == b"Do"}
    return [image for image in page.images if "/" + image.name.rsplit(".", 1)[0] in drawn]


def drawn_signature_png():
    image = Image.new("RGB", (120, 40), "white")
    for x in range(10, 110):
        image.putpixel((x, 20 + (x % 7)), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(autouse=True)
def private_media(tmp_path, monkeypatch):
    """Stored PDFs go to a temporary folder, not the demo's var/media."""
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))
    return tmp_path / "private"


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school)


def _sign(request, **kwargs):
    content = agreement_content(request.agreement)
    defaults = {
        "statements_confirmed": [s["number"] for s in content["statements"]],
        "shown_sha256": content_sha256(content),
        "ip_address": "203.0.113.9",
        "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)",
        "now": NOW,
    }
    defaults.update(kwargs)
    return services.signature_record(request=request, **defaults)[0]


def complete(request, parent, guardian_link, teacher):
    """The parent signs on their phone with a drawn signature, then the pupil signs in class."""
    _sign(
        request,
        party=Signature.Party.PARENT,
        method=Signature.Method.PASSWORD_SESSION,
        signer_user=parent,
        signer_guardian=guardian_link.guardian,
        typed_name="Jane Whitfield",
        drawn_signature=drawn_signature_png(),
    )
    _sign(
        request,
        party=Signature.Party.PUPIL,
        method=Signature.Method.TEACHER_PRESENT,
        teacher_present=teacher,
        typed_name="Amara Whitfield",
        now=NOW + datetime.timedelta(days=1),
    )
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED
    return request


@pytest.fixture
def completed_request(agreement, office, pupil, parent, guardian_link, teacher):
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=pupil.school, pupil=pupil)
    return complete(request, parent, guardian_link, teacher)


def download(client, user, request):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("aup:document_download", args=[request.school.slug, request.public_id]))


@pytest.mark.django_db
class TestSignedDocument:
    def test_the_pdf_shows_the_agreement_the_signatures_and_the_certificate(self, completed_request, private_media):
        document = documents.signed_document_create(request=completed_request)

        stored = document.pdf.read()
        assert stored.startswith(b"%PDF-")
        assert document.sha256 == hashlib.sha256(stored).hexdigest()
        assert document.pdf.name.endswith(f"{document.public_id}.pdf")
        assert (private_media / document.pdf.name).is_file()
        text = pdf_text(stored)
        assert "Pupil acceptable use agreement" in text
        for statement in completed_request.agreement.statements.all():
            assert statement.text in text
        assert "Jane Whitfield" in text and "Amara Whitfield" in text
        assert "Certificate of completion" in text
        signature = completed_request.signatures.get(party=Signature.Party.PARENT)
        assert signature.content_sha256 in text.replace(" ", "")
        assert "2026-11-20T09:30:00Z" in text  # signed at, in UTC
        assert "203.0.113.9" in text
        assert "In class, with a teacher present" in text
        assert str(completed_request.public_id) in text.replace(" ", "")
        assert settings.SITE_URL + reverse("aup:verify") in text.replace(" ", "")
        assert "Our school keeps pupils safe online." in text  # the policy text, rendered from Markdown
        images = sum(len(drawn_images(page)) for page in PdfReader(io.BytesIO(stored)).pages)
        assert images == 1  # the parent's drawn signature
        event = AuditEvent.objects.get(action="aup.document.created")
        assert event.subject_id == str(document.public_id)

    def test_the_pdf_shows_what_was_signed_even_after_the_text_is_edited(self, completed_request):
        statement = completed_request.agreement.statements.get(order=2)
        AgreementStatement.objects.filter(pk=statement.pk).update(text="I will share my password with friends.")

        text = pdf_text(documents.signed_document_create(request=completed_request).pdf.read())

        assert "I will not share my password." in text
        assert "share my password with friends" not in text

    def test_a_request_not_completed_has_no_document(self, agreement, office, pupil):
        request, _ = services.signature_request_open(
            actor=office, agreement=agreement, school=pupil.school, pupil=pupil
        )
        with pytest.raises(documents.DomainError):
            documents.signed_document_create(request=request)
        assert not SignedDocument.objects.exists()

    def test_running_the_render_task_twice_stores_one_document(
        self, agreement, office, pupil, parent, guardian_link, teacher, celery_eager, django_capture_on_commit_callbacks
    ):
        request, _ = services.signature_request_open(
            actor=office, agreement=agreement, school=pupil.school, pupil=pupil
        )
        with django_capture_on_commit_callbacks(execute=True):
            complete(request, parent, guardian_link, teacher)
        assert SignedDocument.objects.filter(request=request).count() == 1  # rendered by the task after commit

        tasks.render_signed_document(request.pk)
        documents.signed_document_create(request=request)

        assert SignedDocument.objects.filter(request=request).count() == 1
        assert AuditEvent.objects.filter(action="aup.document.created").count() == 1

    def test_a_crash_while_rendering_loses_no_signature_and_the_task_can_run_again(
        self, completed_request, monkeypatch, private_media
    ):
        def broken(*args, **kwargs):
            raise RuntimeError("WeasyPrint fell over")

        with monkeypatch.context() as patched, pytest.raises(RuntimeError):
            patched.setattr(documents, "render_pdf", broken)
            tasks.render_signed_document(completed_request.pk)

        completed_request.refresh_from_db()
        assert completed_request.status == SignatureRequest.Status.COMPLETED
        assert completed_request.signatures.filter(revoked_at__isnull=True).count() == 2
        assert not SignedDocument.objects.exists()
        assert not AuditEvent.objects.filter(action="aup.document.created").exists()

        tasks.render_signed_document(completed_request.pk)
        assert SignedDocument.objects.filter(request=completed_request).count() == 1
        assert len(list((private_media / "signed").rglob("*.pdf"))) == 1

    def test_after_a_revoked_signature_is_replaced_a_new_document_is_made(
        self, completed_request, office, parent, guardian_link
    ):
        first = documents.signed_document_create(request=completed_request)
        parent_signature = completed_request.signatures.get(party=Signature.Party.PARENT)
        services.signature_revoke(actor=office, signature=parent_signature, reason="Signed by the wrong parent")
        _sign(
            completed_request,
            party=Signature.Party.PARENT,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=parent,
            signer_guardian=guardian_link.guardian,
            typed_name="Janet Whitfield",
        )
        completed_request.refresh_from_db()

        second = documents.signed_document_create(request=completed_request)

        first.refresh_from_db()
        assert second != first and first.superseded_at is not None
        text = pdf_text(second.pdf.read())
        assert "Janet Whitfield" in text and "Jane Whitfield" not in text


@pytest.mark.django_db
class TestVerification:
    def _check(self, client, data):
        upload = SimpleUploadedFile("agreement.pdf", data, content_type="application/pdf")
        return client.post(reverse("aup:verify"), {"document": upload})

    def test_the_signed_pdf_matches_the_record_and_reveals_nothing_else(self, client, completed_request):
        document = documents.signed_document_create(request=completed_request)

        response = self._check(client, document.pdf.read())

        assert response.status_code == 200
        page = response.content.decode()
        assert "This document matches the record of a signed agreement completed on" in page
        assert documents.short_reference(completed_request) in page
        for secret in ("Amara", "Whitfield", "Pupil acceptable use agreement", "Online Safety"):
            assert secret not in page
        assert (
            reverse("aup:document_download", args=[completed_request.school.slug, completed_request.public_id])
            not in page
        )

    def test_the_same_pdf_with_one_byte_changed_does_not_match(self, client, completed_request):
        data = bytearray(documents.signed_document_create(request=completed_request).pdf.read())
        data[len(data) // 2] ^= 0x01

        response = self._check(client, bytes(data))

        assert "This document does not match any record: it may have been changed." in response.content.decode()
        assert "matches the record" not in response.content.decode()

    def test_someone_entitled_also_gets_a_link_to_the_stored_copy(self, client, completed_request, parent):
        document = documents.signed_document_create(request=completed_request)
        client.force_login(parent)

        response = self._check(client, document.pdf.read())

        link = reverse("aup:document_download", args=[completed_request.school.slug, completed_request.public_id])
        assert link in response.content.decode()

    def test_the_page_is_public(self, client):
        response = client.get(reverse("aup:verify"))
        assert response.status_code == 200
        assert b'type="file"' in response.content

    def test_a_file_over_20_mb_is_refused(self, client):
        response = self._check(client, b"%PDF-" + b"0" * (20 * 1024 * 1024))
        assert "larger than 20 MB" in response.content.decode()
        assert "matches the record" not in response.content.decode()


@pytest.mark.django_db
class TestDownload:
    def test_a_parent_with_parental_responsibility_downloads_it_rendered_on_demand(
        self, client, completed_request, parent
    ):
        assert not SignedDocument.objects.exists()  # the render task is still queued

        response = download(client, parent, completed_request)

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "pupil-acceptable-use-agreement-amara-whitfield.pdf" in response["Content-Disposition"]
        data = b"".join(response.streaming_content)
        assert SignedDocument.objects.get().sha256 == hashlib.sha256(data).hexdigest()
        assert AuditEvent.objects.filter(action="aup.document.downloaded", actor=parent).exists()

    def test_a_parent_without_parental_responsibility_is_not_found(self, client, completed_request, parent):
        link = completed_request.pupil.guardian_links.get()
        link.has_parental_responsibility = False
        link.save()
        assert download(client, parent, completed_request).status_code == 404

    def test_a_teacher_is_not_found(self, client, completed_request, teacher):
        assert download(client, teacher, completed_request).status_code == 404

    def test_another_schools_office_is_not_found(self, client, completed_request, other_school):
        elsewhere = factories.UserFactory(email="office@elsewhere.test")
        factories.StaffRoleFactory(user=elsewhere, school=other_school, role=Role.OFFICE)
        assert download(client, elsewhere, completed_request).status_code == 404
        # Nor through its own school's address.
        response = client.get(reverse("aup:document_download", args=[other_school.slug, completed_request.public_id]))
        assert response.status_code == 404

    def test_the_office_downloads_it(self, client, completed_request, office):
        assert download(client, office, completed_request).status_code == 200

    def test_anonymous_is_sent_to_sign_in(self, client, completed_request):
        response = download(client, None, completed_request)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]

    def test_an_unfinished_request_has_nothing_to_download(self, client, agreement, office, pupil, parent):
        request, _ = services.signature_request_open(
            actor=office, agreement=agreement, school=pupil.school, pupil=pupil
        )
        assert download(client, parent, request).status_code == 404

    def test_staff_download_their_own_signed_agreement(self, client, school, academic_year, teacher, head):
        staff_agreement(school)
        request = services.staff_agreements_outstanding(teacher)[0]
        _sign(
            request,
            party=Signature.Party.SIGNER,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=teacher,
            typed_name="Tom Teacher",
        )
        _sign(
            request,
            party=Signature.Party.HEADTEACHER,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=head,
            typed_name="Helen Head",
        )
        request.refresh_from_db()

        response = download(client, teacher, request)

        assert response.status_code == 200
        text = pdf_text(b"".join(response.streaming_content))
        assert "Staff camera agreement" in text and "Helen Head" in text


@pytest.fixture
def class_of_30(school, academic_year):
    year = factories.YearGroupFactory(school=school, code="Y4", name="Year 4", order=4)
    school_class = factories.SchoolClassFactory(
        school=school, academic_year=academic_year, year_group=year, name="4 Ash"
    )
    pupils = [factories.PupilFactory(school=school, year_group=year, school_class=school_class) for _ in range(30)]
    return school_class, pupils


@pytest.mark.django_db
class TestBlankForms:
    def _get(self, client, user, agreement, **params):
        client.force_login(user)
        url = reverse("aup:blank_forms", args=[agreement.version.policy.school.slug, agreement.public_id])
        return client.get(url, params)

    def _prepare(self, client, user, agreement, capture, **params):
        """Ask for the forms (POST), let the worker build them (eager), and download them from the file's page."""
        client.force_login(user)
        url = reverse("aup:blank_forms", args=[agreement.version.policy.school.slug, agreement.public_id])
        query = "&".join(f"{key}={value}" for key, value in params.items())
        with capture(execute=True):
            response = client.post(f"{url}?{query}" if query else url)
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert "Your file is ready." in page.content.decode()
        return client.get(response["Location"] + "download/")

    def test_a_class_of_30_prints_30_pages_each_with_its_pupil_and_qr_code(
        self, client, office, agreement, class_of_30, celery_eager, django_capture_on_commit_callbacks
    ):
        school_class, pupils = class_of_30
        assert self._get(client, office, agreement, school_class=school_class.pk).status_code == 200  # the button
        assert not SignatureRequest.objects.exists()  # nothing is opened or built on GET

        response = self._prepare(
            client, office, agreement, django_capture_on_commit_callbacks, school_class=school_class.pk
        )

        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
        assert len(reader.pages) == 30
        requests = {r.pupil_id: r for r in SignatureRequest.objects.filter(agreement=agreement)}
        assert len(requests) == 30  # one request opened per pupil, for the online route
        ordered = sorted(pupils, key=lambda p: (p.legal_last_name, p.legal_first_name))
        for page, pupil in zip(reader.pages, ordered, strict=True):
            text = " ".join(page.extract_text().split())
            request = requests[pupil.pk]
            assert pupil.display_name in text
            assert "4 Ash" in text
            assert documents.short_reference(request) in text
            assert "I will not share my password." in text
            assert "Parent or carer" in text and "Pupil" in text  # a line for each party
            [image] = drawn_images(page)
            url = settings.SITE_URL + reverse("aup:sign", args=[request.public_id]) + "?lang=en-gb"
            buffer = io.BytesIO()
            segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
            expected = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
            assert ImageChops.difference(image.image.convert("L"), expected).getbbox() is None  # encodes this URL

    def test_printing_again_opens_no_second_request_and_reuses_the_file(
        self, client, office, head, agreement, class_of_30, celery_eager, django_capture_on_commit_callbacks
    ):
        from safeguard.jobs.models import PreparedFile

        school_class, _ = class_of_30
        capture = django_capture_on_commit_callbacks
        first = b"".join(self._prepare(client, office, agreement, capture, school_class=school_class.pk))
        second = b"".join(self._prepare(client, head, agreement, capture, school_class=school_class.pk))
        assert SignatureRequest.objects.filter(agreement=agreement).count() == 30
        assert first == second  # the head's request reused the file the office's built: the same content
        rows = list(PreparedFile.objects.order_by("pk"))
        assert [row.reused for row in rows] == [False, True] and rows[0].sha256 == rows[1].sha256

    def test_too_many_pupils_are_refused_with_a_clear_message(
        self, client, office, agreement, class_of_30, monkeypatch
    ):
        monkeypatch.setattr("aup.views_documents.MAX_BLANK_FORMS", 10)
        response = self._get(client, office, agreement)
        assert response.status_code == 400
        assert "at most 10 pupils" in response.content.decode()
        assert not SignatureRequest.objects.exists()

    def test_a_teacher_cannot_print_them(self, client, teacher, agreement, class_of_30):
        school_class, _ = class_of_30
        assert self._get(client, teacher, agreement, school_class=school_class.pk).status_code == 404

    def test_another_schools_class_is_not_found(self, client, office, agreement, other_school):
        elsewhere = factories.SchoolClassFactory(school=other_school)
        assert self._get(client, office, agreement, school_class=elsewhere.pk).status_code == 404

    def test_a_visitor_agreement_has_no_blank_forms(self, client, office, school, academic_year):
        visitors = AgreementFactory(version__policy__school=school, audience=Audience.VISITOR, title="Visitors")
        assert self._get(client, office, visitors).status_code == 404
