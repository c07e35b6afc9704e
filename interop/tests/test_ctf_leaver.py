"""A leaver's CTF and the child protection file transfer (issue 14 item 2, last clause).

The office never learns from Safeguard whether a pupil has a child protection file (``VIEW_SAFEGUARDING`` is the DSL
team's): every leaver's CTF download shows the same neutral sentence, the DSL team is e-mailed (no detail) on the
first export of a leaving, and the DSL's transfer pages list the CTF exports beside the transfers."""

import datetime
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from incidents.models import FileTransfer, IncidentPupil
from incidents.tests.factories import concern
from interop.models import CtfExport
from interop.tasks import send_leaver_ctf_notice
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories

LEFT_ON = datetime.date(2026, 12, 1)
NEUTRAL = "The DSL has been told that this pupil is leaving, so any child protection file can follow separately."


def _leaver(school, first, last):
    return factories.PupilFactory(school=school, legal_first_name=first, legal_last_name=last, upn="", left_on=LEFT_ON)


@pytest.fixture
def with_cp_file(school, dsl):
    """A leaver with a safeguarding concern and a child protection file already sent to a new school."""
    pupil = _leaver(school, "Oriel", "Vantongeren")
    incident = concern(school, description="Disclosure made to the class teacher about home.")
    IncidentPupil.objects.create(incident=incident, pupil=pupil, role=IncidentPupil.Role.SUBJECT)
    FileTransfer.objects.create(
        pupil=pupil,
        school=school,
        destination_school="Harbourside Academy",
        destination_dsl="Ms Quillfeather",
        method="secure e-mail",
        sent_at=timezone.now() - datetime.timedelta(days=1),
        sent_by=dsl,
    )
    return pupil


@pytest.fixture
def without_cp_file(school):
    return _leaver(school, "Bram", "Ellicott")


@pytest.mark.django_db
def test_the_office_sees_the_same_neutral_sentence_for_every_leaver(
    client, office, school, with_cp_file, without_cp_file
):
    client.force_login(office)
    pages = {}
    for pupil in (with_cp_file, without_cp_file):
        page = client.get(reverse("directory:pupil_detail", args=[school.slug, pupil.public_id])).content.decode()
        assert "Download the Common Transfer File" in page and NEUTRAL in page
        for leak in ("Harbourside", "Quillfeather", "receipt", "Disclosure", "transfer is needed"):
            assert leak not in page
        response = client.get(reverse("interop:pupil_ctf", args=[school.slug, pupil.public_id]))
        assert response.status_code == 200
        pages[pupil.pk] = response.content.decode()
    cp_xml = pages[with_cp_file.pk]
    for leak in ("Harbourside", "Quillfeather", "Disclosure", "child protection", "FileTransfer", "secure e-mail"):
        assert leak not in cp_xml
    # The two files differ only in the pupil's own details: same elements, nothing added for a CP file.
    assert cp_xml.count("<") == pages[without_cp_file.pk].count("<")

    # Each download is recorded and audited, linked to the leaving.
    export = CtfExport.objects.get(pupil=with_cp_file)
    assert (export.left_on, export.exported_by, len(export.sha256)) == (LEFT_ON, office, 64)
    event = AuditEvent.objects.get(action="interop.ctf.exported", subject_id=str(with_cp_file.public_id))
    assert event.data["export"] == str(export.public_id) and event.data["left_on"] == "2026-12-01"


@pytest.mark.django_db
def test_the_dsl_team_is_emailed_once_per_leaving_with_no_detail(
    client,
    office,
    dsl,
    deputy_dsl,
    head,
    teacher,
    school,
    with_cp_file,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    client.force_login(office)
    url = reverse("interop:pupil_ctf", args=[school.slug, with_cp_file.public_id])
    for _ in range(2):  # the office downloads it twice: one e-mail
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(url).status_code == 200
    assert CtfExport.objects.filter(pupil=with_cp_file).count() == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([dsl.email, deputy_dsl.email, head.email])
    body = message.body + message.subject + message.alternatives[0][0]
    assert "check whether a child protection file transfer is needed" in body.lower()
    assert "Sign in to view" in body
    assert reverse("incidents:pupil_transfers", args=[school.slug, with_cp_file.public_id]) in body
    for leak in ("Oriel", "Vantongeren", "Harbourside", "Disclosure"):
        assert leak not in body
    # Running the task again sends nothing.
    first = CtfExport.objects.filter(pupil=with_cp_file).order_by("pk").first()
    assert send_leaver_ctf_notice(first.pk) == 0 and len(mail.outbox) == 1

    # A pupil who came back and left again is a new leaving: the DSL team hears again.
    with_cp_file.left_on = datetime.date(2027, 1, 10)
    with_cp_file.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url)
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_dsl_transfer_pages_show_the_ctf_export_beside_the_transfer(client, office, dsl, school, with_cp_file):
    client.force_login(office)
    client.get(reverse("interop:pupil_ctf", args=[school.slug, with_cp_file.public_id]))

    client.force_login(dsl)
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()
    for url in (
        reverse("incidents:pupil_transfers", args=[school.slug, with_cp_file.public_id]),
        reverse("incidents:transfers", args=[school.slug]),
    ):
        page = client.get(url).content.decode()
        assert "Harbourside Academy" in page  # the transfer
        ctf = page[page.index('id="ctf-exports"') :]
        assert "Common Transfer Files sent by the office" in page
        assert "1 Dec 2026" in ctf and f"by {office.full_name}" in ctf

    # The office cannot open these pages at all.
    client.force_login(office)
    assert client.get(reverse("incidents:transfers", args=[school.slug])).status_code == 404
