"""Downloads are named by the server from the file's detected type, never by the uploader's extension, and uploaded
names are shown without bidirectional control characters (issue 12, item 9)."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aup import services_library
from aup.models import private_storage
from aup.tests.factories import PolicyFactory
from incidents.models import IncidentPupil
from incidents.services_files import attachment_add
from incidents.tests.factories import IncidentFactory
from safeguard import downloads

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
RLO = "\u202e"


@pytest.fixture(autouse=True)
def private_media(tmp_path, monkeypatch):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


def _zip(*names, mimetype=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype:
            archive.writestr("mimetype", mimetype)
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (PDF, "application/pdf", ".pdf"),
        (PNG, "image/png", ".png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg", ".jpg"),
        (b"GIF89a" + b"\x00" * 20, "image/gif", ".gif"),
        (_zip("word/document.xml"), downloads.DOCX, ".docx"),
        (_zip("xl/workbook.xml"), downloads.XLSX, ".xlsx"),
        (_zip("content.xml", mimetype="application/vnd.oasis.opendocument.text"), downloads.ODT, ".odt"),
        (_zip("other.xml"), "application/octet-stream", ".bin"),
        ("Notes from the meeting\nçığ\n".encode(), "text/plain", ".txt"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "application/octet-stream", ".bin"),
    ],
)
def test_the_type_and_extension_come_from_the_bytes(data, content_type, extension):
    assert downloads.detect_type(data) == content_type
    assert downloads.download_name("Report v1.2", data) == "report-v1-2" + extension


def test_bidi_controls_are_stripped_from_shown_names():
    name = f"invoice{RLO}fdp.exe \u2066x\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d"
    assert downloads.clean_display_name(name) == "invoicefdp.exe x"


@pytest.mark.django_db
def test_an_incident_attachment_named_pdf_holding_a_png_downloads_as_png(client, school, pupil, teacher):
    incident = IncidentFactory(
        school=school, recorded_by=teacher, pupils=[(pupil, IncidentPupil.Role.ALLEGED_PERPETRATOR)]
    )
    upload = SimpleUploadedFile("report.pdf", PNG, content_type="application/pdf")
    attachment = attachment_add(actor=teacher, incident=incident, uploaded=upload)
    client.force_login(teacher)
    url = reverse("incidents:attachment", args=[school.slug, incident.public_id, attachment.public_id])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="report.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.django_db
def test_an_incident_attachment_with_a_bidi_name_is_downloaded_without_it(client, school, pupil, teacher):
    incident = IncidentFactory(
        school=school, recorded_by=teacher, pupils=[(pupil, IncidentPupil.Role.ALLEGED_PERPETRATOR)]
    )
    attachment = incident.attachments.create(
        file=ContentFile(PDF, name="x.pdf"),
        name=f"statement{RLO}gnp.exe",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=teacher,
    )
    client.force_login(teacher)
    url = reverse("incidents:attachment", args=[school.slug, incident.public_id, attachment.public_id])
    response = client.get(url)
    assert response["Content-Disposition"] == 'attachment; filename="statementgnp.pdf"'
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_a_policy_document_downloads_under_the_policy_title_and_shows_no_bidi_name(client, school, office, teacher):
    policy = PolicyFactory(school=school, title="Online Safety Policy")
    upload = SimpleUploadedFile(f"Policy{RLO}xcod.exe.pdf", PDF, content_type="application/pdf")
    version = services_library.policy_version_create(
        actor=office, policy=policy, number="2.1", author="JEI", document=upload
    )
    assert version.document_name == "Policyxcod.exe.pdf"
    client.force_login(teacher)
    page = client.get(reverse("aup:policy_detail", args=[school.slug, policy.public_id])).text
    assert RLO not in page
    response = client.get(reverse("aup:version_document", args=[school.slug, version.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="online-safety-policy-v2-1.pdf"'
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_a_stored_bidi_document_name_is_shown_without_it(client, school, office):
    policy = PolicyFactory(school=school, title="Online Safety Policy")
    upload = SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf")
    version = services_library.policy_version_create(
        actor=office, policy=policy, number="1", author="A", document=upload
    )
    type(version).objects.filter(pk=version.pk).update(document_name=f"old{RLO}fdp.exe")
    client.force_login(office)
    page = client.get(reverse("aup:policy_detail", args=[school.slug, policy.public_id])).text
    assert "oldfdp.exe" in page and RLO not in page
