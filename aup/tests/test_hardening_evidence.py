"""Every evidence time is the real one or is left out (issue 12, item 25): a paper return keeps the date the office
states and the time it was recorded; a countersigner's "first viewed" is their own view; a request opened at the
staff sign-in gate (no e-mail) shows no "Request sent" line."""

import datetime

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from aup import documents, services
from aup.evidence import agreement_content, content_sha256
from aup.models import Signature, SignatureRequest, private_storage
from aup.tests.factories import pupil_agreement, staff_agreement
from aup.tests.test_documents import pdf_text
from safeguard.directory.tests import factories

RECORDED = datetime.datetime(2026, 11, 20, 8, 15, 42, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def private_media(tmp_path, monkeypatch):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


def _sign(request, **kwargs):
    content = agreement_content(request.agreement)
    return services.signature_record(
        request=request,
        statements_confirmed=[s["number"] for s in content["statements"]],
        shown_sha256=content_sha256(content),
        **kwargs,
    )[0]


@pytest.mark.django_db
def test_a_paper_return_keeps_the_stated_date_and_the_real_recording_time(client, school, academic_year, office, pupil):
    agreement = pupil_agreement(school)
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=pupil)
    signatures = services.paper_return_record(
        actor=office,
        request=request,
        returned_on=datetime.date(2026, 11, 18),
        returned_by="Mother",
        names={"pupil": "Amara Whitfield", "parent": "Dana Whitfield"},
        now=RECORDED,
    )
    request.refresh_from_db()
    for signature in signatures:
        assert signature.signed_at == RECORDED  # not 2026-11-18 12:00:00, an invented time
        assert signature.paper_returned_on == datetime.date(2026, 11, 18)
        assert signature.first_viewed_at is None  # nobody viewed a paper form online
    assert request.completed_at == RECORDED  # completed when recorded, not before its own signatures

    text = pdf_text(documents.signed_document_pdf(request))
    flat = " ".join(text.split())
    assert "T12:00:00Z" not in flat
    assert "Paper form returned on (date stated by the office) 2026-11-18" in flat
    assert "Recorded by the office (UTC) 2026-11-20T08:15:42Z" in flat
    assert "First viewed" not in flat and "Request sent" not in flat  # never e-mailed, never viewed online

    client.force_login(office)
    page = " ".join(client.get(reverse("aup:request_detail", args=[school.slug, request.public_id])).text.split())
    assert "Recorded by the office (UTC)" in page and "2026-11-18" in page


@pytest.mark.django_db
def test_the_heads_first_view_is_their_own_and_a_gate_request_shows_no_request_sent(
    client, school, academic_year, teacher, head
):
    agreement = staff_agreement(school)
    client.force_login(teacher)
    gate = client.get(reverse("home"))
    assert gate.url.startswith(reverse("aup:staff_gate"))
    request = SignatureRequest.objects.get(agreement=agreement, user=teacher)  # opened by the gate, never e-mailed
    assert request.sent_at is None and request.created_by == teacher

    staff_viewed = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
    head_viewed = datetime.datetime(2026, 11, 23, 14, 5, tzinfo=datetime.UTC)
    services.signature_request_mark_viewed(request=request, party=Signature.Party.SIGNER, now=staff_viewed)
    _sign(
        request,
        party=Signature.Party.SIGNER,
        method=Signature.Method.PASSWORD_SESSION,
        signer_user=teacher,
        typed_name=teacher.full_name,
        now=staff_viewed + datetime.timedelta(minutes=3),
    )
    # The head opens the countersigning page: their own first view is recorded.
    client.force_login(head)
    request.refresh_from_db()
    services.signature_request_mark_viewed(request=request, party=Signature.Party.HEADTEACHER, now=head_viewed)
    assert client.get(reverse("aup:sign", args=[request.public_id])).status_code == 200  # a later view changes nothing
    request.refresh_from_db()
    head_signature = _sign(
        request,
        party=Signature.Party.HEADTEACHER,
        method=Signature.Method.PASSWORD_SESSION,
        signer_user=head,
        typed_name=head.full_name,
        now=head_viewed + datetime.timedelta(minutes=1),
    )
    assert head_signature.first_viewed_at == head_viewed  # not the teacher's 09:00
    staff_signature = request.signatures.get(party=Signature.Party.SIGNER)
    assert staff_signature.first_viewed_at == staff_viewed

    text = " ".join(pdf_text(documents.signed_document_pdf(SignatureRequest.objects.get(pk=request.pk))).split())
    assert "Request sent" not in text
    assert "First viewed (UTC) 2026-11-23T14:05:00Z" in text
    assert "First viewed (UTC) 2026-11-20T09:00:00Z" in text


@pytest.mark.django_db
def test_the_head_opening_the_page_records_their_own_view(client, school, academic_year, teacher, head):
    agreement = staff_agreement(school)
    request, _ = services.signature_request_open(actor=teacher, agreement=agreement, school=school, user=teacher)
    _sign(
        request,
        party=Signature.Party.SIGNER,
        method=Signature.Method.PASSWORD_SESSION,
        signer_user=teacher,
        typed_name=teacher.full_name,
    )
    client.force_login(head)
    assert client.get(reverse("aup:sign", args=[request.public_id])).status_code == 200
    request.refresh_from_db()
    assert Signature.Party.HEADTEACHER in request.first_viewed_by_party
