"""Issue 17 item 1, end to end: the stored copy of a signed agreement is digitally
sealed when the installation has a certificate, and the public verify page reports the seal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from aup import documents
from aup.tests.test_documents import academic_year, agreement, completed_request, private_media  # noqa: F401 — fixtures
from safeguard import sealing

PASSWORD = "test-only-password"


@pytest.fixture(scope="module")
def certificate_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("signing") / "seal.p12"
    call_command("make_signing_certificate", "Test School", "--output", str(path), "--password", PASSWORD)
    return path


@pytest.fixture
def sealing_key(settings, certificate_path):
    settings.SIGNING_PKCS12_PATH = str(certificate_path)
    settings.SIGNING_PKCS12_PASSWORD = PASSWORD
    settings.SIGNING_TSA_URL = ""


def _verify(client, data):
    upload = SimpleUploadedFile("agreement.pdf", data, content_type="application/pdf")
    return client.post(reverse("aup:verify"), {"document": upload}).content.decode()


@pytest.mark.django_db
def test_the_stored_signed_copy_is_sealed_and_the_verify_page_says_so(client, sealing_key, completed_request):  # noqa: F811
    data = documents.signed_document_create(request=completed_request).pdf.read()

    check = sealing.verify_seal(data)
    page = _verify(client, data)

    assert check.ok and check.covers_whole_document
    assert "This document matches the record of a signed agreement" in page
    assert 'id="seal-result"' in page and "alert-success" in page.split('id="seal-result"')[0].rsplit("<div", 1)[1]


@pytest.mark.django_db
def test_a_changed_byte_breaks_both_the_match_and_the_seal(client, sealing_key, completed_request):  # noqa: F811
    data = bytearray(documents.signed_document_create(request=completed_request).pdf.read())
    data[len(data) // 3] ^= 0x01

    check = sealing.verify_seal(bytes(data))
    page = _verify(client, bytes(data))

    assert not check.ok
    assert "This document does not match any record" in page
    assert 'id="seal-result"' in page


@pytest.mark.django_db
def test_without_a_certificate_copies_are_unsealed_and_still_match(client, settings, completed_request):  # noqa: F811
    settings.SIGNING_PKCS12_PATH = ""
    data = documents.signed_document_create(request=completed_request).pdf.read()

    assert not sealing.verify_seal(data).sealed
    assert "This document matches the record of a signed agreement" in _verify(client, data)
