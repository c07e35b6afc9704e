"""The blank forms with QR codes are linked from the coverage page (per class and year group), and a completed
request's page links its signed PDF (issue 12, item 21)."""

import datetime
import re
from html import unescape

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from aup import services
from aup.models import private_storage
from aup.tests.factories import pupil_agreement
from safeguard.directory.tests import factories


@pytest.fixture(autouse=True)
def private_media(tmp_path, monkeypatch):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def agreement(school):
    factories.AcademicYearFactory(school=school)
    return pupil_agreement(school)


def _pdf(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
def test_the_coverage_page_links_blank_forms_per_class_and_year_group(
    client, school, office, agreement, pupil, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(office)
    page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id])).text
    base = reverse("aup:blank_forms", args=[school.slug, agreement.public_id])
    links = {unescape(href) for href in re.findall(r'href="([^"]*blank-forms/[^"]*)"', page)}
    assert f"{base}?school_class={pupil.school_class_id}" in links
    assert f"{base}?year_group={pupil.year_group_id}" in links
    assert base in links
    for link in links:  # each opens the page that asks the worker for the forms, and the forms are a PDF
        assert client.get(link).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            prepared = client.post(link)
        assert prepared.status_code == 302
        _pdf(client, prepared["Location"] + "download/")


@pytest.mark.django_db
def test_a_completed_requests_page_links_the_signed_pdf(client, school, office, agreement, pupil):
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=pupil)
    url = reverse("aup:request_detail", args=[school.slug, request.public_id])
    download = reverse("aup:document_download", args=[school.slug, request.public_id])
    client.force_login(office)
    assert download not in client.get(url).text  # nothing signed yet: no PDF to offer
    services.paper_return_record(
        actor=office,
        request=request,
        returned_on=datetime.date(2026, 11, 18),
        returned_by="Mother",
        names={"pupil": "Amara Whitfield", "parent": "Dana Whitfield"},
    )
    page = client.get(url).text
    assert f'href="{download}"' in page
    _pdf(client, download)
